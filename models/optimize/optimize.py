"""StyleCLIP latent optimisation (optimization/run_optimization.py; spec/styleclip.md §3).

loss = CLIP + λ_L2·Σ(w − w₀)² + λ_ID·ID in edit mode, the CLIP loss alone in free generation. Adam with StyleCLIP's
schedule: lr = base·min(1, t/0.05)·(½ − ½cos(π·min(1, (1 − t)/0.25))), t = step/steps, so step 0 has lr 0 but
still updates Adam's moments. The image returned is the one rendered at the last step, before its update; the
W+ returned is the one that rendered it, so rendering the W+ file gives the image file.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Callable

import torch

from models.export.stylegan2 import Generator
from models.styleclip.cli import check_finite
from models.styleclip.clip_loss import ClipLoss
from models.styleclip.id_loss import IdLoss

BASE_LR = 0.1  # run_optimization.py --lr
RAMPUP, RAMPDOWN = 0.05, 0.25  # get_lr's fixed warm-up and ramp-down fractions (--lr_rampup is never used)
MODES = ("edit", "free_generation")  # upstream --mode values


def learning_rate(step: int, steps: int, base_lr: float = BASE_LR) -> float:
    t = step / steps
    ramp = 0.5 - 0.5 * math.cos(math.pi * min(1.0, (1 - t) / RAMPDOWN))
    return base_lr * ramp * min(1.0, t / RAMPUP)


def render(generator: Generator, wplus: torch.Tensor) -> torch.Tensor:
    """W+ [N, numWs, wDim] → image [N, 3, R, R]; the checkpoint's noise buffers (randomize_noise=False)."""
    return generator.synthesis(generator.affine(wplus))


@dataclass
class OptimizeOptions:
    mode: str = "edit"
    steps: int = 300  # upstream CLI default (the notebook uses 40)
    lr: float = BASE_LR
    l2_lambda: float = 0.008  # upstream CLI and notebook default
    id_lambda: float = 0.0  # upstream CLI default (the notebook uses 0.005)

    def __post_init__(self):
        if self.mode not in MODES:
            raise ValueError(f"mode {self.mode!r}: must be one of: {', '.join(MODES)}")
        if self.steps < 1:
            raise ValueError(f"steps {self.steps}: must be at least 1")


@dataclass
class StepLog:
    step: int
    lr: float
    clip: float
    l2: float
    id: float
    total: float


@dataclass
class OptimizeResult:
    image: torch.Tensor  # [1, 3, R, R], rendered at the last step
    wplus: torch.Tensor  # [1, numWs, wDim], the latent that rendered `image`
    start_image: torch.Tensor  # [1, 3, R, R], rendered from the starting latent
    log: list[StepLog] = field(default_factory=list)


def loss_terms(generator: Generator, clip_loss: ClipLoss, id_loss: IdLoss | None, latent: torch.Tensor,
               start: torch.Tensor, start_features: torch.Tensor | None,
               options: OptimizeOptions) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
    """(image, {clip, l2, id, total}) for one latent. In free generation l2 and id are 0 and ignored."""
    image = render(generator, latent)
    zero = latent.new_zeros(())
    terms = {"clip": clip_loss(image).mean(), "l2": zero, "id": zero}
    if options.mode == "edit":
        terms["l2"] = ((start - latent) ** 2).sum()
        if options.id_lambda > 0:
            terms["id"] = id_loss(image, start_features)
        terms["total"] = terms["clip"] + options.l2_lambda * terms["l2"] + options.id_lambda * terms["id"]
    else:
        terms["total"] = terms["clip"]
    return image, terms


def optimize_latent(generator: Generator, clip_loss: ClipLoss, start: torch.Tensor, options: OptimizeOptions, *,
                    id_loss: IdLoss | None = None, on_step: Callable[[StepLog], None] | None = None) -> OptimizeResult:
    """Optimise W+ from `start` [1, numWs, wDim]. Raises NonFiniteLoss naming the step and the term."""
    if options.mode == "edit" and options.id_lambda > 0 and id_loss is None:
        raise ValueError("the ID loss (id_lambda > 0) needs ArcFace weights")
    generator.requires_grad_(False)
    start = start.detach()
    with torch.no_grad():
        start_image = render(generator, start)
        use_id = options.mode == "edit" and options.id_lambda > 0
        start_features = id_loss.features(start_image) if use_id else None  # upstream recomputes: same values
    latent = start.clone().requires_grad_(True)
    optimizer = torch.optim.Adam([latent], lr=options.lr)
    result = OptimizeResult(image=start_image, wplus=start.clone(), start_image=start_image)
    for step in range(options.steps):
        lr = learning_rate(step, options.steps, options.lr)
        optimizer.param_groups[0]["lr"] = lr
        image, terms = loss_terms(generator, clip_loss, id_loss, latent, start, start_features, options)
        check_finite(step, terms)
        result.image, result.wplus = image.detach(), latent.detach().clone()
        optimizer.zero_grad()
        terms["total"].backward()
        check_finite(step, {"gradient of the total": latent.grad})
        optimizer.step()
        entry = StepLog(step, lr, *(float(terms[k]) for k in ("clip", "l2", "id", "total")))
        result.log.append(entry)
        if on_step is not None:
            on_step(entry)
    return result
