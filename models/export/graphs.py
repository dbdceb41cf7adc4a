"""One wrapper module per graph role of models/README.md; each forward takes exactly the contract's inputs.

``GraphSpec`` pairs a wrapper with its tensor names, dynamic axes and deterministic sample inputs: the export
traces with them and verify.py compares torch with onnxruntime on them.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import torch
from torch import nn

from .mapper import LevelsMapper
from .stylegan2 import Generator

SAMPLE_SEED = 20240611  # fixed so sample inputs, and therefore verify results, never change between runs
SOT_TOKEN_OFFSET = 2  # CLIP's <|startoftext|> is vocab_size − 2, <|endoftext|> vocab_size − 1


class Mapping(nn.Module):
    def __init__(self, generator: Generator):
        super().__init__()
        self.generator = generator

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        return self.generator.mapping(z)


class Affine(nn.Module):
    def __init__(self, generator: Generator):
        super().__init__()
        self.generator = generator

    def forward(self, wplus: torch.Tensor) -> torch.Tensor:
        return self.generator.affine(wplus)


class SynthesisStage(nn.Module):
    """One graph of the synthesis chain (models/README.md, "The synthesis chain"): the blocks after `start` up to `stop`.

    The first stage takes S alone; a later one continues from the previous stage's features and skip image. Every stage
    but the last (the full size) also returns its features, so no weight is stored in two graphs. winograd: the
    exported form (the convs `winograd.tile_for` picks run as Winograd); torch's own runs (the bench) keep it off.
    """

    def __init__(self, generator: Generator, start: int | None, stop: int | None, *, winograd: bool = False):
        super().__init__()
        self.generator = generator
        self.start, self.stop = start, stop
        self.winograd = winograd

    def forward(self, s: torch.Tensor, features_in: torch.Tensor | None = None, image_in: torch.Tensor | None = None):
        image, features = self.generator.synthesis_stage(s, features_in, image_in, start=self.start, stop=self.stop,
                                                         winograd=self.winograd)
        return image if self.stop is None else (image, features)


def synthesis_stage_role(stop: int | None) -> str:
    """The role of the stage ending at `stop`: synthesisPreview:<r> for a preview, synthesis for the full size."""
    return "synthesis" if stop is None else f"synthesisPreview:{stop}"


def synthesis_stage_io(start: int | None, stop: int | None) -> tuple[list[str], list[str]]:
    """The contract's input and output names of a stage (models/README.md, "Graph contracts")."""
    inputs = ["s"] if start is None else ["s", "featuresIn", "imageIn"]
    return inputs, ["image"] if stop is None else ["image", "features"]


class Encoder(nn.Module):
    """e4e: the encoder predicts an offset from latent_avg; the contract's W+ has it added."""

    def __init__(self, encoder: nn.Module, latent_avg: torch.Tensor):
        super().__init__()
        self.encoder = encoder
        self.register_buffer("latent_avg", latent_avg.detach().float().clone())

    def forward(self, image: torch.Tensor) -> torch.Tensor:
        return self.encoder(image) + self.latent_avg


class ClipText(nn.Module):
    """int32 tokens (what the TS tokenizer produces) → un-normalised text features."""

    def __init__(self, clip: nn.Module):
        super().__init__()
        self.clip = clip

    def forward(self, tokens: torch.Tensor) -> torch.Tensor:
        return self.clip.encode_text(tokens.long())


class ClipImage(nn.Module):
    def __init__(self, clip: nn.Module):
        super().__init__()
        self.clip = clip

    def forward(self, image: torch.Tensor) -> torch.Tensor:
        return self.clip.encode_image(image)


class Mapper(nn.Module):
    def __init__(self, mapper: LevelsMapper):
        super().__init__()
        self.mapper = mapper

    def forward(self, wplus: torch.Tensor) -> torch.Tensor:
        return self.mapper(wplus)


@dataclass
class GraphSpec:
    role: str  # contract role, e.g. "synthesisPreview:16"
    file: str  # file name inside the pack
    module: nn.Module
    inputs: dict[str, torch.Tensor]  # contract input name → sample used to trace
    outputs: list[str]
    dynamic_axes: dict[str, dict[int, str]] = field(default_factory=dict)
    checks: list[dict[str, torch.Tensor]] = field(default_factory=list)  # extra verify inputs (other N or L)


def role_file(role: str) -> str:
    """synthesisPreview:16 → synthesis-preview-16.onnx, clipText → clip-text.onnx, mapper:beard → mapper-beard.onnx."""
    kebab = "".join("-" + c.lower() if c.isupper() else c for c in role)
    return kebab.replace(":", "-") + ".onnx"


