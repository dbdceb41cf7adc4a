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


PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
CHANNELS = {0: 1, 2: 3, 4: 2, 6: 4}  # colour type → samples per pixel (grey, RGB, grey+alpha, RGBA)


def _paeth(a: int, b: int, c: int) -> int:
    p = a + b - c
    pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
    return a if pa <= pb and pa <= pc else (b if pb <= pc else c)


def read_png(path: Path | str) -> np.ndarray:
    """An 8-bit, non-interlaced grey/RGB(A) PNG → [H, W, 3] uint8 (alpha dropped, grey repeated).

    Raises ValueError naming the file for anything else (palette, 16-bit, interlaced images).
    """
    path = Path(path)
    data = path.read_bytes()
    if not data.startswith(PNG_SIGNATURE):
        raise ValueError(f"{path}: not a PNG file")
    chunks, offset = {}, len(PNG_SIGNATURE)
    while offset + 8 <= len(data):
        length, kind = struct.unpack(">I4s", data[offset:offset + 8])
        chunks.setdefault(kind, []).append(data[offset + 8:offset + 8 + length])
        offset += 12 + length
    width, height, depth, colour, _, _, interlace = struct.unpack(">IIBBBBB", chunks[b"IHDR"][0])
    if depth != 8 or colour not in CHANNELS or interlace:
        raise ValueError(f"{path}: only 8-bit, non-interlaced grey or RGB(A) PNGs are read here "
                         f"(bit depth {depth}, colour type {colour}, interlace {interlace}); re-save it as 8-bit RGB")
    channels = CHANNELS[colour]
    stride = width * channels
    raw = zlib.decompress(b"".join(chunks[b"IDAT"]))
    rows, previous = [], bytearray(stride)
    for y in range(height):
        kind, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for x in range(stride) if kind else ():
            left = line[x - channels] if x >= channels else 0
            up, up_left = previous[x], previous[x - channels] if x >= channels else 0
            predictor = (left, up, (left + up) // 2, _paeth(left, up, up_left))[kind - 1]
            line[x] = (line[x] + predictor) & 0xFF
        rows.append(line)
        previous = line
    pixels = np.frombuffer(b"".join(rows), np.uint8).reshape(height, width, channels)
    return np.repeat(pixels[:, :, :1], 3, axis=2) if channels <= 2 else np.ascontiguousarray(pixels[:, :, :3])
