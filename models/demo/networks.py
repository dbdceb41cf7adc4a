"""The demo pack's networks, one module per graph role (models/README.md, "Graph contracts").

  mapping    z → w = R·PixelNorm(z)                      R a fixed rotation, so w ~ uniform on the √8-sphere
  affine     W+ → S: s_c = centre_c + scale_c·(a_c · w[wIndex_c])   a_c = the attributes channel c draws (+ noise)
  synthesis  S → θ = G·(s − centre)/scale over conv channels → p = tanh((θ + bias)/2.5) → face.draw_face
  preview r  the same with only the conv layers at resolution ≤ r (what a skip generator has drawn by then)
  encoder    image → measure.FaceMeasure → p (floored, design.INVISIBLE_FLOOR) → θ → w = T⁻¹θ (T = G·A) → W+ = w on every row
  clipImage  CLIP-normalised image → FaceMeasure → [BASE, p]
  clipText   tokens → [BASE, Σ word vectors of the tokens up to the first EOT]

ToRGB S channels exist (kind "torgb") and are affine outputs like the others, but draw nothing.
"""
from __future__ import annotations

import math

import numpy as np
import torch
from torch import nn

from . import design
from .face import draw_face
from .measure import P_LIMIT, FaceMeasure

CLIP_MEAN = (0.48145466, 0.4578275, 0.40821073)  # openai/CLIP preprocess
CLIP_STD = (0.26862954, 0.26130258, 0.27577711)
EOT = 49407  # <|endoftext|>, CLIP's largest token id


class DemoWeights:
    """Every constant of the generator, derived from design.py and design.SEED."""

    def __init__(self):
        rng = np.random.default_rng(design.SEED)
        self.layers = design.style_layers()
        self.total_s = sum(layer["channels"] for layer in self.layers)
        conv = [layer for layer in self.layers if layer["kind"] == "conv"]
        # G [P, C]: what each conv channel draws.
        g = np.zeros((design.P, len(conv) * design.CHANNELS_PER_CONV))
        for l, channels in enumerate(design.CONV_CHANNELS):
            for k, effects in enumerate(channels):
                for name, weight in effects.items():
                    g[design.ATTRIBUTES.index(name), l * design.CHANNELS_PER_CONV + k] = weight
        self.g = g
        self.conv_index = np.array([layer["offset"] + k for layer in conv for k in range(layer["channels"])])
        self.conv_resolution = np.array([layer["resolution"] for layer in conv for _ in range(layer["channels"])])
        # a_c: the unit direction of what the channel draws, plus a little of everything (as a real affine mixes).
        a = np.zeros((self.total_s, design.P))
        columns = g / np.linalg.norm(g, axis=0, keepdims=True)
        a[self.conv_index] = columns.T + design.AFFINE_NOISE * rng.standard_normal((len(self.conv_index), design.P)) / math.sqrt(design.P)
        torgb = np.setdiff1d(np.arange(self.total_s), self.conv_index)
        a[torgb] = rng.standard_normal((len(torgb), design.P)) / math.sqrt(design.P)
        t = g @ a[self.conv_index]
        gamma = 1.0 / np.mean(np.linalg.norm(t, axis=1))  # rows of T of unit norm on average: θ ~ N(0, ≈1)
        self.a = a * gamma
        self.t = t * gamma  # θ = T·w
        self.t_inverse = np.linalg.inv(self.t)
        # S centres and scales vary by layer, as real S statistics do (spec/styleclip.md §1.4).
        layer_of = np.concatenate([[i] * layer["channels"] for i, layer in enumerate(self.layers)])
        self.centre = 0.75 + 0.45 * layer_of + 0.3 * rng.standard_normal(self.total_s)
        self.scale = (0.4 + 0.15 * layer_of) * (0.7 + 0.6 * rng.random(self.total_s))
        w_index = np.concatenate([[layer["wIndex"]] * layer["channels"] for layer in self.layers])
        self.w_index = w_index
        q, _ = np.linalg.qr(rng.standard_normal((design.P, design.P)))
        self.rotation = q
        self.w_avg = np.zeros(design.P)  # E[w] of the mapping (a rotation of a centred sphere)

    def tensor(self, name: str) -> torch.Tensor:
        return torch.tensor(np.asarray(getattr(self, name)), dtype=torch.float32)


def attributes_from_s(s: torch.Tensor, weights: DemoWeights, max_resolution: int) -> torch.Tensor:
    """S [1, totalS] → p [1, P], using only conv layers at resolution ≤ max_resolution."""
    return attributes_from_theta(theta_from_s(s, weights, 0, max_resolution))


def theta_from_s(s: torch.Tensor, weights: DemoWeights, above: int, max_resolution: int) -> torch.Tensor:
    """The pre-tanh attribute sum [1, P] of the conv layers at resolutions in (above, max_resolution]."""
    keep = (weights.conv_resolution > above) & (weights.conv_resolution <= max_resolution)
    index = torch.tensor(weights.conv_index[keep])
    centre = weights.tensor("centre")[index]
    scale = weights.tensor("scale")[index]
    g = torch.tensor(weights.g[:, keep], dtype=torch.float32)
    normalised = (s[:, index] - centre) / scale
    return normalised @ g.T


def attributes_from_theta(theta: torch.Tensor) -> torch.Tensor:
    return torch.tanh((theta + torch.tensor(design.ATTRIBUTE_BIAS)) / design.TANH_SCALE)


