"""e4e encoder against the golden tiny checkpoint (../shared/golden/e4e-tiny)."""

from __future__ import annotations

import json

import numpy as np
import onnx
import pytest
import torch

from golden_support import GOLDEN as GOLDEN_ROOT, assert_close, golden_path
from golden_support import golden as golden_file
from models.export.e4e import E4EConfig, load_e4e_checkpoint
from models.export.verify import run_onnx

GOLDEN = GOLDEN_ROOT / "e4e-tiny"
CHECKPOINT = GOLDEN / "e4e-tiny.pt"
TOLERANCE = 1e-4  # golden/README.md: W+ and e4e codes, float32 CPU


def golden(name: str) -> np.ndarray:
    return golden_file(f"e4e-tiny/{name}")


def encoder_input() -> torch.Tensor:
    """x = (u8/255 − 0.5)/0.5, NHWC uint8 → NCHW float32."""
    u8 = golden("input_uint8.npy")
    x = (u8.astype(np.float32) / 255 - 0.5) / 0.5
    return torch.from_numpy(np.ascontiguousarray(x.transpose(0, 3, 1, 2)))


@pytest.fixture(scope="module")
def checkpoint():
    return load_e4e_checkpoint(golden_path("e4e-tiny/e4e-tiny.pt"))


@pytest.fixture(scope="module")
def computed(checkpoint):
    """Everything the golden files record, computed once for both inputs."""
    x = encoder_input()
    with torch.no_grad():
        offset = checkpoint.encoder(x)
        _, _, c3 = checkpoint.encoder.backbone(x)
        input_layer = checkpoint.encoder.input_layer(x[:1])
    return {
        "encoder_output.npy": offset,
        "wplus.npy": offset + checkpoint.latent_avg,
        "feat_c3_body23.npy": c3,
        "feat_input_layer_sample0.npy": input_layer[:, :, :8, :8],
    }


GOLDEN_CASES = [
    ("encoder_output.npy", 0), ("encoder_output.npy", 1),
    ("wplus.npy", 0), ("wplus.npy", 1),
    ("feat_c3_body23.npy", 0), ("feat_c3_body23.npy", 1),
    ("feat_input_layer_sample0.npy", 0),
]


@pytest.mark.parametrize("name,sample", GOLDEN_CASES, ids=[f"{n[:-4]}[{s}]" for n, s in GOLDEN_CASES])
def test_encoder_reproduces_the_golden_output(computed, name, sample):
    worst = assert_close(computed[name][sample].numpy(), golden(name)[sample], f"{name}[{sample}]", TOLERANCE)
    print(f"{name}[{sample}] max |diff| {worst:.2e}")


def test_architecture_numbers_are_read_from_the_checkpoint_shapes(checkpoint):
    config = json.loads((GOLDEN / "config.json").read_text())
    assert checkpoint.encoder.config == E4EConfig(
        input_width=16, stage_widths=(16, 20, 24, 32), style_dim=32, num_styles=config["style_count"])


def test_latent_avg_and_opts_come_from_the_checkpoint(checkpoint):
    np.testing.assert_array_equal(checkpoint.latent_avg.numpy(), golden("latent_avg.npy"))
    assert checkpoint.opts["encoder_type"] == "Encoder4Editing"
    assert checkpoint.opts["stylegan_size"] == 64
    assert not checkpoint.encoder.training


def test_a_one_dimensional_latent_avg_is_repeated_to_every_row(tmp_path):
    raw = torch.load(CHECKPOINT, map_location="cpu")
    raw["latent_avg"] = raw["latent_avg"][0].clone()
    path = tmp_path / "e4e-1d-latent-avg.pt"
    torch.save(raw, path)
    np.testing.assert_array_equal(load_e4e_checkpoint(path).latent_avg.numpy(), golden("latent_avg.npy"))


# --------------------------------------------------------------------------- ONNX


class EncoderGraph(torch.nn.Module):
    """The `encoder` graph contract: image [1,3,256,256] → wplus (latent_avg added)."""

    def __init__(self, checkpoint):
        super().__init__()
        self.encoder = checkpoint.encoder
        self.register_buffer("latent_avg", checkpoint.latent_avg[None])

    def forward(self, image):
        return self.encoder(image) + self.latent_avg


