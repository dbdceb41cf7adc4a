"""Shared by the exporter tests: golden paths that fail loudly, and a tolerance check naming the worst element."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

REPO = Path(__file__).resolve().parents[2]
GOLDEN = REPO.parent / "shared" / "golden"
TOLERANCE = 1e-4  # ../shared/golden/README.md: float32 CPU/WASM, for W, S, deltas, features and images


def golden_path(relative: str) -> Path:
    path = GOLDEN / relative
    if not path.is_file():
        pytest.fail(f"golden file {path} is missing: the tests need ../shared/golden beside the repository")
    return path


def golden(relative: str) -> np.ndarray:
    return np.load(golden_path(relative))


def assert_close(actual, expected, what: str, tolerance: float = TOLERANCE) -> float:
    """Fail with the largest absolute difference and its index; return that difference."""
    actual, expected = np.asarray(actual, np.float64), np.asarray(expected, np.float64)
    assert actual.shape == expected.shape, f"{what}: shape {actual.shape}, expected {expected.shape}"
    diff = np.abs(actual - expected)
    assert not np.isnan(diff).any(), f"{what}: NaN in the result"
    index = np.unravel_index(np.argmax(diff), diff.shape)
    worst = float(diff[index])
    assert worst <= tolerance, (f"{what}: max |diff| {worst:.3e} at {index} (actual {actual[index]}, "
                                f"expected {expected[index]}), tolerance {tolerance}")
    return worst
