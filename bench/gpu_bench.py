"""Native-CUDA timings of the edit path on one GPU: an upper bound for what WebGPU could reach on that GPU.

    python3 bench/gpu_bench.py [--device cuda] [--variants fp32,tf32,fp16,fp16-nhwc] [--repeats 20]
        [--budget-s 270] [--json FILE]
    python3 bench/gpu_bench.py --device cpu --quick     # tiny models (64 px, build_upstream_layout "tiny"), fp32: proves it runs

Needs PyTorch and this repository's models/export only: no network, no checkpoint files, no onnxruntime, no Node.
The networks are the exporter's own torch modules (the ones the pack's ONNX graphs are traced from: non-fused
modulated conv, depthwise blur), at the FFHQ-1024 sizes of build_upstream_layout.SIZES["full"] (StyleGAN2
config-f, e4e IR-SE-50 with 18 heads, CLIP ViT-B/32), with random weights made as that builder makes them.

Stages, per variant: `preview 256` (synthesis up to the 256 px exit: one α-drag frame), `synthesis 1024` (the full
render after an edit), `inversion` (e4e + affine, as the engine's invert), `clipText 158×77` (a new prompt's Δt:
2 × 79 templates at the full context). Variants: fp32 (IEEE float32, TF32 off: what a WebGPU f32 shader computes),
tf32 (cuDNN/cuBLAS TF32 on), fp16 (module and inputs in float16), fp16-nhwc (the same, channels-last).
Also a GEMM rate per variant (the floor: 2·MAC ÷ that rate) and each variant's largest difference from fp32.

Prints a table, then one JSON line (the last line of stdout). Stops timing at --budget-s (the whole run,
model building included); stages not reached are listed as skipped.
"""
from __future__ import annotations

import argparse
import copy
import json
import platform
import sys
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # models.export
sys.path.insert(0, str(Path(__file__).resolve().parent))  # torch_reference (its MAC counter)

from models.export.build_upstream_layout import SIZES, clip_state, e4e_checkpoint, generator_state  # noqa: E402
from models.export.clip import ClipModel  # noqa: E402
from models.export.e4e import Encoder4Editing  # noqa: E402
from models.export.graphs import ClipText, Encoder  # noqa: E402
from models.export.stylegan2 import Generator  # noqa: E402
from torch_reference import MacCounter, SynthesisTo  # noqa: E402

SEED = 20240611
PREVIEW = 256  # the pack's default preview exit (models/README.md); --quick uses size // 4
PROMPTS = 158  # 2 × 79 templates: a new prompt's Δt, neutral included, at the full context
E4E_SIZE = 256  # e4e always encodes 256 × 256
VARIANTS = ("fp32", "tf32", "fp16", "fp16-nhwc")
TARGETS_MS = {"preview": 100.0, "synthesis": 1000.0}  # issue 16 on a real GPU: preview frame ≤ 100 ms, full edit ≤ 1 s
GEMM_N = {"cuda": 8192, "cpu": 512}  # the rate probe: n×n×n, best of a few after warm-ups


def build_models(size: str, device: torch.device, log) -> dict:
    """The exporter's modules with build_upstream_layout's random weights (fp32, eval, on `device`)."""
    g_config, e_config, c_config = SIZES[size]
    rng = torch.Generator().manual_seed(SEED)
    start = time.perf_counter()
    g_state, _ = generator_state(g_config, rng)
    generator = Generator(g_config)
    generator.load_state_dict(g_state)
    log(f"  generator {g_config.size} px: {time.perf_counter() - start:.1f} s")
    start = time.perf_counter()
    e4e = e4e_checkpoint(e_config, g_config.size, g_state, rng)  # runs one probe forward on the CPU
    encoder = Encoder4Editing(e_config)
    encoder.load_state_dict({k[len("encoder."):]: v for k, v in e4e["state_dict"].items() if k.startswith("encoder.")})
    log(f"  e4e: {time.perf_counter() - start:.1f} s")
    start = time.perf_counter()
    clip = ClipModel(c_config)
    extras = ("input_resolution", "context_length", "vocab_size")
    clip.load_state_dict({k: v.float() for k, v in clip_state(c_config, rng).items() if k not in extras})
    log(f"  CLIP: {time.perf_counter() - start:.1f} s")
    models = {"generator": generator.eval(), "encoder": Encoder(encoder, e4e["latent_avg"]).eval(), "clip": clip.eval()}
    return {name: module.to(device) for name, module in models.items()}


