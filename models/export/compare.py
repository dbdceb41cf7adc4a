"""`python3 -m models.export verify --pack <dir> --against <fp32 dir>`: what compression costs, measured.

Both packs must hold the same checkpoints (the reference exported with --fp32). On fixed, seeded inputs it reports
each graph's error against the reference (max |diff|, relative to max |reference|; PSNR for images) and the
edit-level effect of global directions: for each prompt pair, the cosine between the two packs' Δt (each from its own
clipText and templates, or its stored presets), whether the same channels are kept at β, and the PSNR of the edited
image (each pack's own Δs, synthesis) against the reference's. Targets (issue 14): synthesis PSNR ≥ 40 dB,
Δt cosine ≥ 0.999, the same channels kept.
"""
from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np

from models.styleclip.tokenizer import EOT, ClipTokenizer

from .verify import run_onnx

SEED = 20240614
PROMPTS = (("face", "smiling face"), ("face", "face with glasses"), ("face", "old face"))
ALPHA = 4.1  # upstream UI default strength
TRUNCATION = 0.7
TARGET_PSNR_DB = 40.0
TARGET_COSINE = 0.999


def _load(pack_dir: Path) -> dict:
    return json.loads((Path(pack_dir) / "pack.json").read_text())


def _uint8(image: np.ndarray) -> np.ndarray:
    return np.clip(np.rint(image.astype(np.float64) * 127.5 + 127.5), 0, 255)


def psnr(image: np.ndarray, reference: np.ndarray) -> float:
    """PSNR of the 8-bit images the engine shows (x·127.5 + 127.5, clipped), in dB; inf when identical."""
    mse = float(np.mean((_uint8(image) - _uint8(reference)) ** 2))
    return math.inf if mse == 0 else 10 * math.log10(255**2 / mse)


def _unit(v: np.ndarray) -> np.ndarray:
    return v / np.linalg.norm(v, axis=-1, keepdims=True)


def _text_directions(dir_: Path, pack: dict, texts: list[str], tokenizer: ClipTokenizer) -> dict[str, np.ndarray]:
    """Upstream GetDt: every template, unit features, mean, unit, per text."""
    templates = pack["templates"]
    eot = tokenizer.encoder[EOT]
    rows = [tokenizer.tokenize(t.replace("{}", text))[0].tolist() for text in texts for t in templates]
    length = max(row.index(eot) for row in rows) + 1  # clipText takes any 1 ≤ L ≤ 77
    tokens = np.asarray([row[:length] for row in rows], np.int32)
    (result,) = run_onnx([(dir_ / pack["graphs"]["clipText"], {"tokens": tokens}, ["features"])])
    features = _unit(result["features"].astype(np.float64)).reshape(len(texts), len(templates), -1)
    return {text: _unit(features[i].mean(0)) for i, text in enumerate(texts)}


def _delta_t(dir_: Path, pack: dict, pairs, tokenizer) -> dict[tuple[str, str], np.ndarray]:
    if "clipText" not in pack["graphs"]:  # a preset-only pack: its stored rows
        rows = np.fromfile(dir_ / pack["presets"]["file"], "<f4").reshape(-1, pack["presets"]["dims"])
        index = {(e["neutral"], e["target"]): i for i, e in enumerate(pack["presets"]["entries"])}
        return {pair: rows[index[pair]].astype(np.float64) for pair in pairs if pair in index}
    embeddings = _text_directions(dir_, pack, sorted({t for pair in pairs for t in pair}), tokenizer)
    return {(n, t): _unit(embeddings[t] - embeddings[n]) for n, t in pairs}


def _delta_s(dir_: Path, pack: dict, delta_t: np.ndarray, beta: float) -> tuple[np.ndarray, np.ndarray]:
    gd, gen = pack["globalDirection"], pack["generator"]
    relevance = np.fromfile(dir_ / gd["relevance"]["file"], "<f4").reshape(gd["relevance"]["rows"], -1)
    std = np.fromfile(dir_ / gd["sStd"]["file"], "<f4")
    r = relevance.astype(np.float64) @ delta_t
    kept = np.abs(r) >= beta
    r = np.where(kept, r, 0.0)
    peak = np.abs(r).max(initial=0.0)
    r = r / peak if peak > 0 else r
    delta_s, row = np.zeros(gen["totalS"]), 0
    for layer in gen["styleLayers"]:
        if layer["kind"] == "conv":
            span = slice(layer["offset"], layer["offset"] + layer["channels"])
            delta_s[span] = r[row:row + layer["channels"]] * std[span]
            row += layer["channels"]
    return delta_s.astype(np.float32), np.flatnonzero(kept)


