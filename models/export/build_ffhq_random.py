"""Full-size random-weight checkpoints in the upstream formats, exported to model packs (for benchmarks only).

    python3 -m models.export.build_ffhq_random [--work DIR] [--fp16-too] [--force] [--verify-synthesis]

Writes, under DIR (default $TMPDIR/facetext-bench, never inside the repository):
  checkpoints/stylegan2-ffhq-random.pt   rosinality {'g_ema', 'latent_avg'}: FFHQ config-f, 1024 px (spec/styleclip.md §0)
  checkpoints/e4e-ffhq-random.pt         e4e {'state_dict': encoder.*, 'opts', 'latent_avg' [18, 512]}: IR-SE-50, 18 heads
  checkpoints/clip-vit-b-32-random.pt    CLIP ViT-B/32 plain state dict, float16 like the released archive, with its
                                         int64 scalars (input_resolution, context_length, vocab_size)
  checkpoints/fs3.npy, s_mean.npy, s_std.npy
  packs/ffhq-random/                     python3 -m models.export … (float32)
  packs/ffhq-random-fp16/                the same with --fp16 (float16 storage, float32 compute), with --fp16-too

The networks are the exporter's own modules built at full size, so the key names and shapes are exactly what the
exporter reads. Init scales follow upstream (equalised-lr weights N(0, 1/lr_mul²), modulation bias 1, He-normal convs,
CLIP Linear weights N(0, 1/fan_in)), so activations stay O(1): no overflow, no denormals that would distort timings.
Existing outputs are reused (a rerun skips the export) unless --force.
"""
from __future__ import annotations

import argparse
import math
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import torch
from torch import nn

from .clip import ClipConfig, ClipModel
from .e4e import E4EConfig, Encoder4Editing
from .stylegan2 import LR_MLP, Generator, GeneratorConfig

SEED = 1024
# StyleGAN2 FFHQ config-f (spec/styleclip.md §0.1): 512 channels up to 64 px, then 256, 128, 64, 32.
FFHQ_CHANNELS = {4: 512, 8: 512, 16: 512, 32: 512, 64: 512, 128: 256, 256: 128, 512: 64, 1024: 32}
FFHQ = GeneratorConfig(size=1024, style_dim=512, n_mlp=8, channels=FFHQ_CHANNELS, blur_kernel_size=4)
E4E = E4EConfig(input_width=64, stage_widths=(64, 128, 256, 512), style_dim=512, num_styles=18)  # e4e_ffhq_encode.pt
CLIP_VIT_B_32 = ClipConfig(embed_dim=512, image_resolution=224, vision_layers=12, vision_width=768, vision_patch_size=32,
                           context_length=77, vocab_size=49408, transformer_width=512, transformer_layers=12)
BLUR_TAPS = (1.0, 3.0, 3.0, 1.0)  # upstream blur_kernel
MEAN_LATENT_SAMPLES = 4096  # rosinality mean_latent(4096)
S_STAT_SAMPLES = 2000  # W+ samples behind the S mean/std (upstream used 100 k; only the scale matters here)
NOISE_STRENGTH = 0.05  # trained noise weights are small; 0 (the init) would let the export drop the noise adds
DEFAULT_WORK = Path(os.environ.get("TMPDIR") or tempfile.gettempdir()) / "facetext-bench"
REPO_ROOT = Path(__file__).resolve().parents[2]


def blur_kernel() -> torch.Tensor:
    """rosinality make_kernel(blur_kernel) × upsample_factor² (the ×4 every stored blur/upsample kernel carries)."""
    taps = torch.tensor(BLUR_TAPS)
    kernel = taps[None, :] * taps[:, None]
    return kernel / kernel.sum() * 4


def generator_state(rng: torch.Generator) -> tuple[dict[str, torch.Tensor], torch.Tensor]:
    generator = Generator(FFHQ)
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
            tensor = blur_kernel()
        elif key.endswith("noise.weight"):
            tensor = torch.full(shape, NOISE_STRENGTH)
        else:  # conv and modulation weights, the constant input, the noise buffers: N(0, 1)
            tensor = torch.randn(shape, generator=rng)
        state[key] = tensor
    generator.load_state_dict(state)
    with torch.no_grad():
        latent_avg = generator.mapping(torch.randn(MEAN_LATENT_SAMPLES, FFHQ.style_dim, generator=rng)).mean(0)
    return state, latent_avg


def s_statistics(state: dict[str, torch.Tensor], latent_avg: torch.Tensor, rng: torch.Generator) -> tuple[np.ndarray, np.ndarray]:
    generator = Generator(FFHQ)
    generator.load_state_dict(state)
    with torch.no_grad():
        w = generator.mapping(torch.randn(S_STAT_SAMPLES, FFHQ.style_dim, generator=rng))
        w = latent_avg + 0.7 * (w - latent_avg)
        s = generator.affine(w[:, None, :].expand(-1, FFHQ.n_latent, -1))
    return s.mean(0).numpy().astype(np.float32), s.std(0).numpy().astype(np.float32)


def he_normal_(module: nn.Module, rng: torch.Generator) -> None:
    for child in module.modules():
        if isinstance(child, nn.Conv2d):
            fan_in = child.weight[0].numel()
            with torch.no_grad():
                child.weight.copy_(torch.randn(child.weight.shape, generator=rng) * math.sqrt(2 / fan_in))
                if child.bias is not None:
                    child.bias.zero_()


