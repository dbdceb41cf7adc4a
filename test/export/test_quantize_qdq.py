"""QDQ int8 execution (models/export/quantize.py, issue 16 item 3): the rewrite, and onnxruntime-web running it
through the trial's own two halves (bench/int8_trial.py, bench/int8-trial.mjs) on a small conv stack."""
from __future__ import annotations

import json
import shutil
import subprocess
import sys

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper, numpy_helper

from golden_support import REPO
from models.export.quantize import (activation_quantization, dequantized, qdq_calibration_points, qdq_convs,
                                    quantize_convs_qdq, quantize_weights_int8)

C, SIZE = 16, 24


def conv_stack() -> onnx.ModelProto:
    """s → modulated conv (x·s, 3×3, no bias) → LeakyReLU → 3×3 conv with bias → depthwise blur → image."""
    rng = np.random.default_rng(3)
    weight = lambda o, i, k: (rng.standard_normal((o, i, k, k)) / np.sqrt(i * k * k)).astype(np.float32)  # noqa: E731
    inits = [numpy_helper.from_array(rng.standard_normal((1, C, SIZE, SIZE)).astype(np.float32), "const"),
             numpy_helper.from_array(weight(C, C, 3), "w1"), numpy_helper.from_array(weight(C, C, 3), "w2"),
             numpy_helper.from_array(rng.standard_normal(C).astype(np.float32) * 0.1, "b2"),
             numpy_helper.from_array(np.full((C, 1, 2, 2), 0.25, np.float32), "blur"),
             numpy_helper.from_array(np.array([1, C, 1, 1], np.int64), "shape")]
    nodes = [helper.make_node("Reshape", ["s", "shape"], ["s4"]),
             helper.make_node("Mul", ["const", "s4"], ["x1"]),
             helper.make_node("Conv", ["x1", "w1"], ["y1"], pads=[1, 1, 1, 1]),
             helper.make_node("LeakyRelu", ["y1"], ["a1"], alpha=0.2),
             helper.make_node("Conv", ["a1", "w2", "b2"], ["y2"], pads=[1, 1, 1, 1]),
             helper.make_node("Conv", ["y2", "blur"], ["image"], group=C)]
    graph = helper.make_graph(nodes, "stack", [helper.make_tensor_value_info("s", TensorProto.FLOAT, [1, C])],
                              [helper.make_tensor_value_info("image", TensorProto.FLOAT, [1, C, SIZE - 1, SIZE - 1])], initializer=inits)
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])


def test_chooses_ordinary_convs_with_constant_weights_and_names_their_tensors():
    model = conv_stack()
    assert [n.output[0] for n in qdq_convs(model, min_elements=64)] == ["y1", "y2"], "the depthwise blur stays float"
    assert qdq_calibration_points(model, min_elements=64) == ["x1", "y1", "a1", "y2"]
    assert qdq_convs(model) == [], "16×16×3×3 = 2304 weights is under the default 4096"
    kept = frozenset({"y2"})
    assert [n.output[0] for n in qdq_convs(model, min_elements=64, keep_float=kept)] == ["y1"]
    assert qdq_calibration_points(model, min_elements=64, keep_float=kept) == ["x1", "y1"], "y2's ranges are not needed"


def test_activation_range_keeps_zero_exact():
    scale, zero = activation_quantization(-1.0, 3.0)
    assert scale == pytest.approx(4 / 255) and zero == 64
    assert (np.rint(-1.0 / scale) + zero, np.rint(3.0 / scale) + zero) == (0, 255), "both ends are representable"
    scale, zero = activation_quantization(0.5, 2.0)  # the range is widened to take 0
    assert zero == 0 and scale == pytest.approx(2 / 255)


def test_rewrites_weights_inputs_outputs_and_bias():
    model = conv_stack()
    with pytest.raises(ValueError, match="no calibrated range"):
        quantize_convs_qdq(model, {"x1": (-1, 1)}, min_elements=64)
    ranges = {name: (-2.0, 2.0) for name in qdq_calibration_points(model, min_elements=64)}
    kept = conv_stack()
    assert quantize_convs_qdq(kept, {n: ranges[n] for n in ("x1", "y1")}, min_elements=64, keep_float=frozenset({"y2"})) == 1
    assert [n.input[1] for n in kept.graph.node if n.op_type == "Conv"][1:] == ["w2", "blur"], "y2's conv keeps its float weight"
    assert quantize_convs_qdq(model, ranges, min_elements=64) == 2
    onnx.checker.check_model(model)
    inits = {i.name: i for i in model.graph.initializer}
    assert "w1" not in inits and "w2" not in inits and "b2" not in inits, "the float copies are gone"
    produced = {o: n for n in model.graph.node for o in n.output}
    for conv in [n for n in model.graph.node if n.op_type == "Conv" and n.attribute[0].name != "group"]:
        x, w = produced[conv.input[0]], produced[conv.input[1]]
        assert x.op_type == "DequantizeLinear" and produced[x.input[0]].op_type == "QuantizeLinear"
        assert inits[x.input[2]].data_type == TensorProto.UINT8
        assert w.op_type == "DequantizeLinear" and inits[w.input[0]].data_type == TensorProto.INT8
        assert next(a.i for a in w.attribute if a.name == "axis") == 0, "per output channel"
        consumer = next(n for n in model.graph.node if conv.output[0] in n.input)
        assert consumer.op_type == "QuantizeLinear"
    original = numpy_helper.to_array(conv_stack().graph.initializer[1])
    w1 = next(n for n in model.graph.node if n.op_type == "DequantizeLinear" and n.input[0].startswith("w1"))
    q, s = (numpy_helper.to_array(inits[w1.input[i]]) for i in (0, 1))
    np.testing.assert_array_equal(q.astype(np.float32) * s[:, None, None, None], dequantized(original, 0))
    b2 = next(n for n in model.graph.node if n.op_type == "DequantizeLinear" and n.input[0].startswith("b2"))
    assert inits[b2.input[0]].data_type == TensorProto.INT32


