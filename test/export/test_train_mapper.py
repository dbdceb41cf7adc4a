"""python3 -m models.train_mapper on golden-tiny: training lowers the loss, upstream checkpoints, resuming,
two gloo processes equal one, and the guards."""
from __future__ import annotations

import os
import re
import socket
import subprocess
import sys

import numpy as np
import pytest
import torch

from golden_support import GOLDEN, REPO, golden_path
from models.export.checkpoints import load_generator_checkpoint, load_mapper_checkpoint
from models.styleclip.clip_loss import ClipLoss
from models.train_mapper.__main__ import main
from models.train_mapper.coach import PLATEAU_WINDOW, Coach, TrainOptions, plateau_note
from tiny_models import tiny_arcface_state_dict

STYLEGAN = golden_path("stylegan2-tiny/stylegan2-tiny.pt")
CLIP = golden_path("clip-tiny/clip-tiny.jit.pt")
VOCAB = GOLDEN.parent / "clip" / "bpe_simple_vocab_16e6.txt.gz"
PROMPT = "a face with a beard"
# Small random datasets, validation and checkpoints off unless a test asks for them.
BASE = ["--description", PROMPT, "--stylegan", str(STYLEGAN), "--clip", str(CLIP), "--clip-vocab", str(VOCAB),
        "--train-dataset-size", "16", "--test-dataset-size", "2", "--batch-size", "4", "--quiet",
        "--board-interval", "1000", "--val-interval", "1000", "--save-interval", "1000"]


@pytest.fixture(scope="module")
def arcface(tmp_path_factory):
    path = tmp_path_factory.mktemp("arcface") / "model_ir_se50.pth"
    torch.save(tiny_arcface_state_dict(), path)
    return path


def mapper_weights(path) -> dict[str, torch.Tensor]:
    return {k: v for k, v in torch.load(path)["state_dict"].items() if k.startswith("mapper.")}


def test_50_steps_with_the_default_weights_lower_the_training_loss(tmp_path, arcface):
    torch.set_num_threads(1)
    options = TrainOptions(description=PROMPT, stylegan=STYLEGAN, clip=CLIP, out=tmp_path, clip_vocab=VOCAB,
                           arcface=arcface, train_dataset_size=16, test_dataset_size=2, quiet=True)
    assert (options.clip_lambda, options.latent_l2_lambda, options.id_lambda, options.learning_rate,
            options.batch_size) == (1.0, 0.8, 0.1, 0.5, 2)  # upstream defaults
    coach = Coach(options)

    def loss_on_the_training_set() -> dict[str, float]:
        with torch.no_grad():
            return {k: float(v) for k, v in coach.losses(coach.train_latents, coach.mapper).items()}

    before = loss_on_the_training_set()
    logged = [coach.train_step() for _ in range(50)]
    after = loss_on_the_training_set()
    assert after["total"] < before["total"] - 1e-4, f"{before} → {after}"
    assert after["l2"] < before["l2"] and after["id"] < before["id"]
    assert all(np.isfinite(entry["total"]) for entry in logged)
    assert logged[0]["id"] > 0  # the ID term really takes part


def test_checkpoints_are_upstream_format_and_the_exporter_loads_them(tmp_path):
    assert main(BASE + ["--max-steps", "2", "--no-fine-mapper", "--id-lambda", "0", "--out", str(tmp_path)]) == 0
    path = tmp_path / "checkpoints" / "iteration_2.pt"
    raw = torch.load(path)
    assert {"state_dict", "opts"} <= set(raw)
    keys = set(raw["state_dict"])
    assert {f"mapper.{level}_mapping.mapping.{i}.{p}" for level in ("course", "medium") for i in range(1, 5)
            for p in ("weight", "bias")} == {k for k in keys if k.startswith("mapper.")}
    generator_keys = set(load_generator_checkpoint(STYLEGAN).generator.state_dict())
    assert {k[len("decoder."):] for k in keys if k.startswith("decoder.")} == generator_keys
    opts = raw["opts"]
    assert (opts["description"], opts["no_coarse_mapper"], opts["no_fine_mapper"]) == (PROMPT, False, True)
    assert (opts["mapper_type"], opts["optim_name"], opts["work_in_stylespace"]) == ("LevelsMapper", "ranger", False)
    loaded = load_mapper_checkpoint(path)
    assert (loaded.description, loaded.levels) == (PROMPT, ("coarse", "medium"))
    images = sorted((tmp_path / "images").iterdir())
    assert [p.name for p in images] == ["val_000002.png"]


