"""Trains a LevelsMapper for one prompt (StyleCLIP mapper/training/coach.py; spec/styleclip.md §2).

Each step: w from the training latents; x = G(w) without gradient; ŵ = w + 0.1·M(w); x̂ = G(ŵ) with the
checkpoint's noise buffers; loss = λ_CLIP·CLIP(x̂) + λ_L2·MSE(ŵ, w) + λ_ID·ID(x̂, x); Ranger. Under torchrun
the mapper is wrapped in DistributedDataParallel and every process takes its share of each global batch.
"""
from __future__ import annotations

import json
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import torch
import torch.distributed as dist
import torch.nn.functional as F
from torch import nn

from models.export.checkpoints import load_generator_checkpoint
from models.export.clip import load_clip_checkpoint
from models.export.mapper import LEVELS, LevelsMapper
from models.optimize.optimize import render
from models.styleclip.cli import NonFiniteLoss, UserError
from models.styleclip.clip_loss import USUAL_PLATEAU, ClipLoss
from models.styleclip.id_loss import IdLoss
from models.styleclip.images import write_png
from models.styleclip.tokenizer import ClipTokenizer

from .checkpoint import load_resume, save_checkpoint
from .data import TEST_SIZE, TRAIN_SIZE, batch_indices, load_latents, share
from .ranger import Ranger

MAPPER_SCALE = 0.1  # ŵ = w + 0.1·M(w), hard-coded upstream
PLATEAU_WINDOW = 100  # steps averaged before the plateau note
PLATEAU_BAND = 0.04  # |mean CLIP loss − 0.71| below this counts as the usual plateau
TERMS = ("clip", "l2", "id", "total")


@dataclass
class TrainOptions:
    description: str
    stylegan: Path
    clip: Path
    out: Path
    clip_vocab: Path
    arcface: Path | None = None
    train_latents: Path | None = None
    test_latents: Path | None = None
    train_dataset_size: int = TRAIN_SIZE
    test_dataset_size: int = TEST_SIZE
    levels: tuple[str, ...] = ("coarse", "medium", "fine")
    batch_size: int = 2  # global batch (upstream: 2, one process)
    test_batch_size: int = 1
    learning_rate: float = 0.5
    clip_lambda: float = 1.0
    latent_l2_lambda: float = 0.8
    id_lambda: float = 0.1
    max_steps: int = 50000
    board_interval: int = 50
    val_interval: int = 2000
    save_interval: int = 2000
    val_images: int = 4
    seed: int = 0
    resume: Path | None = None
    device: torch.device = field(default_factory=lambda: torch.device("cpu"))
    quiet: bool = False

    def upstream_opts(self, generator_size: int) -> dict:
        """The fields of upstream's train_options.py, so its scripts can rebuild the mapper from `opts`."""
        return {"exp_dir": str(self.out), "mapper_type": "LevelsMapper",
                **{f"no_{name}_mapper": name not in self.levels for name, *_ in LEVELS},
                "latents_train_path": str(self.train_latents) if self.train_latents else None,
                "latents_test_path": str(self.test_latents) if self.test_latents else None,
                "train_dataset_size": self.train_dataset_size, "test_dataset_size": self.test_dataset_size,
                "work_in_stylespace": False, "batch_size": self.batch_size, "test_batch_size": self.test_batch_size,
                "workers": 0, "test_workers": 0, "learning_rate": self.learning_rate, "optim_name": "ranger",
                "id_lambda": self.id_lambda, "clip_lambda": self.clip_lambda,
                "latent_l2_lambda": self.latent_l2_lambda, "stylegan_weights": str(self.stylegan),
                "stylegan_size": generator_size, "ir_se50_weights": str(self.arcface) if self.arcface else None,
                "checkpoint_path": str(self.resume) if self.resume else None, "max_steps": self.max_steps,
                "image_interval": self.val_interval, "board_interval": self.board_interval,
                "val_interval": self.val_interval, "save_interval": self.save_interval,
                "description": self.description}


def init_mapper_weights(mapper: LevelsMapper) -> None:
    """Upstream EqualLinear init: weight ~ N(0, 1)/lr_mul, bias 0."""
    with torch.no_grad():
        for name, parameter in mapper.named_parameters():
            if name.endswith(".weight"):
                parameter.normal_().div_(0.01)
            else:
                parameter.zero_()