class Mapping(nn.Module):
    def __init__(self, weights: DemoWeights):
        super().__init__()
        self.register_buffer("rotation", weights.tensor("rotation"))

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        z = z * torch.rsqrt(torch.mean(z * z, dim=1, keepdim=True) + 1e-8)  # PixelNorm
        return z @ self.rotation.T


class Affine(nn.Module):
    def __init__(self, weights: DemoWeights):
        super().__init__()
        self.register_buffer("a", weights.tensor("a"))
        self.register_buffer("centre", weights.tensor("centre"))
        self.register_buffer("scale", weights.tensor("scale"))
        self.register_buffer("w_index", torch.tensor(weights.w_index))

    def forward(self, wplus: torch.Tensor) -> torch.Tensor:
        rows = wplus[:, self.w_index, :]  # [1, totalS, P]: the W+ row feeding each channel
        return self.centre + self.scale * (rows * self.a).sum(dim=2)


class Synthesis(nn.Module):
    def __init__(self, weights: DemoWeights, resolution: int):
        super().__init__()
        self.weights, self.resolution = weights, resolution

    def forward(self, s: torch.Tensor) -> torch.Tensor:
        p = attributes_from_s(s, self.weights, self.resolution)
        return 2.0 * draw_face(p, self.resolution) - 1.0


class SynthesisStage(nn.Module):
    """A stage of the demo's synthesis chain (models/README.md, "The synthesis chain"): the pre-tanh attribute sum of
    the conv layers up to `start` arrives as features (broadcast to [1, P, r, r], the chain's shape); this stage adds
    the layers in (start, stop] and draws the face at stop. The drawing starts afresh at every size, so the previous
    image is not needed; an empty slice of it keeps the input in the graph (torch drops unused inputs) at no cost."""

    def __init__(self, weights: DemoWeights, start: int | None, stop: int | None):
        super().__init__()
        self.weights, self.start = weights, start
        self.stop = design.RESOLUTION if stop is None else stop
        self.features_out = stop is not None

    def forward(self, s: torch.Tensor, features_in: torch.Tensor | None = None, image_in: torch.Tensor | None = None):
        theta = theta_from_s(s, self.weights, self.start or 0, self.stop)
        image = 2.0 * draw_face(attributes_from_theta(theta if features_in is None else features_in[:, :, 0, 0] + theta),
                                self.stop) - 1.0
        if image_in is not None:
            image = image + image_in[:, :, :0, :0].sum()  # exactly 0: see the class comment
        if not self.features_out:
            return image
        total = theta if features_in is None else features_in[:, :, 0, 0] + theta
        return image, total[:, :, None, None].expand(-1, -1, self.stop, self.stop)


class Encoder(nn.Module):
    def __init__(self, weights: DemoWeights):
        super().__init__()
        self.measure = FaceMeasure(256)
        self.register_buffer("t_inverse", weights.tensor("t_inverse"))
        self.register_buffer("bias", torch.tensor(design.ATTRIBUTE_BIAS))
        floor = [design.INVISIBLE_FLOOR.get(name, -P_LIMIT) for name in design.ATTRIBUTES]
        self.register_buffer("floor", torch.tensor(floor).view(1, -1))
        self.num_ws = design.NUM_WS

    def forward(self, image: torch.Tensor) -> torch.Tensor:
        p = torch.maximum(self.measure(0.5 * (image + 1.0)), self.floor).clamp(max=P_LIMIT)
        theta = design.TANH_SCALE * 0.5 * torch.log((1.0 + p) / (1.0 - p)) - self.bias  # atanh
        w = theta @ self.t_inverse.T
        return w.unsqueeze(1).expand(-1, self.num_ws, -1)


class ClipImage(nn.Module):
    def __init__(self):
        super().__init__()
        self.measure = FaceMeasure(design.CLIP_IMAGE_SIZE)
        self.register_buffer("mean", torch.tensor(CLIP_MEAN).view(1, 3, 1, 1))
        self.register_buffer("std", torch.tensor(CLIP_STD).view(1, 3, 1, 1))

    def forward(self, image: torch.Tensor) -> torch.Tensor:
        p = self.measure(image * self.std + self.mean)
        return torch.cat([torch.full_like(p[:, :1], design.BASE), p], dim=1)


class ClipText(nn.Module):
    """tokens [N, L] int32 → [BASE, Σ vectors of concept tokens at positions ≤ the first EOT] (causal pooling)."""

    def __init__(self, token_ids: list[int], vectors: np.ndarray):
        super().__init__()
        self.register_buffer("token_ids", torch.tensor(token_ids, dtype=torch.int32))
        self.register_buffer("vectors", torch.tensor(vectors, dtype=torch.float32))  # [K, P]

    def forward(self, tokens: torch.Tensor) -> torch.Tensor:
        eot = torch.argmax(tokens, dim=1, keepdim=True)  # the first EOT: CLIP's largest id
        positions = torch.arange(tokens.shape[1]).unsqueeze(0)
        seen = (positions <= eot).unsqueeze(2)
        hits = ((tokens.unsqueeze(2) == self.token_ids.view(1, 1, -1)) & seen).float()  # [N, L, K]
        pooled = hits.sum(dim=1) @ self.vectors
        return torch.cat([torch.zeros_like(pooled[:, :1]) + design.BASE, pooled], dim=1)
