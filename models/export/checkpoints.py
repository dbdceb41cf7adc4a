"""Readers for the files users download: rosinality generator, StyleCLIP mappers, fs3 relevance, S statistics.

Every reader is strict about weights: a file that does not match raises CheckpointError naming the file and each
missing, unexpected or mis-shaped entry, so the exporter never silently exports a half-loaded network. It is
lenient exactly where upstream is, and says so in `notes` (pack.json provenance, models/README.md):
* a generator without its fixed buffers (``noises.*``, ``*.blur.kernel``, ``*.upsample.kernel``; upstream loads
  with strict=False) gets them regenerated: the blur kernel is fixed, the noise is drawn from NOISE_SEED;
* a mapper's levels come from the keys present; ``opts`` flags that disagree are a warning, not an error;
* an fs3 holding only the first conv layers (the released SingleChannel.py writes S indices ≤ 16: 5376 rows
  for FFHQ) is zero-padded, as upstream SplitS does.
"""
from __future__ import annotations

import pickle
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping

import numpy as np
import torch
from torch import nn

from .mapper import LEVELS, LevelsMapper
from .safe_load import UnsafeFileError, check_regular_file, safe_torch_load
from .stylegan2 import Generator, GeneratorConfig

BLUR_TAPS = (1.0, 3.0, 3.0, 1.0)  # rosinality blur_kernel of every released config
NOISE_SEED = 0  # missing noise buffers: torch.randn from this seed, noise_0 … noise_N in order (upstream: unseeded)


class CheckpointError(ValueError):
    """A user-supplied file does not have the expected format. The message says which file and what is wrong."""


def load_strict(module: nn.Module, state: Mapping[str, torch.Tensor], path: Path, *, prefix: str = "") -> None:
    """load_state_dict(strict=True), but listing every missing, unexpected and mis-shaped key in one message.

    `prefix` is what the keys carry inside the file (``mapper.``), so the message quotes them as stored.
    """
    expected = module.state_dict()
    missing = [prefix + key for key in expected if key not in state]
    unexpected = [prefix + key for key in state if key not in expected]
    wrong_shape = [f"{prefix}{key} is {list(state[key].shape)}, expected {list(expected[key].shape)}"
                   for key in expected if key in state and state[key].shape != expected[key].shape]
    problems = []
    if missing:
        problems.append(f"missing keys: {', '.join(missing)}")
    if unexpected:
        problems.append(f"unexpected keys: {', '.join(unexpected)}")
    if wrong_shape:
        problems.append(f"shape mismatches: {'; '.join(wrong_shape)}")
    if problems:
        raise CheckpointError(f"{path}: does not match {type(module).__name__}: " + ". ".join(problems) + ".")
    module.load_state_dict({key: value.float() for key, value in state.items()}, strict=True)


def load_checkpoint_file(path: Path, *, label: str | None = None) -> object:
    """A downloaded or trained checkpoint, read bounded and through the restricted unpickler (safe_load.py);
    every failure is one CheckpointError line, named by `label` (default: the path)."""
    try:
        check_regular_file(path)
    except UnsafeFileError as error:
        raise CheckpointError(str(error)) from None
    try:
        return safe_torch_load(path)
    except Exception as error:  # torch raises half a dozen types for a file that is not a checkpoint
        raise CheckpointError(f"{label or path}: cannot be read by torch.load ({type(error).__name__}: {error}).") from error


def _require_dict(checkpoint: object, path: Path, keys: tuple[str, ...], what: str) -> Mapping:
    if not isinstance(checkpoint, Mapping):
        raise CheckpointError(f"{path}: expected a {what} dict with {', '.join(keys)}; found a {type(checkpoint).__name__}.")
    missing = [key for key in keys if key not in checkpoint]
    if missing:
        raise CheckpointError(f"{path}: not a {what}: missing top-level keys {', '.join(missing)} "
                              f"(found {', '.join(map(str, checkpoint.keys()))}).")
    return checkpoint


