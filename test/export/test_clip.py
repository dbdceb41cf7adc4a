"""CLIP against the golden tiny model (../shared/golden/clip-tiny), from both checkpoint formats."""

from __future__ import annotations

import json

import numpy as np
import onnx
import pytest
import torch

from golden_support import GOLDEN as GOLDEN_ROOT, assert_close, golden_path
from golden_support import golden as golden_file
from models.export.clip import CLIP_MEAN, CLIP_STD, load_clip_checkpoint
from models.export.verify import run_onnx

GOLDEN = GOLDEN_ROOT / "clip-tiny"
CHECKPOINTS = {"jit": GOLDEN / "clip-tiny.jit.pt", "state_dict": GOLDEN / "clip-tiny.state_dict.pt"}
FEATURE_TOLERANCE = 1e-4  # golden/README.md: CLIP features, float32 CPU
LOGIT_TOLERANCE = 1e-3  # golden/README.md: logits are scaled by exp(logit_scale) ≈ 14.3
TRUNCATION_TOLERANCE = 1e-5
EOT_TOKEN = 49407


def golden(name: str) -> np.ndarray:
    return golden_file(f"clip-tiny/{name}")


def tokens() -> torch.Tensor:
    return torch.from_numpy(golden("text_tokens.npy")).long()


def images() -> torch.Tensor:
    return torch.from_numpy(golden("image_input.npy"))


@pytest.fixture(scope="module")
def models():
    """Both checkpoint formats, loaded once."""
    return {source: load_clip_checkpoint(golden_path(f"clip-tiny/{path.name}")) for source, path in CHECKPOINTS.items()}


@pytest.fixture(scope="module")
def computed(models):
    outputs = {}
    with torch.no_grad():
        for source, model in models.items():
            logits_per_image, logits_per_text = model(images(), tokens())
            outputs[source] = {
                "text_features.npy": model.encode_text(tokens()),
                "image_features.npy": model.encode_image(images()),
                "logits_per_image.npy": logits_per_image,
                "logits_per_text.npy": logits_per_text,
            }
    return outputs


GOLDEN_CASES = [
    (source, name, tolerance)
    for source in CHECKPOINTS
    for name, tolerance in [("text_features.npy", FEATURE_TOLERANCE), ("image_features.npy", FEATURE_TOLERANCE),
                            ("logits_per_image.npy", LOGIT_TOLERANCE), ("logits_per_text.npy", LOGIT_TOLERANCE)]
]


@pytest.mark.parametrize("source,name,tolerance", GOLDEN_CASES, ids=[f"{s}-{n[:-4]}" for s, n, _ in GOLDEN_CASES])
def test_clip_reproduces_the_golden_output(computed, source, name, tolerance):
    worst = assert_close(computed[source][name].numpy(), golden(name), f"{source} {name}", tolerance)
    print(f"{source} {name} max |diff| {worst:.2e}")


@pytest.mark.parametrize("source", CHECKPOINTS)
def test_sizes_are_read_from_the_state_dict_as_build_model_does(models, source):
    args = json.loads((GOLDEN / "config.json").read_text())["ctor_args"]
    model = models[source]
    config = model.config
    assert {
        "embed_dim": config.embed_dim, "image_resolution": config.image_resolution,
        "vision_layers": config.vision_layers, "vision_width": config.vision_width,
        "vision_patch_size": config.vision_patch_size, "context_length": config.context_length,
        "vocab_size": config.vocab_size, "transformer_width": config.transformer_width,
        "transformer_heads": config.transformer_heads, "transformer_layers": config.transformer_layers,
    } == args
    assert (model.embed_dim, model.image_resolution, model.context_length, model.vocab_size) == (32, 32, 77, 49408)
    assert model.mean == CLIP_MEAN == (0.48145466, 0.4578275, 0.40821073)
    assert model.std == CLIP_STD == (0.26862954, 0.26130258, 0.27577711)
    assert not model.training


