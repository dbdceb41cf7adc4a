"""Draws the demo face from the attribute values p ∈ (−1, 1)^8 (design.ATTRIBUTES), at any resolution.

Coordinates: u (right) and v (down) in [−1, 1], pixel centres at −1 + (k + ½)·2/r. Every edge is box-filtered
over one pixel (coverage = overlap of the shape with the pixel), so sums of coverage over a region equal the
shape's area at every resolution: measure.py reads the attributes back from such sums exactly.

u and v are [1, r] and [r, 1] rows built with arange, and everything broadcasts, so the exported graph holds no
[r, r] constants (see pixel_grid).
"""
from __future__ import annotations

import torch

# ------------------------------------------------------------------ geometry (u right, v down, in [−1, 1])
HAIR_CENTRE, HAIR_RADII = (0.0, -0.10), (0.68, 0.78)
FACE_CENTRE, FACE_RADII = (0.0, 0.08), (0.50, 0.64)
FRINGE_Y, FRINGE_WAVE, FRINGE_FREQ = -0.46, 0.02, 8.0
WRINKLE_YS, WRINKLE_BEND, WRINKLE_HALF_WIDTH, WRINKLE_HALF_LENGTH = (-0.375, -0.325, -0.275), 0.06, 0.008, 0.24
WRINKLE_DARKEN = 0.4  # a wrinkle pixel is skin × (1 − 0.4·coverage·age)
BEARD_TOP, JAW_FROM, JAW_RISE = 0.48, 0.26, 16.8  # beard edge v = 0.48 − 16.8·max(|u| − 0.26, 0)²
NOSE_Y, NOSE_BEND, NOSE_HALF_LENGTH, NOSE_HALF_WIDTH = 0.15, 2.0, 0.05, 0.01
MOUTH_Y, MOUTH_HALF_LENGTH, MOUTH_HALF_WIDTH, SMILE_CURVE = 0.32, 0.19, 0.022, 0.09
EYE_CENTRES, EYE_RX, EYE_RY_CLOSED, EYE_RY_RANGE = ((-0.2, -0.05), (0.2, -0.05)), 0.085, 0.012, 0.046
BROW_Y, BROW_BEND, BROW_HALF_LENGTH, BROW_HALF_WIDTH = -0.19, 0.6, 0.09, 0.014
GLASSES_RADIUS, GLASSES_HALF_WIDTH = 0.16, 0.014
BRIDGE_HALF_LENGTH, BRIDGE_HALF_HEIGHT = 0.05, 0.03
ARM_Y, ARM_FROM, ARM_TO, ARM_HALF_WIDTH = -0.06, 0.36, 0.5, 0.012

# ------------------------------------------------------------------ colours (linear RGB in [0, 1])
BACKGROUND_TOP, BACKGROUND_SHADE = (0.80, 0.85, 0.90), (-0.10, -0.08, -0.04)
SKIN_PALE, SKIN_DARK = (0.96, 0.83, 0.72), (0.42, 0.27, 0.18)
HAIR_BASE, HAIR_LIGHT, HAIR_RED = (0.42, 0.33, 0.22), (0.36, 0.29, 0.18), (0.20, -0.03, -0.04)
BEARD_SHADE = 0.8  # beard colour = hair colour × 0.8
BROW_SHADE = 0.7
NOSE_SHADE = 0.78
EYE_COLOUR = (0.10, 0.07, 0.06)
MOUTH_COLOUR = (0.55, 0.16, 0.18)
FRAME_COLOUR = (0.08, 0.08, 0.10)


def rgb(values) -> torch.Tensor:
    return torch.tensor(values, dtype=torch.float32).view(1, 3, 1, 1)


def skin_colour(skin_q: torch.Tensor) -> torch.Tensor:
    return rgb(SKIN_PALE) + skin_q * (rgb(SKIN_DARK) - rgb(SKIN_PALE))