def test_resuming_gives_the_same_weights_as_an_uninterrupted_run(tmp_path):
    torch.set_num_threads(1)
    common = BASE + ["--id-lambda", "0", "--save-interval", "5"]
    assert main(common + ["--max-steps", "10", "--out", str(tmp_path / "straight")]) == 0
    assert main(common + ["--max-steps", "5", "--out", str(tmp_path / "first")]) == 0
    assert main(common + ["--max-steps", "10", "--resume", str(tmp_path / "first/checkpoints/iteration_5.pt"),
                          "--out", str(tmp_path / "first")]) == 0
    straight = mapper_weights(tmp_path / "straight/checkpoints/iteration_10.pt")
    resumed = mapper_weights(tmp_path / "first/checkpoints/iteration_10.pt")
    moved = mapper_weights(tmp_path / "first/checkpoints/iteration_5.pt")
    assert any(not torch.equal(moved[k], straight[k]) for k in straight)  # steps 6–10 changed something
    for key, value in straight.items():
        assert torch.equal(resumed[key], value), key


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# Debian's torch 1.13 under Python 3.11: torchrun's default "-r 0 -t 0" hits an enum change (Std.NONE is no longer
# iterated) and crashes before starting the workers; tee-ing stderr avoids that code path.
TORCHRUN_STREAMS = ("--redirects", "2", "--tee", "2")
DDP_TOLERANCE = 1e-5  # relative to each tensor's largest value: all-reduce sums in another order than one process


def test_two_gloo_processes_give_the_weights_of_one_process_with_the_same_global_batch(tmp_path):
    """torchrun --nproc_per_node 2 on 127.0.0.1 (gloo), batch 2 per process, against one process with batch 4."""
    env = {**os.environ, "PYTHONPATH": str(REPO), "OMP_NUM_THREADS": "1"}
    args = BASE + ["--id-lambda", "0", "--max-steps", "8"]
    single = subprocess.run([sys.executable, "-m", "models.train_mapper", *args, "--out", str(tmp_path / "one")],
                            cwd=REPO, env=env, capture_output=True, text=True, timeout=300)
    assert single.returncode == 0, single.stderr
    double = subprocess.run([sys.executable, "-m", "torch.distributed.run", "--nnodes", "1", "--nproc_per_node", "2",
                             *TORCHRUN_STREAMS, "--master_addr", "127.0.0.1", "--master_port", str(free_port()),
                             "-m", "models.train_mapper", *args, "--out", str(tmp_path / "two")],
                            cwd=REPO, env=env, capture_output=True, text=True, timeout=300)
    assert double.returncode == 0, double.stderr
    one = mapper_weights(tmp_path / "one/checkpoints/iteration_8.pt")
    two = mapper_weights(tmp_path / "two/checkpoints/iteration_8.pt")
    assert set(one) == set(two)
    for key in one:
        scale = float(one[key].abs().max()) or 1.0
        worst = float((one[key] - two[key]).abs().max())
        assert worst <= DDP_TOLERANCE * scale, f"{key}: max |diff| {worst:.3e} (scale {scale:.3e})"
    log_one = (tmp_path / "one/losses.jsonl").read_text().splitlines()
    log_two = (tmp_path / "two/losses.jsonl").read_text().splitlines()
    assert len(log_one) == len(log_two)  # one process writes the log; the losses are global means


def test_a_nan_stops_training_naming_the_step_and_the_term(tmp_path, monkeypatch, capsys):
    original = ClipLoss.forward
    calls = {"n": 0}

    def poisoned(self, image):
        calls["n"] += 1
        value = original(self, image)
        return value * float("nan") if calls["n"] == 3 else value  # the third training step: step 2

    monkeypatch.setattr(ClipLoss, "forward", poisoned)
    code = main(BASE + ["--id-lambda", "0", "--max-steps", "5", "--out", str(tmp_path)])
    err = capsys.readouterr().err
    assert code == 1 and err.count("\n") == 1, err
    assert err.startswith("python3 -m models.train_mapper: step 2: the clip loss is nan (not finite); stopped.")


@pytest.mark.parametrize("content, message", [
    (None, r"train_faces.pt: no such file \(training latents\)"),
    (torch.zeros(5, 18, 512), r"training latents have shape \[5, 18, 512\]; expected \[N, 10, 32\]"),
    (b"garbage", r"cannot be read as training latents"),
], ids=["missing", "wrong-shape", "unreadable"])
def test_bad_training_latents_are_one_line_and_exit_2(tmp_path, capsys, content, message):
    path = tmp_path / "train_faces.pt"
    if isinstance(content, torch.Tensor):
        torch.save(content, path)
    elif content is not None:
        path.write_bytes(content)
    code = main(BASE + ["--id-lambda", "0", "--train-latents", str(path), "--out", str(tmp_path / "out")])
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1, err
    assert re.search(message, err), err


def test_the_id_term_without_arcface_weights_is_a_user_error(tmp_path, capsys):
    assert main(BASE + ["--max-steps", "1", "--out", str(tmp_path)]) == 2
    assert "needs --arcface" in capsys.readouterr().err


def test_the_usual_clip_plateau_is_reported_as_normal():
    assert plateau_note([0.71] * (PLATEAU_WINDOW - 1)) is None
    assert plateau_note([1.02] * PLATEAU_WINDOW) is None
    note = plateau_note([0.70, 0.72] * (PLATEAU_WINDOW // 2))
    assert note is not None and "normal" in note and "#63" in note
