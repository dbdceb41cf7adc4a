"""The pack the exporter writes: pack.json against models/README.md, graph contracts, goldens, determinism."""
from __future__ import annotations

import copy
import dataclasses
import hashlib
import json
import subprocess

import numpy as np
import onnx
from onnx import numpy_helper
import pytest
import torch

from golden_support import REPO, assert_close, golden, golden_path
from models.export.checkpoints import load_generator_checkpoint
from models.export.graphs import Mapping, generator_specs
from models.export.onnx_export import export_graph
from models.export.pack import PackError, check_previews, default_previews, resolve_fp16_roles
from models.export.templates import PROMPT_TEMPLATES
from models.export.verify import run_onnx, verify_graphs

COMMITTED = REPO / "models" / "packs" / "golden-tiny"

# role → (inputs as (name, elem type, shape)), (outputs); None in a shape is a dynamic axis. models/README.md.
F32, I32 = onnx.TensorProto.FLOAT, onnx.TensorProto.INT32
CONTRACTS = {
    "mapping": ([("z", F32, ["N", 32])], [("w", F32, ["N", 32])]),
    "affine": ([("wplus", F32, [1, 10, 32])], [("s", F32, [1, 356])]),
    # The synthesis chain: 16 px stage → 32 px stage → the rest, each continuing from the previous features and image.
    "synthesisPreview:16": ([("s", F32, [1, 356])], [("image", F32, [1, 3, 16, 16]), ("features", F32, [1, 24, 16, 16])]),
    "synthesisPreview:32": ([("s", F32, [1, 356]), ("featuresIn", F32, [1, 24, 16, 16]), ("imageIn", F32, [1, 3, 16, 16])],
                            [("image", F32, [1, 3, 32, 32]), ("features", F32, [1, 20, 32, 32])]),
    "synthesis": ([("s", F32, [1, 356]), ("featuresIn", F32, [1, 20, 32, 32]), ("imageIn", F32, [1, 3, 32, 32])],
                  [("image", F32, [1, 3, 64, 64])]),
    "encoder": ([("image", F32, [1, 3, 256, 256])], [("wplus", F32, [1, 10, 32])]),
    "clipText": ([("tokens", I32, ["N", "L"])], [("features", F32, ["N", 32])]),
    "clipImage": ([("image", F32, ["N", 3, 32, 32])], [("features", F32, ["N", 32])]),
    "mapper:beard": ([("wplus", F32, [1, 10, 32])], [("delta", F32, [1, 10, 32])]),
}


@pytest.fixture(scope="module")
def pack(exported_pack) -> dict:
    return json.loads((exported_pack / "pack.json").read_text())


def read_f32(path, count):
    data = np.fromfile(path, dtype="<f4")
    assert data.size == count, f"{path.name}: {data.size} floats, pack.json says {count}"
    return data


def test_every_file_is_listed_with_its_size_and_sha256(exported_pack, pack):
    on_disk = {p.name for p in exported_pack.iterdir()} - {"pack.json"}
    assert set(pack["files"]) == on_disk
    for name, entry in pack["files"].items():
        data = (exported_pack / name).read_bytes()
        assert entry == {"bytes": len(data), "sha256": hashlib.sha256(data).hexdigest()}, name
    assert set(pack["graphs"].values()) <= on_disk


def test_generator_section_matches_the_golden_generator(pack):
    gen = pack["generator"]
    assert (gen["resolution"], gen["zDim"], gen["wDim"], gen["numWs"], gen["totalS"]) == (64, 32, 32, 10, 356)
    assert gen["previewResolutions"] == [16, 32]
    assert np.array_equal(np.float32(gen["wAvg"]), torch.load(golden_path("stylegan2-tiny/stylegan2-tiny.pt"))["latent_avg"].numpy())
    table = json.loads(golden_path("stylegan2-tiny/config.json").read_text())["style_layers"]
    assert gen["styleLayers"] == [{"name": e["name"], "resolution": e["resolution"], "wIndex": e["wplus_index"],
                                   "channels": e["channels"], "kind": "torgb" if e["is_torgb"] else "conv",
                                   "offset": e["offset"]} for e in table]


def test_global_direction_data_equals_the_golden_files(exported_pack, pack):
    gd = pack["globalDirection"]
    assert gd["relevance"] == {"file": "relevance.f32", "rows": 232, "dims": 32}
    fs3 = read_f32(exported_pack / "relevance.f32", 232 * 32).reshape(232, 32)
    assert np.array_equal(fs3, golden("global-direction/fs3.npy"))
    assert np.array_equal(read_f32(exported_pack / gd["sMean"]["file"], 356), golden("global-direction/s_mean.npy"))
    assert np.array_equal(read_f32(exported_pack / gd["sStd"]["file"], 356), golden("global-direction/s_std.npy"))


