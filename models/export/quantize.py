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


# --- int8 execution (issue 16 item 3): QDQ around Conv, static activation ranges -------------------------------
#
# x → QuantizeLinear → DequantizeLinear → Conv(DequantizeLinear(int8 w per output channel)) → QuantizeLinear →
# DequantizeLinear → y. onnxruntime (graph optimisation 'all') fuses that pattern into QLinearConv, which runs
# MLAS's u8×s8 GEMM; activations are uint8 with a zero point, one scale per tensor, from ranges calibrated by
# running the float graph (`qdq_calibration_points` names the tensors to observe). Only ordinary (group 1) Convs
# with a constant weight are rewritten: onnxruntime has no fused int8 ConvTranspose on its CPU EP, so a QDQ
# ConvTranspose would run as float plus the extra (de)quantisation.

UINT8_MAX = 255


def qdq_convs(model: onnx.ModelProto, *, min_elements: int = INT8_MIN_ELEMENTS,
              keep_float: frozenset[str] = frozenset()) -> list[onnx.NodeProto]:
    """The Convs `quantize_convs_qdq` rewrites: group 1, constant float weight of ≥ `min_elements`, output not named
    in `keep_float` (layers left in float32 on purpose, e.g. the most sensitive ones)."""
    initializers = {i.name: i for i in model.graph.initializer}
    chosen = []
    for node in model.graph.node:
        if node.op_type != "Conv" or len(node.input) < 2:
            continue
        weight = initializers.get(node.input[1])
        group = next((a.i for a in node.attribute if a.name == "group"), 1)
        if weight is None or weight.data_type != TensorProto.FLOAT or group != 1 or int(np.prod(weight.dims)) < min_elements:
            continue
        if len(node.input) > 2 and node.input[2] and node.input[2] not in initializers:
            continue
        if node.output[0] in keep_float:
            continue
        chosen.append(node)
    return chosen


def qdq_calibration_points(model: onnx.ModelProto, *, min_elements: int = INT8_MIN_ELEMENTS,
                           keep_float: frozenset[str] = frozenset()) -> list[str]:
    """Tensors whose float range `quantize_convs_qdq` needs: each chosen Conv's input and output, in graph order."""
    names: list[str] = []
    for node in qdq_convs(model, min_elements=min_elements, keep_float=keep_float):
        for name in (node.input[0], node.output[0]):
            if name not in names:
                names.append(name)
    return names


def activation_quantization(low: float, high: float) -> tuple[np.float32, np.uint8]:
    """Asymmetric uint8 (scale, zero point) covering [low, high] and 0 (so that zero padding stays exact)."""
    low, high = min(float(low), 0.0), max(float(high), 0.0)
    scale = (high - low) / UINT8_MAX if high > low else 1.0
    zero_point = int(np.clip(np.rint(-low / scale), 0, UINT8_MAX))
    return np.float32(scale), np.uint8(zero_point)


