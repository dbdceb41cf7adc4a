"""Strict readers: a wrong file fails with a message naming the file and every wrong entry."""
from __future__ import annotations

import pickle
import subprocess
import sys

import numpy as np
import pytest
import torch

from golden_support import REPO, golden, golden_path
from models.export.checkpoints import (CheckpointError, load_generator_checkpoint, load_mapper_checkpoint,
                                       load_relevance, load_s_statistics)

CONV_CHANNELS = 232  # golden stylegan2-tiny: S channels outside ToRGB layers
LAYER_CHANNELS = [32, 32, 32, 32, 32, 32, 24, 24, 24, 20, 20, 20, 16, 16]


def generator_checkpoint() -> dict:
    return torch.load(golden_path("stylegan2-tiny/stylegan2-tiny.pt"))


def save(tmp_path, name, payload):
    path = tmp_path / name
    torch.save(payload, path)
    return path


def test_a_deleted_and_a_renamed_generator_key_are_both_named(tmp_path):
    raw = generator_checkpoint()
    del raw["g_ema"]["convs.3.noise.weight"]
    raw["g_ema"]["to_rgbs.1.bias_renamed"] = raw["g_ema"].pop("to_rgbs.1.bias")
    path = save(tmp_path, "broken-g.pt", raw)
    with pytest.raises(CheckpointError) as error:
        load_generator_checkpoint(path)
    message = str(error.value)
    assert "broken-g.pt" in message
    assert "missing keys: g_ema.convs.3.noise.weight, g_ema.to_rgbs.1.bias." in message
    assert "unexpected keys: g_ema.to_rgbs.1.bias_renamed" in message


def test_a_generator_tensor_of_the_wrong_shape_is_named_with_both_shapes(tmp_path):
    raw = generator_checkpoint()
    raw["g_ema"]["convs.5.conv.modulation.bias"] = torch.zeros(21)
    with pytest.raises(CheckpointError, match=r"g_ema\.convs\.5\.conv\.modulation\.bias is \[21\], expected \[20\]"):
        load_generator_checkpoint(save(tmp_path, "shape.pt", raw))


def test_a_generator_checkpoint_without_latent_avg_is_refused(tmp_path):
    raw = generator_checkpoint()
    del raw["latent_avg"]
    with pytest.raises(CheckpointError, match=r"no-avg.pt: not a rosinality StyleGAN2 checkpoint: missing top-level keys latent_avg"):
        load_generator_checkpoint(save(tmp_path, "no-avg.pt", raw))


def test_the_generator_checkpoint_loads_with_its_latent_avg():
    loaded = load_generator_checkpoint(golden_path("stylegan2-tiny/stylegan2-tiny.pt"))
    assert np.array_equal(loaded.latent_avg.numpy(), generator_checkpoint()["latent_avg"].numpy())


def test_a_mapper_key_deleted_is_named_and_decoder_keys_are_ignored(tmp_path):
    raw = torch.load(golden_path("mapper-tiny/mapper-tiny.pt"))
    del raw["state_dict"]["mapper.medium_mapping.mapping.3.bias"]
    raw["state_dict"]["mapper.medium_mapping.mapping.5.weight"] = torch.zeros(32, 32)
    with pytest.raises(CheckpointError) as error:
        load_mapper_checkpoint(save(tmp_path, "broken-mapper.pt", raw))
    message = str(error.value)
    assert "broken-mapper.pt" in message
    assert "missing keys: mapper.medium_mapping.mapping.3.bias" in message
    assert "unexpected keys: mapper.medium_mapping.mapping.5.weight" in message
    assert "decoder." not in message


def test_relevance_stored_as_float16_is_read_as_float32(tmp_path):
    fs3 = golden("global-direction/fs3.npy")
    np.save(tmp_path / "fs3-half.npy", fs3.astype(np.float16))
    loaded = load_relevance(tmp_path / "fs3-half.npy", conv_channels=CONV_CHANNELS)
    assert loaded.dtype == np.float32
    assert np.array_equal(loaded, fs3.astype(np.float16).astype(np.float32))


def test_relevance_with_the_wrong_row_count_fails_clearly(tmp_path):
    np.save(tmp_path / "fs3-short.npy", golden("global-direction/fs3.npy")[:200])
    with pytest.raises(CheckpointError, match=r"fs3-short.npy: has 200 rows but the generator has 232 conv S channels"):
        load_relevance(tmp_path / "fs3-short.npy", conv_channels=CONV_CHANNELS)


def upstream_s_mean_std(tmp_path, means=None, stds=None):
    """S_mean_std as upstream pickles it: [means, stds], each one float32 array per style layer."""
    split = np.cumsum(LAYER_CHANNELS)[:-1]
    means = np.split(golden("global-direction/s_mean.npy"), split) if means is None else means
    stds = np.split(golden("global-direction/s_std.npy"), split) if stds is None else stds
    path = tmp_path / "S_mean_std"
    path.write_bytes(pickle.dumps([means, stds], protocol=3))
    return path


def test_s_statistics_pickle_equals_the_flat_npy_pair(tmp_path):
    mean, std = load_s_statistics(layer_channels=LAYER_CHANNELS, s_stats=upstream_s_mean_std(tmp_path))
    assert np.array_equal(mean, golden("global-direction/s_mean.npy"))
    assert np.array_equal(std, golden("global-direction/s_std.npy"))
    pair = load_s_statistics(layer_channels=LAYER_CHANNELS, s_mean=golden_path("global-direction/s_mean.npy"),
                             s_std=golden_path("global-direction/s_std.npy"))
    assert np.array_equal(pair[0], mean) and np.array_equal(pair[1], std)


def test_s_statistics_with_a_layer_missing_fail_clearly(tmp_path):
    split = np.cumsum(LAYER_CHANNELS)[:-1]
    stds = np.split(golden("global-direction/s_std.npy"), split)[:-1]
    with pytest.raises(CheckpointError, match=r"S_mean_std: stds should be a list of 14 per-layer arrays, found 13"):
        load_s_statistics(layer_channels=LAYER_CHANNELS, s_stats=upstream_s_mean_std(tmp_path, stds=stds))


def test_s_statistics_pickle_that_would_run_code_is_refused(tmp_path):
    path = tmp_path / "S_mean_std"
    path.write_bytes(pickle.dumps([[print], [print]]))
    with pytest.raises(CheckpointError, match=r"refusing to load builtins.print"):
        load_s_statistics(layer_channels=LAYER_CHANNELS, s_stats=path)


def test_the_cli_reports_a_user_mistake_in_one_line_without_a_traceback(tmp_path):
    g = REPO.parent / "shared" / "golden"
    done = subprocess.run(
        [sys.executable, "-m", "models.export", "--stylegan", str(tmp_path / "nope.pt"),
         "--e4e", str(g / "e4e-tiny/e4e-tiny.pt"), "--clip", str(g / "clip-tiny/clip-tiny.jit.pt"),
         "--relevance", str(g / "global-direction/fs3.npy"), "--s-mean", str(g / "global-direction/s_mean.npy"),
         "--s-std", str(g / "global-direction/s_std.npy"), "--id", "x", "--description", "x",
         "--out", str(tmp_path / "x")], capture_output=True, text=True, cwd=REPO)
    assert done.returncode == 2
    assert done.stderr.strip() == f"models.export: {tmp_path / 'nope.pt'}: no such file."
    assert not (tmp_path / "x").exists()
