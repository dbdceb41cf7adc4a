"""PyTorch reference timings for `npm run bench`: the exporter's own modules (models/export), same weights, same CPU.

    python3 bench/torch_reference.py --stylegan G.pt --e4e E.pt --clip C.pt --threads 1 [--previews 256]
        [--text-lengths 77,18] [--prompts 158] [--repeats 3] [--warmup 1] [--matmul 1024]

Prints one JSON object: {"stages": [{"stage", "ms": [...], "first_ms"}], "blas": {...}, "matmul": {...}, "torch": {...}}.
"blas" names the BLAS this process really loaded (from /proc/self/maps; OpenBLAS's core via ctypes) and its f32
GEMM rate, measured here (torch.mm n×n×n, best of a few), beside oneDNN's (a batch-16 1×1 conv): bench/run.mjs
starts this script with Debian's OpenBLAS on LD_LIBRARY_PATH, and the report withholds ratios against a weak BLAS.
Stage names match the ORT side's roles: synthesis, synthesisPreview:<r>, inversion (e4e + affine, as the engine's
invert), encoder, clipText@L (N prompts at token length L); each also as <stage>@onednn, the same modules with
OneDnnRoutes (transposed convs and Linear layers moved onto oneDNN), with its max |diff| from the plain run.
The modules are the exporter's ONNX-friendly forms (non-fused modulated conv, depthwise blur), i.e. the same
arithmetic as the exported graphs; upstream rosinality's fused grouped conv would be a different baseline.
"""
from __future__ import annotations

import argparse
import ctypes
import json
import os
import platform
import re
import sys
import time
from pathlib import Path

import torch
import torch.nn.functional as F
from torch.overrides import TorchFunctionMode

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from models.export.checkpoints import load_generator_checkpoint  # noqa: E402
from models.export.graphs import ClipText, Encoder, SynthesisStage  # noqa: E402

SEED = 20240611
GEMM_N = 1024  # the in-process GEMM probe: n×n×n float32 (2.1 GFLOP: 0.5 s on the reference BLAS, 25 ms on OpenBLAS)
GEMM_RUNS = 3  # timed runs after one warm-up; the best counts (a rate, not a latency)
ONEDNN_BATCH = 16  # torch 1.13 sends a 1×1 conv to oneDNN only with a batch ≥ 16 or more than one thread


class MacCounter(TorchFunctionMode):
    """Counts the multiply-adds of conv, transposed conv, linear and matmul calls made inside it.

    The modules are the ones the graphs are traced from, so this is the graph's count: Conv = output elements ×
    C_in/groups × kernel; ConvTranspose = input elements × C_out/groups × kernel (the input-grid count of
    spec/runtime.md §7); Linear/MatMul = output elements × K. Element-wise work is not counted.
    """

    CONV = {F.conv2d}
    CONV_T = {F.conv_transpose2d}
    MATMUL = {torch.matmul, torch.Tensor.__matmul__, torch.mm, torch.bmm, torch.Tensor.matmul}

    def __init__(self):
        super().__init__()
        self.by_op: dict[str, int] = {}

    def total(self) -> dict:
        return {"macs": sum(self.by_op.values()), "by_op": self.by_op}

    def add(self, op: str, macs: int) -> None:
        self.by_op[op] = self.by_op.get(op, 0) + int(macs)

    def __torch_function__(self, func, types, args=(), kwargs=None):
        out = func(*args, **(kwargs or {}))
        if func in self.CONV:
            weight = args[1] if len(args) > 1 else kwargs["weight"]
            self.add("Conv", out.numel() * weight[0].numel())
        elif func in self.CONV_T:
            x, weight = args[0], args[1]
            self.add("ConvTranspose", x.numel() * weight[0].numel())
        elif func is F.linear:
            self.add("MatMul", out.numel() * args[0].shape[-1])
        elif func in self.MATMUL:
            self.add("MatMul", out.numel() * args[0].shape[-1])
        return out