@dataclass
class GeneratorCheckpoint:
    generator: Generator  # eval mode, float32
    latent_avg: torch.Tensor  # [w_dim], the truncation centre


def blur_kernel(size: int = 4) -> torch.Tensor:
    """rosinality make_kernel(blur_kernel) × upsample_factor² (the ×4 every stored blur/upsample kernel carries)."""
    if size != len(BLUR_TAPS):
        raise CheckpointError(f"no blur kernel of size {size} to regenerate (released configs use {len(BLUR_TAPS)})")
    taps = torch.tensor(BLUR_TAPS)
    kernel = taps[None, :] * taps[:, None]
    return kernel / kernel.sum() * 4


def regenerate_fixed_buffers(generator: Generator, state: Mapping[str, torch.Tensor], path: Path,
                             notes: list[dict] | None) -> dict[str, torch.Tensor]:
    """`state` plus the fixed buffers it lacks: blur/upsample kernels (constant) and noise (seeded)."""
    expected = generator.state_dict()
    kernels = [k for k in expected if k not in state and k.endswith((".blur.kernel", ".upsample.kernel"))]
    noises = [k for k in expected if k not in state and k.startswith("noises.noise_")]
    if not kernels and not noises:
        return dict(state)
    filled = dict(state)
    for key in kernels:
        filled[key] = blur_kernel(expected[key].shape[0])
    if noises:
        rng = torch.Generator().manual_seed(NOISE_SEED)
        for i in range(generator.config.num_noises):  # in order, so each buffer's values do not depend on the others
            key = f"noises.noise_{i}"
            value = torch.randn(expected[key].shape, generator=rng)
            if key in noises:
                filled[key] = value
    if kernels:
        _note(notes, path, "blur-kernels-regenerated", f"{len(kernels)} *.blur.kernel / *.upsample.kernel buffers were "
              f"missing and were set to the fixed kernel outer({list(BLUR_TAPS)})/64×4 (upstream's make_kernel)")
    if noises:
        _note(notes, path, "noise-regenerated", f"{len(noises)} of {generator.config.num_noises} noises.noise_* buffers "
              f"were missing and were drawn with torch.randn from seed {NOISE_SEED} (noise_0 … noise_"
              f"{generator.config.num_noises - 1} in order); fine detail (hair strands, pores) differs from the "
              f"original noise, the edit does not")
    return filled


def _note(notes: list[dict] | None, path: Path, what: str, detail: str) -> None:
    if notes is not None:
        notes.append({"file": Path(path).name, "what": what, "detail": detail})


def load_generator_checkpoint(path: Path | str, *, notes: list[dict] | None = None) -> GeneratorCheckpoint:
    """A rosinality checkpoint as convert_weight.py writes it: {'g_ema': state dict, 'latent_avg': [w_dim]}.

    Other top-level entries (training checkpoints carry 'g', 'd', optimisers) are ignored: only g_ema is exported.
    Missing fixed buffers are regenerated (regenerate_fixed_buffers) and recorded in `notes`.
    """
    path = Path(path)
    checkpoint = _require_dict(load_checkpoint_file(path), path, ("g_ema", "latent_avg"), "rosinality StyleGAN2 checkpoint")
    state = checkpoint["g_ema"]
    try:
        config = GeneratorConfig.from_state_dict(state)
    except KeyError as error:
        raise CheckpointError(f"{path}: g_ema: {error.args[0]}.") from error
    generator = Generator(config)
    state = regenerate_fixed_buffers(generator, state, path, notes)
    load_strict(generator, state, path, prefix="g_ema.")
    latent_avg = checkpoint["latent_avg"].detach().float().reshape(-1)
    if latent_avg.shape != (config.style_dim,):
        raise CheckpointError(f"{path}: latent_avg has shape {list(checkpoint['latent_avg'].shape)}, "
                              f"expected [{config.style_dim}].")
    return GeneratorCheckpoint(generator=generator.eval(), latent_avg=latent_avg)