@pytest.fixture(scope="module")
def exported(checkpoint, tmp_path_factory):
    path = tmp_path_factory.mktemp("e4e-onnx") / "encoder.onnx"
    torch.onnx.export(EncoderGraph(checkpoint).eval(), (encoder_input()[:1],), str(path), opset_version=17,
                      input_names=["image"], output_names=["wplus"])
    return path


def test_encoder_exports_to_a_valid_opset_17_graph(exported):
    model = onnx.load(str(exported))
    onnx.checker.check_model(model, full_check=True)
    assert model.opset_import[0].version == 17
    dims = [d.dim_value for d in model.graph.input[0].type.tensor_type.shape.dim]
    assert dims == [1, 3, 256, 256]
    ops = {node.op_type for node in model.graph.node}
    assert "PRelu" in ops
    resizes = [n for n in model.graph.node if n.op_type == "Resize"]
    assert len(resizes) == 2
    for node in resizes:
        attributes = {a.name: a for a in node.attribute}
        assert attributes["coordinate_transformation_mode"].s == b"align_corners"
        assert attributes["mode"].s == b"linear"
    for node in model.graph.node:
        if node.op_type == "BatchNormalization":
            assert all(not (a.name == "training_mode" and a.i) for a in node.attribute)


def test_exported_encoder_matches_torch_and_the_golden_in_onnxruntime_web(exported, computed):
    x = encoder_input().numpy()
    results = run_onnx([(exported, {"image": x[i:i + 1]}, ["wplus"]) for i in range(len(x))])
    for sample, result in enumerate(results):
        wplus = result["wplus"][0]
        assert_close(wplus, computed["wplus.npy"][sample].numpy(), f"onnx vs torch wplus[{sample}]", TOLERANCE)
        worst = assert_close(wplus, golden("wplus.npy")[sample], f"onnx vs golden wplus[{sample}]", TOLERANCE)
        print(f"onnxruntime-web wplus[{sample}] max |diff| vs golden {worst:.2e}")


# --------------------------------------------------------------------------- bad checkpoints

BODY_CONV = "encoder.body.5.res_layer.1.weight"
STYLE_BIAS = "encoder.styles.4.linear.bias"


def delete_key(state):
    del state[BODY_CONV]
    return [BODY_CONV]


def rename_key(state):
    state["encoder.body.5.res_layer.1.weights"] = state.pop(BODY_CONV)
    return [BODY_CONV, "encoder.body.5.res_layer.1.weights"]


def change_shape(state):
    state[STYLE_BIAS] = torch.zeros(31)
    return [STYLE_BIAS, "[31]", "[32]"]


def delete_width_key(state):
    del state["encoder.input_layer.0.weight"]
    return ["encoder.input_layer.0.weight"]


def add_unit(state):
    state["encoder.body.24.res_layer.2.weight"] = torch.zeros(32)
    return ["unexpected", "encoder.body.24.res_layer.2.weight"]


BAD_STATES = [delete_key, rename_key, change_shape, delete_width_key, add_unit]


@pytest.mark.parametrize("damage", BAD_STATES, ids=[f.__name__ for f in BAD_STATES])
def test_a_damaged_state_dict_is_refused_naming_the_keys(tmp_path, damage):
    raw = torch.load(CHECKPOINT, map_location="cpu")
    expected_words = damage(raw["state_dict"])
    path = tmp_path / f"{damage.__name__}.pt"
    torch.save(raw, path)
    with pytest.raises(ValueError) as error:
        load_e4e_checkpoint(path)
    message = str(error.value)
    assert str(path) in message
    for word in expected_words:
        assert word in message


def test_a_psp_encoder_checkpoint_is_refused(tmp_path):
    raw = torch.load(CHECKPOINT, map_location="cpu")
    raw["opts"]["encoder_type"] = "GradualStyleEncoder"
    path = tmp_path / "psp.pt"
    torch.save(raw, path)
    with pytest.raises(ValueError, match="GradualStyleEncoder"):
        load_e4e_checkpoint(path)


def test_a_latent_avg_of_the_wrong_size_is_refused(tmp_path):
    raw = torch.load(CHECKPOINT, map_location="cpu")
    raw["latent_avg"] = torch.zeros(18, 32)
    path = tmp_path / "latent-avg-18.pt"
    torch.save(raw, path)
    with pytest.raises(ValueError, match=r"latent_avg has shape \[18, 32\]"):
        load_e4e_checkpoint(path)
