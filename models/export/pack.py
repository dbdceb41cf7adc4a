"""Writes a model pack (models/README.md, format 2): graphs, global-direction data, vocabulary, pack.json."""
from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

from .checkpoints import CheckpointError, load_relevance, load_s_statistics
from .graphs import GraphSpec
from .onnx_export import export_graph
from .sources import (E4E_SIZE, MAPPER_NAME_PATTERN, PackError, Sources, build_specs, load_sources,  # noqa: F401
                      parse_mapper_args)
from .templates import PROMPT_TEMPLATES
from .verify import stored_as_fp16, verify_graphs

PACK_FORMAT = 2  # models/README.md; 2: the synthesis is a chain of stage graphs (no preview stores weights twice)
REPO_ROOT = Path(__file__).resolve().parents[2]
CLIP_VOCAB_NAME = "bpe_simple_vocab_16e6.txt.gz"
DEFAULT_CLIP_VOCAB = REPO_ROOT.parent / "shared" / "clip" / CLIP_VOCAB_NAME
CLIP_VOCAB_SHA256 = "924691ac288e54409236115652ad4aa250f48203de50a9e4722a6ecd48d6804a"  # openai/CLIP's file
E4E_MEAN = [0.5, 0.5, 0.5]  # e4e's Normalize(0.5, 0.5): x in [−1, 1]
E4E_STD = [0.5, 0.5, 0.5]
PREVIEW_MIN, PREVIEW_MAX = 16, 256  # smaller previews show nothing; larger ones cost nearly a full render
ID_PATTERN = re.compile(r"^[a-z0-9-]+$")  # pack ids, models/README.md
DEFAULT_LICENCES = {
    "generator": "StyleGAN2 weights: NVIDIA Source Code License-NC (non-commercial), converted by rosinality/stylegan2-pytorch",
    "encoder": "encoder4editing (omertov/encoder4editing): MIT licence; trained on FFHQ",
    "clip": "OpenAI CLIP (openai/CLIP): MIT licence",
    "mappers": "StyleCLIP latent mappers (orpatashnik/StyleCLIP): MIT licence",
}