def hair_colour(light: torch.Tensor, red_q: torch.Tensor) -> torch.Tensor:
    return rgb(HAIR_BASE) + light * rgb(HAIR_LIGHT) + red_q * rgb(HAIR_RED)


def pixel_grid(r: int, zero: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, float]:
    """u [1, 1, 1, r], v [1, 1, r, 1] pixel centres, and the pixel size. `zero` (0, computed from the graph input)
    is added so the exporter cannot fold the drawing into [r, r] constants: the graph stays a few kB."""
    px = 2.0 / r
    k = torch.arange(r, dtype=torch.float32)
    centres = (k + 0.5) * px - 1.0 + zero.reshape(1)
    return centres.view(1, 1, 1, r), centres.view(1, 1, r, 1), px


def edge(distance: torch.Tensor, px: float) -> torch.Tensor:
    """Coverage of a region {d > 0} by a pixel whose centre is at signed distance d (box filter)."""
    return (distance / px + 0.5).clamp(0.0, 1.0)


def stroke(distance: torch.Tensor, half_width: float, px: float) -> torch.Tensor:
    """Coverage of a stroke |d| < half_width by a pixel at distance d: overlap of two intervals / px."""
    d = distance.abs()
    return ((d + half_width).clamp(max=px / 2) - (d - half_width).clamp(min=-px / 2)).clamp(min=0.0) / px


def ellipse_distance(u, v, centre, rx, ry) -> torch.Tensor:
    """First-order signed distance to an ellipse's edge, positive inside: (1 − f)/|∇f|."""
    du, dv = u - centre[0], v - centre[1]
    f = (du / rx) ** 2 + (dv / ry) ** 2
    gradient = 2.0 * torch.sqrt((du / rx**2) ** 2 + (dv / ry**2) ** 2 + 1e-12)
    return (1.0 - f) / gradient


def half_disc_integral(x: torch.Tensor) -> torch.Tensor:
    """∫₀ˣ √(1 − t²) dt for x clamped to [−1, 1]."""
    x = x.clamp(-1.0, 1.0)
    return 0.5 * (x * torch.sqrt((1.0 - x * x).clamp(min=0.0)) + torch.asin(x))


def ellipse_columns(u, v, centre, rx, ry, px) -> torch.Tensor:
    """Coverage of an ellipse drawn column by column: each pixel column is a vertical bar as tall as the ellipse's
    mean height over that column, so the coverage of a column sums exactly to its area share (eyes read back
    exactly)."""
    du = u - centre[0]
    mean_half_height = ry * rx * (half_disc_integral((du + px / 2) / rx) - half_disc_integral((du - px / 2) / rx)) / px
    return _bar(v - centre[1], mean_half_height, px)


def _bar(distance: torch.Tensor, half_height: torch.Tensor, px: float) -> torch.Tensor:
    """Coverage of a vertical bar |d| < half_height, filtered with a one-pixel tent (box ∗ box) instead of a box:
    sampled on the pixel lattice, both its sum (the area) and its first moment (the centroid) come out exact."""
    return _tent_step((distance + half_height) / px) - _tent_step((distance - half_height) / px)


def _tent_step(x: torch.Tensor) -> torch.Tensor:
    """Integral of the unit tent on [−1, 1] up to x: 0.5 + t − t·|t|/2 with t = clamp(x, −1, 1)."""
    t = x.clamp(-1.0, 1.0)
    return 0.5 + t - 0.5 * t * t.abs()


def blend(image: torch.Tensor, colour: torch.Tensor, alpha: torch.Tensor) -> torch.Tensor:
    return image + alpha * (colour - image)


def mouth_profile(u: torch.Tensor, px: float) -> torch.Tensor:
    """Mean of (t/L)² over the pixel column around u: the mouth's height is MOUTH_Y − c·(this − ⅓)."""
    return (u * u + px * px / 12.0) / MOUTH_HALF_LENGTH**2


