"""Argument parsing of `python3 -m models.export build` and `python3 -m models.export verify`. Parsing only."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

BUILD_EXAMPLE = """example (the folder holds the files models/README.md "Your own pack" lists, under any names):
  python3 -m models.export build ~/Downloads/styleclip --out models/packs/ffhq --id ffhq --description "FFHQ faces"

storage: by default the encoder computes in int8 (int8-qdq: e4e's convs in int8, calibrated and checked on the
generator's own random faces; stored as weight-only int8 instead, with a line saying why, if its check fails),
clipText stores weight-only int8 per output channel and every other graph float16 (both compute in float32);
--fp32 stores and computes everything in float32; --fp16/--int8/--int8-exec ROLES override roles."""


def _roles(text: str) -> list[str]:
    return [role.strip() for role in text.split(",") if role.strip()]


def parse_build_args(argv: list[str]) -> argparse.Namespace:
    from .__main__ import OneLineParser

    parser = OneLineParser(prog="python3 -m models.export build", epilog=BUILD_EXAMPLE,
                           description="Build a verified model pack from a folder of downloaded files, found by content.",
                           formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("folder", type=Path, help="folder holding the downloaded checkpoints (names do not matter)")
    parser.add_argument("--out", required=True, type=Path, help="pack folder, e.g. models/packs/<id>")
    parser.add_argument("--id", required=True, dest="pack_id", help="pack id, [a-z0-9-]+, equal to the --out folder name")
    parser.add_argument("--description", default=None, help="default: the id")
    parser.add_argument("--profile", default="edit", choices=("full", "edit", "preset"),
                        help="edit (default): no clipImage, no mapping (only pack stats and random faces use it); "
                             "preset: also no clipText/vocabulary, presets stored; full: every graph")
    parser.add_argument("--keep-clip-image", action="store_true", help="keep clipImage (relevance building)")
    parser.add_argument("--fp32", action="store_true", help="store every graph's weights as float32 (the encoder "
                                                            "too: float32 compute everywhere)")
    parser.add_argument("--fp16", metavar="ROLES", help="comma list of roles stored as float16 (or 'all')")
    parser.add_argument("--int8", metavar="ROLES", help="comma list of roles stored as weight-only int8 (or 'all'); "
                                                       "--int8 encoder keeps the encoder computing in float32")
    parser.add_argument("--int8-exec", metavar="ROLES",
                        help="comma list of roles whose convs run in int8 (QDQ, calibrated): only 'encoder', which is "
                             "the default; asking for it explicitly makes a failed render check fail the build "
                             "instead of falling back to weight-only int8 (and overrides --fp32 for that role)")
    parser.add_argument("--preview", help="comma list of preview resolutions (default R/16, R/8, R/4 and R/2 within 16…256; the smallest is the α-drag exit)")
    parser.add_argument("--clip-vocab", type=Path, help="CLIP's bpe_simple_vocab_16e6.txt.gz when it is not in the folder")
    parser.add_argument("--licence", action="append", default=[], metavar="PART=TEXT")
    parser.add_argument("--max-file-gb", type=float, default=4.0, help="refuse larger files (default 4)")
    parser.add_argument("--stats-samples", type=int, help="pack stats --samples (when the folder has no S_mean_std)")
    parser.add_argument("--relevance-images", type=int, help="pack relevance --images (when the folder has no fs3)")
    parser.add_argument("--relevance-resolution", type=int, help="pack relevance --resolution")
    return parser.parse_args(argv)


def build_main(argv: list[str]) -> int:
    from .__main__ import parse_int_list, parse_licences
    from .build import BuildOptions, build

    args = parse_build_args(argv)
    try:
        storage: dict[str, str] = {"*": "float32"} if args.fp32 else {}
        for kind, value in (("float16", args.fp16), ("int8", args.int8), ("int8-qdq", args.int8_exec)):
            for role in _roles(value or ""):
                storage["*" if role == "all" else role] = kind
        options = BuildOptions(
            folder=args.folder, out=args.out, pack_id=args.pack_id, description=args.description or args.pack_id,
            profile=args.profile, keep_clip_image=args.keep_clip_image, storage=storage,
            previews=parse_int_list(args.preview, "--preview") if args.preview is not None else None,
            clip_vocab=args.clip_vocab, licences=parse_licences(args.licence),
            max_file_bytes=int(args.max_file_gb * 1024**3), stats_samples=args.stats_samples,
            relevance_images=args.relevance_images, relevance_resolution=args.relevance_resolution)
        ok = build(options, log=lambda line: print(line, flush=True))
    except KeyboardInterrupt:
        print("\ninterrupted: run the same command again to resume (finished graphs are kept)", file=sys.stderr)
        return 130
    except (ValueError, OSError, RuntimeError) as error:
        print(f"models.export build: {error}", file=sys.stderr)
        return 2
    return 0 if ok else 1


def verify_main(argv: list[str]) -> int:
    from .__main__ import OneLineParser

    parser = OneLineParser(prog="python3 -m models.export verify",
                           description="Compare a pack with a float32 pack of the same checkpoints: each graph's "
                                       "error on fixed inputs and the edit-level effect.")
    parser.add_argument("--pack", required=True, type=Path, help="the pack to check (e.g. a compact one)")
    parser.add_argument("--against", required=True, type=Path, help="a float32 pack of the same checkpoints")
    parser.add_argument("--beta", type=float, default=0.15, help="β for the channels kept (default 0.15, upstream UI)")
    parser.add_argument("--json", type=Path, help="also write the figures as JSON")
    args = parser.parse_args(argv)
    from .compare import compare_packs

    try:
        ok = compare_packs(args.pack, args.against, beta=args.beta, json_path=args.json,
                           log=lambda line: print(line, flush=True))
    except (ValueError, OSError, RuntimeError, KeyError) as error:
        print(f"models.export verify: {error}", file=sys.stderr)
        return 2
    return 0 if ok else 1


SUBCOMMANDS = {"build": build_main, "verify": verify_main}