class OneDnnRoutes(TorchFunctionMode):
    """Sends the two calls that miss oneDNN in Debian's torch 1.13 through it, with the same arithmetic.

    conv_transpose2d runs as aten::slow_conv_transpose2d (im2col/col2im on the reference BLAS): here it becomes
    zero-insertion + padding + conv2d with the flipped, transposed kernel (4× the multiplies of a stride-2
    ConvTranspose, all of them on oneDNN). linear runs on the reference netlib BLAS (`BLAS_INFO=generic`): here it
    becomes a 1×1 conv with the rows as its batch. This is the strongest CPU baseline this torch can give; the exporter's plain
    modules stay the issue's reference.
    """

    def __torch_function__(self, func, types, args=(), kwargs=None):
        kwargs = kwargs or {}
        if func is F.conv_transpose2d:
            return self.conv_transpose2d(*args, **kwargs)
        if func is F.linear:
            return self.linear(*args, **kwargs)
        return func(*args, **kwargs)

    @staticmethod
    def conv_transpose2d(x, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1, dilation=1):
        if groups != 1 or dilation != 1:
            raise ValueError("OneDnnRoutes handles group-1, dilation-1 transposed convs only")
        s, p, op = _pair(stride), _pair(padding), _pair(output_padding)
        n, c, h, w = x.shape
        k_h, k_w = weight.shape[-2:]
        spread = x.new_zeros(n, c, (h - 1) * s[0] + 1, (w - 1) * s[1] + 1)
        spread[:, :, :: s[0], :: s[1]] = x
        spread = F.pad(spread, (k_w - 1 - p[1], k_w - 1 - p[1] + op[1], k_h - 1 - p[0], k_h - 1 - p[0] + op[0]))
        return F.conv2d(spread, torch.flip(weight, [2, 3]).transpose(0, 1), bias)

    @staticmethod
    def linear(x, weight, bias=None):
        # Rows as the batch of a 1×1 conv: torch 1.13 sends a 1×1 conv to oneDNN only with a batch ≥ 16 or more
        # than one thread (else aten::_slow_conv2d_forward, the same reference BLAS); the linear layers here have
        # at least 18 rows, except the e4e/mapping ones on one vector, which stay on BLAS at negligible cost.
        rows = x.reshape(-1, x.shape[-1])
        out = F.conv2d(rows[:, :, None, None], weight[:, :, None, None], bias)  # [rows, out, 1, 1]
        return out.reshape(*x.shape[:-1], weight.shape[0])


def _pair(value) -> tuple[int, int]:
    return tuple(value) if isinstance(value, (tuple, list)) else (value, value)


def both_routes(stage: str, work, runs: dict) -> list[dict]:
    """The stage through the exporter's modules, and again with OneDnnRoutes (+ how far the two outputs differ).

    Each side's first run gives the output compared and counts as its first warm-up (the plain one also counts
    the multiply-adds), so no run is spent on the comparison alone: a full-context CLIP encode takes minutes.
    """
    counter = MacCounter()
    with counter:
        plain, plain_first_ms = timed_once(work)
    with OneDnnRoutes():
        routed, routed_first_ms = timed_once(work)
        fast = timed_runs(work, **runs, first_ms=routed_first_ms)
    diff = float((plain - routed).abs().max())
    return [{"stage": stage, **timed_runs(work, **runs, first_ms=plain_first_ms), **counter.total()},
            {"stage": f"{stage}@onednn", **fast, "max_abs_diff_vs_plain": diff}]


def timed_once(work) -> tuple[torch.Tensor, float]:
    start = time.perf_counter()
    out = work()
    return out, (time.perf_counter() - start) * 1000


def timed_runs(work, *, repeats: int, warmup: int, first_ms: float | None = None) -> dict:
    """`repeats` timed runs after `warmup` untimed ones; `first_ms`: the first warm-up, when the caller ran it."""
    first = first_ms
    for i in range(warmup if first_ms is None else max(warmup - 1, 0)):
        start = time.perf_counter()
        work()
        if i == 0 and first is None:
            first = (time.perf_counter() - start) * 1000
    ms = []
    for _ in range(repeats):
        start = time.perf_counter()
        work()
        ms.append((time.perf_counter() - start) * 1000)
    return {"ms": ms, "first_ms": first}


class SynthesisTo(torch.nn.Module):
    """The synthesis from S up to the exit `stop` (None: the full size) as one module returning the image only: the
    pack's chain of stages run back to back computes the same."""

    def __init__(self, generator, stop: int | None = None):
        super().__init__()
        self.stage = SynthesisStage(generator, None, stop)

    def forward(self, s: torch.Tensor) -> torch.Tensor:
        out = self.stage(s)
        return out[0] if isinstance(out, tuple) else out


def generator_stages(path: Path, previews: list[int], runs: dict) -> list[dict]:
    checkpoint = load_generator_checkpoint(path)
    generator, latent_avg = checkpoint.generator, checkpoint.latent_avg
    cfg = generator.config
    with torch.inference_mode():
        s = generator.affine(latent_avg.expand(1, cfg.n_latent, -1).contiguous())
    stages = []
    for role, resolution in [("synthesis", None)] + [(f"synthesisPreview:{r}", r) for r in previews]:
        module = SynthesisTo(generator, resolution).eval()
        with torch.inference_mode():
            stages += both_routes(role, lambda: module(s), runs)
    return stages, generator, latent_avg