def generator_specs(generator: Generator, latent_avg: torch.Tensor, previews: list[int]) -> list[GraphSpec]:
    cfg = generator.config
    rng = torch.Generator().manual_seed(SAMPLE_SEED)
    z = torch.randn(3, cfg.style_dim, generator=rng)
    with torch.no_grad():
        # Realistic W+: a different mapped w per row, pulled 30 % towards the average as truncation 0.7 does.
        w = generator.mapping(torch.randn(cfg.n_latent, cfg.style_dim, generator=rng))
        wplus = (latent_avg + 0.7 * (w - latent_avg)).unsqueeze(0)
        s = generator.affine(wplus)
    specs = [
        GraphSpec("mapping", role_file("mapping"), Mapping(generator), {"z": z[:1]}, ["w"],
                  {"z": {0: "N"}, "w": {0: "N"}}, checks=[{"z": z}]),
        GraphSpec("affine", role_file("affine"), Affine(generator), {"wplus": wplus}, ["s"]),
    ]
    return specs + synthesis_chain_specs(
        lambda start, stop: SynthesisStage(generator, start, stop, winograd=True), s, previews)


def synthesis_chain_specs(stage, s: torch.Tensor, previews: list[int]) -> list[GraphSpec]:
    """The stage graphs ending at each preview (ascending) and at the full size; `stage(start, stop)` builds one.

    Each stage's sample inputs are the outputs torch gives for the stage before it, so verify checks every stage on
    the features it really receives.
    """
    specs, carried, start = [], {}, None
    for stop in [*sorted(previews), None]:
        module = stage(start, stop)
        names, outputs = synthesis_stage_io(start, stop)
        inputs = {"s": s, **carried}
        role = synthesis_stage_role(stop)
        specs.append(GraphSpec(role, role_file(role), module, {name: inputs[name] for name in names}, outputs))
        if stop is not None:
            with torch.no_grad():
                image, features = module(*specs[-1].inputs.values())
            carried, start = {"featuresIn": features, "imageIn": image}, stop
    return specs


def encoder_spec(encoder: nn.Module, latent_avg: torch.Tensor, size: int) -> GraphSpec:
    rng = torch.Generator().manual_seed(SAMPLE_SEED + 1)
    image = torch.rand(1, 3, size, size, generator=rng) * 2 - 1
    return GraphSpec("encoder", role_file("encoder"), Encoder(encoder, latent_avg), {"image": image}, ["wplus"])


def clip_specs(clip: nn.Module) -> list[GraphSpec]:
    rng = torch.Generator().manual_seed(SAMPLE_SEED + 2)
    sot, eot = clip.vocab_size - SOT_TOKEN_OFFSET, clip.vocab_size - 1

    def tokens(batch: int, length: int) -> torch.Tensor:
        out = torch.zeros(batch, length, dtype=torch.int32)
        for row in range(batch):
            count = 1 + row * 3 % (length - 2)  # prompts of different lengths, all ending inside the window
            out[row, 0] = sot
            out[row, 1:1 + count] = torch.randint(0, sot, (count,), generator=rng, dtype=torch.int32)
            out[row, 1 + count] = eot
        return out

    images = torch.randn(2, 3, clip.image_resolution, clip.image_resolution, generator=rng)
    text = GraphSpec("clipText", role_file("clipText"), ClipText(clip), {"tokens": tokens(2, clip.context_length)},
                     ["features"], {"tokens": {0: "N", 1: "L"}, "features": {0: "N"}},
                     checks=[{"tokens": tokens(3, 12)}, {"tokens": tokens(1, 3)}])
    image = GraphSpec("clipImage", role_file("clipImage"), ClipImage(clip), {"image": images[:1]}, ["features"],
                      {"image": {0: "N"}, "features": {0: "N"}}, checks=[{"image": images}])
    return [text, image]


def mapper_spec(name: str, mapper: LevelsMapper, generator: Generator, latent_avg: torch.Tensor) -> GraphSpec:
    rng = torch.Generator().manual_seed(SAMPLE_SEED + 3)
    cfg = generator.config
    with torch.no_grad():
        w = generator.mapping(torch.randn(cfg.n_latent, cfg.style_dim, generator=rng))
    wplus = (latent_avg + 0.7 * (w - latent_avg)).unsqueeze(0)
    role = f"mapper:{name}"
    return GraphSpec(role, role_file(role), Mapper(mapper), {"wplus": wplus}, ["delta"])