def draw_face(p: torch.Tensor, r: int) -> torch.Tensor:
    """p [1, 8] attribute values → RGB image [1, 3, r, r] in [0, 1]."""
    u, v, px = pixel_grid(r, p[0, 0] * 0.0)
    a = [p[:, k].view(1, 1, 1, 1) for k in range(p.shape[1])]
    smile, eyes_open, hair_light, hair_red, glasses, beard, age, skin_dark = a
    q = lambda x: 0.5 * (x + 1.0)  # (−1, 1) → (0, 1)

    skin = skin_colour(q(skin_dark))
    hair = hair_colour(hair_light, q(hair_red))
    image = rgb(BACKGROUND_TOP) + 0.5 * (v + 1.0) * rgb(BACKGROUND_SHADE) + 0.0 * u
    image = blend(image, hair, edge(ellipse_distance(u, v, HAIR_CENTRE, *HAIR_RADII), px))
    face = edge(ellipse_distance(u, v, FACE_CENTRE, *FACE_RADII), px)
    image = blend(image, skin, face)
    fringe = face * edge(FRINGE_Y + FRINGE_WAVE * torch.cos(FRINGE_FREQ * u) - v, px)
    image = blend(image, hair, fringe)

    wrinkles = sum(stroke(v - (y + WRINKLE_BEND * u * u), WRINKLE_HALF_WIDTH, px) for y in WRINKLE_YS)
    wrinkles = wrinkles * edge(WRINKLE_HALF_LENGTH - u.abs(), px)
    image = blend(image, skin * (1.0 - WRINKLE_DARKEN), q(age) * wrinkles)

    beard_region = edge(v - BEARD_TOP + JAW_RISE * (u.abs() - JAW_FROM).clamp(min=0.0) ** 2, px)
    image = blend(image, hair * BEARD_SHADE, q(beard) ** 2 * face * beard_region)

    nose = stroke(v - (NOSE_Y + NOSE_BEND * u * u), NOSE_HALF_WIDTH, px) * edge(NOSE_HALF_LENGTH - u.abs(), px)
    image = blend(image, skin * NOSE_SHADE, nose)

    # The mouth, column by column: a bar of constant height centred on the curve's mean height over the pixel
    # column, so every column's centroid is exactly that height, also after an area resize.
    mouth_y = MOUTH_Y - SMILE_CURVE * smile * (mouth_profile(u, px) - 1.0 / 3.0)
    mouth = _bar(v - mouth_y, torch.tensor(MOUTH_HALF_WIDTH), px)
    image = blend(image, rgb(MOUTH_COLOUR), mouth * edge(MOUTH_HALF_LENGTH - u.abs(), px))

    ry = EYE_RY_CLOSED + EYE_RY_RANGE * q(eyes_open)
    for centre in EYE_CENTRES:
        image = blend(image, rgb(EYE_COLOUR), ellipse_columns(u, v, centre, EYE_RX, ry, px))
        du = u - centre[0]
        brow = stroke(v - (BROW_Y + BROW_BEND * du * du), BROW_HALF_WIDTH, px) * edge(BROW_HALF_LENGTH - du.abs(), px)
        image = blend(image, hair * BROW_SHADE, brow)

    rings = [stroke(torch.sqrt((u - cu) ** 2 + (v - cv) ** 2) - GLASSES_RADIUS, GLASSES_HALF_WIDTH, px)
             for cu, cv in EYE_CENTRES]
    bridge = edge(BRIDGE_HALF_LENGTH - u.abs(), px) * edge(BRIDGE_HALF_HEIGHT - (v - EYE_CENTRES[0][1]).abs(), px)
    arms = stroke(v - ARM_Y, ARM_HALF_WIDTH, px) * edge(u.abs() - ARM_FROM, px) * edge(ARM_TO - u.abs(), px)
    frame = torch.maximum(torch.maximum(rings[0], rings[1]), torch.maximum(bridge, arms))
    image = blend(image, rgb(FRAME_COLOUR), q(glasses) ** 2 * frame)
    return image