@dataclass
class MapperCheckpoint:
    mapper: LevelsMapper  # eval mode, float32
    description: str
    levels: tuple[str, ...]


def load_mapper_checkpoint(path: Path | str, *, notes: list[dict] | None = None) -> MapperCheckpoint:
    """A StyleCLIP mapper checkpoint: {'state_dict': {'mapper.*', 'decoder.*'}, 'opts': {...}}.

    The trained levels come from the keys present, as upstream builds the mapper from its own options and never
    from the file; opts' no_<level>_mapper flags that disagree are recorded in `notes` (a warning). Without a
    description in opts, the file name stands in (noted too). The bundled decoder.* generator is ignored (the
    pack's generator comes from --stylegan).
    """
    path = Path(path)
    checkpoint = _require_dict(load_checkpoint_file(path), path, ("state_dict",), "StyleCLIP mapper checkpoint")
    raw_opts = checkpoint.get("opts") or {}
    opts = dict(raw_opts) if isinstance(raw_opts, Mapping) else vars(raw_opts)
    if opts.get("mapper_type", "LevelsMapper") != "LevelsMapper":
        raise CheckpointError(f"{path}: mapper_type is {opts['mapper_type']!r}; only LevelsMapper is supported.")
    if opts.get("work_in_stylespace"):
        raise CheckpointError(f"{path}: a StyleSpace mapper (work_in_stylespace); only W+ LevelsMappers are supported.")
    state = {key[len("mapper."):]: value for key, value in checkpoint["state_dict"].items() if key.startswith("mapper.")}
    if not state:
        raise CheckpointError(f"{path}: no 'mapper.*' keys in state_dict: not a StyleCLIP mapper checkpoint.")
    present = tuple(name for name, attribute, _, _ in LEVELS if any(key.startswith(attribute + ".") for key in state))
    flagged = tuple(name for name, *_ in LEVELS if not opts.get(f"no_{name}_mapper", False))
    if present != flagged:
        _note(notes, path, "mapper-levels-from-keys", f"the weights hold the levels {', '.join(present) or 'none'} but "
              f"opts (no_*_mapper) say {', '.join(flagged) or 'none'}; the levels present were used")
    weight_key = next(key for key in state if key.endswith(".weight"))
    mapper = LevelsMapper(int(state[weight_key].shape[1]), present)
    load_strict(mapper, state, path, prefix="mapper.")
    description = str(opts.get("description") or "").strip()
    if not description:
        description = path.stem.replace("_", " ")
        _note(notes, path, "mapper-description-from-name", f"opts has no 'description'; the file name "
              f"{description!r} stands in")
    return MapperCheckpoint(mapper=mapper.eval(), description=description, levels=present)


def load_relevance(path: Path | str, *, conv_channels: int, conv_layer_channels: list[int] | None = None,
                   notes: list[dict] | None = None) -> np.ndarray:
    """fs3.npy: one unit CLIP direction per conv S channel, [conv_channels, D], float16 or float32 on disk.

    With `conv_layer_channels` (the conv layers' widths in forward order), a file covering only the first whole
    conv layers is zero-padded, as upstream SplitS fills the layers a shorter fs3 lacks (the released
    SingleChannel.py computes S indices ≤ 16 only: 5376 of FFHQ's 6048 rows); zero rows never pass β.
    """
    path = Path(path)
    array = _load_npy(path)
    if array.dtype.kind != "f" or array.dtype.itemsize not in (2, 4) or array.ndim != 2:
        raise CheckpointError(f"{path}: expected a 2-D float16 or float32 array, found {array.dtype} {list(array.shape)}.")
    prefixes = list(np.cumsum(conv_layer_channels)) if conv_layer_channels else []
    if array.shape[0] != conv_channels and array.shape[0] in prefixes[:-1]:
        layers = prefixes.index(array.shape[0]) + 1
        _note(notes, path, "relevance-zero-padded", f"{array.shape[0]} rows cover the first {layers} of "
              f"{len(prefixes)} conv layers (upstream SingleChannel.py stops at S index 16); rows {array.shape[0]}–"
              f"{conv_channels - 1} were zero-filled as upstream SplitS does, so those channels are never edited")
        array = np.concatenate([array.astype(np.float32), np.zeros((conv_channels - array.shape[0], array.shape[1]),
                                                                    np.float32)])
    if array.shape[0] != conv_channels:
        raise CheckpointError(f"{path}: has {array.shape[0]} rows but the generator has {conv_channels} conv S "
                              f"channels (ToRGB excluded); fs3 must hold one row per conv channel, in forward order. "
                              f"Was it computed for another generator or resolution?")
    return np.ascontiguousarray(array, dtype=np.float32)


