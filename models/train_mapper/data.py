"""Training and test latents, and the order batches are drawn in.

The order is a pure function of (seed, step): each epoch is a seeded permutation of the latents, cut into global
batches (the last partial batch dropped, as upstream's DataLoader(drop_last=True) does). Under torchrun each
process takes its contiguous share of the global batch, so N processes see exactly the samples one process would,
and a resumed run continues with the batches an uninterrupted one would have drawn.
"""
from __future__ import annotations

from pathlib import Path

import torch

from models.export.stylegan2 import Generator
from models.styleclip.cli import UserError
from models.styleclip.latents import random_wplus, read_training_latents

TRAIN_SIZE, TEST_SIZE = 5000, 1000  # upstream train_dataset_size / test_dataset_size for random latents
EPOCH_SEED_STRIDE = 1_000_003


def load_latents(path: Path | None, *, generator: Generator, latent_avg: torch.Tensor, random_count: int, seed: int,
                 what: str) -> torch.Tensor:
    """[N, numWs, wDim]: the file's latents, or random w with ψ 0.7 tiled to every row (upstream's fallback)."""
    cfg = generator.config
    if path is not None:
        return read_training_latents(path, num_ws=cfg.n_latent, w_dim=cfg.style_dim, what=what)
    if random_count < 1:
        raise UserError(f"{what}: give a latents file or a positive random dataset size")
    return random_wplus(generator, latent_avg, random_count, seed=seed)


def batch_indices(step: int, count: int, batch_size: int, seed: int) -> torch.Tensor:
    """Indices of the global batch at `step`."""
    per_epoch = count // batch_size
    if per_epoch == 0:
        raise UserError(f"the training set has {count} latents, fewer than one batch of {batch_size}; "
                        f"use more latents or a smaller --batch-size")
    epoch, index = divmod(step, per_epoch)
    order = torch.randperm(count, generator=torch.Generator().manual_seed(seed * EPOCH_SEED_STRIDE + epoch))
    return order[index * batch_size:(index + 1) * batch_size]


def share(indices: torch.Tensor, rank: int, world_size: int) -> torch.Tensor:
    per_rank = len(indices) // world_size
    return indices[rank * per_rank:(rank + 1) * per_rank]
