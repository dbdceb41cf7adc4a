"""python3 -m models.demo [--out DIR] [--clip-vocab PATH] [--no-verify]: the demo pack's graphs and pack.json.

The whole pack, statistics and relevance included, is made by `node models/demo/build-demo-pack.mjs`."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from models.export.pack import DEFAULT_CLIP_VOCAB

from .build import DEFAULT_OUT, write_demo_pack


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python3 -m models.demo", description=__doc__)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--clip-vocab", type=Path, default=DEFAULT_CLIP_VOCAB)
    parser.add_argument("--no-verify", action="store_true", help="skip running every graph against torch")
    args = parser.parse_args(argv)
    specs = write_demo_pack(args.out, args.clip_vocab)
    if args.no_verify:
        return 0
    from models.export.verify import verify_graphs

    checks = verify_graphs(args.out, specs, set())
    for check in checks:
        print(check.line())
    return 0 if all(check.ok for check in checks) else 1


if __name__ == "__main__":
    sys.exit(main())