def test_weight_only_int8_is_unchanged_by_the_new_mode():
    model = conv_stack()
    scales = quantize_weights_int8(model, min_elements=100)  # the two 3×3 weights, not the 64-element blur
    assert len(scales) == 2 and not any(n.op_type == "QuantizeLinear" for n in model.graph.node)


@pytest.mark.skipif(shutil.which("node") is None, reason="needs Node and the repository's node_modules")
def test_onnxruntime_web_runs_the_int8_graph_close_to_float(tmp_path):
    """The trial's commands end to end: observe → ranges (ORT) → quantize → compare (ORT, PSNR)."""
    float_graph, observe, ranges, int8 = (tmp_path / n for n in ("f.onnx", "o.onnx", "r.json", "q.onnx"))
    onnx.save(conv_stack(), float_graph)
    rng = np.random.default_rng(5)
    (tmp_path / "calib.f32").write_bytes((1 + 0.3 * rng.standard_normal((4, C))).astype(np.float32).tobytes())
    (tmp_path / "eval.f32").write_bytes((1 + 0.3 * rng.standard_normal((2, C))).astype(np.float32).tobytes())

    def run(*args: str) -> str:
        done = subprocess.run(list(args), capture_output=True, text=True, cwd=REPO, timeout=300)
        assert done.returncode == 0, done.stderr
        return done.stdout

    trial_py, trial_mjs = str(REPO / "bench" / "int8_trial.py"), str(REPO / "bench" / "int8-trial.mjs")
    # Liftoff only: correctness, not speed; without it Node's exit waits for V8 to finish tiering up ORT's wasm.
    node = ["node", "--liftoff-only", trial_mjs]
    run(sys.executable, trial_py, "observe", str(float_graph), str(observe), "--min-elements", "64")
    run(*node, "ranges", str(observe), str(tmp_path / "calib.f32"), str(ranges))
    assert set(json.loads(ranges.read_text())) >= {"x1", "y1", "a1", "y2"}
    clipped = tmp_path / "r90.json"
    run(*node, "ranges", str(observe), str(tmp_path / "calib.f32"), str(clipped), "90")
    full, inner = json.loads(ranges.read_text()), json.loads(clipped.read_text())
    for name in ("x1", "y1", "a1", "y2"):  # each input's 10th–90th percentiles: inside min/max, and narrower
        assert full[name][0] < inner[name][0] < inner[name][1] < full[name][1], (name, full[name], inner[name])
    run(sys.executable, trial_py, "quantize", str(float_graph), str(ranges), str(int8), "--min-elements", "64")
    report = json.loads(run(*node, "compare", str(float_graph), str(int8), str(tmp_path / "eval.f32"), "1"))
    assert report["inputs"] == 2
    # 8-bit activations and weights through two convs: close, not equal.
    assert all(30 < p < 80 for p in report["psnrDb"]), report["psnrDb"]
    assert all(0 < d["relative"] < 0.05 for d in report["diff"]), report["diff"]


def test_the_up_conv_as_one_phase_conv_is_exact():
    """bench/int8_trial.py's packed-phase up-conv (the layer figure in bench/README.md) computes the ConvTranspose."""
    sys.path.insert(0, str(REPO / "bench"))
    from int8_trial import up_conv_phases

    rng = np.random.default_rng(7)
    c_in, c_out, size = 3, 2, 5
    x = rng.standard_normal((c_in, size, size))
    w = rng.standard_normal((c_in, c_out, 3, 3)).astype(np.float32)
    expected = np.zeros((c_out, 2 * size + 1, 2 * size + 1))
    for i in range(size):
        for j in range(size):
            expected[:, 2 * i:2 * i + 3, 2 * j:2 * j + 3] += np.einsum("c,cokl->okl", x[:, i, j], w)
    k = up_conv_phases(w)
    padded = np.pad(x, ((0, 0), (1, 1), (1, 1)))
    conv = np.zeros((4 * c_out, size + 1, size + 1))
    for a in range(size + 1):
        for b in range(size + 1):
            conv[:, a, b] = np.einsum("ckl,ockl->o", padded[:, a:a + 2, b:b + 2], k)
    # DepthToSpace, DCR: channel (row parity · 2 + column parity) · C + c → out[c, 2h + row parity, 2w + column parity]
    spread = conv.reshape(2, 2, c_out, size + 1, size + 1).transpose(2, 3, 0, 4, 1).reshape(c_out, 2 * size + 2, 2 * size + 2)
    np.testing.assert_allclose(spread[:, :2 * size + 1, :2 * size + 1], expected, atol=1e-5)