def test_the_exporter_holds_the_79_upstream_templates(pack):
    upstream = json.loads(golden_path("global-direction/prompt_templates.json").read_text())["templates"]
    assert list(PROMPT_TEMPLATES) == upstream
    assert pack["templates"] == upstream and len(upstream) == 79
    assert "a photo of many {}." not in pack["templates"]


def test_encoder_clip_and_mapper_sections(pack):
    assert pack["encoder"] == {"size": 256, "mean": [0.5] * 3, "std": [0.5] * 3}
    assert pack["clip"] == {"vocab": "bpe_simple_vocab_16e6.txt.gz", "contextLength": 77, "embedDim": 32,
                            "imageSize": 32, "mean": [0.48145466, 0.4578275, 0.40821073],
                            "std": [0.26862954, 0.26130258, 0.27577711]}
    assert pack["mappers"] == [{"name": "beard", "description": "a face with a beard",
                                "levels": ["coarse", "medium", "fine"]}]
    assert (pack["format"], pack["id"], pack["demo"]) == (2, "golden-tiny", False)
    assert set(pack["licences"]) == {"generator", "encoder", "clip", "mappers"}


@pytest.mark.parametrize("role", CONTRACTS)
def test_graph_has_the_contract_names_types_and_shapes(exported_pack, pack, role):
    model = onnx.load(str(exported_pack / pack["graphs"][role]))
    assert model.opset_import[0].version == 17

    def described(values):
        return [(v.name, v.type.tensor_type.elem_type,
                 [d.dim_param or d.dim_value for d in v.type.tensor_type.shape.dim]) for v in values]

    inputs, outputs = CONTRACTS[role]
    assert described(model.graph.input) == inputs
    assert described(model.graph.output) == outputs


@pytest.mark.parametrize("role, stored_half", [("clipText", True), ("clipImage", True), ("synthesis", False),
                                               ("encoder", False)])
def test_fp16_roles_store_large_weights_as_float16_behind_a_cast(exported_pack, pack, role, stored_half):
    model = onnx.load(str(exported_pack / pack["graphs"][role]))
    halves = [t for t in model.graph.initializer if t.data_type == onnx.TensorProto.FLOAT16]
    assert bool(halves) == stored_half
    big_floats = [t for t in model.graph.initializer if t.data_type == onnx.TensorProto.FLOAT and np.prod(t.dims) >= 1024]
    assert (not big_floats) if stored_half else True
    cast_inputs = {n.input[0] for n in model.graph.node if n.op_type == "Cast"}
    assert all(t.name in cast_inputs for t in halves), "every float16 weight is cast to float32 before use"


def test_the_token_embedding_is_stored_at_half_size(exported_pack, pack):
    assert pack["files"]["clip-text.onnx"]["bytes"] < 49408 * 64 * 4 * 0.6


def _encoder_input():
    u8 = golden("e4e-tiny/input_uint8.npy")
    return np.ascontiguousarray(((u8.astype(np.float32) / 255 - 0.5) / 0.5).transpose(0, 3, 1, 2))


def _first_tokens(count):
    tokens = np.ascontiguousarray(golden("clip-tiny/text_tokens.npy")[:, :count])
    assert (tokens == 49407).any(axis=1).all(), "the shortened window must still hold every end token"
    return tokens


# One named case per golden: name → (graph role, inputs, output, golden file); batched as the contract allows.
GOLDEN_GRAPH_CASES = {
    "clipText, 77 tokens": ("clipText", lambda: [{"tokens": golden("clip-tiny/text_tokens.npy")}], "features",
                            "clip-tiny/text_features.npy"),
    "clipText, first 20 tokens": ("clipText", lambda: [{"tokens": _first_tokens(20)}], "features",
                                  "clip-tiny/text_features.npy"),
    "clipImage": ("clipImage", lambda: [{"image": golden("clip-tiny/image_input.npy")}], "features",
                  "clip-tiny/image_features.npy"),
    "encoder, one image at a time": ("encoder", lambda: [{"image": x[None]} for x in _encoder_input()], "wplus",
                                     "e4e-tiny/wplus.npy"),
}


