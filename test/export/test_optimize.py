"""python3 -m models.optimize on golden-tiny: the loss and schedule of spec/styleclip.md §3, outputs, guards."""
from __future__ import annotations

import json
import math
import re
import zlib

import numpy as np
import pytest
import torch

from golden_support import GOLDEN, assert_close, golden_path
from models.export.checkpoints import load_generator_checkpoint
from models.export.clip import load_clip_checkpoint
from models.optimize.__main__ import main
from models.optimize.optimize import OptimizeOptions, learning_rate, loss_terms, optimize_latent, render
from models.styleclip.cli import NonFiniteLoss
from models.styleclip.clip_loss import ClipLoss
from models.styleclip.id_loss import IdLoss
from models.styleclip.images import to_uint8
from models.styleclip.tokenizer import ClipTokenizer
from models.export.arcface import load_arcface_checkpoint
from tiny_models import tiny_arcface_state_dict

STYLEGAN = golden_path("stylegan2-tiny/stylegan2-tiny.pt")
CLIP = golden_path("clip-tiny/clip-tiny.jit.pt")
VOCAB = GOLDEN.parent / "clip" / "bpe_simple_vocab_16e6.txt.gz"
PROMPT = "a face with a beard"


@pytest.fixture(scope="module")
def models(tmp_path_factory):
    torch.set_num_threads(1)
    checkpoint = load_generator_checkpoint(STYLEGAN)
    clip = load_clip_checkpoint(CLIP)
    tokens = ClipTokenizer(VOCAB).tokenize(PROMPT)
    arcface_path = tmp_path_factory.mktemp("arcface") / "model_ir_se50.pth"
    torch.save(tiny_arcface_state_dict(), arcface_path)
    return dict(generator=checkpoint.generator.requires_grad_(False), latent_avg=checkpoint.latent_avg, clip=clip,
                tokens=tokens, clip_loss=ClipLoss(clip, 64, tokens),
                id_loss=IdLoss(load_arcface_checkpoint(arcface_path)), arcface_path=arcface_path)


def start_wplus() -> torch.Tensor:
    return torch.from_numpy(np.load(golden_path("stylegan2-tiny/case_b_wplus.npy"))[:1]).float()


def test_the_schedule_warms_up_over_5_percent_and_ramps_down_over_the_last_25_percent():
    assert learning_rate(0, 100) == 0.0  # step 0 still updates Adam's moments
    assert learning_rate(2, 100) == pytest.approx(0.04)
    assert [learning_rate(i, 100) for i in (5, 50, 75)] == pytest.approx([0.1, 0.1, 0.1])
    assert learning_rate(87, 100) == pytest.approx(0.1 * (0.5 - 0.5 * math.cos(math.pi * 0.52)))
    assert learning_rate(99, 100) == pytest.approx(0.1 * (0.5 - 0.5 * math.cos(math.pi * 0.04)))


def area_matrix(source: int, target: int) -> torch.Tensor:
    """[target, source]: row i averages source[floor(i·s/t) : ceil((i+1)·s/t)] (adaptive average pooling)."""
    matrix = torch.zeros(target, source)
    for i in range(target):
        lo, hi = (i * source) // target, -((-(i + 1) * source) // target)
        matrix[i, lo:hi] = 1 / (hi - lo)
    return matrix


