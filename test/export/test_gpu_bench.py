"""bench/gpu_bench.py runs end to end: --device cpu --quick builds tiny models (64 px) from the exporter's
modules and times every stage, so the script is known to work before a GPU machine is available."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
SCRIPT = REPO / "bench" / "gpu_bench.py"


def run_script(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(SCRIPT), *args], capture_output=True, text=True, cwd=REPO, timeout=300)


def test_quick_mode_times_every_stage_and_prints_one_json_line(tmp_path):
    out = tmp_path / "gpu-bench.json"
    done = run_script("--device", "cpu", "--quick", "--json", str(out))
    assert done.returncode == 0, done.stderr[-3000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result == json.loads(out.read_text())
    assert result["quick"] and result["device"]["device"] == "cpu"
    rows = {row["key"]: row for row in result["stages"]}
    assert list(rows) == ["preview", "synthesis", "inversion", "clipText"]
    assert {row["variant"] for row in result["stages"]} == {"fp32"}  # the CPU default
    for row in rows.values():
        assert row["n"] == 2 and len(row["ms"]) == 2 and row["median_ms"] > 0 and row["floor_ms"] > 0, row
    # The preview stops at a quarter of the resolution: fewer multiply-adds than the full synthesis, which the
    # 64 px tiny generator spends mostly in its last two blocks.
    assert result["preview"] == 16
    assert 0 < rows["preview"]["macs"] < rows["synthesis"]["macs"] / 2
    assert rows["inversion"]["macs"] > rows["synthesis"]["macs"]  # e4e at 256 px dwarfs the tiny generator
    table = done.stdout
    for label in ("preview 16 (synthesis to the 16 px exit)", "synthesis 64 (full)", "inversion (e4e + affine)", "clipText 8×77"):
        assert label in table
    assert "onnxruntime" in table


def test_an_unknown_variant_is_refused_with_the_valid_ones():
    done = run_script("--device", "cpu", "--quick", "--variants", "fp8")
    assert done.returncode == 2
    assert "unknown variant fp8. Must be one of: fp32, tf32, fp16, fp16-nhwc" in done.stderr
