"""python3 -m models.export.add_mapper: put trained StyleCLIP mappers into an existing pack.

    python3 -m models.export.add_mapper --pack models/packs/<id> --mapper beard=iteration_50000.pt [--fp16]

Each mapper is exported to ONNX with the exporter's own graph wrapper, run through onnxruntime-web against its
PyTorch forward (verify.py), and only then written into the pack: the graph file, pack.json's `mappers`
(replacing one of the same name), `graphs` and `files` (bytes and sha256). On any failure the pack is unchanged.
"""
from __future__ import annotations

import hashlib
import json
import shutil
import sys
import tempfile
from pathlib import Path

import torch

from .checkpoints import MapperCheckpoint, load_mapper_checkpoint
from .graphs import SAMPLE_SEED, GraphSpec, Mapper, role_file
from .onnx_export import export_graph
from .pack import PackError, parse_mapper_args
from .verify import verify_graphs

TRUNCATION = 0.7  # sample W+ for verification: latent average plus ψ-scaled noise, as realistic codes are


def sample_wplus(pack: dict) -> torch.Tensor:
    generator = pack["generator"]
    w_avg = torch.tensor(generator["wAvg"], dtype=torch.float32)
    noise = torch.randn(generator["numWs"], generator["wDim"], generator=torch.Generator().manual_seed(SAMPLE_SEED + 3))
    return (w_avg + TRUNCATION * noise).unsqueeze(0)


def mapper_graph(name: str, checkpoint: MapperCheckpoint, pack: dict) -> GraphSpec:
    role = f"mapper:{name}"
    return GraphSpec(role, role_file(role), Mapper(checkpoint.mapper), {"wplus": sample_wplus(pack)}, ["delta"])


def add_mappers(pack_dir: Path, mappers: dict[str, Path], *, fp16: bool = False, verify: bool = True,
                log=print) -> bool:
    """Export, verify, then write. Returns False (pack untouched) when a graph differs from torch."""
    pack_path = pack_dir / "pack.json"
    if not pack_path.is_file():
        raise PackError(f"--pack {pack_dir}: no pack.json there")
    pack = json.loads(pack_path.read_text(encoding="utf-8"))
    w_dim = pack["generator"]["wDim"]
    checkpoints = {name: load_mapper_checkpoint(path) for name, path in mappers.items()}
    for name, checkpoint in checkpoints.items():
        found = next(checkpoint.mapper.parameters()).shape[1]
        if found != w_dim:
            raise PackError(f"{mappers[name]}: mapper {name} works on w of size {found}; the pack's generator "
                            f"({pack['id']}) has wDim {w_dim}.")
    specs = [mapper_graph(name, checkpoint, pack) for name, checkpoint in sorted(checkpoints.items())]
    with tempfile.TemporaryDirectory(prefix="facetext-add-mapper-") as tmp:
        staging = Path(tmp)
        for spec in specs:
            (staging / spec.file).write_bytes(export_graph(spec, fp16=fp16))
        if verify:
            checks = verify_graphs(staging, specs, {spec.role for spec in specs} if fp16 else set())
            for check in checks:
                log(check.line())
            if not all(check.ok for check in checks):
                return False
        for spec in specs:
            data = (staging / spec.file).read_bytes()
            shutil.copyfile(staging / spec.file, pack_dir / spec.file)
            pack["graphs"][spec.role] = spec.file
            pack["files"][spec.file] = {"bytes": len(data), "sha256": hashlib.sha256(data).hexdigest()}
    entries = {entry["name"]: entry for entry in pack.get("mappers", [])}
    for name, checkpoint in checkpoints.items():
        if name in entries:
            log(f"replacing mapper {name}")
        entries[name] = {"name": name, "description": checkpoint.description, "levels": list(checkpoint.levels)}
    pack["mappers"] = [entries[name] for name in sorted(entries)]
    pack_path.write_text(json.dumps(pack, indent=2, sort_keys=True, ensure_ascii=False) + "\n", encoding="utf-8")
    log(f"added {', '.join(sorted(checkpoints))} to {pack_dir}")
    return True


def main(argv: list[str] | None = None) -> int:
    from .__main__ import OneLineParser

    parser = OneLineParser(prog="python3 -m models.export.add_mapper", description=__doc__.splitlines()[0])
    parser.add_argument("--pack", required=True, type=Path, help="pack folder holding pack.json")
    parser.add_argument("--mapper", action="append", required=True, metavar="NAME=PATH",
                        help="StyleCLIP mapper checkpoint (models.train_mapper or upstream); repeatable")
    parser.add_argument("--fp16", action="store_true", help="store the mapper weights as float16")
    parser.add_argument("--no-verify", action="store_true", help="skip running the graphs against torch")
    args = parser.parse_args(argv)
    try:
        ok = add_mappers(args.pack, parse_mapper_args(args.mapper), fp16=args.fp16, verify=not args.no_verify)
    except (ValueError, OSError, KeyError, RuntimeError) as error:  # one line, no traceback
        print(f"models.export.add_mapper: {error}", file=sys.stderr)
        return 2
    if not ok:
        print("models.export.add_mapper: verification failed: the mapper graph differs from torch; the pack is unchanged",
              file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
