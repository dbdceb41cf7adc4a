"""torch → ONNX (opset 17), optional float16 weight storage, onnx.checker. Deterministic: same weights, same bytes."""
from __future__ import annotations

import io
import warnings

import numpy as np
import onnx
import torch
from onnx import TensorProto, helper, numpy_helper

from .graphs import GraphSpec
from .quantize import quantize_convs_qdq, quantize_weights_int8, unique_name
from .winograd import store_weights_not_transforms

OPSET = 17  # the highest torch 1.13 exports; onnxruntime-web's WebGPU kernels cover it (spec/runtime.md §6)
FP16_MIN_ELEMENTS = 1024  # smaller tensors (biases, norms) gain nothing from halving and stay exact
FP16_MAX = 65504.0  # largest finite float16


# How a graph stores its large weights. Compute is float32 in every case but "int8-qdq", where the group-1 convs run
# in int8 (QDQ, static uint8 activation ranges calibrated on `calibration` inputs; int8_exec.py) and the rest is as
# "int8". Only the roles of int8_exec.INT8_EXEC_ROLES may take it (build.py checks).
STORAGES = ("float32", "float16", "int8", "int8-qdq")


def export_graph(spec: GraphSpec, *, fp16: bool = False, storage: str | None = None,
                 calibration: torch.Tensor | None = None) -> bytes:
    """The serialised ONNX model for one graph role, checked by onnx.checker.

    storage: "float32", "float16" (large weights as float16 + Cast), "int8" (weight-only int8 per output channel
    where quantize.py knows the axis, float16 for the other large weights) or "int8-qdq" (int8 execution of the
    convs, ranges from running `calibration` — a batch of the graph's single input — then as "int8").
    `fp16=True` means "float16".
    """
    storage = storage or ("float16" if fp16 else "float32")
    if storage not in STORAGES:
        raise ValueError(f"storage {storage!r}: must be one of: {', '.join(STORAGES)}")
    buffer = io.BytesIO()
    spec.module.eval()
    with torch.no_grad(), warnings.catch_warnings():
        # torch 1.13 warns about its own shape inference on every export; the checker and verify.py are the judges.
        warnings.simplefilter("ignore", UserWarning)
        # the Winograd form's shapes and transform matrices are constants of the trace by design (batch 1, fixed sizes)
        warnings.simplefilter("ignore", torch.jit.TracerWarning)
        torch.onnx.export(
            spec.module, tuple(spec.inputs.values()), buffer,
            opset_version=OPSET,
            input_names=list(spec.inputs), output_names=spec.outputs,
            dynamic_axes=spec.dynamic_axes or None,
            do_constant_folding=True,
        )
    model = onnx.load_from_string(buffer.getvalue())
    store_weights_not_transforms(model, winograd_convs(spec.module))
    keep_float32: set[str] = set()
    if storage == "int8-qdq":
        from .int8_exec import calibrate_ranges  # it runs onnxruntime-web through Node

        if calibration is None or len(spec.inputs) != 1:
            raise ValueError(f"{spec.role}: int8-qdq needs calibration inputs for a single-input graph")
        quantize_convs_qdq(model, calibrate_ranges(model, next(iter(spec.inputs)), calibration))
    if storage in ("int8", "int8-qdq"):
        keep_float32 = quantize_weights_int8(model)
    if storage in ("float16", "int8", "int8-qdq"):
        store_weights_as_float16(model, spec.role, keep=keep_float32)
    model.graph.name = spec.role
    onnx.checker.check_model(model, full_check=True)
    return model.SerializeToString()


def winograd_convs(module: torch.nn.Module) -> list[tuple[np.ndarray, np.ndarray, int]]:
    """(U, W, tile) of every conv of `module` that has a Winograd form, for winograd.store_weights_not_transforms."""
    return [(sub.winograd_u.numpy(), sub.scaled_weight().detach().numpy(), sub.winograd_tile)
            for sub in module.modules() if getattr(sub, "winograd_tile", 0)]


def store_weights_as_float16(model: onnx.ModelProto, role: str, *, keep: set[str] = frozenset()) -> None:
    """Replace every float32 initializer (and Constant) of ≥1024 elements by float16 + Cast to float32.

    Halves the download; every op still computes in float32, so normalisation and demodulation never run in half
    precision (float16 overflow bugs on WebGPU, spec/runtime.md §2).
    """
    graph = model.graph
    taken = {i.name for i in graph.initializer} | {o for n in graph.node for o in n.output}
    casts = []
    for index, initializer in enumerate(graph.initializer):
        if initializer.data_type != TensorProto.FLOAT or int(np.prod(initializer.dims)) < FP16_MIN_ELEMENTS \
                or initializer.name in keep:
            continue
        name = initializer.name
        half_name = unique_name(f"{name}_fp16", taken)
        graph.initializer[index].CopyFrom(numpy_helper.from_array(_to_half(initializer, role), half_name))
        casts.append(helper.make_node("Cast", [half_name], [name], to=TensorProto.FLOAT,
                                      name=unique_name(f"{half_name}_cast", taken)))
    nodes = list(graph.node)
    rewritten = []
    for node in nodes:
        value = next((a for a in node.attribute if a.name == "value"), None)
        if node.op_type == "Constant" and value is not None and value.t.data_type == TensorProto.FLOAT \
                and int(np.prod(value.t.dims)) >= FP16_MIN_ELEMENTS:
            output = node.output[0]
            half_name = unique_name(f"{output}_fp16", taken)
            value.t.CopyFrom(numpy_helper.from_array(_to_half(value.t, role), half_name))
            node.output[0] = half_name
            rewritten += [node, helper.make_node("Cast", [half_name], [output], to=TensorProto.FLOAT,
                                                 name=unique_name(f"{half_name}_cast", taken))]
        else:
            rewritten.append(node)
    del graph.node[:]
    graph.node.extend(casts + rewritten)


def _to_half(tensor: onnx.TensorProto, role: str) -> np.ndarray:
    values = numpy_helper.to_array(tensor)
    finite = np.abs(values[np.isfinite(values)])  # ±inf (CLIP's causal mask) is representable as is
    peak = float(finite.max(initial=0.0))
    if peak > FP16_MAX:
        raise ValueError(f"{role}: weight {tensor.name or '(constant)'} reaches {peak:g}, beyond float16's range; "
                         f"export this graph without --fp16.")
    return values.astype(np.float16)
