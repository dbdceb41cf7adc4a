"""Reads the attribute values back from a drawn face (face.py): the demo's "perception", shared by its e4e
encoder (at 256 px) and its CLIP image encoder (at clip.imageSize).

Every measurement is a mean or a coverage sum over a patch that only one part of the face reaches, so it is
exact at any resolution ≥ 64 (face.py's box-filtered edges preserve areas):
  skin K       cheek patches                        → skin_dark by projection on the pale→dark line
  hair H       crown patch                          → hair_light, hair_red by least squares on the colour basis
  glasses      bridge patch = K + g·(frame − K)     → g = q², p = 2q − 1
  beard        chin patch = K + b·(0.8H − K)        → b = q², p = 2q − 1
  age          forehead mean = K·(1 − 0.4·q·ρ), ρ the wrinkles' known coverage
  eyes_open    eye coverage area = π·rx·ry
  smile        the mouth's per-column centroid is MOUTH_Y − c·((u/L)² − ⅓): weighted regression gives c
"""
from __future__ import annotations

import math

import torch
from torch import nn

from . import face

CHEEK_U, CHEEK_V = (0.24, 0.34), (0.16, 0.26)  # and its mirror image
HAIR_U, HAIR_V = (-0.2, 0.2), (-0.82, -0.62)
BRIDGE_U, BRIDGE_V = (-0.035, 0.035), (-0.065, -0.035)
CHIN_U, CHIN_V = (-0.15, 0.15), (0.56, 0.64)
FOREHEAD_U, FOREHEAD_V = (-0.16, 0.16), (-0.41, -0.245)
EYE_HALF_U, EYE_HALF_V = 0.105, 0.075
MOUTH_U, MOUTH_V = (-0.24, 0.24), (0.21, 0.44)
MOUTH_FIT_U = 0.16  # columns used for the curvature fit: inside the stroke's square ends
P_LIMIT = 0.9999  # measured p is clamped to (−1, 1) before atanh (encoder)


def pixel_range(lo: float, hi: float, r: int) -> slice:
    """Pixels whose centres lie in [lo, hi]."""
    px = 2.0 / r
    first = math.ceil((lo + 1.0) / px - 0.5)
    last = math.floor((hi + 1.0) / px - 0.5)
    if last < first:
        raise ValueError(f"no pixel centre in [{lo}, {hi}] at {r} px")
    return slice(first, last + 1)


def patch_mean(image: torch.Tensor, us, vs, r: int) -> torch.Tensor:
    """[N, 3] mean colour of a patch. Measured from its first pixel: summing a thousand equal float32 values drifts
    by ~1e-5 in onnxruntime's reduction, while their differences from the first one are exactly 0."""
    patch = image[:, :, pixel_range(*vs, r), pixel_range(*us, r)]
    first = patch[:, :, :1, :1]
    return ((patch - first).mean(dim=(2, 3), keepdim=True) + first).flatten(1)


def blend_fraction(observed: torch.Tensor, base: torch.Tensor, colour: torch.Tensor) -> torch.Tensor:
    """a in observed = base + a·(colour − base), least squares over RGB; shapes broadcast over trailing pixels."""
    direction = colour - base
    return ((observed - base) * direction).sum(dim=1) / (direction * direction).sum(dim=1)