def test_one_step_loss_terms_and_gradient_equal_a_plain_evaluation_of_the_spec(models):
    options = OptimizeOptions(l2_lambda=0.008, id_lambda=0.5)
    start = start_wplus()
    with torch.no_grad():
        start_image = render(models["generator"], start)
    start_features = models["id_loss"].features(start_image)
    moved = (start + 0.3 * torch.randn(start.shape, generator=torch.Generator().manual_seed(3))).requires_grad_(True)
    _, terms = loss_terms(models["generator"], models["clip_loss"], models["id_loss"], moved, start, start_features,
                          options)
    tool_gradient, = torch.autograd.grad(terms["total"], moved)

    # The spec, written out: 64 px → ×1 nearest → 2×2 average (→ 32 = CLIP's size); 1 − exp(logit_scale)·cos/100.
    clip, arcface = models["clip"], models["id_loss"].arcface
    latent = moved.detach().clone().requires_grad_(True)
    image = render(models["generator"], latent)
    small = image.reshape(1, 3, 32, 2, 32, 2).mean(dim=(3, 5))
    image_features, text_features = clip.encode_image(small)[0], clip.encode_text(models["tokens"])[0]
    cos = (image_features @ text_features) / (image_features.norm() * text_features.norm())
    clip_term = 1 - clip.logit_scale.exp() * cos / 100
    l2_term = ((latent - start) ** 2).sum()

    def face_features(x):  # 64 → 256 is a 4× replicate; crop 35:223 × 32:220; 188 → 112 by window averages
        x = x.repeat_interleave(4, dim=2).repeat_interleave(4, dim=3)[:, :, 35:223, 32:220]
        pool = area_matrix(188, 112)
        return arcface(pool @ x @ pool.t())

    id_term = 1 - (face_features(image)[0] * face_features(start_image)[0].detach()).sum()
    total = clip_term + 0.008 * l2_term + 0.5 * id_term
    gradient, = torch.autograd.grad(total, latent)

    for name, expected in (("clip", clip_term), ("l2", l2_term), ("id", id_term), ("total", total)):
        assert_close(terms[name].detach(), expected.detach(), name, 1e-5)
    assert float(id_term) > 1e-3 and float(l2_term) > 1  # the terms are really exercised
    assert_close(tool_gradient, gradient, "gradient of the total", 1e-6)


def test_step_zero_has_lr_0_and_zero_l2_and_id_and_the_image_is_rendered_before_the_last_update(models):
    options = OptimizeOptions(steps=3, id_lambda=0.1)
    result = optimize_latent(models["generator"], models["clip_loss"], start_wplus(), options, id_loss=models["id_loss"])
    first = result.log[0]
    assert (first.lr, first.l2, first.id) == (0.0, 0.0, 0.0)
    assert first.total == first.clip
    assert result.log[1].l2 == 0.0  # lr 0 at step 0: Adam stepped without moving the latent
    # plain Adam with the same per-step lr, moving twice (steps 1 and 2 have lr > 0; the image precedes step 2's move)
    latent = start_wplus().requires_grad_(True)
    adam = torch.optim.Adam([latent], lr=0.1)
    for step in range(2):
        adam.param_groups[0]["lr"] = learning_rate(step, 3)
        _, terms = loss_terms(models["generator"], models["clip_loss"], models["id_loss"], latent, start_wplus(),
                              models["id_loss"].features(render(models["generator"], start_wplus())).detach(), options)
        adam.zero_grad()
        terms["total"].backward()
        adam.step()
    assert_close(result.wplus, latent.detach(), "W+ that rendered the returned image", 1e-6)
    with torch.no_grad():
        assert_close(result.image, render(models["generator"], result.wplus), "returned image", 1e-6)


def test_20_steps_lower_the_clip_loss_while_the_id_term_stays_bounded(models):
    def run(id_lambda):
        options = OptimizeOptions(steps=20, id_lambda=id_lambda)
        result = optimize_latent(models["generator"], models["clip_loss"], start_wplus(), options,
                                 id_loss=models["id_loss"])
        with torch.no_grad():
            final_id = float(models["id_loss"](result.image, models["id_loss"].features(result.start_image)))
        return result.log, final_id

    log, final_id = run(0.1)
    clip = [entry.clip for entry in log]
    assert clip[-1] < clip[0] - 1e-3, f"CLIP loss {clip[0]:.5f} → {clip[-1]:.5f}"
    assert max(entry.id for entry in log) < 0.1  # 1 − cos with the start's face; it can reach 2
    assert all(math.isfinite(entry.total) for entry in log)
    _, final_id_without = run(0.0)
    assert final_id < final_id_without / 2, f"ID {final_id:.4f} with λ_ID 0.1, {final_id_without:.4f} without"


def test_free_generation_starts_from_the_mean_latent_and_uses_the_clip_loss_alone(models, tmp_path):
    code = main(["--stylegan", str(STYLEGAN), "--clip", str(CLIP), "--description", PROMPT, "--mode", "free_generation",
                 "--steps", "4", "--l2-lambda", "5", "--id-lambda", "3", "--clip-vocab", str(VOCAB), "--quiet",
                 "--out", str(tmp_path)])
    assert code == 0
    log = [json.loads(line) for line in (tmp_path / "losses.jsonl").read_text().splitlines()]
    assert all(entry["total"] == entry["clip"] and entry["l2"] == 0 and entry["id"] == 0 for entry in log)
    assert json.loads((tmp_path / "run.json").read_text())["start"] == "latent_avg"


