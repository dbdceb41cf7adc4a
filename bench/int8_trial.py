"""int8 execution trial (issue 16 item 3): graph rewriting half. The Node half (int8-trial.mjs) runs the graphs.

  python3 bench/int8_trial.py observe GRAPH OUT [--min-elements N]          # GRAPH + every calibration tensor as an output
  python3 bench/int8_trial.py quantize GRAPH RANGES OUT [--min-elements N] [--keep-float NAME,…]
      # QDQ int8 Convs, ranges from int8-trial.mjs; --keep-float: Convs (by output name) left in float32
  python3 bench/int8_trial.py layers DIR   # single-layer graphs, float32 and each int8 form, + an input per shape

RANGES is JSON {tensor: [min, max]}. See bench/README.md, "int8 execution".
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from models.export.quantize import (INT8_MIN_ELEMENTS, qdq_calibration_points, quantize_convs_qdq,  # noqa: E402
                                    quantize_per_axis)


def observe(graph: str, out: str, min_elements: int) -> None:
    model = onnx.load(graph)
    present = {o.name for o in model.graph.output}
    points = qdq_calibration_points(model, min_elements=min_elements)
    model.graph.output.extend(helper.make_empty_tensor_value_info(name) for name in points if name not in present)
    onnx.save(model, out)
    print(f"{len(points)} calibration tensors → {out}", file=sys.stderr)


def quantize(graph: str, ranges: str, out: str, min_elements: int, keep_float: frozenset[str]) -> None:
    model = onnx.load(graph)
    calibrated = {k: tuple(v) for k, v in json.loads(Path(ranges).read_text()).items()}
    unknown = keep_float - {o for n in model.graph.node if n.op_type == "Conv" for o in n.output}
    if unknown:
        raise SystemExit(f"--keep-float: no Conv has the output {sorted(unknown)[0]}")
    count = quantize_convs_qdq(model, calibrated, min_elements=min_elements, keep_float=keep_float)
    onnx.save(model, out)
    print(f"{count} Convs as QDQ int8 → {out}", file=sys.stderr)


def _qdq_conv_nodes(x: str, weight: np.ndarray, out: str, axis: int, op: str, **attrs) -> tuple[list, list]:
    """x → Q/DQ (uint8, fixed range ±4) → op(DQ(int8 weight per `axis`)) → Q/DQ → out."""
    int8, scale = quantize_per_axis(weight, axis)
    inits = [numpy_helper.from_array(int8, "wq"), numpy_helper.from_array(scale, "ws"),
             numpy_helper.from_array(np.zeros(scale.shape, np.int8), "wz"),
             numpy_helper.from_array(np.array(np.float32(8 / 255)), "sx"), numpy_helper.from_array(np.array(np.uint8(128)), "zx")]
    nodes = [helper.make_node("QuantizeLinear", [x, "sx", "zx"], ["xq"]), helper.make_node("DequantizeLinear", ["xq", "sx", "zx"], ["xd"]),
             helper.make_node("DequantizeLinear", ["wq", "ws", "wz"], ["wd"], axis=axis),
             helper.make_node(op, ["xd", "wd"], ["yf"], **attrs),
             helper.make_node("QuantizeLinear", ["yf", "sx", "zx"], ["yq"]), helper.make_node("DequantizeLinear", ["yq", "sx", "zx"], [out])]
    return nodes, inits


def up_conv_phases(weight: np.ndarray) -> np.ndarray:
    """ConvTranspose(3×3, stride 2, no pad) weight [C_in, C_out, 3, 3] → one Conv(2×2, pads 1) weight [4·C_out, C_in,
    2, 2] whose output channel groups are the output phases (row parity, column parity) in DepthToSpace DCR order:
    DepthToSpace(2) of that conv, cropped to 2H+1, is the ConvTranspose. Even outputs 2m take x[m]·w0 + x[m−1]·w2,
    odd ones 2m+1 take x[m]·w1; in the 1-padded input those are taps (1, 0) + (0, 2) and (1, 1)."""
    c_in, c_out = weight.shape[:2]
    taps = {0: [(0, 2), (1, 0)], 1: [(1, 1)]}  # output parity → [(tap in the padded input, kernel index)]
    phases = np.zeros((4, c_out, c_in, 2, 2), np.float32)
    for phase, (row, col) in enumerate(((0, 0), (0, 1), (1, 0), (1, 1))):
        for tap_h, k_h in taps[row]:
            for tap_w, k_w in taps[col]:
                phases[phase, :, :, tap_h, tap_w] = weight[:, :, k_h, k_w].T
    return phases.reshape(4 * c_out, c_in, 2, 2)


def layers(folder: str) -> None:
    """The preview's layer kinds alone, float32 and int8: where onnxruntime-web's int8 kernels win or lose."""
    out = Path(folder)
    out.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(0)

    def save(name: str, channels: int, size: int, nodes: list, inits: list) -> None:
        graph = helper.make_graph(nodes, name, [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, channels, size, size])],
                                  [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)], initializer=inits)
        onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]), out / f"{name}.onnx")

    def weight(*shape: int) -> np.ndarray:
        return (rng.standard_normal(shape) / np.sqrt(shape[1] * 9)).astype(np.float32)

    same = {"kernel_shape": [3, 3], "pads": [1, 1, 1, 1]}
    for channels, size in ((512, 64), (256, 128), (128, 256)):
        w = weight(channels, channels, 3, 3)
        tag = f"conv{channels}x{size}"
        save(f"{tag}-f32", channels, size, [helper.make_node("Conv", ["x", "w"], ["y"], **same)], [numpy_helper.from_array(w, "w")])
        save(f"{tag}-qdq", channels, size, *_qdq_conv_nodes("x", w, "y", 0, "Conv", **same))
        if channels == 512:  # dynamic activations: DynamicQuantizeLinear + ConvInteger, int8 and uint8 weights
            int8, scale = quantize_per_axis(w, 0)
            for kind, q, zero in (("int8", int8, np.int8(0)), ("uint8", (int8.astype(np.int16) + 128).astype(np.uint8), np.uint8(128))):
                save(f"{tag}-dynamic-{kind}", channels, size,
                     [helper.make_node("DynamicQuantizeLinear", ["x"], ["xq", "xs", "xz"]),
                      helper.make_node("ConvInteger", ["xq", "wq", "xz", "wz"], ["yi"], **same),
                      helper.make_node("Cast", ["yi"], ["yf"], to=TensorProto.FLOAT),
                      helper.make_node("Mul", ["xs", "ws"], ["scale"]), helper.make_node("Mul", ["yf", "scale"], ["y"])],
                     [numpy_helper.from_array(q, "wq"), numpy_helper.from_array(np.array(zero), "wz"),
                      numpy_helper.from_array(scale.reshape(1, -1, 1, 1), "ws")])
        x = rng.standard_normal((1, channels, size, size)).astype(np.float32)
        x.tofile(out / f"x-{channels}x{size}.f32")
    # The up-conv (ConvTranspose 3×3 stride 2 on the 32² grid), and the same as ONE 2×2 conv whose 4·C outputs are the
    # four output phases (16 taps for 9: exact, max |diff| 1e-6) + DepthToSpace + Slice, so that int8 can run it.
    channels, size = 512, 32
    w = weight(channels, channels, 3, 3)  # [C_in, C_out, 3, 3]
    up = {"kernel_shape": [3, 3], "strides": [2, 2]}
    save(f"up{channels}x{size}-f32", channels, size, [helper.make_node("ConvTranspose", ["x", "w"], ["y"], **up)], [numpy_helper.from_array(w, "w")])
    save(f"up{channels}x{size}-qdq", channels, size, *_qdq_conv_nodes("x", w, "y", 1, "ConvTranspose", **up))
    phases = up_conv_phases(w)
    crop = [numpy_helper.from_array(np.array(v, np.int64), n) for n, v in
            (("starts", [0, 0]), ("ends", [2 * size + 1] * 2), ("axes", [2, 3]))]
    tail = [helper.make_node("DepthToSpace", ["p"], ["d"], blocksize=2, mode="DCR"), helper.make_node("Slice", ["d", "starts", "ends", "axes"], ["y"])]
    packed = {"kernel_shape": [2, 2], "pads": [1, 1, 1, 1]}
    save(f"up{channels}x{size}-phases-f32", channels, size, [helper.make_node("Conv", ["x", "k"], ["p"], **packed)] + tail,
         [numpy_helper.from_array(phases, "k")] + crop)
    nodes, inits = _qdq_conv_nodes("x", phases, "p", 0, "Conv", **packed)
    save(f"up{channels}x{size}-phases-qdq", channels, size, nodes + tail, inits + crop)
    rng.standard_normal((1, channels, size, size)).astype(np.float32).tofile(out / f"x-{channels}x{size}.f32")
    print(f"layer graphs and inputs → {out}", file=sys.stderr)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("command", choices=["observe", "quantize", "layers"])
    parser.add_argument("paths", nargs="+")
    parser.add_argument("--min-elements", type=int, default=INT8_MIN_ELEMENTS, help="smallest Conv weight rewritten")
    parser.add_argument("--keep-float", default="", help="comma-separated Conv output names left in float32 (quantize)")
    args = parser.parse_args()
    if args.command == "layers":
        layers(*args.paths)
    elif args.command == "observe":
        observe(*args.paths, args.min_elements)
    else:
        quantize(*args.paths, args.min_elements, frozenset(n for n in args.keep_float.split(",") if n))
