"""Which downloaded file is which: identified by content, never by name (`python3 -m models.export build`).

Reading is bounded and code-free: only regular files inside the folder (a link may point elsewhere in it), each
under the size cap; torch zip archives are identified from their pickled structure alone (tensors are not read),
through safe_load's restricted unpickler; TorchScript archives from their file list.
"""
from __future__ import annotations

import hashlib
import io
import pickle
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .safe_load import MAX_FILE_BYTES, RestrictedUnpickler, UnsafeFileError, check_regular_file

CLIP_VOCAB_SHA256 = "924691ac288e54409236115652ad4aa250f48203de50a9e4722a6ecd48d6804a"  # openai/CLIP's vocabulary
STATE_FILE = ".build-state.json"
NPY_MAGIC = b"\x93NUMPY"
GZIP_MAGIC = b"\x1f\x8b"
ZIP_MAGIC = b"PK\x03\x04"
PICKLE_PROTOCOL_2_PLUS = (b"\x80\x02", b"\x80\x03", b"\x80\x04", b"\x80\x05")
ROLES = ("generator", "encoder", "clip", "vocab", "relevance", "sStats")  # plus any number of mappers
ROLE_WORDS = {"generator": "rosinality StyleGAN2 generator", "encoder": "e4e encoder", "clip": "CLIP model",
              "vocab": "CLIP BPE vocabulary", "relevance": "fs3 relevance (.npy)", "sStats": "S_mean_std statistics",
              "mapper": "StyleCLIP mapper"}


@dataclass
class Found:
    files: dict[str, Path] = field(default_factory=dict)  # role → path
    mappers: dict[str, Path] = field(default_factory=dict)  # mapper name → path
    ignored: list[tuple[Path, str]] = field(default_factory=list)  # (path, why)


class _Stub:
    """A tensor or storage seen in a pickle but never read."""

    def __init__(self, shape=()):
        self.shape = tuple(shape)


class _PeekUnpickler(RestrictedUnpickler):
    def find_class(self, module: str, name: str):
        if module == "torch._utils" and name == "_rebuild_tensor_v2":
            return lambda storage, offset, size, *rest: _Stub(size)
        if module == "torch._utils" and name == "_rebuild_parameter":
            return lambda data, *rest: data
        if module == "torch" and name.endswith("Storage"):
            return _Stub
        return super().find_class(module, name)

    def persistent_load(self, saved_id):
        return _Stub()


def peek_torch_zip(path: Path) -> object:
    """The structure of a torch.save zip archive with every tensor replaced by a stub (no tensor data read)."""
    with zipfile.ZipFile(path) as archive:
        pickles = [n for n in archive.namelist() if n.endswith("/data.pkl") or n == "data.pkl"]
        if len(pickles) != 1:
            raise ValueError("not a torch.save archive (no single data.pkl)")
        return _PeekUnpickler(io.BytesIO(archive.read(pickles[0])), encoding="utf-8").load()


def _is_torchscript(path: Path) -> bool:
    with zipfile.ZipFile(path) as archive:
        names = archive.namelist()
    return any(n.endswith("/constants.pkl") for n in names) and any("/code/" in n for n in names)


def classify_structure(payload: object) -> str | None:
    """generator, encoder, mapper or clip from the keys of a torch checkpoint; None when none fits."""
    if not isinstance(payload, dict):
        return None
    if "g_ema" in payload and "latent_avg" in payload:
        return "generator"
    state = payload.get("state_dict")
    if isinstance(state, dict):
        keys = list(state)
        if any(k.startswith("mapper.") for k in keys):
            return "mapper"
        if any(k.startswith("encoder.") for k in keys):
            return "encoder"
    if "visual.conv1.weight" in payload and "token_embedding.weight" in payload:
        return "clip"
    return None


