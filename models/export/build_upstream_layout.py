"""Random-weight checkpoints in the exact layouts users download (tests and benchmarks only, never committed).

    python3 -m models.export.build_upstream_layout <folder> [--size tiny|full] [--fs3 none|full|short]
        [--s-stats] [--vocab FILE] [--drop-noise] [--seed N]

Writes into <folder>, under names that say what they are but that the build never reads (it identifies by content):
  generator.pt        rosinality convert_weight.py layout: {'g_ema', 'latent_avg', 'g', 'd'}; g is g_ema's tensors
                      (torch.save stores shared storages once), d a discriminator state dict in rosinality's layout
  encoder.pt          e4e coach layout: {'state_dict': encoder.* + decoder.*, 'opts' (a dict), 'latent_avg' [n, w]}
  clip.pt             a TorchScript archive whose state_dict is OpenAI CLIP's, float16, with the int64 scalars
                      input_resolution, context_length and vocab_size, as the released ViT-B-32.pt
  mapper.pt           StyleCLIP coach layout: {'state_dict': mapper.* + decoder.*, 'opts'}; coarse and medium levels
                      with opts.no_fine_mapper (as afro.pt, bobcut.pt, … are)
  fs3.npy             (--fs3) float16 [6048, 512] (full) or only the rows of S indices ≤ 16 (short: what the released
                      SingleChannel.py writes, 5376 rows at 1024 px)
  S_mean_std          (--s-stats) the upstream pickle, [means, stds], one float32 array per style layer
  bpe_simple_vocab_16e6.txt.gz   (--vocab) copied

The released CLIP archive is a traced model; this one holds the same state dict behind a trivial scripted forward,
which is all the exporter reads (torch.jit.load(...).state_dict()). Init scales follow upstream (equalised-lr
weights N(0, 1/lr_mul²), modulation bias 1, the encoder's PyTorch default init with its heads scaled to O(1) W+
offsets, CLIP Linear N(0, 1/fan_in)), so activations stay O(1).
"""
from __future__ import annotations

import argparse
import math
import pickle
import shutil
import sys
from pathlib import Path

import numpy as np
import torch
from torch import nn

from .checkpoints import blur_kernel
from .clip import ClipConfig, ClipModel
from .e4e import E4EConfig, Encoder4Editing
from .mapper import LEVELS, LevelsMapper
from .stylegan2 import LR_MLP, Generator, GeneratorConfig

SEED = 1024
MEAN_LATENT_SAMPLES = 4096  # rosinality mean_latent(4096)
S_STAT_SAMPLES = 2000  # W+ samples behind --s-stats (upstream used 100 k; only the scale matters here)
NOISE_STRENGTH = 0.05  # trained noise weights are small; 0 (the init) would let the export drop the noise adds
UPSTREAM_FS3_MAX_S_INDEX = 16  # released SingleChannel.py: mindexs <= 16
# StyleGAN2 FFHQ config-f (spec/styleclip.md §0.1) and the matching e4e and CLIP ViT-B/32.
SIZES = {
    "full": (GeneratorConfig(size=1024, style_dim=512, n_mlp=8, blur_kernel_size=4,
                             channels={4: 512, 8: 512, 16: 512, 32: 512, 64: 512, 128: 256, 256: 128, 512: 64, 1024: 32}),
             E4EConfig(input_width=64, stage_widths=(64, 128, 256, 512), style_dim=512, num_styles=18),
             ClipConfig(embed_dim=512, image_resolution=224, vision_layers=12, vision_width=768, vision_patch_size=32,
                        context_length=77, vocab_size=49408, transformer_width=512, transformer_layers=12)),
    "tiny": (GeneratorConfig(size=64, style_dim=32, n_mlp=2, blur_kernel_size=4,
                             channels={4: 32, 8: 32, 16: 32, 32: 24, 64: 16}),
             E4EConfig(input_width=16, stage_widths=(16, 20, 24, 32), style_dim=32, num_styles=10),
             ClipConfig(embed_dim=32, image_resolution=32, vision_layers=2, vision_width=128, vision_patch_size=8,
                        context_length=77, vocab_size=49408, transformer_width=64, transformer_layers=2)),
}