def plateau_note(clip_losses: list[float]) -> str | None:
    """The note users of upstream asked for (issue #63), when the last PLATEAU_WINDOW CLIP losses sit near 0.71."""
    if len(clip_losses) < PLATEAU_WINDOW:
        return None
    mean = sum(clip_losses[-PLATEAU_WINDOW:]) / PLATEAU_WINDOW
    if abs(mean - USUAL_PLATEAU) >= PLATEAU_BAND:
        return None
    return (f"note: the CLIP loss has stayed near {mean:.2f} for {PLATEAU_WINDOW} steps. That plateau (≈ {USUAL_PLATEAU}) "
            f"is normal for StyleCLIP mappers (upstream issue #63): judge progress by the validation images.")


class Coach:
    def __init__(self, options: TrainOptions, *, rank: int = 0, world_size: int = 1):
        self.options, self.rank, self.world_size = options, rank, world_size
        if not options.levels:
            raise UserError("every mapper level is disabled: drop one of --no-coarse/medium/fine-mapper")
        if options.batch_size % world_size:
            raise UserError(f"--batch-size {options.batch_size} must be a multiple of the {world_size} processes")
        device = options.device
        checkpoint = load_generator_checkpoint(options.stylegan)
        self.generator = checkpoint.generator.requires_grad_(False)
        cfg = self.generator.config

        torch.manual_seed(options.seed)
        self.mapper = LevelsMapper(cfg.style_dim, options.levels)
        init_mapper_weights(self.mapper)
        self.step = 0
        resume = load_resume(options.resume, self.mapper) if options.resume else None
        if resume is not None and resume.seed is not None:
            options.seed = resume.seed  # the batch order and random latents continue where they stopped

        self.train_latents = load_latents(options.train_latents, generator=self.generator,
                                          latent_avg=checkpoint.latent_avg, random_count=options.train_dataset_size,
                                          seed=options.seed, what="training latents")
        self.test_latents = load_latents(options.test_latents, generator=self.generator,
                                         latent_avg=checkpoint.latent_avg, random_count=options.test_dataset_size,
                                         seed=options.seed + 1, what="test latents")
        clip = load_clip_checkpoint(options.clip)
        tokens = ClipTokenizer(options.clip_vocab).tokenize(options.description, context_length=clip.context_length)
        self.clip_loss = ClipLoss(clip, cfg.size, tokens).to(device)
        self.id_loss = None
        if options.id_lambda > 0:
            from models.export.arcface import load_arcface_checkpoint

            if options.arcface is None:
                raise UserError("--id-lambda > 0 needs --arcface model_ir_se50.pth (or --id-lambda 0)")
            self.id_loss = IdLoss(load_arcface_checkpoint(options.arcface)).to(device)
        self.generator.to(device)

        self.mapper.to(device).train()
        self.model: nn.Module = self.mapper
        if world_size > 1:
            self.model = nn.parallel.DistributedDataParallel(
                self.mapper, device_ids=[device] if device.type == "cuda" else None)
        self.optimizer = Ranger(self.mapper.parameters(), lr=options.learning_rate)
        if resume is not None and resume.optimizer_state is not None:
            self.optimizer.load_state_dict(resume.optimizer_state)
            self.step = resume.step
        self.opts = options.upstream_opts(cfg.size)
        self.clip_history: list[float] = []
        self.plateau_noted = False

    # ------------------------------------------------------------------ one step

    def losses(self, w: torch.Tensor, model: nn.Module) -> dict[str, torch.Tensor]:
        o = self.options
        with torch.no_grad():
            x = render(self.generator, w)
        w_hat = w + MAPPER_SCALE * model(w)
        x_hat = render(self.generator, w_hat)
        zero = w.new_zeros(())
        terms = {"clip": self.clip_loss(x_hat).mean() if o.clip_lambda > 0 else zero,
                 "l2": F.mse_loss(w_hat, w) if o.latent_l2_lambda > 0 else zero,
                 "id": zero}
        if self.id_loss is not None:
            with torch.no_grad():
                reference = self.id_loss.features(x)
            terms["id"] = self.id_loss(x_hat, reference)
        terms["total"] = o.clip_lambda * terms["clip"] + o.latent_l2_lambda * terms["l2"] + o.id_lambda * terms["id"]
        return terms

    def global_mean(self, terms: dict[str, torch.Tensor]) -> dict[str, float]:
        values = torch.stack([terms[k].detach().float() for k in TERMS])
        if self.world_size > 1:
            dist.all_reduce(values)  # NaN on any process reaches every process, so all stop together
            values = values / self.world_size
        return dict(zip(TERMS, values.tolist()))

    def train_step(self) -> dict[str, float]:
        o = self.options
        indices = share(batch_indices(self.step, len(self.train_latents), o.batch_size, o.seed), self.rank,
                        self.world_size)
        w = self.train_latents[indices].to(o.device)
        terms = self.losses(w, self.model)
        logged = self.global_mean(terms)
        for term in TERMS:
            if not torch.isfinite(torch.tensor(logged[term])):
                raise NonFiniteLoss(self.step, term, logged[term])
        self.optimizer.zero_grad()
        terms["total"].backward()
        if not all(bool(torch.isfinite(p.grad).all()) for p in self.mapper.parameters()):
            raise NonFiniteLoss(self.step, "gradient of the total", float("nan"))
        self.optimizer.step()
        self.step += 1
        return logged

    # ------------------------------------------------------------------ validation, checkpoints, logging

    @torch.no_grad()
    def validate(self) -> dict[str, float]:
        o = self.options
        self.mapper.eval()
        sums, count = dict.fromkeys(TERMS, 0.0), 0
        for start in range(0, len(self.test_latents), o.test_batch_size):
            w = self.test_latents[start:start + o.test_batch_size].to(o.device)
            for term, value in self.losses(w, self.mapper).items():
                sums[term] += float(value) * len(w)
            count += len(w)
        shown = self.test_latents[:o.val_images].to(o.device)
        original = render(self.generator, shown)
        edited = render(self.generator, shown + MAPPER_SCALE * self.mapper(shown))
        grid = torch.cat([torch.cat(list(original), dim=2), torch.cat(list(edited), dim=2)], dim=1)
        (o.out / "images").mkdir(parents=True, exist_ok=True)
        write_png(o.out / "images" / f"val_{self.step:06d}.png", grid)  # originals on top, edits below
        self.mapper.train()
        return {term: value / count for term, value in sums.items()}

    def save(self) -> Path:
        folder = self.options.out / "checkpoints"
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"iteration_{self.step}.pt"
        save_checkpoint(path, mapper=self.mapper, generator=self.generator, opts=self.opts, step=self.step,
                        optimizer=self.optimizer, seed=self.options.seed)
        return path

    def note_plateau(self, clip: float) -> str | None:
        self.clip_history = (self.clip_history + [clip])[-PLATEAU_WINDOW:]
        note = None if self.plateau_noted else plateau_note(self.clip_history)
        self.plateau_noted = self.plateau_noted or note is not None
        return note

    def say(self, text: str) -> None:
        if self.rank == 0 and not self.options.quiet:
            print(text, file=sys.stderr)

    def train(self) -> Path:
        o = self.options
        if self.rank == 0:
            o.out.mkdir(parents=True, exist_ok=True)
        log = (o.out / "losses.jsonl").open("a", encoding="utf-8") if self.rank == 0 else None
        self.say(f"models.train_mapper: '{o.description}', levels {', '.join(self.mapper.levels)}, "
                 f"{len(self.train_latents)} training latents, global batch {o.batch_size} on {self.world_size} "
                 f"process(es), {o.device}, steps {self.step}→{o.max_steps}. A CLIP loss levelling off near "
                 f"{USUAL_PLATEAU} is normal (StyleCLIP issue #63).")
        last_path = None
        try:
            while self.step < o.max_steps:
                started = time.perf_counter()
                logged = self.train_step()
                record = {"step": self.step, **logged, "seconds": time.perf_counter() - started}
                if log is not None:
                    log.write(json.dumps(record) + "\n")
                    log.flush()
                note = self.note_plateau(logged["clip"])
                if note:
                    self.say(note)
                if self.step % o.board_interval == 0:
                    self.say(" ".join([f"step {self.step}"] + [f"{k} {logged[k]:.4f}" for k in TERMS]
                                      + [f"({record['seconds']:.3f} s)"]))
                if self.rank == 0 and (self.step % o.val_interval == 0 or self.step == o.max_steps):
                    val = self.validate()
                    log.write(json.dumps({"step": self.step, "validation": val}) + "\n")
                    self.say(f"validation at step {self.step}: " + " ".join(f"{k} {val[k]:.4f}" for k in TERMS))
                if self.rank == 0 and (self.step % o.save_interval == 0 or self.step == o.max_steps):
                    last_path = self.save()
        finally:
            if log is not None:
                log.close()
        if self.rank == 0 and last_path is None:
            last_path = self.save()
        return last_path