def _load_npy(path: Path) -> np.ndarray:
    try:
        check_regular_file(path)
    except UnsafeFileError as error:
        raise CheckpointError(str(error)) from None
    try:
        return np.load(path, allow_pickle=False)
    except ValueError as error:
        raise CheckpointError(f"{path}: not a plain .npy array ({error}).") from error


class _NumpyOnlyUnpickler(pickle.Unpickler):
    """S_mean_std is a pickle of numpy arrays; refuse anything else so a hostile file cannot run code."""

    ALLOWED = {("numpy.core.multiarray", "_reconstruct"), ("numpy", "ndarray"), ("numpy", "dtype"),
               ("numpy.core.multiarray", "scalar"), ("numpy._core.multiarray", "_reconstruct"),
               ("numpy._core.multiarray", "scalar")}

    def find_class(self, module: str, name: str):
        if (module, name) not in self.ALLOWED:
            raise pickle.UnpicklingError(f"refusing to load {module}.{name}")
        return super().find_class(module, name)


def load_s_statistics(*, layer_channels: list[int], s_stats: Path | str | None = None,
                      s_mean: Path | str | None = None, s_std: Path | str | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Per-channel S mean and std as flat float32 [totalS] arrays, generator order.

    Either upstream's S_mean_std pickle ([means, stds], each a list of one float32 array per style layer,
    ToRGB included) or two flat .npy files.
    """
    total = sum(layer_channels)
    if s_stats is not None:
        path = Path(s_stats)
        if not path.is_file():
            raise CheckpointError(f"{path}: no such file.")
        try:
            with path.open("rb") as file:
                payload = _NumpyOnlyUnpickler(file).load()
        except (pickle.UnpicklingError, EOFError, AttributeError, ImportError) as error:
            raise CheckpointError(f"{path}: not an S_mean_std pickle ({error}).") from error
        if not (isinstance(payload, (list, tuple)) and len(payload) == 2):
            raise CheckpointError(f"{path}: expected the pair [means, stds].")
        return tuple(_flatten_layers(part, layer_channels, path, what) for part, what in zip(payload, ("means", "stds")))
    if s_mean is None or s_std is None:
        raise CheckpointError("S statistics need either --s-stats S_mean_std or both --s-mean and --s-std.")
    result = []
    for file in (Path(s_mean), Path(s_std)):
        array = _load_npy(file).astype(np.float32).reshape(-1)
        if array.shape != (total,):
            raise CheckpointError(f"{file}: has {array.size} values; the generator has {total} S channels.")
        result.append(array)
    return result[0], result[1]


def _flatten_layers(layers: object, layer_channels: list[int], path: Path, what: str) -> np.ndarray:
    if not isinstance(layers, (list, tuple)) or len(layers) != len(layer_channels):
        count = len(layers) if isinstance(layers, (list, tuple)) else type(layers).__name__
        raise CheckpointError(f"{path}: {what} should be a list of {len(layer_channels)} per-layer arrays, found {count}.")
    flat = []
    for index, (layer, channels) in enumerate(zip(layers, layer_channels)):
        layer = np.asarray(layer, dtype=np.float32).reshape(-1)
        if layer.size != channels:
            raise CheckpointError(f"{path}: {what} layer {index} has {layer.size} values, the generator's has {channels}.")
        flat.append(layer)
    return np.concatenate(flat)