def generator_state(config: GeneratorConfig, rng: torch.Generator) -> tuple[dict[str, torch.Tensor], torch.Tensor]:
    generator = Generator(config)
    state = {}
    for key, value in generator.state_dict().items():
        shape = value.shape
        if key.startswith("style.") and key.endswith(".weight"):
            tensor = torch.randn(shape, generator=rng) / LR_MLP  # EqualLinear(lr_mul=0.01) init
        elif key.startswith("style.") or key.endswith("activate.bias") or key.endswith("to_rgb1.bias") \
                or (key.startswith("to_rgbs.") and key.endswith(".bias")):
            tensor = torch.zeros(shape)
        elif key.endswith("modulation.bias"):
            tensor = torch.ones(shape)  # EqualLinear(bias_init=1)
        elif key.endswith(".kernel"):
            tensor = blur_kernel(shape[0])
        elif key.endswith("noise.weight"):
            tensor = torch.full(shape, NOISE_STRENGTH)
        else:  # conv and modulation weights, the constant input, the noise buffers: N(0, 1)
            tensor = torch.randn(shape, generator=rng)
        state[key] = tensor
    generator.load_state_dict(state)
    with torch.no_grad():
        latent_avg = generator.mapping(torch.randn(MEAN_LATENT_SAMPLES, config.style_dim, generator=rng)).mean(0)
    return state, latent_avg


def discriminator_state(config: GeneratorConfig, rng: torch.Generator) -> dict[str, torch.Tensor]:
    """rosinality Discriminator(size, channel_multiplier=2)'s state-dict layout (the exporter never reads it)."""
    ch, state = config.channels, {}

    def normal(*shape):
        return torch.randn(*shape, generator=rng)

    state["convs.0.0.weight"], state["convs.0.1.bias"] = normal(ch[config.size], 3, 1, 1), torch.zeros(ch[config.size])
    in_ch = ch[config.size]
    for index, log_res in enumerate(range(config.log_size, 2, -1), 1):
        out_ch = ch[2 ** (log_res - 1)]
        prefix = f"convs.{index}"
        state[f"{prefix}.conv1.0.weight"], state[f"{prefix}.conv1.1.bias"] = normal(in_ch, in_ch, 3, 3), torch.zeros(in_ch)
        state[f"{prefix}.conv2.0.kernel"] = blur_kernel(config.blur_kernel_size) / 4  # downsampling blur: no ×4
        state[f"{prefix}.conv2.1.weight"], state[f"{prefix}.conv2.2.bias"] = normal(out_ch, in_ch, 3, 3), torch.zeros(out_ch)
        state[f"{prefix}.skip.0.kernel"] = blur_kernel(config.blur_kernel_size) / 4
        state[f"{prefix}.skip.1.weight"] = normal(out_ch, in_ch, 1, 1)
        in_ch = out_ch
    state["final_conv.0.weight"], state["final_conv.1.bias"] = normal(ch[4], in_ch + 1, 3, 3), torch.zeros(ch[4])
    state["final_linear.0.weight"], state["final_linear.0.bias"] = normal(ch[4], ch[4] * 16), torch.zeros(ch[4])
    state["final_linear.1.weight"], state["final_linear.1.bias"] = normal(1, ch[4]), torch.zeros(1)
    return state


def e4e_checkpoint(config: E4EConfig, size: int, decoder: dict[str, torch.Tensor], rng: torch.Generator) -> dict:
    # PyTorch's default init, as upstream's constructor leaves it (seeded): He-normal convs would make the random
    # IR-SE-50 chaotic (outputs ~1e4, and any rounding of a weight moving W+ by half its range), a poor proxy for a
    # trained encoder, whose BN statistics keep it well conditioned.
    with torch.random.fork_rng():
        torch.manual_seed(int(torch.randint(0, 2**31 - 1, (1,), generator=rng)))
        encoder = Encoder4Editing(config)
    with torch.no_grad():
        for name, parameter in encoder.named_parameters():
            if name.endswith("linear.weight"):  # EqualLinear: N(0, 1), scaled by 1/√512 in forward
                parameter.copy_(torch.randn(parameter.shape, generator=rng))
        latent_avg = torch.randn(config.num_styles, config.style_dim, generator=rng) * 0.1
        # Random IR-SE-50 features grow with depth: scale the heads so that W+ offsets are O(1), as trained ones are.
        probe = encoder.eval()(torch.rand(1, 3, 256, 256, generator=rng) * 2 - 1)
        for name, parameter in encoder.named_parameters():
            if name.endswith("linear.weight") or name.endswith("linear.bias"):
                parameter.div_(float(probe.std()))
    state = {f"encoder.{key}": value for key, value in encoder.state_dict().items()}
    state.update({f"decoder.{key}": value for key, value in decoder.items()})
    opts = {"exp_dir": "e4e_ffhq_encode", "dataset_type": "ffhq_encode", "encoder_type": "Encoder4Editing",
            "batch_size": 8, "learning_rate": 0.0001, "optim_name": "ranger", "train_decoder": False,
            "start_from_latent_avg": True, "lpips_lambda": 0.8, "id_lambda": 0.5, "l2_lambda": 1.0,
            "stylegan_weights": "pretrained_models/stylegan2-ffhq-config-f.pt", "stylegan_size": size,
            "checkpoint_path": None, "max_steps": 200000, "delta_norm": 2, "delta_norm_lambda": 0.0002,
            "progressive_steps": None, "w_discriminator_lambda": 0.1, "device": "cuda:0"}
    return {"state_dict": state, "opts": opts, "latent_avg": latent_avg}


