"""Weight-only int8 storage, per output channel: int8 initializers → DequantizeLinear (opset 13+ per-axis) → the op.

Every op still computes in float32 (onnxruntime-web's WASM and WebGPU backends run DequantizeLinear as an
ordinary op), so nothing but the weights changes. Symmetric: scale = max|w| / 127 per output channel, zero point 0.
Only weights whose output-channel axis is known from their consumer are quantised:

| consumer | weight | output-channel axis |
| --- | --- | --- |
| Conv | [O, I/g, kh, kw] | 0 |
| ConvTranspose | [I, O/g, kh, kw] | 1 |
| MatMul (second input) | [K, N] | 1 |
| Gemm (second input) | [N, K] with transB, else [K, N] | 0 / 1 |
| Gather (data) | [rows, D] (embedding tables) | 0 (one scale per row) |

Anything else (positional embeddings, norms, a weight shared by two kinds of consumer) is left to the float16 pass.
"""
from __future__ import annotations

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

INT8_MAX = 127  # symmetric range [−127, 127]: −128 unused so that −w quantises to −q
INT8_MIN_ELEMENTS = 4096  # smaller weights (biases, tiny convs) stay float: the scales would cost as much


def _axis_for(node: onnx.NodeProto, input_index: int) -> int | None:
    if node.op_type == "Conv" and input_index == 1:
        return 0
    if node.op_type == "ConvTranspose" and input_index == 1:
        return 1
    if node.op_type == "MatMul" and input_index == 1:
        return 1
    if node.op_type == "Gemm" and input_index == 1:
        trans_b = next((a.i for a in node.attribute if a.name == "transB"), 0)
        return 0 if trans_b else 1
    if node.op_type == "Gather" and input_index == 0:
        axis = next((a.i for a in node.attribute if a.name == "axis"), 0)
        return 0 if axis == 0 else None
    return None


def quantize_weights_int8(model: onnx.ModelProto, *, min_elements: int = INT8_MIN_ELEMENTS) -> set[str]:
    """Rewrite eligible float32 initializers in place; returns the names of the new scale tensors (keep them float32)."""
    graph = model.graph
    consumers: dict[str, list[tuple[onnx.NodeProto, int]]] = {}
    for node in graph.node:
        for index, name in enumerate(node.input):
            consumers.setdefault(name, []).append((node, index))
    graph_outputs = {o.name for o in graph.output}
    taken = {i.name for i in graph.initializer} | {o for n in graph.node for o in n.output} | {i.name for i in graph.input}
    scales: set[str] = set()
    dequantize_nodes = []
    for position, initializer in enumerate(graph.initializer):
        if initializer.data_type != TensorProto.FLOAT or int(np.prod(initializer.dims)) < min_elements:
            continue
        uses = consumers.get(initializer.name, [])
        axes = {_axis_for(node, index) for node, index in uses}
        if not uses or len(axes) != 1 or None in axes or initializer.name in graph_outputs:
            continue
        (axis,) = axes
        weights = numpy_helper.to_array(initializer).astype(np.float32)
        quantized, scale = quantize_per_axis(weights, axis)
        name = initializer.name
        q_name, s_name, z_name = (unique_name(f"{name}_{suffix}", taken) for suffix in ("int8", "scale", "zero"))
        graph.initializer[position].CopyFrom(numpy_helper.from_array(quantized, q_name))
        graph.initializer.extend([numpy_helper.from_array(scale, s_name),
                                  numpy_helper.from_array(np.zeros(scale.shape, np.int8), z_name)])
        dequantize_nodes.append(helper.make_node("DequantizeLinear", [q_name, s_name, z_name], [name], axis=axis,
                                                 name=unique_name(f"{name}_dequantize", taken)))
        scales.add(s_name)
    nodes = list(graph.node)
    del graph.node[:]
    graph.node.extend(dequantize_nodes + nodes)
    return scales


def quantize_per_axis(weights: np.ndarray, axis: int) -> tuple[np.ndarray, np.ndarray]:
    """Symmetric int8 per slice along `axis`: (int8 values, float32 scales [weights.shape[axis]])."""
    moved = np.moveaxis(weights, axis, 0).reshape(weights.shape[axis], -1)
    peak = np.abs(moved).max(axis=1)
    scale = np.where(peak > 0, peak / INT8_MAX, 1.0).astype(np.float32)
    shape = [1] * weights.ndim
    shape[axis] = -1
    quantized = np.clip(np.rint(weights / scale.reshape(shape)), -INT8_MAX, INT8_MAX).astype(np.int8)
    return quantized, scale


def dequantized(weights: np.ndarray, axis: int) -> np.ndarray:
    """What DequantizeLinear gives back for `weights` (for tests and error estimates)."""
    quantized, scale = quantize_per_axis(weights, axis)
    shape = [1] * weights.ndim
    shape[axis] = -1
    return quantized.astype(np.float32) * scale.reshape(shape)


def unique_name(name: str, taken: set[str]) -> str:
    """`name`, or `name_<n>` when taken; records it (initializer and node names must be unique in a graph)."""
    candidate, n = name, 1
    while candidate in taken:
        candidate, n = f"{name}_{n}", n + 1
    taken.add(candidate)
    return candidate
