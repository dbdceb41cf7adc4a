"""e4e: the Encoder4Editing image → W+ encoder (omertov/encoder4editing).

An IR-SE-50 backbone, a two-step feature pyramid and one GradualStyleBlock per
W+ row. Row 0 is predicted once and copied to every row; rows 1…N−1 add their
own deltas. The encoder output is an offset: W+ = encoder(x) + latent_avg.

Attribute names equal the upstream state-dict keys (after the `encoder.`
prefix), so a strict `load_state_dict` checks the checkpoint format. Widths are
read from the checkpoint: upstream uses 64/128/256/512 and 18 styles of 512;
the golden tiny checkpoint 16/20/24/32 and 10 styles of 32.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List, Mapping, Tuple

import torch
import torch.nn.functional as F
from torch import nn

from .checkpoints import CheckpointError, load_strict
from .safe_load import UnsafeFileError, check_regular_file, safe_torch_load

# IR-SE-50 (upstream helpers.get_blocks(50)): bottleneck units per stage; the
# first unit of every stage has stride 2.
IR_SE_50_UNITS = (3, 4, 14, 3)
# Body units whose outputs feed the pyramid (upstream Encoder4Editing.forward):
# c1 (stride 4), c2 (stride 8), c3 (stride 16).
C1_UNIT, C2_UNIT, C3_UNIT = 6, 20, 23
# First W+ row read from p2, first row read from p1 (upstream coarse_ind, middle_ind).
COARSE_IND, MIDDLE_IND = 3, 7
SE_REDUCTION = 16  # upstream SEModule(depth, 16)
STYLE_LEAKY_SLOPE = 0.01  # nn.LeakyReLU() default in GradualStyleBlock
INPUT_SIZE = 256  # e4e always encodes 256×256 images


class SEModule(nn.Module):
    """Squeeze-and-excitation: global mean → 1×1 conv → ReLU → 1×1 conv → sigmoid gate."""

    def __init__(self, channels: int, reduction: int = SE_REDUCTION):
        super().__init__()
        self.avg_pool = nn.AdaptiveAvgPool2d(1)
        self.fc1 = nn.Conv2d(channels, channels // reduction, 1, bias=False)
        self.relu = nn.ReLU(inplace=True)
        self.fc2 = nn.Conv2d(channels // reduction, channels, 1, bias=False)
        self.sigmoid = nn.Sigmoid()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        gate = self.sigmoid(self.fc2(self.relu(self.fc1(self.avg_pool(x)))))
        return x * gate


class BottleneckIRSE(nn.Module):
    """Upstream `bottleneck_IR_SE`: BN, 3×3 conv, PReLU, strided 3×3 conv, BN, SE, plus a shortcut.

    The stride sits on the second conv. When the width is unchanged the
    shortcut is `MaxPool2d(1, stride)` (pure subsampling), otherwise a strided
    1×1 conv + BN.
    """

    def __init__(self, in_channels: int, depth: int, stride: int):
        super().__init__()
        if in_channels == depth:
            self.shortcut_layer = nn.MaxPool2d(1, stride)
        else:
            self.shortcut_layer = nn.Sequential(
                nn.Conv2d(in_channels, depth, 1, stride, bias=False),
                nn.BatchNorm2d(depth),
            )
        self.res_layer = nn.Sequential(
            nn.BatchNorm2d(in_channels),
            nn.Conv2d(in_channels, depth, 3, 1, 1, bias=False),
            nn.PReLU(depth),
            nn.Conv2d(depth, depth, 3, stride, 1, bias=False),
            nn.BatchNorm2d(depth),
            SEModule(depth),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.res_layer(x) + self.shortcut_layer(x)


class EqualLinear(nn.Module):
    """StyleGAN2 equalised linear layer without activation: `x · (W·lr_mul/√in)ᵀ + b·lr_mul`."""

    def __init__(self, in_dim: int, out_dim: int, lr_mul: float = 1.0):
        super().__init__()
        self.weight = nn.Parameter(torch.zeros(out_dim, in_dim))
        self.bias = nn.Parameter(torch.zeros(out_dim))
        self.scale = lr_mul / math.sqrt(in_dim)
        self.lr_mul = lr_mul

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.linear(x, self.weight * self.scale, self.bias * self.lr_mul)


class GradualStyleBlock(nn.Module):
    """log2(spatial) stride-2 3×3 convs with LeakyReLU(0.01) down to 1×1, then EqualLinear."""

    def __init__(self, in_channels: int, out_channels: int, spatial: int):
        super().__init__()
        self.out_channels = out_channels
        layers: List[nn.Module] = []
        for i in range(int(math.log2(spatial))):
            layers += [
                nn.Conv2d(in_channels if i == 0 else out_channels, out_channels, 3, 2, 1),
                nn.LeakyReLU(STYLE_LEAKY_SLOPE),
            ]
        self.convs = nn.Sequential(*layers)
        self.linear = EqualLinear(out_channels, out_channels, lr_mul=1.0)

    def forward(self, features: torch.Tensor) -> torch.Tensor:
        x = self.convs(features)
        return self.linear(x.reshape(-1, self.out_channels))


@dataclass(frozen=True)
class E4EConfig:
    """The architecture numbers of one e4e checkpoint."""

    input_width: int  # input layer channels (upstream 64)
    stage_widths: Tuple[int, int, int, int]  # IR-SE-50 stage depths (upstream 64, 128, 256, 512)
    style_dim: int  # W dimension (upstream 512)
    num_styles: int  # W+ rows (upstream 18 for 1024 px)


class Encoder4Editing(nn.Module):
    """image [1, 3, 256, 256] in [−1, 1] → W+ offset [1, num_styles, style_dim] (before latent_avg)."""

    def __init__(self, config: E4EConfig):
        super().__init__()
        self.config = config
        self.input_layer = nn.Sequential(
            nn.Conv2d(3, config.input_width, 3, 1, 1, bias=False),
            nn.BatchNorm2d(config.input_width),
            nn.PReLU(config.input_width),
        )
        units: List[nn.Module] = []
        in_channels = config.input_width
        for depth, count in zip(config.stage_widths, IR_SE_50_UNITS):
            for i in range(count):
                units.append(BottleneckIRSE(in_channels, depth, stride=2 if i == 0 else 1))
                in_channels = depth
        self.body = nn.Sequential(*units)

        c1_width, c2_width, c3_width = config.stage_widths[1], config.stage_widths[2], config.stage_widths[3]
        self.styles = nn.ModuleList(
            GradualStyleBlock(c3_width, config.style_dim, self._head_spatial(i)) for i in range(config.num_styles)
        )
        self.latlayer1 = nn.Conv2d(c2_width, config.style_dim, 1)
        self.latlayer2 = nn.Conv2d(c1_width, config.style_dim, 1)

    @staticmethod
    def _head_spatial(row: int) -> int:
        """Side of the feature map a head reads: c3 (16), p2 (32) or p1 (64) for a 256 input."""
        if row < COARSE_IND:
            return INPUT_SIZE // 16
        if row < MIDDLE_IND:
            return INPUT_SIZE // 8
        return INPUT_SIZE // 4

    def backbone(self, image: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """The pyramid taps c1, c2, c3 (outputs of body units 6, 20, 23)."""
        x = self.input_layer(image)
        taps: Dict[int, torch.Tensor] = {}
        for i, unit in enumerate(self.body):
            x = unit(x)
            taps[i] = x
        return taps[C1_UNIT], taps[C2_UNIT], taps[C3_UNIT]

    def forward(self, image: torch.Tensor) -> torch.Tensor:
        c1, c2, c3 = self.backbone(image)

        w0 = self.styles[0](c3)
        rows = [w0]
        features = c3
        p2 = c3
        for i in range(1, self.config.num_styles):
            if i == COARSE_IND:
                p2 = _upsample_add(c3, self.latlayer1(c2))
                features = p2
            elif i == MIDDLE_IND:
                features = _upsample_add(p2, self.latlayer2(c1))
            rows.append(w0 + self.styles[i](features))
        return torch.stack(rows, dim=1)


def _upsample_add(coarse: torch.Tensor, lateral: torch.Tensor) -> torch.Tensor:
    """Bilinear upsample (align_corners=True) to the lateral's size, then add."""
    return F.interpolate(coarse, size=lateral.shape[-2:], mode="bilinear", align_corners=True) + lateral


