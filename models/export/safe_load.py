"""Bounded, code-free reading of the files users download.

``torch.load`` unpickles, and a pickle can run any code. torch 1.13's ``weights_only=True`` cannot read the
checkpoints upstream writes (its unpickler lacks the BINFLOAT opcode, and e4e/StyleCLIP ``opts`` hold floats), so
checkpoints are read with a restricted unpickler instead: tensors, storages, plain containers, numbers, strings,
``argparse.Namespace`` (older ``opts``) and numpy scalars; any other class is refused before it is built.
"""
from __future__ import annotations

import argparse
import collections
import pickle
import types
from pathlib import Path

import torch

MAX_FILE_BYTES = 4 * 1024**3  # larger than any upstream file (e4e_ffhq_encode.pt ≈ 1.2 GB); --max-file-gb raises it

ALLOWED_GLOBALS = {
    ("collections", "OrderedDict"): collections.OrderedDict,
    ("torch._utils", "_rebuild_tensor_v2"): torch._utils._rebuild_tensor_v2,
    ("torch._utils", "_rebuild_parameter"): torch._utils._rebuild_parameter,
    ("argparse", "Namespace"): argparse.Namespace,
}
ALLOWED_MODULES = {"numpy.core.multiarray": {"scalar", "_reconstruct"}, "numpy._core.multiarray": {"scalar", "_reconstruct"},
                   "numpy": {"dtype", "ndarray"}}
TORCH_DTYPES = {name for name in dir(torch) if isinstance(getattr(torch, name, None), torch.dtype)}


class UnsafeFileError(ValueError):
    """A file that would run code, is not a regular file, escapes its folder or is larger than the cap."""


class RestrictedUnpickler(pickle.Unpickler):
    def find_class(self, module: str, name: str):
        if (module, name) in ALLOWED_GLOBALS:
            return ALLOWED_GLOBALS[(module, name)]
        if module == "torch" and name in TORCH_DTYPES:
            return getattr(torch, name)
        if name in ALLOWED_MODULES.get(module, ()):
            return super().find_class(module, name)
        raise pickle.UnpicklingError(f"refusing to load {module}.{name} (checkpoints hold tensors and plain values only)")


restricted_pickle = types.SimpleNamespace(Unpickler=RestrictedUnpickler, __name__="restricted_pickle",
                                          load=lambda file, **kw: RestrictedUnpickler(file, **kw).load())


def check_regular_file(path: Path, *, max_bytes: int = MAX_FILE_BYTES, root: Path | None = None) -> int:
    """The size of `path` when it is a regular file within the cap (and, with `root`, resolving inside it)."""
    if root is not None:
        real = path.resolve()
        if real != root.resolve() and root.resolve() not in real.parents:
            raise UnsafeFileError(f"{path}: a link pointing outside {root} ({real}); copy the file into the folder instead.")
    if not path.exists():
        raise UnsafeFileError(f"{path}: no such file.")
    if not path.is_file():
        raise UnsafeFileError(f"{path}: not a regular file.")
    size = path.stat().st_size
    if size > max_bytes:
        raise UnsafeFileError(f"{path}: {size:,} bytes, over the {max_bytes:,}-byte cap; pass --max-file-gb to raise it "
                              f"if the file is what you expect.")
    return size


def safe_torch_load(path: Path) -> object:
    """torch.load on CPU through the restricted unpickler.

    torch 1.13's ``torch.load`` replaces any ``pickle_module`` by ``pickle`` unless ``weights_only`` (which cannot
    read floats), so the restricted unpickler goes through torch's own zip/legacy readers; where those private
    readers are gone, ``weights_only=True`` (which newer torch versions extend to every plain value) is used.
    """
    serialization = torch.serialization
    if not all(hasattr(serialization, name) for name in ("_load", "_legacy_load", "_open_zipfile_reader", "_is_zipfile")):
        return torch.load(path, map_location="cpu", weights_only=True)
    with open(path, "rb") as file:
        if serialization._is_zipfile(file):
            with serialization._open_zipfile_reader(file) as archive:
                return serialization._load(archive, "cpu", restricted_pickle, encoding="utf-8")
        return serialization._legacy_load(file, "cpu", restricted_pickle, encoding="utf-8")