def inputs_for(models: dict, preview: int, prompts: int, device: torch.device) -> dict:
    generator, clip = models["generator"], models["clip"]
    rng = torch.Generator().manual_seed(SEED)
    cfg = generator.config
    with torch.inference_mode():
        w = generator.mapping(torch.randn(cfg.n_latent, cfg.style_dim, generator=rng).to(device))
        s = generator.affine(w.unsqueeze(0))  # a W+ with a different w per row, as an inverted face has
    tokens = torch.randint(0, clip.vocab_size - 2, (prompts, clip.context_length), generator=rng, dtype=torch.int32)
    tokens[:, 0] = clip.vocab_size - 2  # SOT
    tokens[:, -1] = clip.vocab_size - 1  # EOT at the last position: the longest prompt, every token computed
    image = torch.rand(1, 3, E4E_SIZE, E4E_SIZE, generator=rng) * 2 - 1
    return {"s": s, "tokens": tokens.to(device), "image": image.to(device), "preview": preview}


class Inversion(torch.nn.Module):
    """image → S: e4e (W+ = offset + latent_avg), then the generator's affine layers, as the engine's invert."""

    def __init__(self, encoder: torch.nn.Module, generator: Generator):
        super().__init__()
        self.encoder = encoder
        self.generator = generator

    def forward(self, image: torch.Tensor) -> torch.Tensor:
        return self.generator.affine(self.encoder(image))


def stages_for(models: dict, inputs: dict) -> list[tuple[str, str, torch.nn.Module, torch.Tensor]]:
    """(key, label, module, input) in the order timed."""
    generator, preview = models["generator"], inputs["preview"]
    return [
        ("preview", f"preview {preview} (synthesis to the {preview} px exit)", SynthesisTo(generator, preview), inputs["s"]),
        ("synthesis", f"synthesis {generator.config.size} (full)", SynthesisTo(generator), inputs["s"]),
        ("inversion", "inversion (e4e + affine)", Inversion(models["encoder"], generator), inputs["image"]),
        ("clipText", f"clipText {inputs['tokens'].shape[0]}×{inputs['tokens'].shape[1]}", ClipText(models["clip"]), inputs["tokens"]),
    ]


def set_tf32(on: bool) -> None:
    if torch.cuda.is_available():
        torch.backends.cuda.matmul.allow_tf32 = on
        torch.backends.cudnn.allow_tf32 = on


def as_variant(module: torch.nn.Module, x: torch.Tensor, variant: str) -> tuple[torch.nn.Module, torch.Tensor]:
    """The module and input in the variant's dtype and layout (a copy for fp16; fp32 and tf32 share the weights)."""
    if variant in ("fp32", "tf32"):
        return module, x
    module = copy.deepcopy(module).half()
    if x.is_floating_point():
        x = x.half()
    if variant == "fp16-nhwc":
        # Module.to(memory_format=…) refuses the 5-D modulated-conv weights: convert the 4-D tensors one by one.
        with torch.no_grad():
            for tensor in list(module.parameters()) + list(module.buffers()):
                if tensor.dim() == 4:
                    tensor.data = tensor.data.contiguous(memory_format=torch.channels_last)
        if x.dim() == 4:
            x = x.contiguous(memory_format=torch.channels_last)
    return module, x


