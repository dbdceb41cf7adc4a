"""The re-written StyleGAN2 generator and its ONNX graphs against rosinality's outputs (../shared/golden)."""
from __future__ import annotations

import json

import numpy as np
import onnx
import pytest
import torch
import torch.nn.functional as F

from golden_support import assert_close, golden, golden_path
from models.export.checkpoints import load_generator_checkpoint
from models.export.graphs import generator_specs
from models.export.onnx_export import export_graph
from models.export.stylegan2 import Blur, Generator, GeneratorConfig, ModulatedConv2d, Upsample
from models.export import winograd
from models.export.compare import run_chains
from models.export.verify import run_onnx, verify_graphs

FFHQ_CHANNELS = {4: 512, 8: 512, 16: 512, 32: 512, 64: 512, 128: 256, 256: 128, 512: 64, 1024: 32}  # config-f


@pytest.fixture(scope="module")
def generator() -> Generator:
    return load_generator_checkpoint(golden_path("stylegan2-tiny/stylegan2-tiny.pt")).generator


def tensor(relative: str) -> torch.Tensor:
    return torch.from_numpy(golden(relative))


def render(generator: Generator, wplus: torch.Tensor, **kwargs) -> torch.Tensor:
    with torch.no_grad():
        return generator.synthesis(generator.affine(wplus), **kwargs)


# One named case per golden output: (name, compute(generator) → array, golden file).
TORCH_CASES = [
    ("case a: mapping z → w", lambda g: g.mapping(tensor("stylegan2-tiny/case_a_z.npy")), "stylegan2-tiny/case_a_w.npy"),
    ("case a: S from the truncated W+", lambda g: g.affine(tensor("stylegan2-tiny/case_a_wplus.npy")),
     "stylegan2-tiny/case_a_styles.npy"),
    ("case a: image", lambda g: render(g, tensor("stylegan2-tiny/case_a_wplus.npy")), "stylegan2-tiny/case_a_image.npy"),
    ("case b: S from a W+ with 10 different rows", lambda g: g.affine(tensor("stylegan2-tiny/case_b_wplus.npy")),
     "stylegan2-tiny/case_b_styles.npy"),
    ("case b: image", lambda g: render(g, tensor("stylegan2-tiny/case_b_wplus.npy")), "stylegan2-tiny/case_b_image.npy"),
    *[(f"case b: skip image at {r}", lambda g, r=r: render(g, tensor("stylegan2-tiny/case_b_wplus.npy"), stop_resolution=r),
       f"stylegan2-tiny/case_b_skip_{r}.npy") for r in (4, 8, 16, 32, 64)],
    ("global direction: images from edited S", lambda g: g.synthesis(
        tensor("global-direction/s_edited.npy")[0, 1].reshape(-1, g.total_s)).reshape(2, 2, 3, 64, 64),
     "global-direction/image_edited_pair0_beta0.1.npy"),
    ("mapper: original images", lambda g: render(g, tensor("mapper-tiny/wplus_in.npy")), "mapper-tiny/image_orig.npy"),
    ("mapper: edited images", lambda g: render(g, tensor("mapper-tiny/wplus_edited.npy")), "mapper-tiny/image_edited.npy"),
]


@pytest.mark.parametrize("name, compute, expected", TORCH_CASES, ids=[c[0] for c in TORCH_CASES])
def test_torch_generator_reproduces_the_golden(generator, name, compute, expected):
    with torch.no_grad():
        actual = compute(generator)
    assert_close(actual, golden(expected), name)


def test_synthesis_stages_chained_compute_exactly_the_one_pass_synthesis(generator):
    """The pack's chain (16 → 32 → 64) continues from each stage's features: the same numbers as one pass."""
    s = tensor("stylegan2-tiny/case_b_styles.npy")
    with torch.no_grad():
        image16, features16 = generator.synthesis_stage(s, stop=16)
        image32, features32 = generator.synthesis_stage(s, features16, image16, start=16, stop=32)
        image64, _ = generator.synthesis_stage(s, features32, image32, start=32)
        assert features16.shape == (2, generator.to_rgbs[1].conv.in_channel, 16, 16)
        assert torch.equal(image16, generator.synthesis(s, stop_resolution=16))
        assert torch.equal(image32, generator.synthesis(s, stop_resolution=32))
        assert torch.equal(image64, generator.synthesis(s))
    with pytest.raises(ValueError, match="increasing order"):
        generator.synthesis_stage(s, features32, image32, start=32, stop=16)


