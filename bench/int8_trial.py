"""int8 execution trial (issue 16 item 3): graph rewriting half. The Node half (int8-trial.mjs) runs the graphs.

  python3 bench/int8_trial.py observe GRAPH OUT [--min-elements N]          # GRAPH + every calibration tensor as an output
  python3 bench/int8_trial.py quantize GRAPH RANGES OUT [--min-elements N]  # QDQ int8 Convs, ranges from int8-trial.mjs

RANGES is JSON {tensor: [min, max]}. See bench/README.md, "int8 execution".
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import onnx
from onnx import helper

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from models.export.quantize import INT8_MIN_ELEMENTS, qdq_calibration_points, quantize_convs_qdq  # noqa: E402


def observe(graph: str, out: str, min_elements: int) -> None:
    model = onnx.load(graph)
    present = {o.name for o in model.graph.output}
    points = qdq_calibration_points(model, min_elements=min_elements)
    model.graph.output.extend(helper.make_empty_tensor_value_info(name) for name in points if name not in present)
    onnx.save(model, out)
    print(f"{len(points)} calibration tensors → {out}", file=sys.stderr)


def quantize(graph: str, ranges: str, out: str, min_elements: int) -> None:
    model = onnx.load(graph)
    calibrated = {k: tuple(v) for k, v in json.loads(Path(ranges).read_text()).items()}
    count = quantize_convs_qdq(model, calibrated, min_elements=min_elements)
    onnx.save(model, out)
    print(f"{count} Convs as QDQ int8 → {out}", file=sys.stderr)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("command", choices=["observe", "quantize"])
    parser.add_argument("paths", nargs="+")
    parser.add_argument("--min-elements", type=int, default=INT8_MIN_ELEMENTS, help="smallest Conv weight rewritten")
    args = parser.parse_args()
    {"observe": observe, "quantize": quantize}[args.command](*args.paths, args.min_elements)
