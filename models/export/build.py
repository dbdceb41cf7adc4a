"""`python3 -m models.export build <folder>`: the files a user downloaded → a compact, verified pack, one command.

1. identify every file in the folder by content (identify.py), load them (lenient where upstream is: the notes go
   into pack.json `provenance`);
2. export each graph, writing it at once (by default float16, weight-only int8 for clipText, and the encoder in int8
   execution, `int8-qdq`, calibrated and checked here, weight-only int8 if its check fails); a state file in the
   pack folder records each finished graph's sha256, so an interrupted build resumes;
3. write what the folder supplied (fs3, S_mean_std, vocabulary) and compute what it did not with the pack's own
   graphs: `facetext pack stats` and `pack relevance` (dist/cli.js), the latter with the clipImage graph;
4. leave clipImage out (unless --keep-clip-image; it is only needed to build relevance) and mapping (only `pack stats`
   and random faces need it, not a photo edit), for --profile preset store the built-in presets' Δt and leave
   clipText and the vocabulary out too;
5. verify every graph against float32 torch and every file against pack.json, and print a summary.
"""
from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch

from .checkpoints import CheckpointError, load_relevance, load_s_statistics
from .identify import ROLE_WORDS, STATE_FILE, identify_folder
from .int8_exec import (CALIBRATION_FACES, CALIBRATION_SEED, CALIBRATION_TRUNCATION, HELD_OUT_FACES, HELD_OUT_SEED,
                        HELD_OUT_TRUNCATION, INT8_EXEC_ROLES, check_int8_encoder, face_images)
from .onnx_export import STORAGES, export_graph
from .pack import (CLIP_VOCAB_NAME, CLIP_VOCAB_SHA256, DEFAULT_LICENCES, ID_PATTERN, REPO_ROOT, check_previews,
                   default_previews, describe_pack)
from .safe_load import MAX_FILE_BYTES
from .sources import PackError, build_specs, load_sources
from .verify import verify_graphs

CLI = REPO_ROOT / "dist" / "cli.js"
PROFILES = ("full", "edit", "preset")  # full: every graph; edit: no clipImage, mapping; preset: also no clipText, vocab
# Every other graph: float16 (bench/README.md, "Compact packs"). The encoder computes in int8 (int8_exec.py): 1.70× torch
# against 3.55× for float32 on wasm, 1 thread (bench/README.md, "int8 execution", run I).
COMPACT_STORAGE = {"encoder": "int8-qdq", "clipText": "int8"}
# What a default int8-qdq graph becomes when its render check fails (an explicit --int8-exec fails the build instead).
INT8_EXEC_FALLBACK = "int8"
DEFAULT_STORAGE = "float16"
STATE_VERSION = 1