def test_the_command_writes_the_image_the_wplus_file_and_the_loss_log(models, tmp_path):
    latent = tmp_path / "face.npy"
    np.save(latent, start_wplus()[0].numpy())
    out = tmp_path / "run"
    code = main(["--stylegan", str(STYLEGAN), "--clip", str(CLIP), "--description", PROMPT, "--latent", str(latent),
                 "--steps", "5", "--id-lambda", "0.1", "--arcface", str(models["arcface_path"]),
                 "--clip-vocab", str(VOCAB), "--quiet", "--out", str(out)])
    assert code == 0
    wplus = np.load(out / "wplus.npy")
    assert (wplus.dtype, wplus.shape) == (np.dtype("<f4"), (10, 32))
    log = [json.loads(line) for line in (out / "losses.jsonl").read_text().splitlines()]
    assert [entry["step"] for entry in log] == list(range(5))
    assert set(log[0]) == {"step", "lr", "clip", "l2", "id", "total"}
    png = (out / "edited.png").read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and int.from_bytes(png[16:20], "big") == 64
    with torch.no_grad():  # the W+ file re-renders the saved image
        image = render(models["generator"], torch.from_numpy(wplus)[None])[0]
    assert np.array_equal(read_png(out / "edited.png"), to_uint8(image))
    assert not np.array_equal(read_png(out / "edited.png"), read_png(out / "start.png"))


def read_png(path) -> np.ndarray:
    """The tools' PNGs: 8-bit RGB, one IDAT, filter 0 on every row."""
    data = path.read_bytes()
    width, height = int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
    start = data.index(b"IDAT") + 4
    rows = zlib.decompress(data[start:start + int.from_bytes(data[start - 8:start - 4], "big")])
    return np.frombuffer(rows, np.uint8).reshape(height, 1 + 3 * width)[:, 1:].reshape(height, width, 3)


def test_an_injected_nan_stops_with_the_step_and_the_term(models, tmp_path, monkeypatch, capsys):
    original = IdLoss.forward
    calls = {"n": 0}

    def poisoned(self, image, reference):
        calls["n"] += 1
        value = original(self, image, reference)
        return value * float("nan") if calls["n"] == 4 else value  # the 4th evaluation: step 3

    monkeypatch.setattr(IdLoss, "forward", poisoned)
    with pytest.raises(NonFiniteLoss, match=r"^step 3: the id loss is nan"):
        optimize_latent(models["generator"], models["clip_loss"], start_wplus(), OptimizeOptions(steps=6, id_lambda=0.1),
                        id_loss=models["id_loss"])
    calls["n"] = 0
    code = main(["--stylegan", str(STYLEGAN), "--clip", str(CLIP), "--description", PROMPT, "--steps", "6",
                 "--id-lambda", "0.1", "--arcface", str(models["arcface_path"]), "--clip-vocab", str(VOCAB), "--quiet",
                 "--out", str(tmp_path)])
    err = capsys.readouterr().err
    assert code == 1 and err.count("\n") == 1
    assert err.startswith("python3 -m models.optimize: step 3: the id loss is nan (not finite); stopped.")


@pytest.mark.parametrize("content, message", [
    (None, r"missing.npy: no such file \(a W\+ latent\)"),
    (np.zeros((18, 512), np.float32), r"W\+ has shape \[18, 512\]; this generator needs \[10, 32\]"),
    (b"not an array", r"cannot be read as a W\+ latent"),
], ids=["missing", "wrong-shape", "unreadable"])
def test_a_bad_latent_file_is_one_line_and_exit_2(tmp_path, capsys, content, message):
    path = tmp_path / "missing.npy"
    if isinstance(content, np.ndarray):
        np.save(path, content)
    elif content is not None:
        path.write_bytes(content)
    code = main(["--stylegan", str(STYLEGAN), "--clip", str(CLIP), "--description", PROMPT, "--latent", str(path),
                 "--clip-vocab", str(VOCAB), "--out", str(tmp_path / "out")])
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1, err
    assert re.search(message, err), err


def test_the_id_term_without_arcface_weights_is_a_user_error(tmp_path, capsys):
    code = main(["--stylegan", str(STYLEGAN), "--clip", str(CLIP), "--description", PROMPT, "--id-lambda", "0.1",
                 "--clip-vocab", str(VOCAB), "--out", str(tmp_path)])
    assert code == 2
    assert "needs --arcface" in capsys.readouterr().err