@pytest.fixture(scope="module")
def golden_graph_results(exported_pack, pack):
    """All cases in one onnxruntime-web process (its start-up dominates these small graphs)."""
    jobs, owners = [], []
    for name, (role, inputs, output, _) in GOLDEN_GRAPH_CASES.items():
        for feeds in inputs():
            jobs.append((exported_pack / pack["graphs"][role], feeds, [output]))
            owners.append(name)
    results = run_onnx(jobs)
    return {name: np.concatenate([r[GOLDEN_GRAPH_CASES[name][2]] for o, r in zip(owners, results) if o == name])
            for name in GOLDEN_GRAPH_CASES}


@pytest.mark.parametrize("name", GOLDEN_GRAPH_CASES)
def test_pack_graph_reproduces_the_golden(golden_graph_results, name):
    assert_close(golden_graph_results[name], golden(GOLDEN_GRAPH_CASES[name][3]), name)


def test_the_committed_pack_is_what_the_exporter_writes_today(exported_pack, pack):
    committed = json.loads((COMMITTED / "pack.json").read_text())
    assert committed == pack, "models/packs/golden-tiny is stale: run models/export/build_golden_tiny.sh"
    for name, entry in committed["files"].items():
        if name.endswith(".gz"):
            continue  # the vocabulary is not committed (see .gitignore)
        assert hashlib.sha256((COMMITTED / name).read_bytes()).hexdigest() == entry["sha256"], name


def test_a_second_export_is_byte_identical(exported_pack, pack):
    again = exported_pack.parent / "again" / "golden-tiny"
    done = subprocess.run([str(REPO / "models/export/build_golden_tiny.sh"), "--out", str(again), "--no-verify"],
                          capture_output=True, text=True, cwd=REPO)
    assert done.returncode == 0, done.stderr
    assert (again / "pack.json").read_bytes() == (exported_pack / "pack.json").read_bytes()


def test_verify_catches_a_graph_that_differs_from_torch(exported_pack, tmp_path):
    loaded = load_generator_checkpoint(golden_path("stylegan2-tiny/stylegan2-tiny.pt"))
    specs = generator_specs(loaded.generator, loaded.latent_avg, [])
    mapping = next(s for s in specs if s.role == "mapping")
    broken = copy.deepcopy(loaded.generator)
    with torch.no_grad():
        broken.style[1].bias.add_(0.05)  # × lr_mul 0.01: a 5e-4 shift of the first layer's bias
    (tmp_path / mapping.file).write_bytes(export_graph(dataclasses.replace(mapping, module=Mapping(broken))))
    (check,) = verify_graphs(tmp_path, [mapping], set())
    assert not check.ok and check.max_abs_diff > 1e-4


def test_no_weight_is_stored_in_two_synthesis_stages(exported_pack, pack):
    """Each stage holds only its own layers: the previews are prefixes of the synthesis, not copies of it."""
    seen: dict[str, str] = {}
    for role in ("synthesisPreview:16", "synthesisPreview:32", "synthesis"):
        model = onnx.load(str(exported_pack / pack["graphs"][role]))
        large = [t for t in model.graph.initializer if int(np.prod(t.dims)) >= 64]
        assert large, f"{role} holds its own weights"
        for tensor in large:
            digest = hashlib.sha256(numpy_helper.to_array(tensor).tobytes()).hexdigest()
            assert digest not in seen, f"{role}: {tensor.name} is also stored in {seen[digest]}"
            seen[digest] = role


def test_default_previews_are_a_sixteenth_to_a_half_within_16_to_256():
    assert default_previews(64) == [16, 32]
    assert default_previews(1024) == [64, 128, 256]  # 64: the α-drag exit at full size
    assert default_previews(256) == [16, 32, 64, 128]
    assert default_previews(32) == [16]


def test_preview_options_outside_the_generator_are_refused():
    assert check_previews([32, 16], 64) == [16, 32]
    with pytest.raises(PackError, match=r"--preview 64: must be one of 4, 8, 16, 32"):
        check_previews([64], 64)
    with pytest.raises(PackError, match=r"--preview 512"):
        check_previews([512], 1024)


def test_fp16_roles_are_checked_against_the_pack_graphs():
    roles = ["mapping", "clipText", "clipImage"]
    assert resolve_fp16_roles("all", roles) == set(roles)
    assert resolve_fp16_roles("clipText, clipImage", roles) == {"clipText", "clipImage"}
    with pytest.raises(PackError, match=r"--fp16 cliptext: not a graph of this pack. Must be one of: mapping, clipText"):
        resolve_fp16_roles("cliptext", roles)
