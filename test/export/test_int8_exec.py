"""The default encoder, int8-qdq (models/export/int8_exec.py): the tiny e4e calibrated on the generator's own faces,
rewritten as QDQ int8, run by onnxruntime-web and judged by the full render of its W+ on held-out faces; stored as
weight-only int8 when that check fails, unless `--int8-exec encoder` asked for it (then the build fails)."""
from __future__ import annotations

import json
import subprocess

import onnx
import pytest

from golden_support import REPO
from models.export import int8_exec
from models.export.build import BuildOptions, build, resolve_storages
from models.export.int8_exec import RENDER_PSNR_MIN_DB
from models.export.sources import PackError

CLI = REPO / "dist" / "cli.js"


@pytest.fixture(scope="module")
def built(complete_downloads, tmp_path_factory):
    out = tmp_path_factory.mktemp("packs") / "tiny-int8"
    lines: list[str] = []
    ok = build(BuildOptions(folder=complete_downloads, out=out, pack_id="tiny-int8", description="tiny"), log=lines.append)
    return out, ok, lines


def sabotage_ranges(monkeypatch):
    """Ranges a tenth of the calibrated ones: they clip the activations, which the render check must notice."""
    calibrate = int8_exec.calibrate_ranges
    monkeypatch.setattr(int8_exec, "calibrate_ranges", lambda *a: {k: (lo / 10, hi / 10) for k, (lo, hi) in calibrate(*a).items()})


def test_a_default_build_writes_a_qdq_encoder_that_keeps_the_contract_and_passes_the_render_check(built):
    out, ok, lines = built
    assert ok, "\n".join(lines[-20:])
    pack = json.loads((out / "pack.json").read_text())
    assert pack["provenance"]["storage"]["encoder"] == "int8-qdq"
    assert pack["provenance"]["storage"]["clipText"] == "int8", "the other roles keep their default storage"
    assert "int8Execution" in pack["provenance"] and "int8ExecutionFallback" not in pack["provenance"]
    assert len([entry for entry in lines if "int8-qdq: full render" in entry]) == 1, "checked once, while exporting"
    model = onnx.load(str(out / pack["graphs"]["encoder"]))
    assert [i.name for i in model.graph.input] == ["image"] and [o.name for o in model.graph.output] == ["wplus"]
    produced_by = {o: n for n in model.graph.node for o in n.output}
    consumers = {i: n for n in model.graph.node for i in n.input}
    int8 = {i.name for i in model.graph.initializer if i.data_type == onnx.TensorProto.INT8}
    convs = [n for n in model.graph.node if n.op_type == "Conv"]
    # The pattern onnxruntime fuses into QLinearConv: Q→DQ input, DQ(int8) weight, output → Q.
    qdq = [n for n in convs if all(produced_by.get(n.input[k]) is not None
                                   and produced_by[n.input[k]].op_type == "DequantizeLinear" for k in (0, 1))]
    assert len(qdq) >= 4, f"{len(qdq)} of {len(convs)} convs in int8"  # tiny: 67 of 152, the rest under 4096 weights
    for conv in qdq:
        assert produced_by[conv.input[1]].input[0] in int8
        assert consumers[conv.output[0]].op_type == "QuantizeLinear"
        assert produced_by[produced_by[conv.input[0]].input[0]].op_type == "QuantizeLinear"
    line = next(entry for entry in lines if "int8-qdq: full render" in entry)
    figures = [float(v) for v in line.split("torch ")[1].split(" dB")[0].split(" / ")]
    assert len(figures) == int8_exec.HELD_OUT_FACES and min(figures) >= RENDER_PSNR_MIN_DB, line


@pytest.mark.skipif(not CLI.is_file(), reason="dist/cli.js is built by `npm run build`")
def test_the_engines_pack_check_accepts_the_int8_pack(built):
    out, _, _ = built
    done = subprocess.run(["node", str(CLI), "pack", "verify", str(out)], cwd=REPO, capture_output=True, text=True)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]


def test_int8_execution_is_refused_for_roles_that_did_not_meet_the_rule():
    roles = ["encoder", "synthesis", "clipText"]
    assert resolve_storages(roles, {"encoder": "int8-qdq"})["encoder"] == "int8-qdq"
    for overrides in ({"synthesis": "int8-qdq"}, {"*": "int8-qdq"}):
        with pytest.raises(PackError, match="only encoder met the int8 rule"):
            resolve_storages(roles, overrides)


def test_a_default_build_whose_check_fails_stores_the_encoder_as_weight_only_int8_and_says_why(complete_downloads,
                                                                                               tmp_path, monkeypatch):
    sabotage_ranges(monkeypatch)
    out, lines = tmp_path / "fallback", []
    assert build(BuildOptions(folder=complete_downloads, out=out, pack_id="fallback", description="x"), log=lines.append)
    said = [line for line in lines if "stored as weight-only int8 instead" in line]
    assert len(said) == 1, lines
    worst = float(said[0].split("check ")[1].split(" dB")[0])
    assert worst < RENDER_PSNR_MIN_DB and "under 35 dB" in said[0], said[0]
    pack = json.loads((out / "pack.json").read_text())
    assert pack["provenance"]["storage"]["encoder"] == "int8", "storage says what was stored"
    assert "int8Execution" not in pack["provenance"]
    assert pack["provenance"]["int8ExecutionFallback"]["encoder"].startswith(f"int8-qdq render check {worst:.2f} dB")
    model = onnx.load(str(out / pack["graphs"]["encoder"]))
    assert not any(n.op_type == "QuantizeLinear" for n in model.graph.node), "weight-only: no activation quantised"
    assert any(n.op_type == "DequantizeLinear" for n in model.graph.node)
    assert not any("int8-qdq: full render" in line for line in lines), "the [6/6] check is the weight-only one"


def test_an_explicit_int8_exec_whose_check_fails_fails_the_build(complete_downloads, tmp_path, monkeypatch):
    sabotage_ranges(monkeypatch)
    out, lines = tmp_path / "explicit", []
    assert not build(BuildOptions(folder=complete_downloads, out=out, pack_id="explicit", description="x",
                                  storage={"encoder": "int8-qdq"}), log=lines.append)
    assert not any("instead" in line for line in lines)
    assert any("UNDER THE PSNR FLOOR" in line for line in lines) and "VERIFICATION FAILED" in lines[-1]
    assert json.loads((out / "pack.json").read_text())["provenance"]["storage"]["encoder"] == "int8-qdq"


def test_explicit_choices_keep_their_meaning():
    roles = ["encoder", "synthesis", "clipText"]
    assert resolve_storages(roles, {})["encoder"] == "int8-qdq", "the default"
    assert resolve_storages(roles, {"*": "float32"}) == {role: "float32" for role in roles}, "--fp32: float32 everywhere"
    assert resolve_storages(roles, {"encoder": "int8"})["encoder"] == "int8", "--int8 encoder: weight-only"
    assert resolve_storages(roles, {"*": "float16"})["encoder"] == "float16"
