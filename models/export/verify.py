"""Run every graph of a pack with onnxruntime-web (wasm, through run_graph.mjs) and compare it with torch.

    python3 -m models.export.verify --pack models/packs/<id> --stylegan G.pt [--e4e E.pt] [--clip C.pt]
        [--mapper name=M.pt …]

Exits non-zero when a graph is off by more than its tolerance:
* graphs stored in float32: max |onnx − torch| ≤ 1e-4 (the golden tolerance for float32 CPU/WASM);
* graphs stored with --fp16: the torch reference runs with the same weights rounded to float16, and
  max |onnx − torch| ≤ 1e-4 + 2e-3·max|torch|, since constant folding may round a product (weight·scale)
  where torch rounds the weight alone;
* graphs stored as weight-only int8 (quantize.py): max |onnx − float32 torch| ≤ 1e-4 + 5e-2·max|torch|, a sanity
  bound that catches a wrong axis or scale; the edit-level effect is measured by `verify --against` (compare.py);
* the encoder stored as int8-qdq (int8 execution, int8_exec.py): not on the sample noise image (out of its calibrated
  ranges) but by the full-size render of its W+ on held-out faces against float32 torch, ≥ 35 dB PSNR.
Every compressed graph also reports its drift: max |onnx − float32 torch|, the error a user actually gets.
"""
from __future__ import annotations

import argparse
import copy
import json
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import onnx
import torch
from torch import nn

from .graphs import GraphSpec
from .int8_exec import check_int8_encoder
from .onnx_export import FP16_MIN_ELEMENTS
from .sources import PackError, build_specs, load_sources, parse_mapper_args

RUN_GRAPH = Path(__file__).with_name("run_graph.mjs")
FP32_TOLERANCE = 1e-4  # ../shared/golden/README.md: float32 CPU/WASM tolerance
FP16_TOLERANCE = 1e-4
FP16_RELATIVE = 2e-3  # 8 chained layers (mapping) each round weight·scale where torch rounds the weight alone
INT8_RELATIVE = 5e-2


@dataclass
class GraphCheck:
    role: str
    max_abs_diff: float
    tolerance: float
    where: str  # which output / sample input gave the largest difference
    storage: str = "float32"
    drift: float | None = None  # max |onnx − float32 torch| for compressed graphs
    peak: float = 0.0  # max |float32 torch| of the output with the largest drift

    @property
    def ok(self) -> bool:
        return self.max_abs_diff <= self.tolerance  # NaN fails too

    def line(self) -> str:
        verdict = "ok" if self.ok else "OVER TOLERANCE"
        drift = ""
        if self.drift is not None:
            relative = self.drift / self.peak if self.peak else float("nan")
            drift = f", {self.storage} drift vs float32 torch {self.drift:.2e} ({relative:.1e} of max |out|)"
        return f"{self.role:24s} max |diff| {self.max_abs_diff:.3e} (≤ {self.tolerance:.1e}){drift} {self.where}: {verdict}"


def run_onnx(jobs: list[tuple[Path, dict[str, np.ndarray], list[str]]]) -> list[dict[str, np.ndarray]]:
    """Run (model, inputs, output names) jobs in one Node process with onnxruntime-web's wasm backend."""
    with tempfile.TemporaryDirectory(prefix="facetext-verify-") as tmp:
        folder, spec = Path(tmp), []
        for n, (model, inputs, outputs) in enumerate(jobs):
            feeds = {}
            for name, value in inputs.items():
                feeds[name] = str(folder / f"{n}-in-{name}.npy")
                np.save(feeds[name], np.ascontiguousarray(value))
            spec.append({"model": str(Path(model).resolve()), "inputs": feeds,
                         "outputs": {name: str(folder / f"{n}-out-{name}.npy") for name in outputs}})
        (folder / "jobs.json").write_text(json.dumps(spec))
        done = subprocess.run(["node", str(RUN_GRAPH), str(folder / "jobs.json")], capture_output=True, text=True)
        if done.returncode != 0:
            raise RuntimeError(f"onnxruntime-web failed: {done.stderr.strip() or done.stdout.strip()}")
        return [{name: np.load(path) for name, path in job["outputs"].items()} for job in spec]


def fp16_rounded(module: nn.Module) -> nn.Module:
    """A copy whose large float tensors went through float16, as the --fp16 graph stores them."""
    rounded = copy.deepcopy(module)

    def round_large(tensors) -> None:
        for tensor in tensors:
            if tensor.is_floating_point() and tensor.numel() >= FP16_MIN_ELEMENTS:
                tensor.copy_(tensor.half().float())

    with torch.no_grad():
        round_large(rounded.parameters())
        for child in rounded.modules():
            if hasattr(child, "refresh"):  # derived constants (stylegan2.DerivedConstants) follow the weights,
                child.refresh()
        round_large(rounded.buffers())  # and are stored in float16 themselves
    return rounded


def sample_sets(spec: GraphSpec) -> list[dict[str, torch.Tensor]]:
    return [spec.inputs, *spec.checks]


