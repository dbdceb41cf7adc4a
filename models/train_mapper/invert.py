"""python3 -m models.train_mapper.invert: e4e-invert a folder of aligned faces into training latents.

    python3 -m models.train_mapper.invert --e4e e4e_ffhq_encode.pt --images aligned/ --out train_faces.npy

Every `*.png` in the folder (sorted by name) must be an aligned 256×256 face: FFHQ alignment (spec §4), as the
plugin's face pipeline produces it. Each goes through the exporter's Encoder4Editing (x = rgb/255·2 − 1) plus
latent_avg, and the result is one `.npy` of float32 [N, numWs, wDim]: what --train-latents/--test-latents take.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
import torch

from models.export.e4e import INPUT_SIZE, load_e4e_checkpoint
from models.styleclip.cli import OneLineParser, UserError, pick_device, run_main
from models.styleclip.images import read_png

PROG = "python3 -m models.train_mapper.invert"
BATCH = 8


def invert_folder(e4e: Path, images: Path, *, device: torch.device) -> np.ndarray:
    files = sorted(images.glob("*.png")) if images.is_dir() else []
    if not files:
        raise UserError(f"--images {images}: no .png files there (aligned 256×256 faces)")
    checkpoint = load_e4e_checkpoint(e4e)
    encoder, latent_avg = checkpoint.encoder.to(device), checkpoint.latent_avg.to(device)
    codes = []
    for start in range(0, len(files), BATCH):
        batch = []
        for path in files[start:start + BATCH]:
            pixels = read_png(path)
            if pixels.shape[:2] != (INPUT_SIZE, INPUT_SIZE):
                raise UserError(f"{path}: is {pixels.shape[1]}×{pixels.shape[0]}; e4e needs aligned "
                                f"{INPUT_SIZE}×{INPUT_SIZE} faces (align the photo first)")
            batch.append(torch.from_numpy(pixels.astype(np.float32) / 255 * 2 - 1).permute(2, 0, 1))
        with torch.no_grad():
            codes.append((encoder(torch.stack(batch).to(device)) + latent_avg).cpu())
    return torch.cat(codes).numpy().astype("<f4")


def main(argv: list[str] | None = None) -> int:
    parser = OneLineParser(prog=PROG, description=__doc__.splitlines()[0],
                           formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--e4e", required=True, type=Path, help="encoder4editing checkpoint (e4e_ffhq_encode.pt)")
    parser.add_argument("--images", required=True, type=Path, help="folder of aligned 256×256 face PNGs")
    parser.add_argument("--out", required=True, type=Path, help="the .npy to write, float32 [N, numWs, wDim]")
    parser.add_argument("--device", help="cpu, cuda (default: cuda when available)")
    args = parser.parse_args(argv)

    def body() -> int:
        codes = invert_folder(args.e4e, args.images, device=pick_device(args.device))
        np.save(args.out, codes)
        print(f"{PROG}: wrote {args.out} ({codes.shape[0]} latents of {codes.shape[1]} × {codes.shape[2]})",
              file=sys.stderr)
        return 0

    return run_main(PROG, body)


if __name__ == "__main__":
    sys.exit(main())