def _graph_error(role: str, got: np.ndarray, want: np.ndarray) -> dict:
    diff = float(np.abs(got.astype(np.float64) - want).max())
    entry = {"role": role, "maxAbsDiff": diff, "relative": diff / max(float(np.abs(want).max()), 1e-30)}
    if role.startswith("synthesis"):
        entry["psnrDb"] = psnr(got, want)
    return entry


def _resize(image: np.ndarray, size: int) -> np.ndarray:
    """[1, 3, R, R] → [1, 3, size, size]: the mean of each block when R is a multiple of size (1024 → 256), each pixel
    repeated when size is a multiple of R (a tiny generator's 64 → 256)."""
    r = image.shape[-1]
    if r % size == 0:
        return image.reshape(1, 3, size, r // size, size, r // size).mean(axis=(3, 5)).astype(np.float32)
    if size % r == 0:
        return image.repeat(size // r, axis=2).repeat(size // r, axis=3).astype(np.float32)
    raise ValueError(f"a render of {r} px cannot be resized to the encoder's {size} px by whole factors")


def chain_roles(pack: dict, role: str) -> list[str]:
    """The stage graphs that render `role` (models/README.md, "The synthesis chain"): every preview stage up to it."""
    stages = [f"synthesisPreview:{r}" for r in sorted(pack["generator"]["previewResolutions"])] + ["synthesis"]
    return stages[:stages.index(role) + 1]


def run_chains(chains: list[tuple[Path, dict, np.ndarray, str]]) -> list[dict[str, np.ndarray]]:
    """Renders each (pack folder, pack.json, S, role) through its synthesis chain; stage k of every chain in one run."""
    carried: list[dict[str, np.ndarray]] = [{} for _ in chains]
    results: list[dict[str, np.ndarray]] = [{} for _ in chains]
    for k in range(max(len(chain_roles(p, role)) for _, p, _, role in chains)):
        todo = [i for i, (_, p, _, role) in enumerate(chains) if k < len(chain_roles(p, role))]
        jobs = []
        for i in todo:
            folder, p, s, role = chains[i]
            stage = chain_roles(p, role)[k]
            feeds = {"s": s} if k == 0 else {"s": s, "featuresIn": carried[i]["features"], "imageIn": carried[i]["image"]}
            jobs.append((folder / p["graphs"][stage], feeds, ["image"] if stage == "synthesis" else ["image", "features"]))
        for i, out in zip(todo, run_onnx(jobs)):
            carried[i] = results[i] = out
    return results


def compare_packs(pack_dir: Path, reference_dir: Path, *, beta: float = 0.15, json_path: Path | None = None,
                  log=print) -> bool:
    pack_dir, reference_dir = Path(pack_dir), Path(reference_dir)
    pack, ref = _load(pack_dir), _load(reference_dir)
    for key in ("resolution", "totalS", "numWs", "wDim", "styleLayers"):
        if pack["generator"][key] != ref["generator"][key]:
            raise ValueError(f"{pack_dir} and {reference_dir} hold different generators (generator.{key} differs)")
    gen = ref["generator"]
    rng = np.random.default_rng(SEED)
    z = rng.standard_normal((gen["numWs"], gen["zDim"])).astype(np.float32)
    (mapped,) = run_onnx([(reference_dir / ref["graphs"]["mapping"], {"z": z}, ["w"])])
    w_avg = np.asarray(gen["wAvg"], np.float32)
    wplus = (w_avg + TRUNCATION * (mapped["w"] - w_avg))[None].astype(np.float32)
    feeds = {"mapping": ({"z": z[:2]}, "w"), "affine": ({"wplus": wplus}, "s")}
    feeds.update({role: ({"wplus": wplus}, "delta") for role in ref["graphs"] if role.startswith("mapper:")})
    if "clipImage" in ref["graphs"]:
        size = ref["clip"]["imageSize"]
        feeds["clipImage"] = ({"image": rng.standard_normal((1, 3, size, size)).astype(np.float32)}, "features")
    roles = [role for role in feeds if role in pack["graphs"]]
    results = run_onnx([(d / p["graphs"][role], feeds[role][0], [feeds[role][1]]) for role in roles
                        for d, p in ((pack_dir, pack), (reference_dir, ref))])
    errors = [_graph_error(role, results[2 * i][feeds[role][1]], results[2 * i + 1][feeds[role][1]])
              for i, role in enumerate(roles)]
    s = results[2 * roles.index("affine") + 1]["s"]  # the reference's S: every synthesis below starts from it

    tokenizer = ClipTokenizer(reference_dir / ref["clip"]["vocab"])
    ref_dt = _delta_t(reference_dir, ref, PROMPTS, tokenizer)
    pairs = PROMPTS if "clipText" in pack["graphs"] else tuple(p for p in _delta_t(pack_dir, pack, PROMPTS, tokenizer))
    if "clipText" not in pack["graphs"]:
        entries = [(e["neutral"], e["target"]) for e in pack["presets"]["entries"]][:len(PROMPTS)]
        pairs, ref_dt = entries, _delta_t(reference_dir, ref, entries, tokenizer)
    pack_dt = _delta_t(pack_dir, pack, pairs, tokenizer)
    edits, renders = [], []
    for pair in pairs:
        ds_pack, kept_pack = _delta_s(pack_dir, pack, pack_dt[pair], beta)
        ds_ref, kept_ref = _delta_s(reference_dir, ref, ref_dt[pair], beta)
        edits.append({"neutral": pair[0], "target": pair[1], "deltaTCosine": float(pack_dt[pair] @ ref_dt[pair]),
                      "kept": int(kept_pack.size), "keptReference": int(kept_ref.size),
                      "sameChannels": bool(np.array_equal(kept_pack, kept_ref)),
                      "channelsDiffering": int(np.setxor1d(kept_pack, kept_ref).size)})
        renders += [(s + ALPHA * ds_pack, pack_dir, pack), (s + ALPHA * ds_ref, reference_dir, ref)]
    synth_roles = ["synthesis"] + [r for r in ref["graphs"] if r.startswith("synthesisPreview:") and r in pack["graphs"]]
    chains = [(d, p, s, role) for role in synth_roles for d, p in ((pack_dir, pack), (reference_dir, ref))]
    chains += [(d, p, x.astype(np.float32), "synthesis") for x, d, p in renders]
    images = run_chains(chains)
    for i, role in enumerate(synth_roles):
        errors.append(_graph_error(role, images[2 * i]["image"], images[2 * i + 1]["image"]))
    if "encoder" in pack["graphs"] and "encoder" in ref["graphs"]:
        # The encoder reads a face: the reference's render of S at the encoder's size, not noise, which lies outside
        # the activation ranges an int8-qdq encoder was calibrated on and would report a meaningless error.
        face = {"image": _resize(np.clip(images[1]["image"], -1, 1), ref["encoder"]["size"])}
        got, want = run_onnx([(d / p["graphs"]["encoder"], face, ["wplus"]) for d, p in ((pack_dir, pack), (reference_dir, ref))])
        errors.append(_graph_error("encoder", got["wplus"], want["wplus"]))
    for i, edit in enumerate(edits):
        edited = images[2 * len(synth_roles) + 2 * i]["image"], images[2 * len(synth_roles) + 2 * i + 1]["image"]
        edit["editedPsnrDb"] = psnr(*edited)

    log(f"{pack_dir} against {reference_dir} (fixed inputs, seed {SEED}):")
    for e in errors:
        extra = f", PSNR {e['psnrDb']:.1f} dB" if "psnrDb" in e else ""
        log(f"  {e['role']:22s} max |diff| {e['maxAbsDiff']:.3e} ({e['relative']:.1e} of max |reference|){extra}")
    log(f"edits (α {ALPHA}, β {beta}):")
    for e in edits:
        log(f"  {e['neutral']!r} → {e['target']!r}: Δt cosine {e['deltaTCosine']:.6f}; channels kept {e['kept']} "
            f"(reference {e['keptReference']}, {'same' if e['sameChannels'] else str(e['channelsDiffering']) + ' differ'}); "
            f"edited image PSNR {e['editedPsnrDb']:.1f} dB")
    synthesis_psnr = min([e["psnrDb"] for e in errors if e["role"] == "synthesis"] + [e["editedPsnrDb"] for e in edits])
    ok = synthesis_psnr >= TARGET_PSNR_DB and all(e["deltaTCosine"] >= TARGET_COSINE and e["sameChannels"] for e in edits)
    log(f"targets (synthesis PSNR ≥ {TARGET_PSNR_DB:g} dB, Δt cosine ≥ {TARGET_COSINE}, same channels at β {beta}): "
        f"{'met' if ok else 'NOT MET'}")
    if json_path is not None:
        json_path.write_text(json.dumps({"graphs": errors, "edits": edits, "beta": beta, "alpha": ALPHA,
                                         "targetsMet": ok}, indent=2))
    return ok
