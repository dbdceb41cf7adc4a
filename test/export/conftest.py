"""Session fixtures: the golden-tiny pack exported once, by the same script that builds the committed pack."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))  # golden_support, whatever pytest's import mode

from golden_support import GOLDEN, REPO  # noqa: E402


@pytest.fixture(scope="session")
def golden_dir() -> Path:
    if not GOLDEN.is_dir():
        pytest.fail(f"{GOLDEN} is missing: the exporter tests need ../shared/golden beside the repository")
    return GOLDEN


@pytest.fixture(scope="session")
def complete_downloads(tmp_path_factory) -> Path:
    """Tiny upstream-layout downloads with fs3, S_mean_std and the vocabulary, so a build computes nothing with the
    Node CLI. Shared by the build tests: treat it as read-only (copy it to change it)."""
    from models.export.build_upstream_layout import write_folder
    folder = tmp_path_factory.mktemp("complete")
    write_folder(folder, size="tiny", fs3="full", s_stats=True, vocab=REPO.parent / "shared" / "clip" / "bpe_simple_vocab_16e6.txt.gz",
                 log=lambda _: None)
    return folder


@pytest.fixture(scope="session")
def exported_pack(tmp_path_factory, golden_dir) -> Path:
    """models/export/build_golden_tiny.sh run into a temporary folder (CLI end to end, verify included)."""
    out = tmp_path_factory.mktemp("export") / "golden-tiny"
    done = subprocess.run([str(REPO / "models/export/build_golden_tiny.sh"), "--out", str(out)],
                          capture_output=True, text=True, cwd=REPO)
    assert done.returncode == 0, f"build_golden_tiny.sh failed ({done.returncode}):\n{done.stdout}\n{done.stderr}"
    return out


def pytest_configure(config):
    config.addinivalue_line("markers", "fullsize: builds full-size (FFHQ-1024) upstream-layout checkpoints; minutes and "
                                       "~10 GB of RAM; skipped unless FACETEXT_FULLSIZE=1")