# --------------------------------------------------------------------------- checkpoint


@dataclass
class E4ECheckpoint:
    encoder: Encoder4Editing  # eval mode, float32
    latent_avg: torch.Tensor  # [num_styles, style_dim]
    opts: dict


def load_e4e_checkpoint(path) -> E4ECheckpoint:
    """Read an e4e checkpoint (`{'state_dict', 'opts', 'latent_avg'}`, as the e4e coach saves it).

    Only the `encoder.*` entries are used. Raises CheckpointError naming the file
    and every missing, unexpected or mis-shaped key.
    """
    path = Path(path)
    try:
        check_regular_file(path)
    except UnsafeFileError as error:
        raise CheckpointError(str(error)) from None
    try:
        checkpoint = safe_torch_load(path)
    except Exception as error:  # torch raises many types for a file that is not a checkpoint
        raise CheckpointError(f"{path}: cannot be read by torch.load ({type(error).__name__}: {error}).") from error
    if not isinstance(checkpoint, Mapping) or "state_dict" not in checkpoint:
        found = sorted(checkpoint.keys()) if isinstance(checkpoint, Mapping) else type(checkpoint).__name__
        raise CheckpointError(f"{path}: not an e4e checkpoint: expected a dict with 'state_dict', "
                              f"'opts' and 'latent_avg', found {found}.")
    opts = checkpoint.get("opts") or {}
    opts = dict(opts) if isinstance(opts, Mapping) else vars(opts)
    # pSp's GradualStyleEncoder has the same keys but adds every head's output instead of w0 + delta.
    encoder_type = opts.get("encoder_type", "Encoder4Editing")
    if encoder_type != "Encoder4Editing":
        raise CheckpointError(f"{path}: opts.encoder_type is {encoder_type!r}; only e4e's Encoder4Editing is supported.")
    state = {k[len("encoder."):]: v for k, v in checkpoint["state_dict"].items() if k.startswith("encoder.")}
    if not state:
        raise CheckpointError(f"{path}: no 'encoder.*' keys in state_dict: not an e4e checkpoint.")

    encoder = Encoder4Editing(e4e_config_from_state_dict(state, path))
    load_strict(encoder, state, path, prefix="encoder.")
    encoder.eval()

    if "latent_avg" not in checkpoint:
        raise CheckpointError(f"{path}: no 'latent_avg' entry; e4e adds it to every code (start_from_latent_avg).")
    latent_avg = _latent_avg_rows(checkpoint["latent_avg"], encoder.config, path)
    return E4ECheckpoint(encoder=encoder, latent_avg=latent_avg, opts=opts)


