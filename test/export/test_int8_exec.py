"""`build --int8-exec encoder` (models/export/int8_exec.py): the tiny e4e calibrated on the generator's own faces,
rewritten as QDQ int8, run by onnxruntime-web and judged by the full render of its W+ on held-out faces."""
from __future__ import annotations

import json
import subprocess

import onnx
import pytest

from golden_support import REPO
from models.export import int8_exec
from models.export.build import BuildOptions, build, resolve_storages
from models.export.int8_exec import RENDER_PSNR_MIN_DB, check_int8_encoder
from models.export.onnx_export import export_graph
from models.export.sources import PackError, build_specs, load_sources

CLI = REPO / "dist" / "cli.js"


@pytest.fixture(scope="module")
def built(complete_downloads, tmp_path_factory):
    out = tmp_path_factory.mktemp("packs") / "tiny-int8"
    lines: list[str] = []
    ok = build(BuildOptions(folder=complete_downloads, out=out, pack_id="tiny-int8", description="tiny",
                            storage={"encoder": "int8-qdq"}), log=lines.append)
    return out, ok, lines


def test_the_build_writes_a_qdq_encoder_that_keeps_the_contract_and_passes_the_render_check(built):
    out, ok, lines = built
    assert ok, "\n".join(lines[-20:])
    pack = json.loads((out / "pack.json").read_text())
    assert pack["provenance"]["storage"]["encoder"] == "int8-qdq"
    assert pack["provenance"]["storage"]["clipText"] == "int8", "the other roles keep their default storage"
    assert "int8Execution" in pack["provenance"]
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


def test_a_sabotaged_range_fails_the_render_check(complete_downloads, tmp_path, monkeypatch):
    """Ranges a tenth of the calibrated ones clip the activations: the check must notice (and the build fail)."""
    sources = load_sources(stylegan=complete_downloads / "generator.pt", e4e=complete_downloads / "encoder.pt")
    spec = next(s for s in build_specs(sources, previews=[16]) if s.role == "encoder")
    calibrate = int8_exec.calibrate_ranges
    monkeypatch.setattr(int8_exec, "calibrate_ranges", lambda *a: {k: (lo / 10, hi / 10) for k, (lo, hi) in calibrate(*a).items()})
    faces = int8_exec.face_images(sources.generator.generator, sources.generator.latent_avg, 4, 16, 256,
                                  truncation=1.0, mirrored=True)
    (tmp_path / "encoder.onnx").write_bytes(export_graph(spec, storage="int8-qdq", calibration=faces))
    check = check_int8_encoder(tmp_path / "encoder.onnx", spec, sources.generator.generator, sources.generator.latent_avg)
    assert not check.ok and min(check.psnr_db) < RENDER_PSNR_MIN_DB, check.line()
    assert "UNDER THE PSNR FLOOR" in check.line()


def test_int8_execution_is_refused_for_roles_that_did_not_meet_the_rule():
    roles = ["encoder", "synthesis", "clipText"]
    assert resolve_storages(roles, {"encoder": "int8-qdq"})["encoder"] == "int8-qdq"
    for overrides in ({"synthesis": "int8-qdq"}, {"*": "int8-qdq"}):
        with pytest.raises(PackError, match="only encoder met the int8 rule"):
            resolve_storages(roles, overrides)
