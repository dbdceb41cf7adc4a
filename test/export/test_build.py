"""`python3 -m models.export build`: from a folder of upstream-layout checkpoints to a verified pack, leniencies
included (models/export/build_upstream_layout.py writes the folders; tiny here, full size on demand)."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys

import numpy as np
import onnx
import pytest
import torch

from golden_support import REPO
from models.export.build import BuildOptions, build
from models.export.build_upstream_layout import SIZES, fs3_rows, write_folder
from models.export.checkpoints import (CheckpointError, NOISE_SEED, blur_kernel, load_generator_checkpoint,
                                       load_mapper_checkpoint, load_relevance)
from models.export.identify import identify_file, identify_folder
from models.export.safe_load import UnsafeFileError

VOCAB = REPO.parent / "shared" / "clip" / "bpe_simple_vocab_16e6.txt.gz"
CLI = REPO / "dist" / "cli.js"


def run_build(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "models.export", "build", *args], capture_output=True, text=True, cwd=REPO)


@pytest.fixture(scope="module")
def downloads(tmp_path_factory):
    """What a user downloads, tiny: generator, e4e, CLIP archive, mapper and the vocabulary; no fs3, no S_mean_std."""
    folder = tmp_path_factory.mktemp("downloads")
    write_folder(folder, size="tiny", vocab=VOCAB, log=lambda _: None)
    return folder


@pytest.fixture(scope="module")
def built_pack(downloads, tmp_path_factory):
    if not CLI.is_file():
        pytest.fail(f"{CLI} is missing: run `npm run build` first (the build computes S statistics and relevance with it)")
    out = tmp_path_factory.mktemp("packs") / "tiny"
    done = run_build(str(downloads), "--out", str(out), "--id", "tiny", "--stats-samples", "500",
                     "--relevance-images", "2")
    assert done.returncode == 0, f"build failed ({done.returncode}):\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    return out, done.stdout


def test_build_finds_every_file_by_content_and_computes_what_is_missing(built_pack):
    out, log = built_pack
    pack = json.loads((out / "pack.json").read_text())
    provenance = pack["provenance"]
    assert {s["role"] for s in provenance["sources"]} == {"generator", "encoder", "clip", "mapper:mapper"}
    assert provenance["computed"]["sStats"]["by"] == "facetext pack stats"
    assert provenance["computed"]["relevance"]["by"].startswith("facetext pack relevance")
    relevance = np.fromfile(out / "relevance.f32", "<f4").reshape(pack["globalDirection"]["relevance"]["rows"], -1)
    assert np.allclose(np.linalg.norm(relevance, axis=1), 1, atol=1e-4), "every relevance row was computed (unit)"
    std = np.fromfile(out / "s-std.f32", "<f4")
    assert (std > 0).all() and not np.allclose(std, 1), "the S statistics were computed, not left at placeholders"
    assert "built in" in log and "total" in log and not (out / ".build-state.json").exists()


def test_the_built_pack_is_compact_and_leaves_clip_image_out(built_pack):
    out, _ = built_pack
    pack = json.loads((out / "pack.json").read_text())
    assert "clipImage" not in pack["graphs"] and not (out / "clip-image.onnx").exists()
    assert pack["provenance"]["storage"]["encoder"] == "int8-qdq" and pack["provenance"]["storage"]["clipText"] == "int8"
    assert pack["provenance"]["storage"]["synthesis"] == "float16"
    model = onnx.load(str(out / "clip-text.onnx"))
    dequantize = [n for n in model.graph.node if n.op_type == "DequantizeLinear"]
    int8 = [t for t in model.graph.initializer if t.data_type == onnx.TensorProto.INT8 and len(t.dims) >= 2]
    assert dequantize and len(int8) >= len(dequantize) // 2
    assert all(any(a.name == "axis" for a in n.attribute) for n in dequantize), "per output channel"
    on_disk = {p.name for p in out.iterdir()} - {"pack.json"}
    assert set(pack["files"]) == on_disk


def test_verify_against_a_float32_pack_reports_graph_and_edit_level_error(complete_downloads, tmp_path):
    for name, extra in (("compact", []), ("reference", ["--fp32", "--profile", "full"])):
        done = run_build(str(complete_downloads), "--out", str(tmp_path / name), "--id", name, *extra)
        assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    figures = tmp_path / "figures.json"
    done = subprocess.run([sys.executable, "-m", "models.export", "verify", "--pack", str(tmp_path / "compact"),
                           "--against", str(tmp_path / "reference"), "--json", str(figures)],
                          capture_output=True, text=True, cwd=REPO)
    assert done.returncode in (0, 1), done.stderr
    result = json.loads(figures.read_text())
    roles = {g["role"]: g for g in result["graphs"]}
    assert {"affine", "synthesis", "encoder"} <= set(roles)
    assert "mapping" not in roles, "an edit pack leaves mapping out (only pack stats and random faces use it)"
    assert roles["synthesis"]["psnrDb"] >= 40, "float16 synthesis stays within the 40 dB target"
    assert 0 < roles["encoder"]["relative"] < 0.1, "int8 moves the encoder a little, visibly"
    assert len(result["edits"]) == 3
    for edit in result["edits"]:
        assert edit["deltaTCosine"] > 0.99 and edit["kept"] > 0
    assert "Δt cosine" in done.stdout and "PSNR" in done.stdout


def test_an_interrupted_build_resumes_without_exporting_finished_graphs_again(complete_downloads, tmp_path):
    out = tmp_path / "resumed"
    options = BuildOptions(folder=complete_downloads, out=out, pack_id="resumed", description="x")
    exported = []

    def interrupt_after_two(line: str) -> None:
        if line.endswith(" s") and "MB in" in line:
            exported.append(line)
            if len(exported) == 2:
                raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        build(options, log=interrupt_after_two)
    assert (out / ".build-state.json").is_file()
    lines = []
    assert build(options, log=lines.append)
    reused = [line for line in lines if "already exported, sha256 verified" in line]
    assert len(reused) == 2
    assert not (out / ".build-state.json").exists()
    # the resumed build wrote the same graphs as an uninterrupted one
    fresh = tmp_path / "fresh"
    assert build(BuildOptions(folder=complete_downloads, out=fresh, pack_id="fresh", description="x"), log=lambda _: None)
    for name in ("affine.onnx", "synthesis.onnx", "encoder.onnx"):
        assert (out / name).read_bytes() == (fresh / name).read_bytes(), f"{name}: resumed build differs"


def test_files_are_identified_by_content_whatever_their_names(complete_downloads, tmp_path):
    for path in complete_downloads.iterdir():
        shutil.copyfile(path, tmp_path / f"download-{len(list(tmp_path.iterdir()))}.bin")
    found = identify_folder(tmp_path, log=lambda _: None)
    assert set(found.files) == {"generator", "encoder", "clip", "vocab", "relevance", "sStats"}
    assert len(found.mappers) == 1 and not found.ignored


def test_a_link_out_of_the_folder_a_folder_and_an_oversized_file_are_refused(complete_downloads, tmp_path):
    inside = tmp_path / "in"
    inside.mkdir()
    (inside / "escape.pt").symlink_to(complete_downloads / "generator.pt")
    (inside / "sub").mkdir()
    shutil.copyfile(complete_downloads / "mapper.pt", inside / "mapper.pt")
    found = identify_folder(inside, max_bytes=1000, log=lambda _: None)
    why = {path.name: text for path, text in found.ignored}
    assert "a link pointing outside" in why["escape.pt"]
    assert "not a regular file" in why["sub"]
    assert "over the 1,000-byte cap" in why["mapper.pt"]
    with pytest.raises(UnsafeFileError, match="a link pointing outside"):
        identify_file(inside / "escape.pt", root=inside)


def test_a_pickle_that_would_run_code_is_refused_before_it_runs(tmp_path):
    path = tmp_path / "hostile.pt"
    torch.save({"state_dict": {}, "opts": {"callback": print}}, path)
    with pytest.raises(CheckpointError, match=r"refusing to load (builtins|__builtin__)\.print"):
        load_mapper_checkpoint(path)


def test_without_a_vocabulary_the_build_asks_for_one(complete_downloads, tmp_path):
    folder = tmp_path / "no-vocab"
    shutil.copytree(complete_downloads, folder)
    (folder / VOCAB.name).unlink()
    done = run_build(str(folder), "--out", str(tmp_path / "x"), "--id", "x")
    assert done.returncode == 2
    assert "no CLIP vocabulary" in done.stderr and "--clip-vocab" in done.stderr


# --------------------------------------------------------------------------- leniencies, one test each


def _generator_without(tmp_path, downloads, prefix_or_suffix: str):
    raw = torch.load(downloads / "generator.pt")
    raw["g_ema"] = {k: v for k, v in raw["g_ema"].items() if not (k.startswith(prefix_or_suffix) or k.endswith(prefix_or_suffix))}
    path = tmp_path / "g.pt"
    torch.save(raw, path)
    return path, raw


def test_a_generator_without_noise_buffers_gets_them_regenerated_from_a_stated_seed(downloads, tmp_path):
    path, _ = _generator_without(tmp_path, downloads, "noises.")
    notes = []
    loaded = load_generator_checkpoint(path, notes=notes)
    assert [n["what"] for n in notes] == ["noise-regenerated"] and "seed 0" in notes[0]["detail"]
    rng = torch.Generator().manual_seed(NOISE_SEED)
    expected = torch.randn(loaded.generator.noises.noise_0.shape, generator=rng)
    assert torch.equal(loaded.generator.noises.noise_0, expected)
    again = load_generator_checkpoint(path)
    assert all(torch.equal(a, b) for a, b in zip(loaded.generator.noises.buffers(), again.generator.noises.buffers()))


def test_a_generator_without_blur_kernels_gets_the_fixed_kernel_and_renders_the_same(downloads, tmp_path):
    path, _ = _generator_without(tmp_path, downloads, ".kernel")
    notes = []
    lenient = load_generator_checkpoint(path, notes=notes)
    assert [n["what"] for n in notes] == ["blur-kernels-regenerated"]
    original = load_generator_checkpoint(downloads / "generator.pt")
    s = original.generator.affine(original.latent_avg.expand(1, original.generator.config.n_latent, -1))
    with torch.no_grad():
        assert torch.equal(lenient.generator.synthesis(s), original.generator.synthesis(s))
    assert torch.equal(blur_kernel(), torch.tensor([1., 3, 3, 1])[:, None] * torch.tensor([1., 3, 3, 1]) / 16)


def test_a_build_from_a_generator_without_noise_says_so_in_provenance(complete_downloads, tmp_path):
    folder = tmp_path / "no-noise"
    shutil.copytree(complete_downloads, folder)
    raw = torch.load(folder / "generator.pt")
    raw["g_ema"] = {k: v for k, v in raw["g_ema"].items() if not k.startswith("noises.")}
    torch.save(raw, folder / "generator.pt")
    done = run_build(str(folder), "--out", str(tmp_path / "p"), "--id", "p")
    assert done.returncode == 0, done.stderr
    pack = json.loads((tmp_path / "p" / "pack.json").read_text())
    assert [(n["file"], n["what"]) for n in pack["provenance"]["leniencies"]] == [("generator.pt", "noise-regenerated")]
    assert "warning: generator.pt:" in done.stdout


def test_mapper_levels_come_from_the_keys_and_disagreeing_opts_are_a_warning(downloads, tmp_path):
    raw = torch.load(downloads / "mapper.pt")
    raw["opts"]["no_fine_mapper"] = False  # the weights have no fine level
    raw["opts"]["no_medium_mapper"] = True  # but do have a medium one
    torch.save(raw, tmp_path / "m.pt")
    notes = []
    loaded = load_mapper_checkpoint(tmp_path / "m.pt", notes=notes)
    assert loaded.levels == ("coarse", "medium")
    assert [n["what"] for n in notes] == ["mapper-levels-from-keys"]
    assert "the levels present were used" in notes[0]["detail"]


def test_a_mapper_without_opts_takes_its_description_from_the_file_name(downloads, tmp_path):
    raw = torch.load(downloads / "mapper.pt")
    del raw["opts"]
    torch.save(raw, tmp_path / "curly_hair.pt")
    notes = []
    loaded = load_mapper_checkpoint(tmp_path / "curly_hair.pt", notes=notes)
    assert loaded.description == "curly hair" and loaded.levels == ("coarse", "medium")
    # without opts there are no no_*_mapper flags either: that the levels came from the keys is noted too
    assert [n["what"] for n in notes] == ["mapper-levels-from-keys", "mapper-description-from-name"]


FFHQ_CONV_LAYERS = [512] * 10 + [256, 256, 128, 128, 64, 64, 32]  # spec/styleclip.md §0.2, conv layers in order


def test_a_5376_row_fs3_is_zero_padded_to_6048_rows_as_upstream_splits_does(tmp_path):
    assert fs3_rows(SIZES["full"][0], short=True) == 5376 and sum(FFHQ_CONV_LAYERS) == 6048
    rows = np.random.default_rng(0).standard_normal((5376, 8)).astype(np.float16)
    np.save(tmp_path / "fs3.npy", rows)
    notes = []
    padded = load_relevance(tmp_path / "fs3.npy", conv_channels=6048, conv_layer_channels=FFHQ_CONV_LAYERS, notes=notes)
    assert padded.shape == (6048, 8) and padded.dtype == np.float32
    assert np.array_equal(padded[:5376], rows.astype(np.float32)) and not padded[5376:].any()
    assert sum(FFHQ_CONV_LAYERS[:11]) == 5376  # spec/styleclip.md §0.2: rows 5376… are the 256 px convs onwards
    assert [n["what"] for n in notes] == ["relevance-zero-padded"] and "first 11 of 17 conv layers" in notes[0]["detail"]


def test_an_fs3_that_ends_inside_a_layer_is_still_refused(tmp_path):
    np.save(tmp_path / "fs3.npy", np.zeros((5000, 8), np.float32))
    with pytest.raises(CheckpointError, match="has 5000 rows but the generator has 6048 conv S channels"):
        load_relevance(tmp_path / "fs3.npy", conv_channels=6048, conv_layer_channels=FFHQ_CONV_LAYERS)


# --------------------------------------------------------------------------- full size, on demand


@pytest.mark.fullsize
@pytest.mark.skipif(os.environ.get("FACETEXT_FULLSIZE") != "1", reason="full size: set FACETEXT_FULLSIZE=1 (minutes, ~10 GB RAM)")
def test_full_size_upstream_layout_builds_a_compact_pack_within_the_targets(tmp_path):
    folder = tmp_path / "downloads"
    write_folder(folder, size="full", fs3="short", vocab=VOCAB)
    for name, extra in (("ffhq-compact", []), ("ffhq-fp32", ["--fp32", "--profile", "full"])):
        done = run_build(str(folder), "--out", str(tmp_path / name), "--id", name, *extra)
        assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    figures = tmp_path / "figures.json"
    done = subprocess.run([sys.executable, "-m", "models.export", "verify", "--pack", str(tmp_path / "ffhq-compact"),
                           "--against", str(tmp_path / "ffhq-fp32"), "--json", str(figures)],
                          capture_output=True, text=True, cwd=REPO)
    print(done.stdout)
    result = json.loads(figures.read_text())
    assert result["targetsMet"], done.stdout
    pack = json.loads((tmp_path / "ffhq-compact" / "pack.json").read_text())
    total = sum(entry["bytes"] for entry in pack["files"].values())
    assert total <= 420e6, f"compact pack with new-prompt support is {total / 1e6:.1f} MB"


def test_a_preset_only_pack_stores_the_presets_and_leaves_clip_text_and_the_vocabulary_out(complete_downloads, tmp_path):
    if not CLI.is_file():
        pytest.fail(f"{CLI} is missing: run `npm run build` first (`pack presets` computes the stored Δt)")
    out = tmp_path / "preset"
    done = run_build(str(complete_downloads), "--out", str(out), "--id", "preset", "--profile", "preset")
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    pack = json.loads((out / "pack.json").read_text())
    assert "clipText" not in pack["graphs"] and "clipImage" not in pack["graphs"]
    assert VOCAB.name not in pack["files"] and not (out / VOCAB.name).exists()
    entries, dims = pack["presets"]["entries"], pack["presets"]["dims"]
    rows = np.fromfile(out / pack["presets"]["file"], "<f4").reshape(len(entries), dims)
    assert len(entries) > 0 and np.allclose(np.linalg.norm(rows, axis=1), 1, atol=1e-4)
    assert pack["provenance"]["profile"] == "preset"