def _run_reference(module: nn.Module, inputs: dict[str, torch.Tensor], names: list[str]) -> dict[str, np.ndarray]:
    with torch.no_grad():
        outputs = module(*inputs.values())
    outputs = outputs if isinstance(outputs, tuple) else (outputs,)
    return dict(zip(names, (o.numpy() for o in outputs)))


def verify_graphs(pack_dir: Path, specs: list[GraphSpec], fp16_roles: set[str],
                  storages: dict[str, str] | None = None) -> list[GraphCheck]:
    """Each graph against torch on its sample inputs. `storages` (role → float32/float16/int8) overrides fp16_roles.
    int8-qdq graphs are left to int8_exec.check_int8_encoder (judged by renders, not by these inputs)."""
    storages = storages if storages is not None else {spec.role: "float16" if spec.role in fp16_roles else "float32"
                                                      for spec in specs}
    jobs, expected, exact, labels = [], [], [], []
    for spec in specs:
        storage = storages.get(spec.role, "float32")
        if storage == "int8-qdq":
            continue
        rounded = fp16_rounded(spec.module) if storage == "float16" else None
        for inputs in sample_sets(spec):
            exact.append(_run_reference(spec.module, inputs, spec.outputs))
            expected.append(_run_reference(rounded, inputs, spec.outputs) if rounded is not None else exact[-1])
            jobs.append((pack_dir / spec.file, {k: v.numpy() for k, v in inputs.items()}, spec.outputs))
            labels.append((spec.role, storage, inputs))
    actual = run_onnx(jobs)
    worst: dict[str, GraphCheck] = {}
    for (role, storage, inputs), want, fp32, got in zip(labels, expected, exact, actual):
        for name, value in want.items():
            peak = float(np.abs(fp32[name]).max(initial=0.0))
            tolerance = FP32_TOLERANCE
            if storage == "float16":
                tolerance = FP16_TOLERANCE + FP16_RELATIVE * float(np.abs(value).max())
            elif storage == "int8":
                tolerance = FP32_TOLERANCE + INT8_RELATIVE * peak
            shapes = ", ".join(f"{k} {list(v.shape)}" for k, v in inputs.items())
            drift = _max_abs_diff(got[name], fp32[name]) if storage != "float32" else None
            diff = drift if storage == "int8" else _max_abs_diff(got[name], value)
            check = GraphCheck(role, diff, tolerance, f"[{name} for {shapes}]", storage, drift, peak)
            if role not in worst or _badness(check) > _badness(worst[role]):
                worst[role] = check
    return list(worst.values())


def _badness(check: GraphCheck) -> float:
    return check.max_abs_diff / check.tolerance if check.ok else float("inf")


def stored_as_fp16(model_path: Path) -> bool:
    """Whether the exporter stored this graph's weights as float16 (--fp16)."""
    return storage_of(model_path) == "float16"


def storage_of(model_path: Path) -> str:
    """float32, float16, int8 or int8-qdq: how the exporter stored this graph's large weights."""
    model = onnx.load(str(model_path))
    if any(node.op_type == "QuantizeLinear" for node in model.graph.node):
        return "int8-qdq"
    types = {t.data_type for t in model.graph.initializer}
    if onnx.TensorProto.INT8 in types:
        return "int8"
    return "float16" if onnx.TensorProto.FLOAT16 in types else "float32"


def _max_abs_diff(actual: np.ndarray, expected: np.ndarray) -> float:
    if actual.shape != expected.shape:
        return float("inf")
    diff = np.abs(actual.astype(np.float64) - expected.astype(np.float64))
    return float("nan") if np.isnan(diff).any() else float(diff.max(initial=0.0))


def report(checks: list[GraphCheck], out=sys.stdout) -> bool:
    for check in checks:
        print(check.line(), file=out)
    return all(check.ok for check in checks)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python3 -m models.export.verify", description=__doc__.splitlines()[0])
    parser.add_argument("--pack", required=True, type=Path, help="pack folder holding pack.json")
    parser.add_argument("--stylegan", required=True, type=Path)
    parser.add_argument("--e4e", type=Path)
    parser.add_argument("--clip", type=Path)
    parser.add_argument("--mapper", action="append", default=[], metavar="NAME=PATH")
    args = parser.parse_args(argv)
    try:
        pack = json.loads((args.pack / "pack.json").read_text())
        sources = load_sources(stylegan=args.stylegan, e4e=args.e4e, clip=args.clip,
                               mappers=parse_mapper_args(args.mapper))
        specs = build_specs(sources, previews=pack["generator"]["previewResolutions"])
        missing = [spec.role for spec in specs if spec.role not in pack["graphs"]]
        if missing:
            raise PackError(f"{args.pack}: pack.json has no graph for {', '.join(missing)}")
        storages = {spec.role: storage_of(args.pack / spec.file) for spec in specs}
        checks: list = verify_graphs(args.pack, specs, set(), storages)
        checks += [check_int8_encoder(args.pack / spec.file, spec, sources.generator.generator, sources.generator.latent_avg)
                   for spec in specs if storages[spec.role] == "int8-qdq"]
        ok = report(checks)
    except (ValueError, OSError, KeyError, RuntimeError) as error:
        print(f"verify: {error}", file=sys.stderr)
        return 2
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