@dataclass
class BuildOptions:
    folder: Path
    out: Path
    pack_id: str
    description: str
    profile: str = "edit"
    keep_clip_image: bool = False
    storage: dict[str, str] = field(default_factory=dict)  # role → storage overrides ("*" = every role)
    previews: list[int] | None = None
    clip_vocab: Path | None = None
    licences: dict[str, str] = field(default_factory=dict)
    max_file_bytes: int = MAX_FILE_BYTES
    stats_samples: int | None = None
    relevance_images: int | None = None
    relevance_resolution: int | None = None


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as file:
        for chunk in iter(lambda: file.read(1 << 22), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _write_atomically(path: Path, data: bytes) -> None:
    temporary = path.with_name(path.name + ".writing")
    temporary.write_bytes(data)
    os.replace(temporary, path)


def exporter_version() -> str:
    """A hash of the exporter's own code (its Python and run_graph.mjs, which calibrates and checks int8 graphs): a
    resumed build never mixes graphs of two exporter versions."""
    digest = hashlib.sha256()
    here = Path(__file__).parent
    for path in sorted([*here.glob("*.py"), *here.glob("*.mjs")]):
        digest.update(path.name.encode() + path.read_bytes())
    return digest.hexdigest()[:16]


def resolve_storages(roles: list[str], overrides: dict[str, str]) -> dict[str, str]:
    unknown = sorted(set(overrides) - set(roles) - {"*"})
    if unknown:
        raise PackError(f"storage for {', '.join(unknown)}: not a graph of this pack. Must be one of: {', '.join(roles)}")
    wrong = sorted(v for v in overrides.values() if v not in STORAGES)
    if wrong:
        raise PackError(f"storage {', '.join(wrong)}: must be one of: {', '.join(STORAGES)}")
    qdq = sorted(role for role, kind in overrides.items() if kind == "int8-qdq" and role not in INT8_EXEC_ROLES)
    if qdq:
        raise PackError(f"int8 execution for {', '.join(qdq)}: only {', '.join(INT8_EXEC_ROLES)} met the int8 rule "
                        f"(bench/README.md, \"int8 execution\")")
    every = overrides.get("*")
    return {role: overrides.get(role, every or COMPACT_STORAGE.get(role, DEFAULT_STORAGE)) for role in roles}


class State:
    """<pack>/.build-state.json: what a previous run of the same build finished (removed when the build ends)."""

    def __init__(self, out: Path, key: dict):
        self.path = out / STATE_FILE
        self.key = key
        saved = {}
        if self.path.is_file():
            try:
                saved = json.loads(self.path.read_text())
            except ValueError:
                saved = {}
        self.data = saved if saved.get("key") == key else {"key": key}
        self.resumed = bool(saved) and saved.get("key") == key

    def done(self, step: str) -> dict | None:
        return self.data.get(step)

    def mark(self, step: str, value: dict) -> None:
        self.data[step] = value
        _write_atomically(self.path, json.dumps(self.data, indent=1).encode())

    def graph_is_current(self, role: str, file: Path, storage: str) -> bool:
        entry = self.data.get(f"graph:{role}")
        return bool(entry) and entry["storage"] == storage and file.is_file() and _sha256(file) == entry["sha256"]


def _run_cli(args: list[str], log) -> None:
    if not CLI.is_file():
        raise PackError(f"{CLI} is missing: run `npm run build` once (it builds the facetext CLI that computes the S "
                        f"statistics and relevance), then the same command again")
    log(f"  node dist/cli.js {' '.join(args)}")
    done = subprocess.run(["node", str(CLI), *args], cwd=REPO_ROOT, stdout=subprocess.PIPE, text=True)
    if done.returncode == 130:
        raise KeyboardInterrupt
    if done.returncode != 0:
        raise RuntimeError(f"node dist/cli.js {args[0]} {args[1]} failed (exit {done.returncode}); see its message above")


def _describe_files(out: Path, names: list[str]) -> dict[str, dict]:
    return {name: {"bytes": (out / name).stat().st_size, "sha256": _sha256(out / name)} for name in sorted(names)}


def build(options: BuildOptions, log=print) -> bool:
    """Build, verify, summarise. True when every check passes."""
    began = time.monotonic()
    out = options.out
    if not ID_PATTERN.match(options.pack_id):
        raise PackError(f"--id {options.pack_id!r}: use lower-case letters, digits and '-' only")
    if out.name != options.pack_id:
        raise PackError(f"--out {out}: the folder name must equal the pack id {options.pack_id!r}")
    if options.profile not in PROFILES:
        raise PackError(f"--profile {options.profile}: must be one of: {', '.join(PROFILES)}")
    licences = {**DEFAULT_LICENCES, **options.licences}
    unknown = sorted(set(licences) - set(DEFAULT_LICENCES))
    if unknown:
        raise PackError(f"--licence {', '.join(unknown)}: must be one of: {', '.join(DEFAULT_LICENCES)}")

    log(f"[1/6] identifying the files in {options.folder}")
    found = identify_folder(options.folder, max_bytes=options.max_file_bytes, log=log)
    for path, why in found.ignored:
        log(f"  {path.name}: {why}")
    missing = [ROLE_WORDS[role] for role in ("generator", "encoder", "clip") if role not in found.files]
    if missing:
        raise PackError(f"{options.folder}: no {', no '.join(missing)} found (models/README.md, \"Your own pack\", "
                        f"lists the files to download)")
    vocab = found.files.get("vocab") or options.clip_vocab
    if vocab is None:
        raise PackError(f"no CLIP vocabulary: put openai/CLIP's {CLIP_VOCAB_NAME} (sha256 {CLIP_VOCAB_SHA256[:12]}…) "
                        f"in {options.folder}, or pass --clip-vocab <file>")
    vocab_bytes = Path(vocab).read_bytes()
    if hashlib.sha256(vocab_bytes).hexdigest() != CLIP_VOCAB_SHA256:
        raise PackError(f"--clip-vocab {vocab}: not openai/CLIP's {CLIP_VOCAB_NAME} (sha256 differs)")

    log("[2/6] loading the checkpoints")
    notes: list[dict] = []
    sources = load_sources(stylegan=found.files["generator"], e4e=found.files["encoder"], clip=found.files["clip"],
                           mappers=found.mappers, notes=notes)
    generator, clip = sources.generator.generator, sources.clip
    conv_layers = [layer.channels for layer in generator.style_layers if layer.kind == "conv"]
    fs3 = None
    if "relevance" in found.files:
        fs3 = load_relevance(found.files["relevance"], conv_channels=sum(conv_layers), conv_layer_channels=conv_layers,
                             notes=notes)
        if fs3.shape[1] != clip.embed_dim:
            raise CheckpointError(f"{found.files['relevance']}: rows have {fs3.shape[1]} dims but CLIP's embedding has "
                                  f"{clip.embed_dim}: fs3 was computed with another CLIP model.")
    stats = None
    if "sStats" in found.files:
        stats = load_s_statistics(layer_channels=[layer.channels for layer in generator.style_layers],
                                  s_stats=found.files["sStats"])
    for note in notes:
        log(f"  warning: {note['file']}: {note['detail']}")
    cfg = generator.config
    previews = check_previews(options.previews, cfg.size) if options.previews is not None else default_previews(cfg.size)
    specs = build_specs(sources, previews=previews)
    storages = resolve_storages([spec.role for spec in specs], options.storage)

    source_files = [("generator", found.files["generator"]), ("encoder", found.files["encoder"]),
                    ("clip", found.files["clip"])] + [(f"mapper:{n}", p) for n, p in sorted(found.mappers.items())] \
        + [(role, found.files[role]) for role in ("relevance", "sStats") if role in found.files]
    key = {"version": STATE_VERSION, "exporter": exporter_version(), "previews": previews, "storages": dict(storages),
           "sources": [[role, str(p.resolve()), p.stat().st_size, p.stat().st_mtime_ns] for role, p in source_files],
           "statsSamples": options.stats_samples, "relevanceImages": options.relevance_images,
           "relevanceResolution": options.relevance_resolution}
    out.mkdir(parents=True, exist_ok=True)
    state = State(out, key)
    if state.resumed:
        log(f"  resuming the build recorded in {state.path}")

    # int8-qdq by default (not asked for): checked as soon as it is written, stored as INT8_EXEC_FALLBACK if it fails.
    may_fall_back = {role for role, kind in storages.items() if kind == "int8-qdq" and role not in options.storage}
    render_checks: dict = {}  # role → the int8-qdq render check already run while exporting
    fallbacks: dict[str, str] = {}  # role → why it is stored as INT8_EXEC_FALLBACK (its failed check, worst figure)
    log(f"[3/6] exporting {len(specs)} graphs into {out}")
    for index, spec in enumerate(specs, 1):
        path, storage = out / spec.file, storages[spec.role]
        prefix = f"  [{index}/{len(specs)}] {spec.role} ({storage})"
        if state.graph_is_current(spec.role, path, storage):
            log(f"{prefix}: already exported, sha256 verified")
            continue
        started = time.monotonic()
        log(f"{prefix}: exporting …")
        calibration = None
        if storage == "int8-qdq":
            log(f"{prefix}: calibrating on {2 * CALIBRATION_FACES} renders of the generator's random faces …")
            calibration = face_images(sources.generator.generator, sources.generator.latent_avg, CALIBRATION_FACES,
                                      CALIBRATION_SEED, spec.inputs["image"].shape[-1],
                                      truncation=CALIBRATION_TRUNCATION, mirrored=True)
        data = export_graph(spec, storage=storage, calibration=calibration)
        _write_atomically(path, data)
        entry = {"storage": storage, "sha256": hashlib.sha256(data).hexdigest()}
        if spec.role in may_fall_back:
            check = render_checks[spec.role] = check_int8_encoder(path, spec, sources.generator.generator,
                                                                  sources.generator.latent_avg)
            if not check.ok:
                worst = min(check.psnr_db)
                fallbacks[spec.role] = (f"int8-qdq render check {worst:.2f} dB on its worst held-out face, under "
                                        f"{check.minimum_db:.0f} dB")
                log(f"{prefix}: {fallbacks[spec.role]}: stored as weight-only int8 instead (computes in float32; "
                    f"--int8-exec {spec.role} would fail the build)")
                del render_checks[spec.role]
                storage = storages[spec.role] = INT8_EXEC_FALLBACK
                data = export_graph(spec, storage=storage)
                _write_atomically(path, data)
                # A resumed build does not trust this entry (its storage is not the key's): it exports and checks again.
                entry = {"storage": storage, "sha256": hashlib.sha256(data).hexdigest()}
        state.mark(f"graph:{spec.role}", entry)
        log(f"{prefix}: {len(data) / 1e6:.1f} MB in {time.monotonic() - started:.1f} s")
        del data

    log("[4/6] global-direction data")
    _write_atomically(out / CLIP_VOCAB_NAME, vocab_bytes)
    total_s, rows = generator.total_s, sum(conv_layers)
    if stats is not None:
        _write_atomically(out / "s-mean.f32", stats[0].astype("<f4").tobytes())
        _write_atomically(out / "s-std.f32", stats[1].astype("<f4").tobytes())
    elif not state.done("stats"):  # the TS command overwrites these two; pack.json must list them to load
        _write_atomically(out / "s-mean.f32", np.zeros(total_s, "<f4").tobytes())
        _write_atomically(out / "s-std.f32", np.ones(total_s, "<f4").tobytes())
    if fs3 is not None:
        _write_atomically(out / "relevance.f32", fs3.astype("<f4").tobytes())
    elif not state.done("relevance"):
        _write_atomically(out / "relevance.f32", np.zeros((rows, clip.embed_dim), "<f4").tobytes())
    for stale in list(out.glob("*.onnx")) + list(out.glob("*.f32")):
        if stale.name not in {spec.file for spec in specs} | {"relevance.f32", "s-mean.f32", "s-std.f32", "presets.f32"}:
            stale.unlink()  # a graph of an earlier build (a dropped mapper, another preview) must not linger
    graphs = {spec.role: spec.file for spec in specs}
    names = list(graphs.values()) + ["relevance.f32", "s-mean.f32", "s-std.f32", CLIP_VOCAB_NAME]

    def write_pack_json(extra: dict | None = None) -> dict:
        pack = describe_pack(sources, pack_id=options.pack_id, description=options.description, demo=False,
                             licences=licences, previews=previews, graphs=graphs, relevance_shape=(rows, clip.embed_dim),
                             files=_describe_files(out, names))
        pack.update(extra or {})
        _write_atomically(out / "pack.json", (json.dumps(pack, indent=2, sort_keys=True, ensure_ascii=False) + "\n").encode())
        return pack

    write_pack_json()
    computed = {}
    if stats is None:
        samples = ["--samples", str(options.stats_samples)] if options.stats_samples else []
        computed["sStats"] = {"by": "facetext pack stats", "samples": options.stats_samples or "default", "seed": 0}
        if state.done("stats"):
            log("  S statistics: computed by the interrupted run")
        else:
            log("  S statistics: not in the folder; computing them from the generator (pack stats)")
            _run_cli(["pack", "stats", "--pack", str(out), *samples], log)
            state.mark("stats", {"sha256": _sha256(out / "s-std.f32")})
    else:
        log(f"  S statistics: {found.files['sStats'].name}")
    if fs3 is None:
        extra = (["--images", str(options.relevance_images)] if options.relevance_images else []) + \
                (["--resolution", str(options.relevance_resolution)] if options.relevance_resolution else [])
        computed["relevance"] = {"by": "facetext pack relevance (clipImage of this pack)", "seed": 0,
                                 "images": options.relevance_images or "default",
                                 "resolution": options.relevance_resolution or cfg.size}
        if state.done("relevance"):
            log("  relevance: computed by the interrupted run")
        else:
            log("  relevance: no fs3 in the folder; computing it with the pack's clipImage graph (pack relevance)")
            _run_cli(["pack", "relevance", "--pack", str(out), *extra], log)
            state.mark("relevance", {"sha256": _sha256(out / "relevance.f32")})
    else:
        log(f"  relevance: {found.files['relevance'].name}")

    log(f"[5/6] profile {options.profile}")
    extra_fields: dict = {}
    if options.profile == "preset":
        _run_cli(["pack", "presets", "--pack", str(out)], log)
        extra_fields["presets"] = json.loads((out / "pack.json").read_text())["presets"]
        names.append(extra_fields["presets"]["file"])
    dropped = []
    if options.profile != "full" and not options.keep_clip_image:
        dropped.append("clipImage")
    if options.profile != "full":
        dropped.append("mapping")  # the S statistics are computed above; edits start from e4e's W+
    if options.profile == "preset":
        dropped.append("clipText")
    for role in dropped:
        (out / graphs[role]).unlink(missing_ok=True)
        names.remove(graphs.pop(role))
    if options.profile == "preset":
        (out / CLIP_VOCAB_NAME).unlink(missing_ok=True)
        names.remove(CLIP_VOCAB_NAME)
    if dropped:
        log(f"  left out: {', '.join(dropped)}" + (" and the vocabulary" if options.profile == "preset" else ""))
    provenance = {
        "builtBy": "python3 -m models.export build",
        "torch": torch.__version__,
        "profile": options.profile,
        "sources": [{"role": role, "file": p.name, "bytes": p.stat().st_size, "sha256": _sha256(p)} for role, p in source_files],
        "storage": {role: storages[role] for role in graphs},
        **({"int8Execution": {
            "calibration": f"{CALIBRATION_FACES} random faces of the generator (seed {CALIBRATION_SEED}, truncation "
                           f"{CALIBRATION_TRUNCATION}) "
                           f"at the encoder's input size and their mirror images; min/max ranges",
            "check": f"{HELD_OUT_FACES} other faces (seed {HELD_OUT_SEED}, truncation {HELD_OUT_TRUNCATION}): full-size render of the W+ vs float32 torch"}}
           if "int8-qdq" in {storages[role] for role in graphs} else {}),
        **({"int8ExecutionFallback": {role: why for role, why in fallbacks.items() if role in graphs}}
           if any(role in graphs for role in fallbacks) else {}),
        "computed": computed,
        "leniencies": notes,
    }
    pack = write_pack_json({**extra_fields, "provenance": provenance})

    log("[6/6] verifying")
    ok = True
    for name, entry in pack["files"].items():
        if _sha256(out / name) != entry["sha256"]:
            log(f"  {name}: sha256 differs from pack.json")
            ok = False
    present = [spec for spec in specs if spec.role in graphs]
    checks: list = verify_graphs(out, present, set(), {s.role: storages[s.role] for s in present})
    checks += [render_checks.get(spec.role) or check_int8_encoder(out / spec.file, spec, sources.generator.generator,
                                                                  sources.generator.latent_avg)
               for spec in present if storages[spec.role] == "int8-qdq"]
    for check in checks:
        log("  " + check.line())
        ok = ok and check.ok
    if options.profile == "full" and CLI.is_file():
        done = subprocess.run(["node", str(CLI), "pack", "verify", str(out)], cwd=REPO_ROOT, capture_output=True, text=True)
        log(f"  facetext pack verify: {'ok' if done.returncode == 0 else 'FAILED ' + done.stdout[-500:] + done.stderr[-500:]}")
        ok = ok and done.returncode == 0

    total = sum(entry["bytes"] for entry in pack["files"].values()) + (out / "pack.json").stat().st_size
    log(f"pack {out}:")
    for name, entry in sorted(pack["files"].items(), key=lambda item: -item[1]["bytes"]):
        log(f"  {entry['bytes'] / 1e6:10.2f} MB  {name}")
    log(f"  {total / 1e6:10.2f} MB  total ({len(pack['files']) + 1} files)")
    log(f"built in {time.monotonic() - began:.1f} s" + ("" if ok else "; VERIFICATION FAILED"))
    if ok:
        state.path.unlink(missing_ok=True)
    return ok