def quantize_convs_qdq(model: onnx.ModelProto, ranges: dict[str, tuple[float, float]], *,
                       min_elements: int = INT8_MIN_ELEMENTS, keep_float: frozenset[str] = frozenset()) -> int:
    """Rewrite the chosen Convs in place as QDQ int8 (see above); `ranges` holds (min, max) for every
    `qdq_calibration_points` tensor. Returns how many Convs were rewritten."""
    graph = model.graph
    convs = qdq_convs(model, min_elements=min_elements, keep_float=keep_float)
    missing = [n for n in qdq_calibration_points(model, min_elements=min_elements, keep_float=keep_float) if n not in ranges]
    if missing:
        raise ValueError(f"no calibrated range for {len(missing)} tensors, e.g. {missing[0]}")
    initializers = {i.name: i for i in graph.initializer}
    taken = set(initializers) | {o for n in graph.node for o in n.output} | {i.name for i in graph.input}
    taken |= {n.name for n in graph.node}
    new_inits: list[onnx.TensorProto] = []
    before: dict[int, list[onnx.NodeProto]] = {}  # id(conv) → nodes to insert before it
    after: dict[int, list[onnx.NodeProto]] = {}
    dequantized_tensor: dict[str, str] = {}  # float tensor → its Q→DQ copy
    used_weights = {name for node in convs for name in node.input[1:] if name}
    activation_params: dict[str, tuple[str, str]] = {}

    def params_for(tensor: str) -> tuple[str, str]:
        if tensor not in activation_params:
            scale, zero = activation_quantization(*ranges[tensor])
            s_name, z_name = unique_name(f"{tensor}_scale", taken), unique_name(f"{tensor}_zero", taken)
            new_inits.extend([numpy_helper.from_array(np.array(scale), s_name), numpy_helper.from_array(np.array(zero), z_name)])
            activation_params[tensor] = (s_name, z_name)
        return activation_params[tensor]

    def qdq(tensor: str, source: str, target: str) -> list[onnx.NodeProto]:
        s_name, z_name = params_for(tensor)
        q_name = unique_name(f"{tensor}_uint8", taken)
        return [helper.make_node("QuantizeLinear", [source, s_name, z_name], [q_name], name=unique_name(f"{tensor}_quantize", taken)),
                helper.make_node("DequantizeLinear", [q_name, s_name, z_name], [target], name=unique_name(f"{tensor}_dequantize", taken))]

    for conv in convs:
        inserted: list[onnx.NodeProto] = []
        x = conv.input[0]
        if x not in dequantized_tensor:
            dequantized_tensor[x] = unique_name(f"{x}_qdq", taken)
            inserted += qdq(x, x, dequantized_tensor[x])
        x_scale = activation_quantization(*ranges[x])[0]
        weight = numpy_helper.to_array(initializers[conv.input[1]]).astype(np.float32)
        w_int8, w_scale = quantize_per_axis(weight, 0)
        w_names = [unique_name(f"{conv.input[1]}_{s}", taken) for s in ("int8", "scale", "zero", "dequantized")]
        new_inits.extend([numpy_helper.from_array(w_int8, w_names[0]), numpy_helper.from_array(w_scale, w_names[1]),
                          numpy_helper.from_array(np.zeros(w_scale.shape, np.int8), w_names[2])])
        inserted.append(helper.make_node("DequantizeLinear", w_names[:3], [w_names[3]], axis=0, name=unique_name(f"{w_names[3]}_node", taken)))
        inputs = [dequantized_tensor[x], w_names[3]]
        if len(conv.input) > 2 and conv.input[2]:
            # int32 bias at scale x_scale · w_scale, as QLinearConv takes it.
            bias = numpy_helper.to_array(initializers[conv.input[2]]).astype(np.float64)
            b_scale = (np.float64(x_scale) * w_scale.astype(np.float64)).astype(np.float32)
            b_int32 = np.clip(np.rint(bias / b_scale), -2**31, 2**31 - 1).astype(np.int32)
            b_names = [unique_name(f"{conv.input[2]}_{s}", taken) for s in ("int32", "scale", "zero", "dequantized")]
            new_inits.extend([numpy_helper.from_array(b_int32, b_names[0]), numpy_helper.from_array(b_scale, b_names[1]),
                              numpy_helper.from_array(np.zeros(b_scale.shape, np.int32), b_names[2])])
            inserted.append(helper.make_node("DequantizeLinear", b_names[:3], [b_names[3]], axis=0, name=unique_name(f"{b_names[3]}_node", taken)))
            inputs.append(b_names[3])
        del conv.input[:]
        conv.input.extend(inputs)
        y = conv.output[0]
        y_float = unique_name(f"{y}_float", taken)
        conv.output[0] = y_float
        after[id(conv)] = qdq(y, y_float, y)
        before[id(conv)] = inserted
    nodes = list(graph.node)
    del graph.node[:]
    for node in nodes:
        graph.node.extend(before.get(id(node), []))
        graph.node.append(node)
        graph.node.extend(after.get(id(node), []))
    unused = used_weights - {n for node in graph.node for n in node.input}
    kept = [i for i in graph.initializer if i.name not in unused]
    del graph.initializer[:]
    graph.initializer.extend(kept + new_inits)
    return len(convs)