def synchronize(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def time_runs(work, device: torch.device, *, warmup: int, repeats: int, deadline: float) -> dict:
    """The first (cold) run, `warmup` more untimed ones, then up to `repeats` timed ones before `deadline`."""
    synchronize(device)
    start = time.perf_counter()
    out = work()
    synchronize(device)
    first = (time.perf_counter() - start) * 1000
    for _ in range(warmup):
        work()
    ms = []
    for _ in range(repeats):
        if time.monotonic() > deadline and ms:
            break
        synchronize(device)
        start = time.perf_counter()
        work()
        synchronize(device)
        ms.append((time.perf_counter() - start) * 1000)
    return {"out": out, "first_ms": first, "ms": ms}


def gemm_rate(variant: str, device: torch.device, n: int) -> float:
    """Best f32/tf32/fp16 GEMM rate here (GFLOP/s): an n×n×n matmul, best of 5 after 2 warm-ups."""
    dtype = torch.float16 if variant.startswith("fp16") else torch.float32
    a = torch.randn(n, n, device=device, dtype=dtype)
    b = torch.randn(n, n, device=device, dtype=dtype)
    with torch.inference_mode():
        timed = time_runs(lambda: a @ b, device, warmup=2, repeats=5, deadline=float("inf"))
    return 2 * n**3 / min(timed["ms"]) / 1e6


def compare(out: torch.Tensor, reference: torch.Tensor) -> dict:
    """Largest |difference| from the fp32 output, absolute and relative to the largest |fp32 value|."""
    out, reference = out.float(), reference.float()
    finite = bool(torch.isfinite(out).all())
    diff = float((out - reference).abs().max()) if finite else float("nan")
    scale = float(reference.abs().max())
    return {"finite": finite, "max_abs_diff": diff, "max_rel_diff": diff / scale if scale else None}


def device_info(device: torch.device) -> dict:
    info = {"torch": torch.__version__, "device": device.type, "python": platform.python_version()}
    if device.type == "cuda":
        props = torch.cuda.get_device_properties(device)
        info.update(name=props.name, capability=f"{props.major}.{props.minor}", multiprocessors=props.multi_processor_count,
                    memory_gib=round(props.total_memory / 2**30, 1), cuda=torch.version.cuda,
                    cudnn=torch.backends.cudnn.version())
    else:
        info.update(name=platform.processor() or platform.machine(), threads=torch.get_num_threads())
    return info


def onnxruntime_status() -> dict:
    """Whether ORT could run the exported graphs on this GPU (its CUDA provider); this script never uses it."""
    try:
        import onnxruntime
    except ImportError:
        return {"importable": False, "cuda": False}
    providers = onnxruntime.get_available_providers()
    return {"importable": True, "version": onnxruntime.__version__, "providers": providers,
            "cuda": "CUDAExecutionProvider" in providers}


def fmt(x, digits: int = 1) -> str:
    if x is None or x != x:
        return "–"
    if abs(x) >= 100:
        return f"{x:,.0f}"
    if abs(x) >= 10:
        return f"{x:.{digits}f}"
    return f"{x:.{digits + 1}g}"


def print_table(rows: list[dict], rates: dict, info: dict, ort: dict, *, with_targets: bool) -> None:
    header = ["stage", "variant", "median ms", "min ms", "first ms", "n", "GMAC", "TFLOP/s", "floor ms", "% GEMM",
              "max rel diff vs fp32", "target (issue 16) / note"]
    lines = []
    for r in rows:
        if "skipped" in r or "error" in r:
            lines.append([r["label"], r["variant"]] + [""] * (len(header) - 3) + [r.get("skipped") or f"error: {r['error']}"])
            continue
        diff = r.get("vs_fp32")
        diff_cell = "" if diff is None else ("NON-FINITE" if not diff["finite"] else fmt(diff["max_rel_diff"], 1))
        target = TARGETS_MS.get(r["key"]) if with_targets else None
        target_cell = "" if target is None else f"≤ {target:.0f} ms: {'met' if r['median_ms'] <= target else 'missed'}"
        lines.append([r["label"], r["variant"], fmt(r["median_ms"], 2), fmt(r["min_ms"], 2), fmt(r["first_ms"]), str(r["n"]),
                      fmt(r["macs"] / 1e9, 2), fmt(r["tflops"], 1), fmt(r["floor_ms"], 2),
                      f"{100 * r['tflops'] * 1e3 / rates[r['variant']]:.0f}%" if rates.get(r["variant"]) else "–",
                      diff_cell, target_cell])
    widths = [max(len(h), *(len(line[i]) for line in lines)) if lines else len(h) for i, h in enumerate(header)]
    left = (0, 1, len(header) - 1)
    row = lambda cells: "  ".join(c.ljust(w) if i in left else c.rjust(w) for i, (c, w) in enumerate(zip(cells, widths))).rstrip()  # noqa: E731
    where = f"{info['name']} (capability {info['capability']}, {info['multiprocessors']} SMs, CUDA {info['cuda']}, cuDNN {info['cudnn']})" \
        if info["device"] == "cuda" else f"{info['name']} CPU, {info['threads']} threads"
    print(f"\nfacetext GPU bench — {where}, torch {info['torch']}")
    print("GEMM rate (TFLOP/s, best n×n×n matmul): " + ", ".join(f"{v} {fmt(g / 1e3, 2)}" for v, g in rates.items()))
    ort_line = f"onnxruntime {ort['version']}, providers {', '.join(ort['providers'])}" if ort["importable"] else "onnxruntime not importable"
    print(f"{ort_line}: {'CUDA provider present (not used here)' if ort['cuda'] else 'no CUDA provider, so the exported graphs cannot run on this GPU through ORT'}\n")
    print(row(header))
    print("  ".join("-" * w for w in widths))
    for line in lines:
        print(row(line))
    print("\nfloor: 2·MAC ÷ the variant's GEMM rate. Upper bound for WebGPU: native kernels, no browser, no shader compilation;"
          " WebGPU f32 compares with fp32, f16 shaders (shader-f16) with fp16.")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", default="cuda", help="cuda (default) or cpu")
    parser.add_argument("--quick", action="store_true", help="tiny models (64 px generator), 8 prompts, 2 repeats: checks the script runs")
    parser.add_argument("--variants", help=f"comma list of {', '.join(VARIANTS)} (default: all on cuda, fp32 on cpu)")
    parser.add_argument("--repeats", type=int, help="timed runs per stage (default 20; 2 with --quick)")
    parser.add_argument("--warmup", type=int, default=3, help="untimed runs after the cold first one (cuDNN autotuning)")
    parser.add_argument("--prompts", type=int, help=f"clipText batch (default {PROMPTS}; 8 with --quick)")
    parser.add_argument("--budget-s", type=float, default=270.0, help="stop timing after this many seconds in all")
    parser.add_argument("--json", type=Path, help="also write the JSON result here")
    args = parser.parse_args(argv)
    started = time.monotonic()
    deadline = started + args.budget_s
    log = lambda line: print(line, file=sys.stderr, flush=True)  # noqa: E731

    if args.device == "cuda" and not torch.cuda.is_available():
        parser.error("--device cuda: this torch sees no CUDA device (use --device cpu --quick to check the script)")
    device = torch.device(args.device)
    variants = args.variants.split(",") if args.variants else list(VARIANTS if device.type == "cuda" else ("fp32",))
    for variant in variants:
        if variant not in VARIANTS:
            parser.error(f"unknown variant {variant}. Must be one of: {', '.join(VARIANTS)}")
    repeats = args.repeats or (2 if args.quick else 20)
    prompts = args.prompts or (8 if args.quick else PROMPTS)
    if device.type == "cuda":
        torch.backends.cudnn.benchmark = True  # fixed shapes: let cuDNN pick its fastest kernels (in the warm-ups)
    torch.manual_seed(SEED)

    size = "tiny" if args.quick else "full"
    log(f"building the {size} models with random weights on {device} …")
    models = build_models(size, device, log)
    resolution = models["generator"].config.size
    preview = PREVIEW if PREVIEW < resolution else resolution // 4
    inputs = inputs_for(models, preview, prompts, device)
    info, ort = device_info(device), onnxruntime_status()
    log(f"models ready after {time.monotonic() - started:.1f} s")

    macs = {}
    for key, _, module, x in stages_for(models, inputs):
        counter = MacCounter()
        with torch.inference_mode(), counter:
            module(x)
        macs[key] = counter.total()["macs"]

    rates, rows, references = {}, [], {}
    for variant in variants:
        set_tf32(variant == "tf32")
        if time.monotonic() > deadline:
            rows += [{"key": k, "label": label, "variant": variant, "skipped": "skipped (time budget)"} for k, label, _, _ in stages_for(models, inputs)]
            continue
        try:
            rates[variant] = gemm_rate(variant, device, GEMM_N[device.type] if not args.quick else 256)
        except RuntimeError as error:  # e.g. no float16 matmul on a CPU
            log(f"  {variant} GEMM rate: {str(error).splitlines()[0]}")
        for key, label, module, x in stages_for(models, inputs):
            row = {"key": key, "label": label, "variant": variant}
            if time.monotonic() > deadline:
                rows.append({**row, "skipped": "skipped (time budget)"})
                continue
            try:
                module_v, x_v = as_variant(module, x, variant)
                with torch.inference_mode():
                    timed = time_runs(lambda: module_v(x_v), device, warmup=args.warmup, repeats=repeats, deadline=deadline)
            except (RuntimeError, NotImplementedError) as error:  # e.g. float16 kernels missing on a CPU
                rows.append({**row, "error": str(error).splitlines()[0][:160]})
                log(f"  {variant} {label}: {rows[-1]['error']}")
                continue
            ms = sorted(timed["ms"])
            median = ms[len(ms) // 2] if len(ms) % 2 else (ms[len(ms) // 2 - 1] + ms[len(ms) // 2]) / 2
            row.update(median_ms=median, min_ms=ms[0], first_ms=timed["first_ms"], n=len(ms), ms=timed["ms"], macs=macs[key],
                       tflops=2 * macs[key] / median / 1e9,
                       floor_ms=2 * macs[key] / rates[variant] / 1e6 if variant in rates else None)
            if variant == "fp32":
                references[key] = timed["out"].detach()
            elif key in references:
                row["vs_fp32"] = compare(timed["out"], references[key])
            rows.append(row)
            log(f"  {variant} {label}: median {median:.2f} ms (first {timed['first_ms']:.0f} ms, n={len(ms)})")
            del module_v, x_v, timed
        if device.type == "cuda":
            torch.cuda.empty_cache()
    set_tf32(False)

    print_table(rows, rates, info, ort, with_targets=device.type == "cuda" and not args.quick)
    result = {"device": info, "onnxruntime": ort, "quick": args.quick, "preview": preview, "prompts": prompts,
              "gemm_gflops": rates, "targets_ms": TARGETS_MS, "elapsed_s": round(time.monotonic() - started, 1),
              "stages": rows}
    line = json.dumps(result)
    if args.json:
        args.json.write_text(line + "\n")
    print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
