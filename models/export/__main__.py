"""python3 -m models.export: turn upstream checkpoints into a model pack (models/README.md). Parsing only.

    python3 -m models.export build <folder> --out <dir> --id <id>     one command from the downloads (build_cli.py)
    python3 -m models.export verify --pack <dir> --against <fp32 dir> a compact pack's error (compare.py)
    python3 -m models.export --stylegan … --e4e … --clip … --relevance … flag form, every file named
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .identify import find_vocab
from .pack import PackError, PackOptions, export_pack, parse_mapper_args

EXAMPLE = """from a folder of downloads, files found by content (see `python3 -m models.export build --help`):
  python3 -m models.export build ~/Downloads/styleclip --out models/packs/ffhq --id ffhq
compare a compact pack with a float32 one: python3 -m models.export verify --pack <dir> --against <fp32 dir>

example of the flag form:
  python3 -m models.export --stylegan stylegan2-ffhq-config-f.pt --e4e e4e_ffhq_encode.pt --clip ViT-B-32.pt \\
      --relevance fs3.npy --s-stats S_mean_std --mapper afro=afro.pt --id ffhq --description "FFHQ faces" \\
      --out models/packs/ffhq --fp16"""


class OneLineParser(argparse.ArgumentParser):
    """Usage mistakes end in one line on stderr, like every other user error of the exporter."""

    def error(self, message: str):
        self.exit(2, f"{self.prog}: {message} (see --help)\n")


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = OneLineParser(prog="python3 -m models.export", description=__doc__.splitlines()[0],
                                     epilog=EXAMPLE, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--stylegan", required=True, type=Path, help="rosinality checkpoint {'g_ema', 'latent_avg'}")
    parser.add_argument("--e4e", required=True, type=Path, help="encoder4editing checkpoint")
    parser.add_argument("--clip", required=True, type=Path, help="OpenAI CLIP TorchScript archive or state dict")
    parser.add_argument("--relevance", required=True, type=Path, help="StyleCLIP fs3.npy")
    parser.add_argument("--s-stats", type=Path, help="StyleCLIP S_mean_std pickle")
    parser.add_argument("--s-mean", type=Path, help="flat .npy of S means (instead of --s-stats)")
    parser.add_argument("--s-std", type=Path, help="flat .npy of S stds (instead of --s-stats)")
    parser.add_argument("--mapper", action="append", default=[], metavar="NAME=PATH",
                        help="StyleCLIP latent mapper checkpoint; repeatable")
    parser.add_argument("--id", required=True, dest="pack_id", help="pack id, [a-z0-9-]+, equal to the --out folder name")
    parser.add_argument("--description", required=True)
    parser.add_argument("--out", required=True, type=Path, help="pack folder, e.g. models/packs/<id>")
    parser.add_argument("--fp16", nargs="?", const="all", metavar="ROLES",
                        help="store large weights as float16: all graphs, or a comma list of roles")
    parser.add_argument("--preview", help="comma list of preview resolutions (default R/16, R/8, R/4 and R/2 within 16…256; the smallest is the α-drag exit)")
    parser.add_argument("--clip-vocab", type=Path,
                        help="openai/CLIP's bpe_simple_vocab_16e6.txt.gz (default: found by sha256 beside --clip or --stylegan)")
    parser.add_argument("--licence", action="append", default=[], metavar="PART=TEXT",
                        help="licence line for generator, encoder, clip or mappers; repeatable")
    parser.add_argument("--demo", action="store_true", help="mark the pack as a demonstration pack")
    parser.add_argument("--no-verify", action="store_true", help="skip running the graphs against torch")
    args = parser.parse_args(argv)
    if args.s_stats is None and (args.s_mean is None or args.s_std is None):
        parser.error("give --s-stats, or both --s-mean and --s-std")
    if args.s_stats is not None and (args.s_mean is not None or args.s_std is not None):
        parser.error("--s-stats and --s-mean/--s-std exclude each other")
    return args


def parse_int_list(text: str, option: str) -> list[int]:
    try:
        return [int(part) for part in text.split(",") if part.strip()]
    except ValueError:
        raise PackError(f"{option} {text!r}: expected comma-separated integers, e.g. 16,32") from None


def parse_licences(values: list[str]) -> dict[str, str]:
    licences = {}
    for value in values:
        part, sep, text = value.partition("=")
        if not sep or not text:
            raise PackError(f"--licence {value!r}: expected PART=TEXT")
        licences[part] = text
    return licences


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    from .build_cli import SUBCOMMANDS

    if argv and argv[0] in SUBCOMMANDS:
        return SUBCOMMANDS[argv[0]](argv[1:])
    args = parse_args(argv)
    try:
        vocab = args.clip_vocab or find_vocab([args.clip.parent, args.stylegan.parent])  # None: pack.py asks for it
        options = PackOptions(
            pack_id=args.pack_id, description=args.description, out=args.out,
            previews=parse_int_list(args.preview, "--preview") if args.preview else None,
            fp16=args.fp16, clip_vocab=vocab, licences=parse_licences(args.licence), demo=args.demo)
        ok = export_pack(options, stylegan=args.stylegan, e4e=args.e4e, clip=args.clip,
                         mappers=parse_mapper_args(args.mapper), relevance=args.relevance,
                         s_stats=args.s_stats, s_mean=args.s_mean, s_std=args.s_std, verify=not args.no_verify)
    except (ValueError, OSError, RuntimeError) as error:  # user mistakes and a failing runtime: one line, no traceback
        print(f"models.export: {error}", file=sys.stderr)
        return 2
    if not ok:
        print("models.export: verification failed: a graph differs from torch beyond tolerance", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