def clip_state(config: ClipConfig, rng: torch.Generator) -> dict[str, torch.Tensor]:
    model = ClipModel(config)
    state = {}
    for key, value in model.state_dict().items():
        if key.endswith(("ln_1.weight", "ln_2.weight", "ln_pre.weight", "ln_post.weight")) or key == "ln_final.weight":
            tensor = torch.ones(value.shape)
        elif value.ndim <= 1 and key not in ("class_embedding", "visual.class_embedding"):
            tensor = torch.zeros(value.shape) if key != "logit_scale" else torch.tensor(math.log(1 / 0.07))
        elif key in ("text_projection", "visual.proj"):
            tensor = torch.randn(value.shape, generator=rng) * value.shape[0] ** -0.5
        elif value.ndim == 2 and "embedding" not in key:  # Linear [out, in]
            tensor = torch.randn(value.shape, generator=rng) * value.shape[1] ** -0.5
        elif key == "visual.conv1.weight":
            tensor = torch.randn(value.shape, generator=rng) * value[0].numel() ** -0.5
        else:  # token/positional/class embeddings (upstream std 0.02 / 0.01 / width^-0.5)
            tensor = torch.randn(value.shape, generator=rng) * 0.02
        state[key] = tensor.half()  # the released archive stores float16
    state["input_resolution"] = torch.tensor(config.image_resolution)
    state["context_length"] = torch.tensor(config.context_length)
    state["vocab_size"] = torch.tensor(config.vocab_size)
    return state


