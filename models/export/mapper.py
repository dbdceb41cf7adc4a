"""StyleCLIP's LevelsMapper (mapper/latent_mappers.py): one small MLP per level of W+ rows.

Attribute names equal the checkpoint keys after their ``mapper.`` prefix (``course_mapping.mapping.1.weight``;
"course" is upstream's spelling). A level trained with ``--no_<level>_mapper`` has no keys and outputs zeros.
"""
from __future__ import annotations

import torch
from torch import nn

from .stylegan2 import LR_MLP, EqualLinear, PixelNorm

MAPPER_LAYERS = 4  # EqualLinear layers per level, upstream Mapper
# Upstream's hard-coded row split: [:4], [4:8], [8:]. (e4e splits differently; this one is the mapper's.)
LEVELS = (("coarse", "course_mapping", 0, 4), ("medium", "medium_mapping", 4, 8), ("fine", "fine_mapping", 8, None))


class Mapper(nn.Module):
    """PixelNorm, then 4 × EqualLinear(lr_mul 0.01) with leaky ReLU, the last one included.

    The input is [B, rows, w_dim], so PixelNorm (dim 1) normalises across the level's W+ rows, per feature:
    an upstream quirk the checkpoints were trained with.
    """

    def __init__(self, w_dim: int):
        super().__init__()
        self.mapping = nn.Sequential(PixelNorm(), *(
            EqualLinear(w_dim, w_dim, lr_mul=LR_MLP, activation=True) for _ in range(MAPPER_LAYERS)))

    def forward(self, w: torch.Tensor) -> torch.Tensor:
        return self.mapping(w)


class LevelsMapper(nn.Module):
    def __init__(self, w_dim: int, levels: tuple[str, ...]):
        super().__init__()
        unknown = set(levels) - {name for name, *_ in LEVELS}
        if unknown:
            raise ValueError(f"unknown mapper levels {sorted(unknown)}; must be coarse, medium or fine")
        self.levels = tuple(name for name, *_ in LEVELS if name in levels)
        for name, attribute, _, _ in LEVELS:
            if name in self.levels:
                setattr(self, attribute, Mapper(w_dim))

    def forward(self, wplus: torch.Tensor) -> torch.Tensor:
        """W+ [B, n_latent, w_dim] → raw delta, same shape (the caller applies upstream's 0.1)."""
        parts = []
        for name, attribute, start, stop in LEVELS:
            rows = wplus[:, start:stop]
            parts.append(getattr(self, attribute)(rows) if name in self.levels else torch.zeros_like(rows))
        return torch.cat(parts, dim=1)