def inversion_stages(path: Path, generator, runs: dict) -> list[dict]:
    from models.export.e4e import load_e4e_checkpoint

    checkpoint = load_e4e_checkpoint(path)
    encoder = Encoder(checkpoint.encoder, checkpoint.latent_avg).eval()
    image = torch.rand(1, 3, 256, 256, generator=torch.Generator().manual_seed(SEED)) * 2 - 1
    with torch.inference_mode():
        return both_routes("encoder", lambda: encoder(image), runs) + \
            both_routes("inversion", lambda: generator.affine(encoder(image)), runs)


def text_stages(path: Path, lengths: list[int], prompts: int, runs: dict) -> list[dict]:
    from models.export.clip import load_clip_checkpoint

    clip = load_clip_checkpoint(path)
    text = ClipText(clip).eval()
    rng = torch.Generator().manual_seed(SEED)
    stages = []
    for length in lengths:
        # Token values do not change the cost; SOT … EOT at the last position, like the longest prompt.
        tokens = torch.randint(0, clip.vocab_size - 2, (prompts, length), generator=rng, dtype=torch.int32)
        tokens[:, 0] = clip.vocab_size - 2
        tokens[:, -1] = clip.vocab_size - 1
        with torch.inference_mode():
            stages += [{**stage, "prompts": prompts} for stage in both_routes(f"clipText@{length}", lambda: text(tokens), runs)]
    return stages


def matmul_rates(n: int, runs: dict) -> dict:
    """f32 GEMM n×n×n through torch.mm (the BLAS loaded) and as a batch-16 1×1 conv (oneDNN), plus the 3×3 512→512 conv at 64².

    A batch-1 1×1 conv is no oneDNN probe at 1 thread: torch 1.13 runs it as aten::_slow_conv2d_forward on the BLAS.
    """
    a = torch.randn(n, n)
    b = torch.randn(n, n)
    x = onednn_gemm_input(n)
    w = torch.randn(n, n, 1, 1)
    x3 = torch.randn(1, 512, 64, 64)
    w3 = torch.randn(512, 512, 3, 3)
    with torch.inference_mode():
        mm = timed_runs(lambda: torch.mm(a, b), **runs)
        conv1 = timed_runs(lambda: F.conv2d(x, w), **runs)
        conv3 = timed_runs(lambda: F.conv2d(x3, w3, padding=1), **runs)
    return {"n": n, "mm": mm, "mm_macs": n**3, "conv1x1": conv1, "conv1x1_macs": n**3,
            "conv3x3_512_64": conv3, "conv3x3_512_64_macs": 64 * 64 * 512 * 512 * 9}


