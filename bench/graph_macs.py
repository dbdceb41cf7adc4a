"""Multiply-add counts of a pack's graphs, from the ONNX files (onnx shape inference; no onnxruntime).

    python3 bench/graph_macs.py --pack <dir> [--text-lengths 77,18] [--matmul-out matmul.onnx --matmul 1024]

Prints one JSON object {role: {"macs", "by_op": {op: macs}, "params"}}; clipText is counted per prompt at each
token length ("clipText@L"). Counted ops: Conv (output elements × C_in/group × kernel), ConvTranspose (input
elements × C_out/group × kernel, i.e. on the input grid), MatMul and Gemm (output elements × K). Element-wise ops,
normalisations and pooling are left out: they are memory-bound and add well under 2 % here.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np
import onnx
from onnx import TensorProto, helper, shape_inference


def shapes_of(model: onnx.ModelProto) -> dict[str, list[int]]:
    inferred = shape_inference.infer_shapes(model, data_prop=True)
    shapes = {}
    for value in list(inferred.graph.value_info) + list(inferred.graph.input) + list(inferred.graph.output):
        dims = value.type.tensor_type.shape.dim
        if all(d.HasField("dim_value") for d in dims):
            shapes[value.name] = [d.dim_value for d in dims]
    for initializer in inferred.graph.initializer:
        shapes[initializer.name] = list(initializer.dims)
    return shapes


def attribute(node: onnx.NodeProto, name: str, default):
    for a in node.attribute:
        if a.name == name:
            return helper.get_attribute_value(a)
    return default


def count_macs(model: onnx.ModelProto) -> dict:
    shapes = shapes_of(model)
    by_op: dict[str, int] = {}
    unknown: list[str] = []
    for node in model.graph.node:
        op = node.op_type
        macs = None
        try:
            if op == "Conv":
                out, weight = shapes[node.output[0]], shapes[node.input[1]]
                macs = int(np.prod(out)) * int(np.prod(weight[1:]))
            elif op == "ConvTranspose":
                x, weight = shapes[node.input[0]], shapes[node.input[1]]
                macs = int(np.prod(x)) * int(np.prod(weight[1:]))
            elif op in ("MatMul", "Gemm"):
                a, out = shapes[node.input[0]], shapes[node.output[0]]
                k = a[-2] if op == "Gemm" and attribute(node, "transA", 0) else a[-1]  # a 1-D a is [K]
                macs = int(np.prod(out)) * k
        except (KeyError, IndexError):
            unknown.append(f"{op} {node.name}")
        if macs is not None:
            by_op[op] = by_op.get(op, 0) + macs
    params = sum(int(np.prod(i.dims)) for i in model.graph.initializer)
    result = {"macs": sum(by_op.values()), "by_op": by_op, "params": params,
              "ops": sorted({n.op_type for n in model.graph.node})}
    if unknown:
        result["unknown_shapes"] = unknown
    return result


def fix_dims(model: onnx.ModelProto, fixed: dict[str, int]) -> None:
    """Give dynamic axes (N, L) concrete sizes so every shape is known."""
    for value in list(model.graph.input) + list(model.graph.output):
        for dim in value.type.tensor_type.shape.dim:
            if dim.HasField("dim_param") and dim.dim_param in fixed:
                dim.dim_value = fixed[dim.dim_param]


def matmul_graph(n: int) -> onnx.ModelProto:
    """c = a @ b, float32 [n, n]: the wasm GEMM-rate probe."""
    a = helper.make_tensor_value_info("a", TensorProto.FLOAT, [n, n])
    b = helper.make_tensor_value_info("b", TensorProto.FLOAT, [n, n])
    c = helper.make_tensor_value_info("c", TensorProto.FLOAT, [n, n])
    graph = helper.make_graph([helper.make_node("MatMul", ["a", "b"], ["c"])], "matmul", [a, b], [c])
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], ir_version=8)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pack", type=Path)
    parser.add_argument("--text-lengths", default="77")
    parser.add_argument("--roles", default="", help="comma list of roles (default: all but mappers and mapping)")
    parser.add_argument("--matmul-out", type=Path)
    parser.add_argument("--matmul", type=int, default=1024)
    args = parser.parse_args(argv)
    if args.matmul_out:
        onnx.save(matmul_graph(args.matmul), str(args.matmul_out))
    result = {}
    if args.pack:
        pack = json.loads((args.pack / "pack.json").read_text())
        wanted = {r for r in args.roles.split(",") if r}
        for role, file in pack["graphs"].items():
            if (wanted and role not in wanted) or role.startswith("mapper:"):
                continue
            model = onnx.load(str(args.pack / file))
            if role == "clipText":
                for length in [int(n) for n in args.text_lengths.split(",") if n]:
                    copy = onnx.ModelProto()
                    copy.CopyFrom(model)
                    fix_dims(copy, {"N": 1, "L": length})
                    result[f"clipText@{length}"] = count_macs(copy)
            else:
                fix_dims(model, {"N": 1, "L": pack["clip"]["contextLength"]})
                result[role] = count_macs(model)
            del model
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
