"""StyleCLIP's identity loss (criteria/id_loss.py; spec/styleclip.md §3): mean(1 − ⟨f(x̂), f(x)⟩) with ArcFace.

The image is average-pooled to 256, cropped to rows 35:223 and cols 32:220 (the face region of an FFHQ-aligned
image) and pooled to 112, with no other normalisation. The reference features are detached.
"""
from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

POOL_SIZE = 256  # upstream AdaptiveAvgPool2d((256, 256))
CROP_ROWS, CROP_COLS = (35, 223), (32, 220)  # upstream x[:, :, 35:223, 32:220]
FACE_SIZE = 112  # ArcFace input


class IdLoss(nn.Module):
    def __init__(self, arcface: nn.Module):
        super().__init__()
        self.arcface = arcface.eval().requires_grad_(False)

    def features(self, image: torch.Tensor) -> torch.Tensor:
        """image [N, 3, R, R] in [−1, 1] → unit ArcFace embeddings [N, D]."""
        x = F.adaptive_avg_pool2d(image, POOL_SIZE)
        x = x[:, :, CROP_ROWS[0]:CROP_ROWS[1], CROP_COLS[0]:CROP_COLS[1]]
        return self.arcface(F.adaptive_avg_pool2d(x, FACE_SIZE))

    def forward(self, image: torch.Tensor, reference_features: torch.Tensor) -> torch.Tensor:
        similarity = (self.features(image) * reference_features.detach()).sum(dim=1)
        return (1 - similarity).mean()
