"""ArcFace IR-SE-50 (TreB1eN/InsightFace_Pytorch `Backbone(112, 50, mode='ir_se')`), the identity network of
StyleCLIP's ID loss (`model_ir_se50.pth`).

Attribute names equal the upstream state-dict keys (`input_layer.0.weight`, `body.23.res_layer.5.fc2.weight`,
`output_layer.3.weight`), so a strict `load_state_dict` checks the file. The body shares e4e's IR-SE bottleneck
(e4e.BottleneckIRSE); widths are read from the checkpoint, so a reduced-width test model in the same layout loads
the same way. Used by the offline tools only; nothing here is exported to ONNX.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping

import torch
import torch.nn.functional as F
from torch import nn

from .checkpoints import CheckpointError, load_checkpoint_file, load_strict
from .e4e import IR_SE_50_UNITS, BottleneckIRSE

INPUT_SIZE = 112  # ArcFace reads 112×112 faces
FEATURE_SIZE = INPUT_SIZE // 16  # four stride-2 stages: 7×7
DROP_RATIO = 0.6  # StyleCLIP's IDLoss builds Backbone(drop_ratio=0.6); irrelevant in eval mode


@dataclass(frozen=True)
class ArcFaceConfig:
    input_width: int  # input layer channels (upstream 64)
    stage_widths: tuple[int, int, int, int]  # upstream 64, 128, 256, 512
    embed_dim: int  # upstream 512


class Flatten(nn.Module):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x.reshape(x.shape[0], -1)


class ArcFace(nn.Module):
    """face [N, 3, 112, 112] (the generator's [−1, 1] range, no other normalisation) → unit embedding [N, D]."""

    def __init__(self, config: ArcFaceConfig):
        super().__init__()
        self.config = config
        self.input_layer = nn.Sequential(nn.Conv2d(3, config.input_width, 3, 1, 1, bias=False),
                                         nn.BatchNorm2d(config.input_width), nn.PReLU(config.input_width))
        units, in_channels = [], config.input_width
        for depth, count in zip(config.stage_widths, IR_SE_50_UNITS):
            for i in range(count):
                units.append(BottleneckIRSE(in_channels, depth, stride=2 if i == 0 else 1))
                in_channels = depth
        self.body = nn.Sequential(*units)
        last = config.stage_widths[-1]
        self.output_layer = nn.Sequential(nn.BatchNorm2d(last), nn.Dropout(DROP_RATIO), Flatten(),
                                          nn.Linear(last * FEATURE_SIZE**2, config.embed_dim),
                                          nn.BatchNorm1d(config.embed_dim))

    def forward(self, face: torch.Tensor) -> torch.Tensor:
        return F.normalize(self.output_layer(self.body(self.input_layer(face))), dim=1)


def arcface_config_from_state_dict(state: Mapping[str, torch.Tensor], source: Path) -> ArcFaceConfig:
    def shape_of(key: str) -> tuple[int, ...]:
        if key not in state:
            raise CheckpointError(f"{source}: missing key {key}: not an IR-SE-50 ArcFace state dict "
                                  f"(InsightFace_Pytorch model_ir_se50.pth).")
        return tuple(state[key].shape)

    first_units = [sum(IR_SE_50_UNITS[:s]) for s in range(len(IR_SE_50_UNITS))]
    units = {int(m.group(1)) for k in state if (m := re.match(r"body\.(\d+)\.", k))}
    if units and max(units) + 1 != sum(IR_SE_50_UNITS):
        raise CheckpointError(f"{source}: has {max(units) + 1} body units; IR-SE-50 has {sum(IR_SE_50_UNITS)} "
                              f"(IR-SE-100/152 are not supported).")
    return ArcFaceConfig(input_width=shape_of("input_layer.0.weight")[0],
                         stage_widths=tuple(shape_of(f"body.{u}.res_layer.1.weight")[0] for u in first_units),
                         embed_dim=shape_of("output_layer.3.weight")[0])


def load_arcface_checkpoint(path: Path | str) -> ArcFace:
    """A plain state dict as InsightFace_Pytorch saves it (`model_ir_se50.pth`), or one under 'state_dict'."""
    path = Path(path)
    if not path.is_file():
        raise CheckpointError(f"{path}: no such file (the ArcFace IR-SE-50 weights, model_ir_se50.pth).")
    state = load_checkpoint_file(path)
    if isinstance(state, Mapping) and isinstance(state.get("state_dict"), Mapping):
        state = state["state_dict"]
    if not isinstance(state, Mapping) or not all(isinstance(v, torch.Tensor) for v in state.values()):
        raise CheckpointError(f"{path}: not a state dict of tensors (expected InsightFace_Pytorch model_ir_se50.pth).")
    state = {k[len("module."):] if k.startswith("module.") else k: v for k, v in state.items()}  # DataParallel saves
    for key in [k for k in state if k.endswith(".running_mean")]:  # files from torch < 0.4.1 lack the counter
        state.setdefault(key.replace(".running_mean", ".num_batches_tracked"), torch.tensor(0))
    model = ArcFace(arcface_config_from_state_dict(state, path))
    load_strict(model, state, path)
    return model.eval()