def test_architecture_is_read_from_the_tiny_checkpoint(generator):
    cfg = generator.config
    assert (cfg.size, cfg.style_dim, cfg.n_mlp, cfg.n_latent) == (64, 32, 2, 10)
    assert cfg.channels == {4: 32, 8: 32, 16: 24, 32: 20, 64: 16}


def test_style_layers_match_the_golden_table(generator):
    table = json.loads(golden_path("stylegan2-tiny/config.json").read_text())["style_layers"]
    actual = [(l.name, l.module + ".modulation", l.w_index, l.channels, l.offset, l.kind == "torgb")
              for l in generator.style_layers]
    expected = [(e["name"], e["module"], e["wplus_index"], e["channels"], e["offset"], e["is_torgb"]) for e in table]
    assert actual == expected
    assert generator.total_s == 356


def test_ffhq_config_f_round_trips_through_its_state_dict():
    config = GeneratorConfig(size=1024, style_dim=512, n_mlp=8, channels=FFHQ_CHANNELS, blur_kernel_size=4)
    state = Generator(config).state_dict()
    assert GeneratorConfig.from_state_dict(state) == config
    layers = Generator(config).style_layers
    conv = [l for l in layers if l.kind == "conv"]
    # spec/styleclip.md §0.2: 26 layers, 9088 S channels, 6048 of them in the 17 conv layers, W+ rows 0..17.
    assert (len(layers), sum(l.channels for l in layers), len(conv), sum(l.channels for l in conv)) == (26, 9088, 17, 6048)
    assert [l.w_index for l in layers][-4:] == [15, 15, 16, 17]
    assert [l.channels for l in layers][14:18] == [512, 256, 256, 256]


def _upfirdn2d(x, kernel, up, pad):
    """Direct upfirdn2d (zero insertion, zero pad, true convolution), the definition the ONNX form must equal."""
    n, c, h, w = x.shape
    upsampled = torch.zeros(n, c, h * up, w * up)
    upsampled[:, :, ::up, ::up] = x
    x = upsampled
    x = F.pad(x, (pad[0], pad[1], pad[0], pad[1]))
    weight = torch.flip(kernel, [0, 1]).expand(c, 1, -1, -1)
    return F.conv2d(x, weight, groups=c)


def test_skip_upsample_equals_upfirdn2d_even_with_an_asymmetric_kernel():
    torch.manual_seed(0)
    kernel = torch.rand(4, 4)  # asymmetric: a flipped kernel would be caught
    upsample = Upsample(4)
    upsample.kernel.copy_(kernel)
    upsample.refresh()
    x = torch.randn(2, 3, 5, 5)
    assert_close(upsample(x), _upfirdn2d(x, kernel, up=2, pad=(2, 1)), "Upsample vs upfirdn2d", 1e-5)


def test_blur_equals_upfirdn2d_even_with_an_asymmetric_kernel():
    torch.manual_seed(1)
    kernel = torch.rand(4, 4)
    blur = Blur(6, 4, pad=1)
    blur.kernel.copy_(kernel)
    blur.refresh()
    x = torch.randn(2, 6, 9, 9)
    assert_close(blur(x), _upfirdn2d(x, kernel, up=1, pad=(1, 1)), "Blur vs upfirdn2d", 1e-5)


@pytest.mark.parametrize("upsample", [False, True], ids=["3x3 conv", "upsampling conv"])
def test_non_fused_modulated_conv_equals_per_sample_weight_modulation(upsample):
    torch.manual_seed(2)
    conv = ModulatedConv2d(6, 5, 3, 8, upsample=upsample)
    with torch.no_grad():
        conv.weight.normal_()
        if upsample:
            conv.blur.kernel.copy_(torch.rand(4, 4))
            conv.blur.refresh()
        conv.refresh()
    x, s = torch.randn(2, 6, 7, 7), torch.randn(2, 6) + 1
    # upstream's fused form: one weight per sample, demodulated, grouped conv over the batch
    weight = conv.scale * conv.weight * s.view(2, 1, 6, 1, 1)
    weight = weight * torch.rsqrt(weight.pow(2).sum([2, 3, 4]) + 1e-8).view(2, 5, 1, 1, 1)
    if upsample:
        weight = weight.transpose(1, 2).reshape(12, 5, 3, 3)
        expected = conv.blur(F.conv_transpose2d(x.reshape(1, 12, 7, 7), weight, stride=2, groups=2).view(2, 5, 15, 15))
    else:
        expected = F.conv2d(x.reshape(1, 12, 7, 7), weight.reshape(10, 6, 3, 3), padding=1, groups=2).view(2, 5, 7, 7)
    with torch.no_grad():
        assert_close(conv(x, s), expected, "non-fused vs fused", 1e-5)


