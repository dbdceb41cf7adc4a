"""python3 -m models.train_mapper: train a StyleCLIP latent mapper for one prompt (models/README.md). Parsing only.

Distributed: torchrun --nproc_per_node N -m models.train_mapper … (gloo on CPU, nccl on CUDA); --batch-size is the
global batch, split evenly across the processes.
"""
from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from models.export.mapper import LEVELS
from models.export.pack import DEFAULT_CLIP_VOCAB
from models.styleclip.cli import OneLineParser, pick_device, run_main

PROG = "python3 -m models.train_mapper"
EXAMPLE = f"""example:
  {PROG} --description "a face with a beard" --stylegan stylegan2-ffhq-config-f.pt --clip ViT-B-32.pt \\
      --arcface model_ir_se50.pth --train-latents train_faces.pt --test-latents test_faces.pt --no-fine-mapper \\
      --out runs/beard
  torchrun --nproc_per_node 4 -m models.train_mapper … --batch-size 8

writes <out>/losses.jsonl, images/val_<step>.png (originals on top, edits below) and
checkpoints/iteration_<step>.pt (StyleCLIP's format: python3 -m models.export.add_mapper puts it in a pack)."""


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = OneLineParser(prog=PROG, description=__doc__.splitlines()[0], epilog=EXAMPLE,
                           formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--description", required=True, help="the prompt, e.g. 'a face with a beard'")
    parser.add_argument("--stylegan", required=True, type=Path, help="rosinality checkpoint {'g_ema', 'latent_avg'}")
    parser.add_argument("--clip", required=True, type=Path, help="OpenAI CLIP TorchScript archive or state dict")
    parser.add_argument("--out", required=True, type=Path, help="experiment folder (upstream exp_dir)")
    parser.add_argument("--arcface", type=Path, help="ArcFace IR-SE-50 weights (model_ir_se50.pth); needed unless --id-lambda 0")
    parser.add_argument("--train-latents", type=Path, help="[N, numWs, wDim] .pt/.npy (e4e-inverted faces); "
                                                           "default: random w with ψ 0.7")
    parser.add_argument("--test-latents", type=Path, help="[N, numWs, wDim] .pt/.npy; default: random w with ψ 0.7")
    parser.add_argument("--train-dataset-size", type=int, default=5000, help="random training latents, default 5000")
    parser.add_argument("--test-dataset-size", type=int, default=1000, help="random test latents, default 1000")
    for name, *_ in LEVELS:
        parser.add_argument(f"--no-{name}-mapper", action="store_true", help=f"do not train the {name} level")
    parser.add_argument("--batch-size", type=int, default=2, help="global batch, default 2 (upstream)")
    parser.add_argument("--test-batch-size", type=int, default=1)
    parser.add_argument("--learning-rate", type=float, default=0.5, help="Ranger lr, default 0.5 (upstream)")
    parser.add_argument("--clip-lambda", type=float, default=1.0)
    parser.add_argument("--latent-l2-lambda", type=float, default=0.8)
    parser.add_argument("--id-lambda", type=float, default=0.1)
    parser.add_argument("--max-steps", type=int, default=50000)
    parser.add_argument("--board-interval", type=int, default=50, help="print the losses every N steps")
    parser.add_argument("--val-interval", type=int, default=2000, help="validation loss and images every N steps")
    parser.add_argument("--save-interval", type=int, default=2000, help="checkpoint every N steps")
    parser.add_argument("--val-images", type=int, default=4, help="test latents shown in each validation image")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--resume", type=Path, help="checkpoint to continue from (ours: exactly where it stopped; "
                                                    "an upstream one: its weights, step 0)")
    parser.add_argument("--device", help="cpu, cuda (default: cuda when available; under torchrun cuda:LOCAL_RANK)")
    parser.add_argument("--clip-vocab", type=Path, default=DEFAULT_CLIP_VOCAB, help=f"default {DEFAULT_CLIP_VOCAB}")
    parser.add_argument("--quiet", action="store_true")
    args = parser.parse_args(argv)
    for option in ("batch_size", "test_batch_size", "max_steps", "board_interval", "val_interval", "save_interval"):
        if getattr(args, option) < 1:
            parser.error(f"--{option.replace('_', '-')} must be at least 1")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)

    def body() -> int:
        import torch
        import torch.distributed as dist

        from .coach import Coach, TrainOptions

        world_size, rank = int(os.environ.get("WORLD_SIZE", "1")), int(os.environ.get("RANK", "0"))
        device = pick_device(args.device)
        if world_size > 1 and device.type == "cuda" and args.device is None:
            device = torch.device("cuda", int(os.environ.get("LOCAL_RANK", "0")))
        if world_size > 1:
            dist.init_process_group("nccl" if device.type == "cuda" else "gloo")
        try:
            levels = tuple(name for name, *_ in LEVELS if not getattr(args, f"no_{name}_mapper"))
            options = TrainOptions(
                description=args.description, stylegan=args.stylegan, clip=args.clip, out=args.out,
                clip_vocab=args.clip_vocab, arcface=args.arcface, train_latents=args.train_latents,
                test_latents=args.test_latents, train_dataset_size=args.train_dataset_size,
                test_dataset_size=args.test_dataset_size, levels=levels, batch_size=args.batch_size,
                test_batch_size=args.test_batch_size, learning_rate=args.learning_rate, clip_lambda=args.clip_lambda,
                latent_l2_lambda=args.latent_l2_lambda, id_lambda=args.id_lambda, max_steps=args.max_steps,
                board_interval=args.board_interval, val_interval=args.val_interval, save_interval=args.save_interval,
                val_images=args.val_images, seed=args.seed, resume=args.resume, device=device, quiet=args.quiet)
            path = Coach(options, rank=rank, world_size=world_size).train()
            if rank == 0 and not args.quiet:
                print(f"models.train_mapper: wrote {path}", file=sys.stderr)
        finally:
            if world_size > 1:
                dist.destroy_process_group()
        return 0

    return run_main(PROG, body)


if __name__ == "__main__":
    sys.exit(main())
