"""python3 -m models.optimize: StyleCLIP latent optimisation for one prompt (models/README.md). Parsing only."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from models.export.pack import DEFAULT_CLIP_VOCAB
from models.styleclip.cli import OneLineParser, run_main

from .optimize import BASE_LR, MODES, OptimizeOptions
from .run import RunOptions, run

PROG = "python3 -m models.optimize"
EXAMPLE = f"""example:
  {PROG} --stylegan stylegan2-ffhq-config-f.pt --clip ViT-B-32.pt --description "a face with a beard" \\
      --latent face-wplus.npy --id-lambda 0.005 --arcface model_ir_se50.pth --out runs/beard

writes <out>/edited.png, start.png, wplus.npy (float32 [numWs, wDim], the format facetext edit --latent is to read),
losses.jsonl (one line per step: step, lr, clip, l2, id, total) and run.json (how it was made)."""


def parse_args(argv: list[str] | None):
    parser = OneLineParser(prog=PROG, description=__doc__.splitlines()[0], epilog=EXAMPLE,
                           formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--stylegan", required=True, type=Path, help="rosinality checkpoint {'g_ema', 'latent_avg'}")
    parser.add_argument("--clip", required=True, type=Path, help="OpenAI CLIP TorchScript archive or state dict")
    parser.add_argument("--description", required=True, help="the prompt, e.g. 'a face with a beard'")
    parser.add_argument("--out", required=True, type=Path, help="output folder (created)")
    parser.add_argument("--latent", type=Path, help="starting W+ (.npy [numWs, wDim] or .pt); edit mode without it "
                                                     "starts from a random w with ψ 0.7")
    parser.add_argument("--mode", choices=MODES, default="edit")
    parser.add_argument("--steps", type=int, default=300, help="default 300 (upstream CLI; its notebook uses 40)")
    parser.add_argument("--lr", type=float, default=BASE_LR, help=f"base learning rate, default {BASE_LR}")
    parser.add_argument("--l2-lambda", type=float, default=0.008, help="weight of Σ(w − w₀)², default 0.008")
    parser.add_argument("--id-lambda", type=float, default=0.0, help="weight of the ArcFace ID loss, default 0")
    parser.add_argument("--arcface", type=Path, help="ArcFace IR-SE-50 weights (model_ir_se50.pth), for --id-lambda > 0")
    parser.add_argument("--truncation", type=float, default=0.7, help="ψ of the random start, default 0.7")
    parser.add_argument("--seed", type=int, default=0, help="seed of the random start")
    parser.add_argument("--device", help="cpu, cuda, cuda:1… (default: cuda when available, else cpu)")
    parser.add_argument("--clip-vocab", type=Path, default=DEFAULT_CLIP_VOCAB, help=f"default {DEFAULT_CLIP_VOCAB}")
    parser.add_argument("--quiet", action="store_true", help="no per-step lines on stderr")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)

    def body() -> int:
        options = OptimizeOptions(mode=args.mode, steps=args.steps, lr=args.lr, l2_lambda=args.l2_lambda,
                                  id_lambda=args.id_lambda)
        run(RunOptions(stylegan=args.stylegan, clip=args.clip, description=args.description, out=args.out,
                       latent=args.latent, arcface=args.arcface, truncation=args.truncation, seed=args.seed,
                       device=args.device, clip_vocab=args.clip_vocab, quiet=args.quiet), options)
        return 0

    return run_main(PROG, body)


if __name__ == "__main__":
    sys.exit(main())
