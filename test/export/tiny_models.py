"""Builders of tiny random models in upstream checkpoint layouts, for the offline-tool tests."""
from __future__ import annotations

import torch

from models.export.arcface import ArcFace, ArcFaceConfig

TINY_ARCFACE = ArcFaceConfig(input_width=16, stage_widths=(16, 16, 32, 32), embed_dim=32)  # SE needs ≥ 16 channels


def tiny_arcface_state_dict(seed: int = 17, config: ArcFaceConfig = TINY_ARCFACE) -> dict[str, torch.Tensor]:
    """InsightFace_Pytorch model_ir_se50.pth key layout with reduced widths: random convs, random BN statistics."""
    torch.manual_seed(seed)
    model = ArcFace(config)
    rng = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for module in model.modules():
            if isinstance(module, (torch.nn.BatchNorm1d, torch.nn.BatchNorm2d)):
                n = module.num_features
                module.weight.copy_(1 + 0.1 * torch.randn(n, generator=rng))
                module.bias.copy_(0.1 * torch.randn(n, generator=rng))
                module.running_mean.copy_(0.1 * torch.randn(n, generator=rng))
                module.running_var.copy_(1 + 0.2 * torch.rand(n, generator=rng))
    return model.state_dict()
