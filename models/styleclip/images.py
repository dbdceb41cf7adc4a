"""Generator images → PNG files (no Pillow here): uint8 = clip(x·127.5 + 127.5), rounded (spec §0.3)."""
from __future__ import annotations

import struct
import zlib
from pathlib import Path

import numpy as np
import torch


def to_uint8(image: torch.Tensor) -> np.ndarray:
    """[3, H, W] in ≈[−1, 1] → [H, W, 3] uint8."""
    array = image.detach().float().cpu().numpy().transpose(1, 2, 0)
    return np.clip(np.rint(array * 127.5 + 127.5), 0, 255).astype(np.uint8)


def write_png(path: Path | str, images: torch.Tensor) -> None:
    """One image [3, H, W] or a batch [N, 3, H, W] laid side by side."""
    images = images if images.dim() == 4 else images[None]
    rgb = np.concatenate([to_uint8(image) for image in images], axis=1)
    height, width, _ = rgb.shape
    rows = b"".join(b"\x00" + rgb[y].tobytes() for y in range(height))  # filter type 0 per row

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)  # 8-bit RGB
    Path(path).write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows, 9))
                           + chunk(b"IEND", b""))