def test_the_float16_archive_gives_the_same_float32_weights_as_the_state_dict(models):
    jit, plain = models["jit"].state_dict(), models["state_dict"].state_dict()
    assert jit.keys() == plain.keys()
    for key in jit:
        assert jit[key].dtype == torch.float32, key
        assert torch.equal(jit[key], plain[key]), key


def eot_length(token_ids: torch.Tensor) -> int:
    """The shortest L that still holds every prompt's end token."""
    return int((token_ids == EOT_TOKEN).int().argmax(dim=-1).max()) + 1


def test_text_features_do_not_change_when_tokens_are_cut_after_the_last_end_token(models):
    model, full = models["jit"], tokens()
    shortest = eot_length(full)
    assert shortest < full.shape[1]
    with torch.no_grad():
        reference = model.encode_text(full)
        for length in (shortest, shortest + 1, 40):
            truncated = model.encode_text(full[:, :length])
            assert_close(truncated.numpy(), reference.numpy(), f"L={length} vs L=77", TRUNCATION_TOLERANCE)


def test_a_single_token_is_a_valid_length(models):
    with torch.no_grad():
        one = models["jit"].encode_text(tokens()[:, :1])
    assert one.shape == (4, 32) and torch.isfinite(one).all()
    # Every prompt starts with the same start token, so with L = 1 they must agree.
    assert_close(one.numpy(), one[:1].expand(4, -1).numpy(), "L=1 rows", 0.0)


# --------------------------------------------------------------------------- ONNX


class ClipTextGraph(torch.nn.Module):
    """The `clipText` contract: int32 tokens [N, L] → features [N, D]."""

    def __init__(self, model):
        super().__init__()
        self.model = model

    def forward(self, tokens):
        return self.model.encode_text(tokens.long())


class ClipImageGraph(torch.nn.Module):
    """The `clipImage` contract: image [N, 3, S, S] → features [N, D]."""

    def __init__(self, model):
        super().__init__()
        self.model = model

    def forward(self, image):
        return self.model.encode_image(image)


@pytest.fixture(scope="module")
def exported(models, tmp_path_factory):
    folder = tmp_path_factory.mktemp("clip-onnx")
    model = models["jit"]
    text, image = folder / "clip-text.onnx", folder / "clip-image.onnx"
    # Trace with N and L different from the checked ones, so a baked-in size would show.
    sample_tokens = tokens()[:2, :20].int()
    torch.onnx.export(ClipTextGraph(model).eval(), (sample_tokens,), str(text), opset_version=17,
                      input_names=["tokens"], output_names=["features"],
                      dynamic_axes={"tokens": {0: "N", 1: "L"}, "features": {0: "N"}})
    torch.onnx.export(ClipImageGraph(model).eval(), (images()[:1],), str(image), opset_version=17,
                      input_names=["image"], output_names=["features"],
                      dynamic_axes={"image": {0: "N"}, "features": {0: "N"}})
    return {"text": text, "image": image}


def input_dims(model: onnx.ModelProto):
    return [d.dim_param or d.dim_value for d in model.graph.input[0].type.tensor_type.shape.dim]


def test_text_tower_exports_to_opset_17_with_dynamic_batch_and_length(exported):
    model = onnx.load(str(exported["text"]))
    onnx.checker.check_model(model, full_check=True)
    assert model.opset_import[0].version == 17
    assert input_dims(model) == ["N", "L"]
    assert model.graph.input[0].type.tensor_type.elem_type == onnx.TensorProto.INT32
    ops = {node.op_type for node in model.graph.node}
    assert "Trilu" not in ops  # the causal mask is a sliced constant, not a dynamic triu
    assert "LayerNormalization" in ops


def test_image_tower_exports_to_opset_17_with_dynamic_batch(exported):
    model = onnx.load(str(exported["image"]))
    onnx.checker.check_model(model, full_check=True)
    assert model.opset_import[0].version == 17
    assert input_dims(model) == ["N", 3, 32, 32]


