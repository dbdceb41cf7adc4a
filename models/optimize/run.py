"""Loads the checkpoints, runs optimize_latent and writes the outputs (for python3 -m models.optimize)."""
from __future__ import annotations

import json
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import torch

from models.export.checkpoints import load_generator_checkpoint
from models.export.clip import load_clip_checkpoint
from models.styleclip.cli import UserError, pick_device
from models.styleclip.clip_loss import USUAL_PLATEAU, ClipLoss
from models.styleclip.id_loss import IdLoss
from models.styleclip.images import write_png
from models.styleclip.latents import random_wplus, read_wplus, write_wplus
from models.styleclip.tokenizer import ClipTokenizer

from .optimize import OptimizeOptions, OptimizeResult, StepLog, optimize_latent

PROG = "models.optimize"


@dataclass
class RunOptions:
    stylegan: Path
    clip: Path
    description: str
    out: Path
    latent: Path | None = None
    arcface: Path | None = None
    truncation: float = 0.7
    seed: int = 0
    device: str | None = None
    clip_vocab: Path | None = None
    quiet: bool = False


def load_id_loss(path: Path | None, device: torch.device) -> IdLoss:
    from models.export.arcface import load_arcface_checkpoint  # only runs with an ID term need it

    if path is None:
        raise UserError("--id-lambda > 0 needs --arcface model_ir_se50.pth (the ArcFace IR-SE-50 weights)")
    return IdLoss(load_arcface_checkpoint(path)).to(device)


def starting_latent(run_options: RunOptions, options: OptimizeOptions, generator, latent_avg) -> tuple[torch.Tensor, str]:
    cfg = generator.config
    if run_options.latent is not None:
        return read_wplus(run_options.latent, num_ws=cfg.n_latent, w_dim=cfg.style_dim), str(run_options.latent)
    if options.mode == "free_generation":  # upstream tiles the mean latent to every row
        return latent_avg.expand(1, cfg.n_latent, cfg.style_dim).clone(), "latent_avg"
    wplus = random_wplus(generator, latent_avg, 1, seed=run_options.seed, truncation=run_options.truncation)
    return wplus, f"random w, seed {run_options.seed}, ψ {run_options.truncation}"


def run(run_options: RunOptions, options: OptimizeOptions) -> OptimizeResult:
    device = pick_device(run_options.device)
    checkpoint = load_generator_checkpoint(run_options.stylegan)
    generator, latent_avg = checkpoint.generator, checkpoint.latent_avg
    clip = load_clip_checkpoint(run_options.clip)
    tokens = ClipTokenizer(run_options.clip_vocab).tokenize(run_options.description,
                                                            context_length=clip.context_length)
    start, start_from = starting_latent(run_options, options, generator, latent_avg)
    needs_id = options.mode == "edit" and options.id_lambda > 0
    id_loss = load_id_loss(run_options.arcface, device) if needs_id else None
    generator, clip_loss = generator.to(device), ClipLoss(clip, generator.config.size, tokens.to(device)).to(device)

    run_options.out.mkdir(parents=True, exist_ok=True)
    log_path = run_options.out / "losses.jsonl"
    started = time.perf_counter()
    with log_path.open("w", encoding="utf-8") as log_file:
        def on_step(entry: StepLog) -> None:
            log_file.write(json.dumps(asdict(entry)) + "\n")
            log_file.flush()
            if not run_options.quiet:
                print(f"step {entry.step + 1}/{options.steps} lr {entry.lr:.4f} clip {entry.clip:.4f} "
                      f"l2 {entry.l2:.4f} id {entry.id:.4f} total {entry.total:.4f}", file=sys.stderr)

        if not run_options.quiet:
            print(f"{PROG}: {options.mode}, {options.steps} steps on {device}; note: a CLIP loss that levels off "
                  f"near {USUAL_PLATEAU} is normal (StyleCLIP issue #63)", file=sys.stderr)
        result = optimize_latent(generator, clip_loss, start.to(device), options, id_loss=id_loss, on_step=on_step)
    seconds = time.perf_counter() - started

    write_png(run_options.out / "edited.png", result.image[0])
    write_png(run_options.out / "start.png", result.start_image[0])
    write_wplus(run_options.out / "wplus.npy", result.wplus)
    record = {"method": "latent-optimisation", "description": run_options.description, **asdict(options),
              "start": start_from, "stylegan": str(run_options.stylegan), "clip": str(run_options.clip),
              "arcface": str(run_options.arcface) if needs_id else None, "device": str(device),
              "secondsPerStep": seconds / options.steps, "final": asdict(result.log[-1])}
    (run_options.out / "run.json").write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")
    if not run_options.quiet:
        print(f"{PROG}: wrote {run_options.out}/edited.png, wplus.npy, losses.jsonl ({seconds / options.steps:.3f} s/step)",
              file=sys.stderr)
    return result