def e4e_checkpoint(rng: torch.Generator) -> dict:
    encoder = Encoder4Editing(E4E)
    he_normal_(encoder, rng)
    with torch.no_grad():
        for name, parameter in encoder.named_parameters():
            if name.endswith("linear.weight"):  # EqualLinear: N(0, 1), scaled by 1/√512 in forward
                parameter.copy_(torch.randn(parameter.shape, generator=rng))
        latent_avg = torch.randn(E4E.num_styles, E4E.style_dim, generator=rng) * 0.1
    state = {f"encoder.{key}": value for key, value in encoder.state_dict().items()}
    opts = {"encoder_type": "Encoder4Editing", "stylegan_size": FFHQ.size, "start_from_latent_avg": True}
    return {"state_dict": state, "opts": opts, "latent_avg": latent_avg}


def clip_state(rng: torch.Generator) -> dict[str, torch.Tensor]:
    model = ClipModel(CLIP_VIT_B_32)
    state = {}
    for key, value in model.state_dict().items():
        if key.endswith("ln_1.weight") or key.endswith("ln_2.weight") or key.endswith("ln_pre.weight") \
                or key.endswith("ln_post.weight") or key == "ln_final.weight":
            tensor = torch.ones(value.shape)
        elif value.ndim <= 1 and key != "class_embedding" and key != "visual.class_embedding":
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
    state["input_resolution"] = torch.tensor(CLIP_VIT_B_32.image_resolution)
    state["context_length"] = torch.tensor(CLIP_VIT_B_32.context_length)
    state["vocab_size"] = torch.tensor(CLIP_VIT_B_32.vocab_size)
    return state


def unit_rows(rows: int, dims: int, rng: torch.Generator) -> np.ndarray:
    x = torch.randn(rows, dims, generator=rng)
    return (x / x.norm(dim=1, keepdim=True)).half().numpy()  # upstream fs3 is float16


def write_checkpoints(folder: Path, *, force: bool, log=print) -> dict[str, Path]:
    folder.mkdir(parents=True, exist_ok=True)
    paths = {name: folder / file for name, file in (
        ("stylegan", "stylegan2-ffhq-random.pt"), ("e4e", "e4e-ffhq-random.pt"), ("clip", "clip-vit-b-32-random.pt"),
        ("relevance", "fs3.npy"), ("s_mean", "s_mean.npy"), ("s_std", "s_std.npy"))}
    if not force and all(path.is_file() for path in paths.values()):
        log(f"checkpoints: reusing {folder}")
        return paths
    rng = torch.Generator().manual_seed(SEED)
    log("checkpoints: StyleGAN2 FFHQ config-f 1024 …")
    g_state, latent_avg = generator_state(rng)
    torch.save({"g_ema": g_state, "latent_avg": latent_avg}, paths["stylegan"])
    mean, std = s_statistics(g_state, latent_avg, rng)
    np.save(paths["s_mean"], mean)
    np.save(paths["s_std"], std)
    conv_channels = sum(layer.channels for layer in Generator(FFHQ).style_layers if layer.kind == "conv")
    np.save(paths["relevance"], unit_rows(conv_channels, CLIP_VIT_B_32.embed_dim, rng))
    log("checkpoints: e4e IR-SE-50, 18 heads …")
    torch.save(e4e_checkpoint(rng), paths["e4e"])
    log("checkpoints: CLIP ViT-B/32 …")
    torch.save(clip_state(rng), paths["clip"])
    return paths


def export(paths: dict[str, Path], out: Path, *, fp16: bool, force: bool, log=print) -> None:
    if not force and (out / "pack.json").is_file():
        log(f"pack: reusing {out}")
        return
    note = "random weights generated by models/export/build_ffhq_random.py (benchmarks only; the images are noise)"
    command = [sys.executable, "-m", "models.export", "--stylegan", str(paths["stylegan"]), "--e4e", str(paths["e4e"]),
               "--clip", str(paths["clip"]), "--relevance", str(paths["relevance"]),
               "--s-mean", str(paths["s_mean"]), "--s-std", str(paths["s_std"]),
               "--id", out.name, "--description", f"FFHQ-1024 architecture with {note}",
               *[arg for part in ("generator", "encoder", "clip", "mappers") for arg in ("--licence", f"{part}={note}")],
               "--out", str(out), "--no-verify"]
    if fp16:
        command.append("--fp16")
    log(f"pack: exporting {out} …")
    subprocess.run(command, check=True, cwd=REPO_ROOT)


def verify_generator(paths: dict[str, Path], out: Path) -> None:
    """The generator graphs (mapping, affine, synthesis, previews) against torch through onnxruntime-web."""
    subprocess.run([sys.executable, "-m", "models.export.verify", "--pack", str(out), "--stylegan", str(paths["stylegan"])],
                   check=True, cwd=REPO_ROOT)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python3 -m models.export.build_ffhq_random", description=__doc__.splitlines()[0])
    parser.add_argument("--work", type=Path, default=DEFAULT_WORK, help=f"default {DEFAULT_WORK}")
    parser.add_argument("--fp16-too", action="store_true", help="also export packs/ffhq-random-fp16")
    parser.add_argument("--force", action="store_true", help="rebuild checkpoints and packs even when present")
    parser.add_argument("--verify-synthesis", action="store_true",
                        help="run the generator graphs against torch (the 1 GB encoder is not verified)")
    args = parser.parse_args(argv)
    work = args.work.resolve()
    if REPO_ROOT in work.parents or work == REPO_ROOT:
        parser.error(f"--work {work}: must be outside the repository (the outputs are never committed)")
    paths = write_checkpoints(work / "checkpoints", force=args.force)
    packs = [(work / "packs" / "ffhq-random", False)] + ([(work / "packs" / "ffhq-random-fp16", True)] if args.fp16_too else [])
    for out, fp16 in packs:
        export(paths, out, fp16=fp16, force=args.force)
        if args.verify_synthesis:
            verify_generator(paths, out)
    for out, _ in packs:
        print(out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