def identify_file(path: Path, *, max_bytes: int = MAX_FILE_BYTES, root: Path | None = None) -> tuple[str | None, str]:
    """(role or None, what was seen). Raises UnsafeFileError for a file that must not be read."""
    check_regular_file(path, max_bytes=max_bytes, root=root)
    with path.open("rb") as file:
        head = file.read(8)
    if head.startswith(GZIP_MAGIC):
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        if digest == CLIP_VOCAB_SHA256:
            return "vocab", "openai/CLIP's bpe_simple_vocab_16e6.txt.gz (sha256 matches)"
        return None, f"a gzip file that is not CLIP's vocabulary (sha256 {digest[:12]}…)"
    if head.startswith(NPY_MAGIC):
        with path.open("rb") as file:
            version = np.lib.format.read_magic(file)
            shape, _, dtype = np.lib.format._read_array_header(file, version)
        if len(shape) == 2 and dtype.kind == "f":
            return "relevance", f"a {dtype} {list(shape)} array (fs3)"
        return None, f"a {dtype} {list(shape)} .npy array; only a 2-D fs3 is read from .npy files"
    if head.startswith(ZIP_MAGIC):
        if _is_torchscript(path):
            return "clip", "a TorchScript archive (CLIP)"
        try:
            payload = peek_torch_zip(path)
        except (ValueError, pickle.UnpicklingError, zipfile.BadZipFile, EOFError) as error:
            return None, f"a zip archive that is not a readable torch checkpoint ({error})"
        role = classify_structure(payload)
        if role is None:
            keys = ", ".join(map(str, list(payload)[:6])) if isinstance(payload, dict) else type(payload).__name__
            return None, f"a torch checkpoint of no known kind (top-level: {keys})"
        return role, f"a torch checkpoint ({ROLE_WORDS[role]})"
    if head[:2] in PICKLE_PROTOCOL_2_PLUS:
        return _identify_pickle(path)
    return None, "not a checkpoint, array, pickle or vocabulary"


def _identify_pickle(path: Path) -> tuple[str | None, str]:
    """S_mean_std (a pickle of numpy arrays) or a legacy (pre-zip) torch.save file."""
    from .checkpoints import _NumpyOnlyUnpickler  # the S_mean_std reader's own unpickler

    try:
        with path.open("rb") as file:
            payload = _NumpyOnlyUnpickler(file).load()
        if isinstance(payload, (list, tuple)) and len(payload) == 2 and all(isinstance(p, (list, tuple)) for p in payload):
            return "sStats", f"S_mean_std ({len(payload[0])} layers)"
        if isinstance(payload, int):  # torch's legacy format starts with a pickled magic number
            from .safe_load import safe_torch_load

            role = classify_structure(safe_torch_load(path))
            return role, f"a legacy torch checkpoint ({ROLE_WORDS.get(role, 'of no known kind')})"
    except (pickle.UnpicklingError, EOFError, AttributeError, ImportError, ValueError, RuntimeError) as error:
        return None, f"a pickle that is neither S_mean_std nor a torch checkpoint ({error})"
    return None, "a pickle that is neither S_mean_std nor a torch checkpoint"


def mapper_name(path: Path) -> str:
    """Mapper names come from the file stem (upstream: afro.pt, curly_hair.pt), lower-cased and sanitised."""
    name = re.sub(r"[^a-z0-9_-]+", "-", path.stem.lower()).strip("-_")
    return name or "mapper"


def identify_folder(folder: Path, *, max_bytes: int = MAX_FILE_BYTES, log=print) -> Found:
    """Every file directly in `folder`, identified by content. Two files of one role (not mappers) is an error."""
    folder = Path(folder)
    if not folder.is_dir():
        raise UnsafeFileError(f"{folder}: not a folder.")
    found = Found()
    for path in sorted(folder.iterdir()):
        if path.name.startswith(".") or path.name == STATE_FILE:
            continue
        try:
            role, what = identify_file(path, max_bytes=max_bytes, root=folder)
        except UnsafeFileError as error:
            found.ignored.append((path, f"skipped: {error}"))
            continue
        if role is None:
            found.ignored.append((path, f"ignored: {what}"))
            continue
        if role == "mapper":
            name = mapper_name(path)
            if name in found.mappers:
                raise ValueError(f"two mappers named {name!r}: {found.mappers[name].name} and {path.name}; rename one")
            found.mappers[name] = path
        elif role in found.files:
            raise ValueError(f"{folder}: two files hold a {ROLE_WORDS[role]}: {found.files[role].name} and {path.name}; "
                             f"keep one of them in the folder")
        else:
            found.files[role] = path
        log(f"  {path.name}: {what}")
    return found


def find_vocab(folders: list[Path]) -> Path | None:
    """openai/CLIP's vocabulary in any of these folders, recognised by its sha256 (only gzip files are hashed)."""
    for folder in dict.fromkeys(Path(f).resolve() for f in folders):
        if not folder.is_dir():
            continue
        for path in sorted(folder.iterdir()):
            try:
                if path.is_file() and path.stat().st_size < 16 * 1024**2:
                    with path.open("rb") as file:
                        if file.read(2) != GZIP_MAGIC:
                            continue
                    if hashlib.sha256(path.read_bytes()).hexdigest() == CLIP_VOCAB_SHA256:
                        return path
            except OSError:
                continue
    return None