class FaceMeasure(nn.Module):
    """RGB [N, 3, r, r] in [0, 1] → attribute values p [N, 8] (design.ATTRIBUTES order)."""

    def __init__(self, resolution: int):
        super().__init__()
        self.r = resolution
        px = 2.0 / resolution
        self.px = px
        rows = pixel_range(*FOREHEAD_V, resolution)
        # Each wrinkle's coverage sums to 2·half_width/px over a column (face.py), for 3 wrinkles.
        self.wrinkle_density = len(face.WRINKLE_YS) * 2 * face.WRINKLE_HALF_WIDTH / (px * (rows.stop - rows.start))
        centres = (torch.arange(resolution, dtype=torch.float32) + 0.5) * px - 1.0
        mouth_rows, mouth_cols = pixel_range(*MOUTH_V, resolution), pixel_range(*MOUTH_U, resolution)
        self.register_buffer("mouth_v", centres[mouth_rows].view(1, -1, 1))
        u = centres[mouth_cols]
        self.register_buffer("mouth_g", (face.mouth_profile(u, px) - 1.0 / 3.0).view(1, -1))
        self.register_buffer("mouth_fit", (u.abs() <= MOUTH_FIT_U).float().view(1, -1))
        self.mouth_slices = (mouth_rows, mouth_cols)
        self.eye_slices = [(pixel_range(cv - EYE_HALF_V, cv + EYE_HALF_V, resolution),
                            pixel_range(cu - EYE_HALF_U, cu + EYE_HALF_U, resolution)) for cu, cv in face.EYE_CENTRES]
        light, red = torch.tensor(face.HAIR_LIGHT), torch.tensor(face.HAIR_RED)
        self.register_buffer("hair_pinv", torch.linalg.pinv(torch.stack([light, red], dim=1)))  # [2, 3]
        self.register_buffer("hair_base", torch.tensor(face.HAIR_BASE).view(1, 3))
        self.register_buffer("skin_pale", torch.tensor(face.SKIN_PALE).view(1, 3))
        self.register_buffer("skin_dark", torch.tensor(face.SKIN_DARK).view(1, 3))
        self.register_buffer("eye_colour", torch.tensor(face.EYE_COLOUR).view(1, 3, 1, 1))
        self.register_buffer("mouth_colour", torch.tensor(face.MOUTH_COLOUR).view(1, 3, 1, 1))
        self.register_buffer("frame_colour", torch.tensor(face.FRAME_COLOUR).view(1, 3))

    def forward(self, image: torch.Tensor) -> torch.Tensor:
        r = self.r
        skin = 0.5 * (patch_mean(image, CHEEK_U, CHEEK_V, r) + patch_mean(image, (-CHEEK_U[1], -CHEEK_U[0]), CHEEK_V, r))
        hair = patch_mean(image, HAIR_U, HAIR_V, r)
        skin_q = blend_fraction(skin, self.skin_pale, self.skin_dark)
        light_red = (hair - self.hair_base) @ self.hair_pinv.T  # [N, 2]
        glasses = blend_fraction(patch_mean(image, BRIDGE_U, BRIDGE_V, r), skin, self.frame_colour)
        beard = blend_fraction(patch_mean(image, CHIN_U, CHIN_V, r), skin, face.BEARD_SHADE * hair)
        forehead = patch_mean(image, FOREHEAD_U, FOREHEAD_V, r)
        age_q = (skin - forehead).sum(dim=1) / (face.WRINKLE_DARKEN * self.wrinkle_density * skin.sum(dim=1))

        skin4 = skin.view(-1, 3, 1, 1)
        eye_ry = 0.0
        for rows, cols in self.eye_slices:
            coverage = blend_fraction(image[:, :, rows, cols], skin4, self.eye_colour)
            eye_ry = eye_ry + coverage.sum(dim=(1, 2)) * self.px**2 / (math.pi * face.EYE_RX) / len(self.eye_slices)
        eyes_q = (eye_ry - face.EYE_RY_CLOSED) / face.EYE_RY_RANGE

        rows, cols = self.mouth_slices
        mouth = blend_fraction(image[:, :, rows, cols], skin4, self.mouth_colour)  # [N, rows, cols]
        mass = mouth.sum(dim=1) * self.mouth_fit  # [N, cols]
        centroid = (mouth * self.mouth_v).sum(dim=1) / (mouth.sum(dim=1) + 1e-6)
        weight = mass / mass.sum(dim=1, keepdim=True)
        g_mean = (weight * self.mouth_g).sum(dim=1, keepdim=True)
        y_mean = (weight * centroid).sum(dim=1, keepdim=True)
        slope = (weight * (self.mouth_g - g_mean) * (centroid - y_mean)).sum(dim=1) \
            / (weight * (self.mouth_g - g_mean) ** 2).sum(dim=1)
        smile = -slope / face.SMILE_CURVE

        p = lambda q: 2.0 * q - 1.0
        root = lambda x: torch.sqrt(x.clamp(min=0.0))
        return torch.stack([smile, p(eyes_q), light_red[:, 0], p(light_red[:, 1]), p(root(glasses)), p(root(beard)),
                            p(age_q), p(skin_q)], dim=1)