def test_exported_towers_match_torch_and_the_golden_in_onnxruntime_web(exported, models, computed):
    full = golden("text_tokens.npy").astype(np.int32)
    shortest = eot_length(torch.from_numpy(full))
    jobs = [
        (exported["text"], {"tokens": full}, ["features"]),
        (exported["text"], {"tokens": np.ascontiguousarray(full[:, :shortest])}, ["features"]),
        (exported["text"], {"tokens": np.ascontiguousarray(full[2:3, :shortest])}, ["features"]),
        (exported["image"], {"image": golden("image_input.npy")}, ["features"]),
    ]
    text_full, text_short, text_one, image = [result["features"] for result in run_onnx(jobs)]
    torch_text = computed["jit"]["text_features.npy"].numpy()
    torch_image = computed["jit"]["image_features.npy"].numpy()
    for what, onnx_text in [("L=77", text_full), (f"L={shortest}", text_short)]:
        assert_close(onnx_text, torch_text, f"onnx vs torch text {what}", FEATURE_TOLERANCE)
        worst = assert_close(onnx_text, golden("text_features.npy"), f"onnx vs golden text {what}", FEATURE_TOLERANCE)
        print(f"onnxruntime-web text {what} max |diff| vs golden {worst:.2e}")
    assert_close(text_one, torch_text[2:3], "onnx vs torch text N=1", FEATURE_TOLERANCE)
    assert_close(image, torch_image, "onnx vs torch image", FEATURE_TOLERANCE)
    worst = assert_close(image, golden("image_features.npy"), "onnx vs golden image", FEATURE_TOLERANCE)
    print(f"onnxruntime-web image max |diff| vs golden {worst:.2e}")


# --------------------------------------------------------------------------- bad checkpoints

LN_BIAS = "transformer.resblocks.1.ln_2.bias"
IN_PROJ = "visual.transformer.resblocks.0.attn.in_proj_weight"


def delete_key(state):
    del state[LN_BIAS]
    return ["missing", LN_BIAS]


def rename_key(state):
    state["transformer.resblocks.1.ln2.bias"] = state.pop(LN_BIAS)
    return ["missing", LN_BIAS, "unexpected", "transformer.resblocks.1.ln2.bias"]


def change_shape(state):
    state[IN_PROJ] = state[IN_PROJ][:192]
    return [IN_PROJ, "[192, 128]", "[384, 128]"]


def delete_size_key(state):
    del state["text_projection"]
    return ["text_projection"]


def add_resnet_key(state):
    del state["visual.proj"]
    state["visual.layer1.0.conv1.weight"] = torch.zeros(1)
    return ["ResNet"]


BAD_STATES = [delete_key, rename_key, change_shape, delete_size_key, add_resnet_key]


@pytest.mark.parametrize("damage", BAD_STATES, ids=[f.__name__ for f in BAD_STATES])
def test_a_damaged_state_dict_is_refused_naming_the_keys(tmp_path, damage):
    state = torch.load(CHECKPOINTS["state_dict"], map_location="cpu")
    expected_words = damage(state)
    path = tmp_path / f"{damage.__name__}.pt"
    torch.save(state, path)
    with pytest.raises(ValueError) as error:
        load_clip_checkpoint(path)
    message = str(error.value)
    assert str(path) in message
    for word in expected_words:
        assert word in message


def test_archive_constants_that_disagree_with_the_weights_are_refused(tmp_path):
    state = torch.load(CHECKPOINTS["state_dict"], map_location="cpu")
    state["context_length"] = torch.tensor(64)
    path = tmp_path / "context-64.pt"
    torch.save(state, path)
    with pytest.raises(ValueError, match=r"context_length = 64 \(weights say 77\)"):
        load_clip_checkpoint(path)


def test_a_file_that_is_no_checkpoint_is_refused(tmp_path):
    path = tmp_path / "not-a-checkpoint.pt"
    path.write_bytes(b"hello")
    with pytest.raises(ValueError, match="not-a-checkpoint.pt"):
        load_clip_checkpoint(path)
