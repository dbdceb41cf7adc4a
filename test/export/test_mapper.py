"""StyleCLIP's LevelsMapper and its ONNX graph against the golden mapper (../shared/golden/mapper-tiny)."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from golden_support import assert_close, golden, golden_path
from models.export.checkpoints import load_mapper_checkpoint
from models.export.verify import run_onnx


@pytest.fixture(scope="module")
def checkpoint():
    return load_mapper_checkpoint(golden_path("mapper-tiny/mapper-tiny.pt"))


def wplus_in() -> torch.Tensor:
    return torch.from_numpy(golden("mapper-tiny/wplus_in.npy"))


def test_torch_mapper_reproduces_the_golden_delta(checkpoint):
    with torch.no_grad():
        assert_close(checkpoint.mapper(wplus_in()), golden("mapper-tiny/delta.npy"), "delta")


def test_torch_mapper_edit_reproduces_the_golden_edited_wplus(checkpoint):
    with torch.no_grad():
        edited = wplus_in() + 0.1 * checkpoint.mapper(wplus_in())  # upstream's hard-coded 0.1
    assert_close(edited, golden("mapper-tiny/wplus_edited.npy"), "w + 0.1·delta")


def test_pixelnorm_normalises_over_the_rows_of_a_level(checkpoint):
    with torch.no_grad():
        out = checkpoint.mapper.course_mapping.mapping[0](wplus_in()[:, 0:4])
    assert_close(out, golden("mapper-tiny/coarse_pixelnorm_out.npy"), "coarse PixelNorm")


def test_description_and_levels_come_from_the_checkpoint(checkpoint):
    assert checkpoint.description == "a face with a beard"
    assert checkpoint.levels == ("coarse", "medium", "fine")


def test_a_level_trained_as_disabled_outputs_zeros(tmp_path, checkpoint):
    raw = torch.load(golden_path("mapper-tiny/mapper-tiny.pt"))
    raw["state_dict"] = {k: v for k, v in raw["state_dict"].items() if not k.startswith("mapper.fine_mapping.")}
    raw["opts"]["no_fine_mapper"] = True
    path = tmp_path / "no-fine.pt"
    torch.save(raw, path)
    partial = load_mapper_checkpoint(path)
    assert partial.levels == ("coarse", "medium")
    with torch.no_grad():
        delta = partial.mapper(wplus_in()).numpy()
    expected = golden("mapper-tiny/delta.npy")
    assert_close(delta[:, :8], expected[:, :8], "coarse and medium rows")
    assert np.all(delta[:, 8:] == 0), "fine rows must be exactly 0"


def test_flags_that_disagree_with_the_weights_are_a_warning_and_the_keys_decide(tmp_path):
    raw = torch.load(golden_path("mapper-tiny/mapper-tiny.pt"))
    raw["opts"]["no_medium_mapper"] = True
    path = tmp_path / "flags.pt"
    torch.save(raw, path)
    notes = []
    loaded = load_mapper_checkpoint(path, notes=notes)  # upstream builds the mapper from its own options (issue 14)
    assert loaded.levels == ("coarse", "medium", "fine")
    assert [n["what"] for n in notes] == ["mapper-levels-from-keys"]
    assert "coarse, medium, fine" in notes[0]["detail"] and "opts (no_*_mapper) say coarse, fine" in notes[0]["detail"]


def test_onnx_mapper_graph_reproduces_the_golden_delta(exported_pack):
    results = run_onnx([(exported_pack / "mapper-beard.onnx", {"wplus": row[None]}, ["delta"])
                        for row in golden("mapper-tiny/wplus_in.npy")])
    assert_close(np.concatenate([r["delta"] for r in results]), golden("mapper-tiny/delta.npy"), "mapper graph delta")