class _StateHolder(nn.Module):
    """A scriptable module tree that holds a given state dict under its exact keys."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x


def save_torchscript_state(state: dict[str, torch.Tensor], path: Path) -> None:
    root = _StateHolder()
    for key, value in state.items():
        *parts, name = key.split(".")
        module = root
        for part in parts:
            if not hasattr(module, part):
                module.add_module(part, _StateHolder())
            module = getattr(module, part)
        if value.is_floating_point():
            module.register_parameter(name, nn.Parameter(value, requires_grad=False))
        else:
            module.register_buffer(name, value)
    torch.jit.save(torch.jit.script(root), str(path))


def mapper_checkpoint(config: GeneratorConfig, decoder: dict[str, torch.Tensor], rng: torch.Generator,
                      levels: tuple[str, ...] = ("coarse", "medium")) -> dict:
    mapper = LevelsMapper(config.style_dim, levels)
    with torch.no_grad():
        for name, parameter in mapper.named_parameters():
            parameter.copy_(torch.randn(parameter.shape, generator=rng) / LR_MLP if name.endswith("weight")
                            else torch.zeros(parameter.shape))
    state = {f"mapper.{key}": value for key, value in mapper.state_dict().items()}
    state.update({f"decoder.{key}": value for key, value in decoder.items()})
    opts = {"exp_dir": "results/random", "mapper_type": "LevelsMapper", "work_in_stylespace": False,
            **{f"no_{name}_mapper": name not in levels for name, *_ in LEVELS},
            "latents_train_path": "train_faces.pt", "batch_size": 2, "learning_rate": 0.5, "optim_name": "ranger",
            "id_lambda": 0.1, "clip_lambda": 1.0, "latent_l2_lambda": 0.8, "stylegan_size": config.size,
            "checkpoint_path": None, "max_steps": 50000, "description": "a random direction", "device": "cuda:0"}
    return {"state_dict": state, "opts": opts}


def s_statistics(config: GeneratorConfig, state: dict, latent_avg: torch.Tensor, rng: torch.Generator) -> list:
    generator = Generator(config)
    generator.load_state_dict(state)
    with torch.no_grad():
        w = generator.mapping(torch.randn(S_STAT_SAMPLES, config.style_dim, generator=rng))
        w = latent_avg + 0.7 * (w - latent_avg)
        s = generator.affine(w[:, None, :].expand(-1, config.n_latent, -1)).numpy()
    layers = np.cumsum([layer.channels for layer in generator.style_layers])[:-1]
    return [[part.astype(np.float32) for part in np.split(s.mean(0), layers)],
            [part.astype(np.float32) for part in np.split(s.std(0), layers)]]


def fs3_rows(config: GeneratorConfig, short: bool) -> int:
    """Rows of the conv layers (all, or those with S index ≤ 16, as SingleChannel.py writes)."""
    rows, index = 0, 0
    for res in [4] + [2 ** r for r in range(3, config.log_size + 1)]:
        kinds = [("conv", config.channels[4])] if res == 4 else \
            [("conv", config.channels[res // 2]), ("conv", config.channels[res])]
        for kind, channels in kinds + [("torgb", config.channels[res])]:
            if kind == "conv" and (not short or index <= UPSTREAM_FS3_MAX_S_INDEX):
                rows += channels
            index += 1
    return rows


FILE_NAMES = {"generator": "generator.pt", "encoder": "encoder.pt", "clip": "clip.pt", "mapper": "mapper.pt"}


def write_folder(folder: Path, *, size: str = "tiny", fs3: str = "none", s_stats: bool = False,
                 vocab: Path | None = None, drop_noise: bool = False, seed: int = SEED,
                 names: dict[str, str] | None = None, log=print) -> dict[str, Path]:
    g_config, e_config, c_config = SIZES[size]
    names = {**FILE_NAMES, **(names or {})}
    folder.mkdir(parents=True, exist_ok=True)
    rng = torch.Generator().manual_seed(seed)
    paths = {}
    log(f"generator ({size}) …")
    g_state, latent_avg = generator_state(g_config, rng)
    g_ema = {k: v for k, v in g_state.items() if not (drop_noise and k.startswith("noises."))}
    paths["generator"] = folder / names["generator"]
    torch.save({"g": dict(g_state), "d": discriminator_state(g_config, rng), "g_ema": g_ema, "latent_avg": latent_avg},
               paths["generator"])
    log("encoder …")
    paths["encoder"] = folder / names["encoder"]
    torch.save(e4e_checkpoint(e_config, g_config.size, g_state, rng), paths["encoder"])
    log("CLIP (TorchScript, float16) …")
    paths["clip"] = folder / names["clip"]
    save_torchscript_state(clip_state(c_config, rng), paths["clip"])
    log("mapper …")
    paths["mapper"] = folder / names["mapper"]
    torch.save(mapper_checkpoint(g_config, g_state, rng), paths["mapper"])
    if fs3 != "none":
        rows = torch.randn(fs3_rows(g_config, fs3 == "short"), c_config.embed_dim, generator=rng)
        paths["relevance"] = folder / "fs3.npy"
        np.save(paths["relevance"], (rows / rows.norm(dim=1, keepdim=True)).half().numpy())  # upstream fs3: float16
    if s_stats:
        paths["sStats"] = folder / "S_mean_std"
        paths["sStats"].write_bytes(pickle.dumps(s_statistics(g_config, g_state, latent_avg, rng), protocol=3))
    if vocab is not None:
        paths["vocab"] = folder / Path(vocab).name
        shutil.copyfile(vocab, paths["vocab"])
    return paths


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python3 -m models.export.build_upstream_layout", description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path)
    parser.add_argument("--size", choices=sorted(SIZES), default="tiny")
    parser.add_argument("--fs3", choices=("none", "full", "short"), default="none")
    parser.add_argument("--s-stats", action="store_true")
    parser.add_argument("--vocab", type=Path)
    parser.add_argument("--drop-noise", action="store_true", help="g_ema without noises.* (a leniency)")
    parser.add_argument("--seed", type=int, default=SEED)
    args = parser.parse_args(argv)
    write_folder(args.folder, size=args.size, fs3=args.fs3, s_stats=args.s_stats, vocab=args.vocab,
                 drop_noise=args.drop_noise, seed=args.seed)
    return 0


if __name__ == "__main__":
    sys.exit(main())
