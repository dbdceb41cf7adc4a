"""ArcFace IR-SE-50 for the ID loss: upstream model_ir_se50.pth key layout, strict loading, the embedding."""
from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F

from golden_support import assert_close
from models.export.arcface import load_arcface_checkpoint
from models.export.checkpoints import CheckpointError
from tiny_models import TINY_ARCFACE, tiny_arcface_state_dict

# A sample of InsightFace_Pytorch's Backbone(112, 50, 'ir_se') keys, as model_ir_se50.pth stores them.
UPSTREAM_KEYS = ["input_layer.0.weight", "input_layer.1.running_var", "input_layer.2.weight",
                 "body.0.res_layer.0.weight", "body.0.res_layer.1.weight", "body.0.res_layer.2.weight",
                 "body.0.res_layer.3.weight", "body.0.res_layer.4.running_mean", "body.0.res_layer.5.fc1.weight",
                 "body.0.res_layer.5.fc2.weight", "body.7.shortcut_layer.0.weight", "body.7.shortcut_layer.1.weight",
                 "body.23.res_layer.5.fc2.weight", "output_layer.0.weight", "output_layer.3.weight",
                 "output_layer.3.bias", "output_layer.4.running_var"]


@pytest.fixture(scope="module")
def checkpoint(tmp_path_factory):
    path = tmp_path_factory.mktemp("arcface") / "model_ir_se50.pth"
    torch.save(tiny_arcface_state_dict(), path)
    return path


def test_the_tiny_model_has_the_upstream_key_layout(checkpoint):
    state = torch.load(checkpoint)
    assert set(UPSTREAM_KEYS) <= set(state)
    assert len({k.split(".")[1] for k in state if k.startswith("body.")}) == 24  # IR-SE-50: 3 + 4 + 14 + 3 units
    assert state["output_layer.3.weight"].shape == (32, 32 * 7 * 7)  # Linear(width · 7 · 7, embed)


def test_the_embedding_equals_a_plain_evaluation_of_the_layers(checkpoint):
    model = load_arcface_checkpoint(checkpoint)
    state = torch.load(checkpoint)
    face = torch.rand(2, 3, 112, 112, generator=torch.Generator().manual_seed(1)) * 2 - 1

    def bn(x, prefix):
        return F.batch_norm(x, state[f"{prefix}.running_mean"], state[f"{prefix}.running_var"],
                            state[f"{prefix}.weight"], state[f"{prefix}.bias"], training=False, eps=1e-5)

    with torch.no_grad():
        body = model.body(model.input_layer(face))
        flat = bn(body, "output_layer.0").reshape(2, -1)
        linear = flat @ state["output_layer.3.weight"].t() + state["output_layer.3.bias"]
        expected = F.normalize(bn(linear, "output_layer.4"), dim=1)
        actual = model(face)
    assert actual.shape == (2, TINY_ARCFACE.embed_dim)
    assert_close(actual, expected, "embedding", 1e-5)
    assert_close(actual.norm(dim=1), torch.ones(2), "embedding norm", 1e-5)


def test_files_from_old_torch_without_batchnorm_counters_and_dataparallel_prefixes_load(tmp_path):
    state = {f"module.{k}": v for k, v in tiny_arcface_state_dict().items() if not k.endswith("num_batches_tracked")}
    path = tmp_path / "old.pth"
    torch.save(state, path)
    load_arcface_checkpoint(path)


def test_a_missing_key_is_named(tmp_path):
    state = tiny_arcface_state_dict()
    del state["body.5.res_layer.3.weight"]
    path = tmp_path / "broken.pth"
    torch.save(state, path)
    with pytest.raises(CheckpointError, match=r"broken.pth.*missing keys: body.5.res_layer.3.weight"):
        load_arcface_checkpoint(path)


def test_a_file_that_is_not_arcface_says_what_was_expected(tmp_path):
    path = tmp_path / "other.pth"
    torch.save({"weight": torch.zeros(2)}, path)
    with pytest.raises(CheckpointError, match=r"other.pth: missing key input_layer.0.weight: not an IR-SE-50"):
        load_arcface_checkpoint(path)


class _RunsCode:
    """A pickled object whose loading would call a function: what a hostile .pth can hold."""

    def __reduce__(self):
        return (print, ("this must never run",))


def test_a_checkpoint_that_would_run_code_is_refused_without_running_it(tmp_path, capsys):
    path = tmp_path / "model_ir_se50.pth"
    torch.save({"input_layer.0.weight": _RunsCode()}, path)
    with pytest.raises(CheckpointError, match=r"cannot be read by torch.load .*refusing to load __builtin__.print"):  # torch pickles with protocol 2
        load_arcface_checkpoint(path)
    assert "this must never run" not in capsys.readouterr().out