def onednn_gemm_input(n: int) -> torch.Tensor:
    """[16, n, n/16, 1]: a 1×1 conv over n positions with an n×n weight is n³ multiply-adds, on oneDNN."""
    return torch.randn(ONEDNN_BATCH, n, max(n // ONEDNN_BATCH, 1), 1)


def gemm_rate(work, macs: int, runs: int = GEMM_RUNS) -> dict:
    """Best of `runs` timed calls after one warm-up, as GFLOP/s (2 flops per multiply-add)."""
    with torch.inference_mode():
        work()
        ms = []
        for _ in range(runs):
            start = time.perf_counter()
            work()
            ms.append((time.perf_counter() - start) * 1000)
    return {"ms": ms, "best_ms": min(ms), "macs": macs, "gflops": 2 * macs / min(ms) / 1e6}


def blas_info(gemm_n: int = GEMM_N) -> dict:
    """Which BLAS this process loaded (its own /proc/self/maps), its OpenBLAS core, and its f32 GEMM rate here.

    torch's BLAS_INFO is a build setting ("generic" on Debian: whatever libblas.so.3 the loader finds), so the
    mapped files are the truth: the reference netlib libblas.so.3, or OpenBLAS when LD_LIBRARY_PATH puts its
    libblas.so.3 first. `gemm` is torch.mm's rate (that BLAS); `onednn_gemm` a batch-16 1×1 conv (oneDNN).
    """
    info = {"OPENBLAS_CORETYPE": os.environ.get("OPENBLAS_CORETYPE"), "OPENBLAS_L2_SIZE": os.environ.get("OPENBLAS_L2_SIZE"),
            "LD_LIBRARY_PATH": os.environ.get("LD_LIBRARY_PATH"), "torch_build": torch_blas_setting()}
    libraries = set()
    with open("/proc/self/maps") as maps:
        for line in maps:
            path = line.split()[-1]
            if any(word in Path(path).name for word in ("blas", "lapack", "mkl", "dnnl")):
                libraries.add(path)
    info["libraries"] = sorted(libraries)
    for path in sorted(libraries):
        try:
            lib = ctypes.CDLL(path)
            lib.openblas_get_config.restype = ctypes.c_char_p
            lib.openblas_get_corename.restype = ctypes.c_char_p
            info["openblas_config"] = lib.openblas_get_config().decode()
            info["openblas_core"] = lib.openblas_get_corename().decode()
            break
        except (OSError, AttributeError):
            continue
    info["name"] = blas_name(info)
    a, b = torch.randn(gemm_n, gemm_n), torch.randn(gemm_n, gemm_n)
    info["gemm"] = {"op": f"torch.mm {gemm_n}×{gemm_n}×{gemm_n} float32", **gemm_rate(lambda: torch.mm(a, b), gemm_n**3)}
    x, w = onednn_gemm_input(gemm_n), torch.randn(gemm_n, gemm_n, 1, 1)
    info["onednn_gemm"] = {"op": f"1×1 conv, batch {ONEDNN_BATCH}, {gemm_n}³ float32", **gemm_rate(lambda: F.conv2d(x, w), gemm_n**3)}
    return info


def torch_blas_setting() -> str | None:
    """torch's build setting (BLAS_INFO=generic on Debian), which says nothing about the library loaded."""
    match = re.search(r"BLAS_INFO=([^,\s]+)", torch.__config__.show())
    return match.group(0) if match else None


def blas_name(info: dict) -> str:
    """A short label: "OpenBLAS 0.3.21 Zen (single-threaded)", "reference BLAS (netlib libblas.so.3.11.0)", …"""
    config = info.get("openblas_config")
    if config:
        words = config.split()
        version = words[1] if len(words) > 1 else "?"
        threading = "single-threaded" if "SINGLE_THREADED" in words else "OpenMP" if "USE_OPENMP" in words else "threaded"
        return f"OpenBLAS {version} {info.get('openblas_core')} ({threading})"
    names = [Path(p).name for p in info.get("libraries", [])]
    if any("mkl" in n for n in names):
        return "MKL"
    blas = [p for p in info.get("libraries", []) if Path(p).name.startswith("libblas.so")]
    if blas and "/blas/" in blas[0]:
        return f"reference BLAS (netlib {Path(blas[0]).name})"
    return f"unknown BLAS ({', '.join(names) or 'none mapped'})"


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stylegan", type=Path)
    parser.add_argument("--e4e", type=Path)
    parser.add_argument("--clip", type=Path)
    parser.add_argument("--previews", default="", help="comma list of preview resolutions")
    parser.add_argument("--text-lengths", default="77", help="comma list of token lengths L")
    parser.add_argument("--prompts", type=int, default=158, help="prompts per text encode (2 × 79 templates)")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--warmup", type=int, default=1)
    parser.add_argument("--matmul", type=int, default=0, help="n of an n×n×n GEMM rate measurement (0: none)")
    parser.add_argument("--matmul-onnx", type=Path, help="also write the n×n×n MatMul ONNX graph (the wasm GEMM probe) here")
    parser.add_argument("--only", default="synthesis,inversion,text", help="comma list of synthesis, inversion, text")
    parser.add_argument("--gemm-n", type=int, default=GEMM_N, help="n of the in-process GEMM rate probe (always run)")
    args = parser.parse_args(argv)

    torch.set_num_threads(args.threads)
    torch.manual_seed(SEED)
    blas = blas_info(args.gemm_n)  # first, while nothing else holds memory or caches
    print(f"torch reference: {blas['name']}, torch.mm {blas['gemm']['gflops']:.1f} GFLOP/s, oneDNN 1×1 conv "
          f"{blas['onednn_gemm']['gflops']:.1f} GFLOP/s ({args.threads} thread(s))", file=sys.stderr)
    runs = {"repeats": args.repeats, "warmup": args.warmup}
    only = {part for part in args.only.split(",") if part}
    stages: list[dict] = []
    generator = None
    if args.stylegan and only & {"synthesis", "inversion"}:
        previews = [int(r) for r in args.previews.split(",") if r]
        synthesis, generator, _ = generator_stages(args.stylegan, previews, runs)
        if "synthesis" in only:
            stages += synthesis
    if args.e4e and generator is not None and "inversion" in only:
        stages += inversion_stages(args.e4e, generator, runs)
    if args.clip and "text" in only:
        stages += text_stages(args.clip, [int(n) for n in args.text_lengths.split(",") if n], args.prompts, runs)
    result = {
        "stages": stages,
        "threads": torch.get_num_threads(),
        "torch": {"version": torch.__version__, "mkldnn": torch.backends.mkldnn.is_available(),
                  "capability": torch.backends.cpu.get_cpu_capability() if hasattr(torch.backends, "cpu") else None},
        "cpu": cpu_model(),
        "blas": blas,
    }
    if args.matmul:
        result["matmul"] = matmul_rates(args.matmul, runs)
    if args.matmul and args.matmul_onnx:
        sys.path.insert(0, str(Path(__file__).resolve().parent))
        from graph_macs import matmul_graph

        import onnx
        onnx.save(matmul_graph(args.matmul), str(args.matmul_onnx))
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
