"""The tools' shared command-line conventions: user errors are one line on stderr and exit 2, a non-finite loss
exits 1 naming the step and the term, and the device is cuda when present."""
from __future__ import annotations

import argparse
import sys
from typing import Callable

import torch


class UserError(ValueError):
    """A wrong option or input file; the message says which and what to do."""


class NonFiniteLoss(RuntimeError):
    """A loss term or the gradient became NaN/inf; the message names the step and the term."""

    def __init__(self, step: int, term: str, value: float):
        super().__init__(f"step {step}: the {term} loss is {value} (not finite); stopped. Lower the learning rate "
                         f"or the {term} weight, or check the input latents.")
        self.step, self.term = step, term


def check_finite(step: int, terms: dict[str, torch.Tensor]) -> None:
    for term, value in terms.items():
        if not bool(torch.isfinite(value).all()):
            raise NonFiniteLoss(step, term, float(value.detach().reshape(-1)[0]))


class OneLineParser(argparse.ArgumentParser):
    def error(self, message: str):
        self.exit(2, f"{self.prog}: {message} (see --help)\n")


def pick_device(name: str | None) -> torch.device:
    if name is None:
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if name.startswith("cuda") and not torch.cuda.is_available():
        raise UserError(f"--device {name}: no CUDA device is available here; use --device cpu")
    return torch.device(name)


def run_main(prog: str, body: Callable[[], int]) -> int:
    """Run a tool's body; user errors and non-finite losses become one line on stderr (exit 2 and 1)."""
    try:
        return body()
    except NonFiniteLoss as error:
        print(f"{prog}: {error}", file=sys.stderr)
        return 1
    except (ValueError, OSError) as error:  # UserError, CheckpointError, unreadable files
        print(f"{prog}: {error}", file=sys.stderr)
        return 2
