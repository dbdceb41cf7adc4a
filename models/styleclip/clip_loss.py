"""StyleCLIP's CLIP loss (criteria/clip_loss.py; spec/styleclip.md §3 and §5): 1 − exp(logit_scale)·cos/100.

The generator's raw [−1, 1] image is resized to CLIP's input size by a nearest-neighbour upsample ×u followed by
an average pool of kernel k: no clamp, no mean/std normalisation, exactly as upstream. Upstream hard-codes u = 7
and k = size // 32 (1024 → 7168 → 224). For any generator size R and CLIP image size S we take
u = S / gcd(R, S) and k = R / gcd(R, S), which gives upstream's numbers for every power-of-two R ≥ 32 with S = 224
(e.g. 7 and 32 at 1024, 7 and 8 at 256) and, for golden-tiny (R 64, S 32), u = 1, k = 2.
"""
from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn

LOGIT_DIVISOR = 100.0  # upstream: 1 − logits_per_image / 100, hard-coded (equals ViT-B/32's exp(logit_scale))
USUAL_PLATEAU = 0.71  # StyleCLIP issue #63: a mapper's CLIP loss levelling off near 0.71 is normal


def pooling_factors(generator_size: int, clip_size: int) -> tuple[int, int]:
    """(upsample factor, average-pool kernel) that take a generator image to CLIP's input size."""
    common = math.gcd(generator_size, clip_size)
    return clip_size // common, generator_size // common


class ClipLoss(nn.Module):
    """image [N, 3, R, R] → loss [N, T] against T prompts (their text features computed once, frozen)."""

    def __init__(self, clip: nn.Module, generator_size: int, tokens: torch.Tensor):
        super().__init__()
        self.clip = clip.eval().requires_grad_(False)
        self.upsample, self.kernel = pooling_factors(generator_size, clip.image_resolution)
        with torch.no_grad():
            text = F.normalize(clip.encode_text(tokens), dim=-1)
        self.register_buffer("text_features", text)

    def clip_input(self, image: torch.Tensor) -> torch.Tensor:
        x = F.interpolate(image, scale_factor=self.upsample, mode="nearest") if self.upsample > 1 else image
        return F.avg_pool2d(x, self.kernel) if self.kernel > 1 else x

    def forward(self, image: torch.Tensor) -> torch.Tensor:
        image_features = F.normalize(self.clip.encode_image(self.clip_input(image)), dim=-1)
        logits_per_image = self.clip.logit_scale.exp() * image_features @ self.text_features.t()
        return 1 - logits_per_image / LOGIT_DIVISOR
