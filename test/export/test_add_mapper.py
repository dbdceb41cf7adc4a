"""A mapper trained by models.train_mapper, put into a pack by models.export.add_mapper, edits through
onnxruntime-web in Node exactly as its PyTorch forward does."""
from __future__ import annotations

import hashlib
import json
import shutil

import numpy as np
import pytest
import torch

from golden_support import GOLDEN, assert_close, golden, golden_path
from models.export.add_mapper import main as add_mapper
from models.export.checkpoints import load_generator_checkpoint, load_mapper_checkpoint
from models.export.verify import run_onnx
from models.optimize.optimize import render
from models.train_mapper.__main__ import main as train_mapper

STYLEGAN = golden_path("stylegan2-tiny/stylegan2-tiny.pt")
MAPPER_SCALE = 0.1  # ŵ = w + 0.1·M(w)


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    out = tmp_path_factory.mktemp("train")
    code = train_mapper(["--description", "a face with a beard", "--stylegan", str(STYLEGAN),
                         "--clip", str(golden_path("clip-tiny/clip-tiny.jit.pt")),
                         "--clip-vocab", str(GOLDEN.parent / "clip" / "bpe_simple_vocab_16e6.txt.gz"),
                         "--id-lambda", "0", "--no-fine-mapper", "--train-dataset-size", "8", "--test-dataset-size", "1",
                         "--batch-size", "2", "--max-steps", "3", "--quiet", "--out", str(out)])
    assert code == 0
    return out / "checkpoints" / "iteration_3.pt"


@pytest.fixture
def pack(tmp_path, exported_pack):
    """A copy of the session's golden-tiny export (conftest.py), so the pack matches the current exporter."""
    folder = tmp_path / "golden-tiny"
    shutil.copytree(exported_pack, folder)
    return folder


def test_the_mapper_enters_the_pack_with_its_levels_graph_and_checksums(pack, trained):
    before = json.loads((pack / "pack.json").read_text())
    assert add_mapper(["--pack", str(pack), "--mapper", f"stubble={trained}"]) == 0
    after = json.loads((pack / "pack.json").read_text())
    assert after["mappers"] == before["mappers"] + [
        {"name": "stubble", "description": "a face with a beard", "levels": ["coarse", "medium"]}]
    assert after["graphs"] == {**before["graphs"], "mapper:stubble": "mapper-stubble.onnx"}
    data = (pack / "mapper-stubble.onnx").read_bytes()
    assert after["files"] == {**before["files"],
                              "mapper-stubble.onnx": {"bytes": len(data), "sha256": hashlib.sha256(data).hexdigest()}}
    assert {k: v for k, v in after.items() if k not in ("mappers", "graphs", "files")} == \
        {k: v for k, v in before.items() if k not in ("mappers", "graphs", "files")}


def render_chain(pack, s):
    """The pack's synthesis chain (models/README.md, "The synthesis chain"), stage by stage through onnxruntime-web."""
    generator = json.loads((pack / "pack.json").read_text())["generator"]
    feeds = {"s": s}
    for r in generator["previewResolutions"]:
        out = run_onnx([(pack / f"synthesis-preview-{r}.onnx", feeds, ["image", "features"])])[0]
        feeds = {"s": s, "featuresIn": out["features"], "imageIn": out["image"]}
    return run_onnx([(pack / "synthesis.onnx", feeds, ["image"])])[0]["image"]


def test_the_exported_mapper_edits_through_onnxruntime_web_as_its_pytorch_forward(pack, trained):
    assert add_mapper(["--pack", str(pack), "--mapper", f"stubble={trained}"]) == 0
    mapper = load_mapper_checkpoint(trained).mapper
    generator = load_generator_checkpoint(STYLEGAN).generator
    wplus = torch.from_numpy(golden("mapper-tiny/wplus_in.npy"))[:1]
    with torch.no_grad():
        delta = mapper(wplus)
        edited = wplus + MAPPER_SCALE * delta
        s, image = generator.affine(edited), render(generator, edited)
    assert float(delta[:, 8:].abs().max()) == 0 and float(delta[:, :8].abs().max()) > 0  # fine level not trained
    onnx_delta = run_onnx([(pack / "mapper-stubble.onnx", {"wplus": wplus.numpy()}, ["delta"])])[0]["delta"]
    onnx_edited = wplus.numpy() + np.float32(MAPPER_SCALE) * onnx_delta
    onnx_s = run_onnx([(pack / "affine.onnx", {"wplus": onnx_edited}, ["s"])])[0]["s"]
    onnx_image = render_chain(pack, onnx_s)
    assert_close(onnx_delta, delta, "mapper delta")
    assert_close(onnx_edited, edited, "edited W+")
    assert_close(onnx_s, s, "edited S")
    assert_close(onnx_image, image, "edited image")


def test_a_mapper_for_another_w_size_is_refused_and_the_pack_is_unchanged(pack, tmp_path, capsys):
    raw = torch.load(golden_path("mapper-tiny/mapper-tiny.pt"))
    raw["state_dict"] = {k: (v[:16, :16] if v.dim() == 2 else v[:16]) for k, v in raw["state_dict"].items()
                         if k.startswith("mapper.")}
    path = tmp_path / "small.pt"
    torch.save(raw, path)
    before = (pack / "pack.json").read_bytes()
    assert add_mapper(["--pack", str(pack), "--mapper", f"small={path}"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "works on w of size 16" in err and "wDim 32" in err
    assert (pack / "pack.json").read_bytes() == before and not (pack / "mapper-small.onnx").exists()
