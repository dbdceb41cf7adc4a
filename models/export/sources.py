"""Loading the checkpoints of one pack and turning them into graph specs (shared by pack.py, build.py, verify.py)."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import torch

from .checkpoints import GeneratorCheckpoint, MapperCheckpoint, load_generator_checkpoint, load_mapper_checkpoint
from .graphs import GraphSpec, clip_specs, encoder_spec, generator_specs, mapper_spec

E4E_SIZE = 256  # e4e encodes 256×256 crops (spec/styleclip.md §4)
MAPPER_NAME_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_-]*$")  # upstream names: afro, curly_hair, taylor_swift…


class PackError(ValueError):
    """A wrong option or an inconsistent set of inputs; the message says what to change."""


@dataclass
class Sources:
    generator: GeneratorCheckpoint
    e4e: object | None = None  # e4e.E4ECheckpoint
    clip: torch.nn.Module | None = None  # clip.ClipModel
    mappers: dict[str, MapperCheckpoint] = field(default_factory=dict)


def parse_mapper_args(values: list[str]) -> dict[str, Path]:
    mappers: dict[str, Path] = {}
    for value in values:
        name, sep, path = value.partition("=")
        if not sep or not path:
            raise PackError(f"--mapper {value!r}: expected NAME=PATH, e.g. --mapper beard=mapper.pt")
        if not MAPPER_NAME_PATTERN.match(name):
            raise PackError(f"--mapper {value!r}: the name must be lower-case letters, digits, '-' or '_'")
        if name in mappers:
            raise PackError(f"--mapper {name} is given twice")
        mappers[name] = Path(path)
    return mappers


def load_sources(*, stylegan: Path, e4e: Path | None = None, clip: Path | None = None,
                 mappers: dict[str, Path] | None = None, notes: list[dict] | None = None) -> Sources:
    """Load every checkpoint and check they fit the generator (W+ rows, w size).

    `notes` collects what the lenient readers did (regenerated buffers, mapper flags that disagree): pack.json
    provenance.
    """
    sources = Sources(generator=load_generator_checkpoint(stylegan, notes=notes))
    cfg = sources.generator.generator.config
    if e4e is not None:
        from .e4e import load_e4e_checkpoint  # imported here: only packs with an encoder need it

        sources.e4e = load_e4e_checkpoint(e4e)
        shape = tuple(sources.e4e.latent_avg.shape)
        if shape != (cfg.n_latent, cfg.style_dim):
            raise PackError(f"{e4e}: the encoder produces W+ {list(shape)} but the generator needs "
                            f"[{cfg.n_latent}, {cfg.style_dim}]: was it trained for this generator?")
    if clip is not None:
        from .clip import load_clip_checkpoint

        sources.clip = load_clip_checkpoint(clip)
    for name, path in (mappers or {}).items():
        mapper = load_mapper_checkpoint(path, notes=notes)
        w_dim = next(mapper.mapper.parameters()).shape[1]
        if w_dim != cfg.style_dim:
            raise PackError(f"{path}: mapper {name} works on w of size {w_dim}; the generator's is {cfg.style_dim}.")
        sources.mappers[name] = mapper
    return sources


def build_specs(sources: Sources, *, previews: list[int]) -> list[GraphSpec]:
    generator, latent_avg = sources.generator.generator, sources.generator.latent_avg
    specs = generator_specs(generator, latent_avg, previews)
    if sources.e4e is not None:
        specs.append(encoder_spec(sources.e4e.encoder, sources.e4e.latent_avg, E4E_SIZE))
    if sources.clip is not None:
        specs += clip_specs(sources.clip)
    specs += [mapper_spec(name, m.mapper, generator, latent_avg) for name, m in sorted(sources.mappers.items())]
    return specs