@pytest.fixture(scope="module")
def onnx_results(exported_pack):
    """Every golden case run through the exported graphs (batch 1 per sample, as the contract says)."""
    jobs, names = [], []
    wplus_cases = {"case_a": golden("stylegan2-tiny/case_a_wplus.npy"), "case_b": golden("stylegan2-tiny/case_b_wplus.npy"),
                   "mapper_orig": golden("mapper-tiny/wplus_in.npy"), "mapper_edited": golden("mapper-tiny/wplus_edited.npy")}
    for case, wplus in wplus_cases.items():
        for i, row in enumerate(wplus):
            jobs.append((exported_pack / "affine.onnx", {"wplus": row[None]}, ["s"]))
            names.append(("affine", case, i))
    s_cases = {"case_a": golden("stylegan2-tiny/case_a_styles.npy"), "case_b": golden("stylegan2-tiny/case_b_styles.npy"),
               "edited": golden("global-direction/s_edited.npy")[0, 1].reshape(-1, 356)}
    jobs.append((exported_pack / "mapping.onnx", {"z": golden("stylegan2-tiny/case_a_z.npy")}, ["w"]))
    names.append(("mapping", "case_a", None))
    results = {name: next(iter(result.values())) for name, result in zip(names, run_onnx(jobs))}
    # Every image runs the synthesis chain as the engine does: the stages up to that preview, or all of them.
    pack = json.loads((exported_pack / "pack.json").read_text())
    chains, names = [], []
    for role in ("synthesis", "synthesisPreview:16", "synthesisPreview:32"):
        for case, s in s_cases.items():
            for i, row in enumerate(s):
                chains.append((exported_pack, pack, row[None], role))
                names.append((role, case, i))
    results.update({name: result["image"] for name, result in zip(names, run_chains(chains))})
    return results


def _stack(results, graph, case):
    rows = sorted((i, v) for (g, c, i), v in results.items() if g == graph and c == case)
    return np.concatenate([v for _, v in rows])


ONNX_CASES = [
    ("mapping graph: case a w", lambda r: r[("mapping", "case_a", None)], "stylegan2-tiny/case_a_w.npy"),
    ("affine graph: case a S", lambda r: _stack(r, "affine", "case_a"), "stylegan2-tiny/case_a_styles.npy"),
    ("affine graph: case b S", lambda r: _stack(r, "affine", "case_b"), "stylegan2-tiny/case_b_styles.npy"),
    ("synthesis graph: case a image", lambda r: _stack(r, "synthesis", "case_a"), "stylegan2-tiny/case_a_image.npy"),
    ("synthesis graph: case b image", lambda r: _stack(r, "synthesis", "case_b"), "stylegan2-tiny/case_b_image.npy"),
    ("synthesis graph: edited S image", lambda r: _stack(r, "synthesis", "edited").reshape(2, 2, 3, 64, 64),
     "global-direction/image_edited_pair0_beta0.1.npy"),
    ("preview 16 stage: case b skip", lambda r: _stack(r, "synthesisPreview:16", "case_b"), "stylegan2-tiny/case_b_skip_16.npy"),
    ("preview 16 → 32 stages: case b skip", lambda r: _stack(r, "synthesisPreview:32", "case_b"),
     "stylegan2-tiny/case_b_skip_32.npy"),
]


@pytest.mark.parametrize("name, pick, expected", ONNX_CASES, ids=[c[0] for c in ONNX_CASES])
def test_onnx_graph_reproduces_the_golden(onnx_results, name, pick, expected):
    assert_close(pick(onnx_results), golden(expected), name)