def default_previews(resolution: int) -> list[int]:
    """R/16, R/8, R/4 and R/2, keeping those in [16, 256]. The smallest is the panel's α-drag exit; the stages of
    the synthesis chain share their weights, so each extra exit costs only its stage boundary, not a copy."""
    return [r for r in (resolution // 16, resolution // 8, resolution // 4, resolution // 2) if PREVIEW_MIN <= r <= PREVIEW_MAX]


def check_previews(previews: list[int], resolution: int) -> list[int]:
    valid = [2**k for k in range(2, resolution.bit_length() - 1) if 2**k <= PREVIEW_MAX]
    wrong = [r for r in previews if r not in valid]
    if wrong:
        raise PackError(f"--preview {','.join(map(str, wrong))}: must be one of {', '.join(map(str, valid))} "
                        f"(a ToRGB resolution below {resolution}, at most {PREVIEW_MAX})")
    return sorted(set(previews))


def resolve_fp16_roles(value: str | None, roles: list[str]) -> set[str]:
    """--fp16 alone means every graph; otherwise a comma list of roles."""
    if value is None:
        return set()
    if value == "all":
        return set(roles)
    wanted = {role.strip() for role in value.split(",") if role.strip()}
    unknown = sorted(wanted - set(roles))
    if unknown:
        raise PackError(f"--fp16 {','.join(unknown)}: not a graph of this pack. Must be one of: {', '.join(roles)}")
    return wanted


@dataclass
class PackOptions:
    pack_id: str
    description: str
    out: Path
    previews: list[int] | None = None  # None: default_previews
    fp16: str | None = None  # None, "all" or a comma list of roles
    clip_vocab: Path | None = DEFAULT_CLIP_VOCAB  # the CLI passes None when it finds none (then write_pack asks)
    licences: dict[str, str] = field(default_factory=dict)
    demo: bool = False


def write_pack(sources: Sources, options: PackOptions, *, relevance: Path,
               s_stats: Path | None = None, s_mean: Path | None = None, s_std: Path | None = None,
               notes: list[dict] | None = None) -> list[GraphSpec]:
    """Export every graph and write the pack folder. Returns the graph specs (for verify)."""
    if not ID_PATTERN.match(options.pack_id):
        raise PackError(f"--id {options.pack_id!r}: use lower-case letters, digits and '-' only")
    if options.out.name != options.pack_id:
        raise PackError(f"--out {options.out}: the folder name must equal the pack id {options.pack_id!r}")
    if sources.e4e is None or sources.clip is None:
        raise PackError("a pack needs both --e4e and --clip")
    generator, clip = sources.generator.generator, sources.clip
    cfg = generator.config
    conv_channels = sum(layer.channels for layer in generator.style_layers if layer.kind == "conv")
    notes = notes if notes is not None else []
    fs3 = load_relevance(relevance, conv_channels=conv_channels, notes=notes,
                         conv_layer_channels=[layer.channels for layer in generator.style_layers if layer.kind == "conv"])
    if fs3.shape[1] != clip.embed_dim:
        raise CheckpointError(f"{relevance}: rows have {fs3.shape[1]} dims but CLIP's embedding has "
                              f"{clip.embed_dim}: fs3 was computed with another CLIP model.")
    mean, std = load_s_statistics(layer_channels=[layer.channels for layer in generator.style_layers],
                                  s_stats=s_stats, s_mean=s_mean, s_std=s_std)
    previews = check_previews(options.previews, cfg.size) if options.previews is not None else default_previews(cfg.size)
    specs = build_specs(sources, previews=previews)
    fp16_roles = resolve_fp16_roles(options.fp16, [spec.role for spec in specs])
    vocab = _checked_vocab(options.clip_vocab)
    licences = {**DEFAULT_LICENCES, **options.licences}
    unknown = sorted(set(licences) - set(DEFAULT_LICENCES))
    if unknown:
        raise PackError(f"--licence {', '.join(unknown)}: must be one of: {', '.join(DEFAULT_LICENCES)}")

    out = options.out
    out.mkdir(parents=True, exist_ok=True)
    payloads: dict[str, bytes] = {spec.file: export_graph(spec, fp16=spec.role in fp16_roles) for spec in specs}
    payloads["relevance.f32"] = fs3.astype("<f4").tobytes()
    payloads["s-mean.f32"] = mean.astype("<f4").tobytes()
    payloads["s-std.f32"] = std.astype("<f4").tobytes()
    payloads[CLIP_VOCAB_NAME] = vocab
    for stale in list(out.glob("*.onnx")) + list(out.glob("*.f32")):
        if stale.name not in payloads:
            stale.unlink()  # a graph of an earlier export (a dropped mapper, another preview) must not linger
    for name, data in payloads.items():
        (out / name).write_bytes(data)

    files = {name: {"bytes": len(data), "sha256": hashlib.sha256(data).hexdigest()} for name, data in payloads.items()}
    pack = describe_pack(sources, pack_id=options.pack_id, description=options.description, demo=options.demo,
                         licences=licences, previews=previews, graphs={spec.role: spec.file for spec in specs},
                         relevance_shape=fs3.shape, files=files)
    if notes:  # only what the lenient readers did: a pack exported from complete files stays byte-identical
        pack["provenance"] = {"leniencies": notes}
    text = json.dumps(pack, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    (out / "pack.json").write_text(text, encoding="utf-8")
    return specs


def describe_pack(sources: Sources, *, pack_id: str, description: str, demo: bool, licences: dict[str, str],
                  previews: list[int], graphs: dict[str, str], relevance_shape: tuple[int, int],
                  files: dict[str, dict]) -> dict:
    """pack.json's content (models/README.md, format 2) for these sources and files."""
    generator, clip = sources.generator.generator, sources.clip
    cfg = generator.config
    return {
        "format": PACK_FORMAT,
        "id": pack_id,
        "description": description,
        "demo": demo,
        "licences": licences,
        "generator": {
            "resolution": cfg.size,
            "zDim": cfg.style_dim,
            "wDim": cfg.style_dim,
            "numWs": cfg.n_latent,
            "totalS": generator.total_s,
            "wAvg": [float(v) for v in sources.generator.latent_avg.tolist()],
            "styleLayers": [{"name": layer.name, "resolution": layer.resolution, "wIndex": layer.w_index,
                             "channels": layer.channels, "kind": layer.kind, "offset": layer.offset}
                            for layer in generator.style_layers],
            "previewResolutions": previews,
        },
        "encoder": {"size": E4E_SIZE, "mean": E4E_MEAN, "std": E4E_STD},
        "clip": {
            "vocab": CLIP_VOCAB_NAME,
            "contextLength": clip.context_length,
            "embedDim": clip.embed_dim,
            "imageSize": clip.image_resolution,
            "mean": [float(v) for v in clip.mean],
            "std": [float(v) for v in clip.std],
        },
        "templates": list(PROMPT_TEMPLATES),
        "globalDirection": {
            "relevance": {"file": "relevance.f32", "rows": int(relevance_shape[0]), "dims": int(relevance_shape[1])},
            "sMean": {"file": "s-mean.f32", "length": int(generator.total_s)},
            "sStd": {"file": "s-std.f32", "length": int(generator.total_s)},
        },
        "mappers": [{"name": name, "description": m.description, "levels": list(m.levels)}
                    for name, m in sorted(sources.mappers.items())],
        "graphs": graphs,
        "files": files,
    }


def _checked_vocab(path: Path | None) -> bytes:
    if path is None:
        raise PackError(f"no CLIP vocabulary beside --clip or --stylegan: pass --clip-vocab {CLIP_VOCAB_NAME} "
                        f"(openai/CLIP's file)")
    if not path.is_file():
        raise PackError(f"--clip-vocab {path}: no such file (openai/CLIP's {CLIP_VOCAB_NAME})")
    data = path.read_bytes()
    digest = hashlib.sha256(data).hexdigest()
    if digest != CLIP_VOCAB_SHA256:
        raise PackError(f"--clip-vocab {path}: sha256 {digest} is not openai/CLIP's {CLIP_VOCAB_NAME} "
                        f"({CLIP_VOCAB_SHA256})")
    return data


def export_pack(options: PackOptions, *, stylegan: Path, e4e: Path, clip: Path, mappers: dict[str, Path],
                relevance: Path, s_stats: Path | None = None, s_mean: Path | None = None, s_std: Path | None = None,
                verify: bool = True, log=print) -> bool:
    """Load, export, write, then (unless verify=False) run every graph against torch. True when all pass."""
    notes: list[dict] = []
    sources = load_sources(stylegan=stylegan, e4e=e4e, clip=clip, mappers=mappers, notes=notes)
    specs = write_pack(sources, options, relevance=relevance, s_stats=s_stats, s_mean=s_mean, s_std=s_std, notes=notes)
    for note in notes:
        log(f"warning: {note['file']}: {note['detail']}")
    log(f"wrote {options.out} ({len(specs)} graphs)")
    if not verify:
        return True
    fp16_roles = {spec.role for spec in specs if stored_as_fp16(options.out / spec.file)}
    checks = verify_graphs(options.out, specs, fp16_roles)
    for check in checks:
        log(check.line())
    return all(check.ok for check in checks)
