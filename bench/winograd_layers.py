"""Winograd trial (issue 16), the graph half: one stride-1 3×3 conv per FFHQ-1024 layer shape, exported by torch as
the exporter exports it (models/export/winograd.py), direct and each Winograd tile. winograd-layers.mjs times them.

  python3 bench/winograd_layers.py OUT_DIR [C×H …]   # default: every same-resolution 3×3 conv shape of FFHQ-1024

Writes OUT_DIR/<C>x<H>-direct.onnx, -f2.onnx, -f4.onnx (U as a constant), -f2s.onnx, -f4s.onnx (as packs store it:
float16 W, U computed by nodes that onnxruntime folds) and <C>x<H>.f32 (a random input). See bench/README.md.
"""
from __future__ import annotations

import io
import math
import sys
from pathlib import Path

import onnx
import torch
import torch.nn.functional as F
from torch import nn

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from models.export import winograd  # noqa: E402
from models.export.onnx_export import store_weights_as_float16  # noqa: E402

FFHQ_SHAPES = ((512, 4), (512, 8), (512, 16), (512, 32), (512, 64), (256, 128), (128, 256), (64, 512), (32, 1024))


class Layer(nn.Module):
    def __init__(self, weight: torch.Tensor, tile: int):
        super().__init__()
        self.tile = tile
        self.weight = weight if tile == 0 else winograd.transformed_weight(weight, tile)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.conv2d(x, self.weight, padding=1) if self.tile == 0 else winograd.conv3x3(x, self.weight, self.tile)


def main(out: Path, shapes: list[tuple[int, int]]) -> None:
    out.mkdir(parents=True, exist_ok=True)
    rng = torch.Generator().manual_seed(0)
    for channels, size in shapes:
        weight = torch.randn(channels, channels, 3, 3, generator=rng) / math.sqrt(9 * channels)
        x = torch.randn(1, channels, size, size, generator=rng)
        x.numpy().tofile(out / f"{channels}x{size}.f32")
        for tile in (0, *winograd.TILES):
            if tile and size % tile:
                continue
            buffer = io.BytesIO()
            with torch.no_grad():
                torch.onnx.export(Layer(weight, tile), (x,), buffer, opset_version=17, input_names=["x"],
                                  output_names=["y"], do_constant_folding=True)
            (out / f"{channels}x{size}-{'direct' if tile == 0 else f'f{tile}'}.onnx").write_bytes(buffer.getvalue())
            if tile:
                model = onnx.load_from_string(buffer.getvalue())
                winograd.store_weights_not_transforms(model, [(winograd.transformed_weight(weight, tile).numpy(),
                                                               weight.numpy(), tile)])
                store_weights_as_float16(model, "layer")
                onnx.save(model, out / f"{channels}x{size}-f{tile}s.onnx")
        print(f"{channels}x{size}", flush=True)


if __name__ == "__main__":
    given = [tuple(int(v) for v in arg.split("x")) for arg in sys.argv[2:]]
    main(Path(sys.argv[1]), given or list(FFHQ_SHAPES))
