"""W+ files and training latents.

A W+ file is a `.npy` holding float32 [numWs, wDim] (C order): what `python3 -m models.optimize` writes and
`facetext edit --latent` is to read (not in the engine yet). Readers also accept [1, numWs, wDim] and torch `.pt`
tensors (upstream's `--latent_path`, e4e's `latents.pt`). Training latents are [N, numWs, wDim] (upstream `train_faces.pt`).
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import torch

from models.export.safe_load import safe_torch_load
from models.export.stylegan2 import Generator

from .cli import UserError

TRUNCATION = 0.7  # upstream ψ for random starting points and random training latents


def _read_array(path: Path, what: str) -> torch.Tensor:
    if not path.is_file():
        raise UserError(f"{path}: no such file ({what}).")
    try:
        if path.suffix == ".npy":
            value = torch.from_numpy(np.load(path, allow_pickle=False))
        else:
            value = safe_torch_load(path)  # a tensor file: read through the restricted unpickler, never run
    except Exception as error:  # numpy and torch raise many types for a file that is not an array
        raise UserError(f"{path}: cannot be read as {what} ({type(error).__name__}: {error}); "
                        f"expected a .npy array or a torch-saved tensor.") from error
    if not isinstance(value, torch.Tensor) or not value.is_floating_point():
        kind = type(value).__name__ if not isinstance(value, torch.Tensor) else f"{value.dtype} tensor"
        raise UserError(f"{path}: holds a {kind}; {what} must be a floating-point array.")
    value = value.detach().float()
    if not bool(torch.isfinite(value).all()):
        raise UserError(f"{path}: contains NaN or infinite values.")
    return value


def read_wplus(path: Path | str, *, num_ws: int, w_dim: int) -> torch.Tensor:
    """→ [1, num_ws, w_dim]."""
    path = Path(path)
    value = _read_array(path, "a W+ latent")
    if tuple(value.shape) not in ((num_ws, w_dim), (1, num_ws, w_dim)):
        raise UserError(f"{path}: W+ has shape {list(value.shape)}; this generator needs [{num_ws}, {w_dim}] "
                        f"(or [1, {num_ws}, {w_dim}]). Was it made for another generator?")
    return value.reshape(1, num_ws, w_dim).contiguous()


def write_wplus(path: Path | str, wplus: torch.Tensor) -> None:
    """[1, numWs, wDim] or [numWs, wDim] → .npy float32 [numWs, wDim]."""
    array = wplus.detach().cpu().float().numpy()
    np.save(Path(path), np.ascontiguousarray(array.reshape(array.shape[-2], array.shape[-1]), dtype="<f4"))


def read_training_latents(path: Path | str, *, num_ws: int, w_dim: int, what: str = "training latents") -> torch.Tensor:
    """→ [N, num_ws, w_dim]."""
    path = Path(path)
    value = _read_array(path, what)
    if value.dim() != 3 or tuple(value.shape[1:]) != (num_ws, w_dim) or value.shape[0] == 0:
        raise UserError(f"{path}: {what} have shape {list(value.shape)}; expected [N, {num_ws}, {w_dim}] "
                        f"(one W+ per face, e.g. e4e-inverted photos; upstream's train_faces.pt).")
    return value.contiguous()


def random_wplus(generator: Generator, latent_avg: torch.Tensor, count: int, *, seed: int,
                 truncation: float = TRUNCATION) -> torch.Tensor:
    """count random w (z ~ N(0, I) from `seed`, mapped, ψ-truncated towards latent_avg), each tiled to every row."""
    cfg = generator.config
    z = torch.randn(count, cfg.style_dim, generator=torch.Generator().manual_seed(seed))
    with torch.no_grad():
        w = generator.mapping(z.to(latent_avg.device))
        w = latent_avg + truncation * (w - latent_avg)
    return w[:, None, :].expand(count, cfg.n_latent, cfg.style_dim).contiguous()