def e4e_config_from_state_dict(state: Mapping[str, torch.Tensor], source: Path) -> E4EConfig:
    """Infer the widths and the W+ row count from the shapes of an encoder state dict."""

    def shape_of(key: str) -> Tuple[int, ...]:
        if key not in state:
            raise CheckpointError(f"{source}: missing key encoder.{key} (needed to read the encoder widths).")
        return tuple(state[key].shape)

    first_units = [sum(IR_SE_50_UNITS[:s]) for s in range(len(IR_SE_50_UNITS))]
    stage_widths = tuple(shape_of(f"body.{u}.res_layer.1.weight")[0] for u in first_units)
    style_rows = {int(m.group(1)) for k in state if (m := re.match(r"styles\.(\d+)\.", k))}
    if not style_rows:
        raise CheckpointError(f"{source}: no encoder.styles.* keys: this is not an Encoder4Editing checkpoint.")
    return E4EConfig(
        input_width=shape_of("input_layer.0.weight")[0],
        stage_widths=stage_widths,
        style_dim=shape_of("styles.0.linear.weight")[0],
        num_styles=max(style_rows) + 1,
    )


def _latent_avg_rows(latent_avg: torch.Tensor, config: E4EConfig, source: Path) -> torch.Tensor:
    """latent_avg as [num_styles, style_dim]; a 1-D [style_dim] vector is repeated (e4e's `repeat`)."""
    latent_avg = latent_avg.detach().float()
    rows, dim = config.num_styles, config.style_dim
    if latent_avg.shape == (dim,):
        return latent_avg.expand(rows, dim).clone()
    if latent_avg.shape != (rows, dim):
        raise CheckpointError(f"{source}: latent_avg has shape {list(latent_avg.shape)}; "
                              f"the encoder needs [{rows}, {dim}] or [{dim}].")
    return latent_avg.contiguous()