def test_onnx_affine_then_synthesis_reproduces_the_mapper_images(exported_pack, onnx_results):
    cases = {"mapper_orig": "mapper-tiny/image_orig.npy", "mapper_edited": "mapper-tiny/image_edited.npy"}
    pack = json.loads((exported_pack / "pack.json").read_text())
    chains = [(exported_pack, pack, row[None], "synthesis") for case in cases for row in _stack(onnx_results, "affine", case)]
    images = np.stack([r["image"][0] for r in run_chains(chains)]).reshape(len(cases), -1, 3, 64, 64)
    for (case, expected), actual in zip(cases.items(), images):
        assert_close(actual, golden(expected), f"{case} image")


def test_a_generator_with_another_channel_table_exports_and_verifies(tmp_path):
    """Nothing about 64 px or the tiny widths is hard-coded: a random 128 px generator round-trips too."""
    config = GeneratorConfig(size=128, style_dim=24, n_mlp=3, channels={4: 16, 8: 16, 16: 12, 32: 12, 64: 8, 128: 4},
                             blur_kernel_size=4)
    torch.manual_seed(5)
    state = {key: torch.randn(value.shape) for key, value in Generator(config).state_dict().items()}
    for key in state:
        if key.endswith("kernel"):
            state[key] = torch.outer(torch.tensor([1.0, 3, 3, 1]), torch.tensor([1.0, 3, 3, 1])) / 16
        if key.endswith("modulation.bias"):
            state[key] += 1  # upstream initialises modulation biases at 1: keeps demodulation well away from 0
    path = tmp_path / "g128.pt"
    torch.save({"g_ema": state, "latent_avg": torch.randn(24)}, path)
    loaded = load_generator_checkpoint(path)
    assert loaded.generator.config == config
    specs = generator_specs(loaded.generator, loaded.latent_avg, [32])
    for spec in specs:
        (tmp_path / spec.file).write_bytes(export_graph(spec))
    checks = verify_graphs(tmp_path, specs, set())
    assert [c.role for c in checks] == ["mapping", "affine", "synthesisPreview:32", "synthesis"]
    assert all(c.ok for c in checks), "\n".join(c.line() for c in checks)


def test_winograd_graphs_reproduce_the_golden_and_store_w_not_u(tmp_path, monkeypatch):
    # The measured rule picks only FFHQ's 256/512-channel layers; here every same-resolution conv of the tiny generator
    # takes a tile (F(2,3) at 4 px, F(4,3) above), so its exported chain runs the Winograd form throughout.
    monkeypatch.setattr(winograd, "RULE", ((1, 8, 4), (1, 4, 2)))
    loaded = load_generator_checkpoint(golden_path("stylegan2-tiny/stylegan2-tiny.pt"))
    tiles = {name: m.winograd_tile for name, m in loaded.generator.named_modules() if isinstance(m, ModulatedConv2d)}
    assert sorted(set(tiles.values())) == [0, 2, 4]
    chain = [spec for spec in generator_specs(loaded.generator, loaded.latent_avg, [16, 32])
             if spec.role.startswith("synthesis")]
    pack = {"graphs": {spec.role: spec.file for spec in chain}, "generator": {"previewResolutions": [16, 32]}}
    for spec in chain:
        (tmp_path / spec.file).write_bytes(export_graph(spec))
        half = onnx.load_from_string(export_graph(spec, storage="float16"))
        stored = {i.name: tuple(i.dims) for i in half.graph.initializer}
        weights = [name for name in stored if winograd.WEIGHT_SUFFIX + "_fp16" in name]
        assert weights and all(len(stored[name]) == 3 and stored[name][2] == 9 for name in weights)  # W [O, I, 9]
        assert not [name for name, dims in stored.items() if len(dims) == 3 and dims[0] in (16, 36) and name not in weights], \
            f"{spec.role} stores a Winograd U"
    s = golden("stylegan2-tiny/case_b_styles.npy")
    for role, expected in (("synthesis", "case_b_image"), ("synthesisPreview:16", "case_b_skip_16"),
                           ("synthesisPreview:32", "case_b_skip_32")):
        images = run_chains([(tmp_path, pack, row[None], role) for row in s])
        assert_close(np.concatenate([r["image"] for r in images]), golden(f"stylegan2-tiny/{expected}.npy"),
                     f"Winograd chain: {role}")
