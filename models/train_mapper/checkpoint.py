"""Mapper checkpoints in StyleCLIP's format, so upstream code and our exporter both load them.

    {'state_dict': {'mapper.course_mapping.mapping.1.weight', …, 'decoder.<rosinality generator keys>'},
     'opts': {upstream train_options fields: description, no_<level>_mapper, mapper_type, …},
     'facetext': {'format': 1, 'step', 'optimizer', 'seed', 'levels'}}   # for resuming; upstream ignores it

"course" is upstream's spelling. A level trained as disabled has no keys. The whole generator rides along under
decoder.*, as upstream's StyleCLIPMapper.load_weights needs it (our exporter ignores it).
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import torch

from models.export.checkpoints import CheckpointError, load_checkpoint_file, load_strict
from models.export.mapper import LevelsMapper
from models.export.stylegan2 import Generator

RESUME_FORMAT = 1


def save_checkpoint(path: Path, *, mapper: LevelsMapper, generator: Generator, opts: dict, step: int,
                    optimizer: torch.optim.Optimizer, seed: int) -> None:
    state = {f"mapper.{k}": v.detach().cpu() for k, v in mapper.state_dict().items()}
    state.update({f"decoder.{k}": v.detach().cpu() for k, v in generator.state_dict().items()})
    payload = {"state_dict": state, "opts": dict(opts),
               "facetext": {"format": RESUME_FORMAT, "step": step, "optimizer": optimizer.state_dict(), "seed": seed,
                            "levels": list(mapper.levels)}}
    partial = path.with_name(path.name + ".partial")
    torch.save(payload, partial)
    partial.replace(path)  # a crash while saving never leaves a truncated checkpoint


@dataclass
class Resume:
    step: int  # steps already taken
    optimizer_state: dict | None  # None: an upstream checkpoint (weights only, fresh optimiser, step 0)
    seed: int | None


def load_resume(path: Path, mapper: LevelsMapper) -> Resume:
    """Load the mapper weights of `path` into `mapper` and return where training stopped."""
    if not path.is_file():
        raise CheckpointError(f"--resume {path}: no such file.")
    checkpoint = load_checkpoint_file(path, label=f"--resume {path}")
    if not isinstance(checkpoint, dict) or "state_dict" not in checkpoint:
        raise CheckpointError(f"--resume {path}: not a StyleCLIP mapper checkpoint (no 'state_dict').")
    state = {k[len("mapper."):]: v for k, v in checkpoint["state_dict"].items() if k.startswith("mapper.")}
    load_strict(mapper, state, path, prefix="mapper.")  # different levels show up as missing/unexpected keys
    extra = checkpoint.get("facetext")
    if not isinstance(extra, dict) or extra.get("format") != RESUME_FORMAT:
        return Resume(step=0, optimizer_state=None, seed=None)
    return Resume(step=int(extra["step"]), optimizer_state=extra["optimizer"], seed=int(extra["seed"]))
