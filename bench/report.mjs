// Turns the raw runs into rows (median, spread, PyTorch ratio, GFLOP/s against the machine's GEMM rate) and
// the issue's four targets, and prints them.

const TARGETS = {
  alphaDrag: 0.25, // α-drag preview ≤ 0.25 × PyTorch full-resolution synthesis (WASM, 1 thread)
  synthesis: 1.5, // full-resolution synthesis ≤ 1.5 × PyTorch (WASM, 1 thread)
  truncation: 4, // causal truncation ≥ 4 × faster than the full context, identical Δt
  // "Identical" Δt: equal up to float32 rounding. Calls of other batch sizes (length groups, a cached neutral)
  // change ORT's GEMM blocking, which moves the unit Δt by ~1e-8 per component.
  sameDeltaT: 1e-6,
};

export function median(values) {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** The PyTorch stage a row is compared with (time), and the one whose multiply-adds it runs. */
function torchStages(result) {
  const { stage, role, info } = result;
  if (role === 'synthesis' && stage.startsWith('synthesis ')) return { time: 'synthesis', macs: 'synthesis' };
  if (role?.startsWith('synthesisPreview:') && stage.startsWith('synthesis preview')) return { time: role, macs: role };
  if (stage.startsWith('α-drag')) return { time: 'synthesis', macs: role }; // the target compares with full-res torch
  if (stage.startsWith('inversion (')) return { time: 'inversion', macs: 'inversion' };
  if (stage === 'e4e encoder graph') return { time: 'encoder', macs: 'encoder' };
  if (role === 'clipText' && info?.tokens) return { time: `clipText@${info.tokens}`, macs: `clipText@${info.tokens}` };
  return {};
}

function torchPack(pack) {
  return pack === 'ffhq-random-fp16' ? 'ffhq-random' : pack; // same weights, rounded: same reference
}

/** Best measured f32 GEMM-like rate (GFLOP/s) per thread count: torch.mm, oneDNN convs, ORT's MatMul. */
function machineRates(runs, torch) {
  const rates = {};
  const note = (threads, source, gflops) => {
    if (!(gflops > 0)) return;
    rates[threads] ??= { best: 0, sources: {} };
    rates[threads].sources[source] = Math.max(rates[threads].sources[source] ?? 0, gflops);
    rates[threads].best = Math.max(rates[threads].best, gflops);
  };
  for (const t of torch) {
    const m = t.matmul;
    if (!m) continue;
    note(t.threads, 'torch.mm (system BLAS)', (2 * m.mm_macs) / median(m.mm.ms) / 1e6);
    note(t.threads, 'torch 1×1 conv (oneDNN)', (2 * m.conv1x1_macs) / median(m.conv1x1.ms) / 1e6);
    note(t.threads, 'torch 3×3 conv 512→512 @64² (oneDNN)', (2 * m.conv3x3_512_64_macs) / median(m.conv3x3_512_64.ms) / 1e6);
  }
  for (const run of runs) {
    for (const r of run.results) {
      if (r.group === 'matmul' && r.info?.macs) note(run.numThreads, `ORT MatMul ${run.backend}`, (2 * r.info.macs) / median(r.ms) / 1e6);
    }
  }
  return rates;
}

export function summarise({ runs, torch, cores }) {
  const rates = machineRates(runs, torch);
  const rows = [];
  for (const run of runs) {
    for (const r of run.results) {
      const torchThreads = run.backend === 'node-wasm-all' ? cores : 1;
      const ref = torch.find((t) => t.pack === torchPack(run.pack) && t.threads === torchThreads);
      const { time, macs } = torchStages(r);
      const torchTime = ref?.stages.find((s) => s.stage === time);
      const torchFast = ref?.stages.find((s) => s.stage === `${time}@onednn`);
      const macStage = ref?.stages.find((s) => s.stage === macs);
      const med = median(r.ms);
      const macCount = r.info?.macs ?? macStage?.macs ?? null;
      const gflops = macCount && med ? (2 * macCount) / med / 1e6 : null;
      const machine = rates[run.numThreads]?.best;
      rows.push({
        pack: run.pack, backend: run.backend, threads: run.numThreads, group: r.group, stage: r.stage,
        n: r.ms.length, medianMs: med, minMs: r.ms.length ? Math.min(...r.ms) : null, maxMs: r.ms.length ? Math.max(...r.ms) : null,
        firstMs: r.firstMs ?? null, torchMs: torchTime ? median(torchTime.ms) : null, torchStage: torchTime ? time : null,
        ratio: torchTime && med ? med / median(torchTime.ms) : null,
        torchOnednnMs: torchFast ? median(torchFast.ms) : null, ratioOnednn: torchFast && med ? med / median(torchFast.ms) : null,
        macs: macCount, gflops,
        machineFraction: gflops && machine ? gflops / machine : null, peakRssMiB: run.peakRssMiB ?? null, info: r.info ?? null,
      });
    }
  }
  return { rows, machineRates: rates, targets: targets(rows), errors: runs.filter((r) => r.error).map((r) => `${r.backend} ${r.pack} ${r.group}: ${r.error}`) };
}

function targets(rows) {
  const find = (predicate) => rows.filter(predicate);
  const out = [];
  for (const r of find((r) => r.stage.startsWith('α-drag') && r.threads === 1)) {
    out.push({ target: 'α-drag preview ≤ 0.25 × PyTorch full synthesis (1 thread)', pack: r.pack, backend: r.backend, value: r.ratio, limit: TARGETS.alphaDrag, met: r.ratio !== null ? r.ratio <= TARGETS.alphaDrag : null, detail: `${fmt(r.medianMs)} ms vs torch ${fmt(r.torchMs)} ms${vsOnednn(r)}` });
  }
  for (const r of find((r) => r.stage.endsWith('(full)') && r.threads === 1)) {
    out.push({ target: 'full synthesis ≤ 1.5 × PyTorch (1 thread)', pack: r.pack, backend: r.backend, value: r.ratio, limit: TARGETS.synthesis, met: r.ratio !== null ? r.ratio <= TARGETS.synthesis : null, detail: `${fmt(r.medianMs)} ms vs torch ${fmt(r.torchMs)} ms${vsOnednn(r)}` });
  }
  for (const full of find((r) => r.stage.startsWith('text encode, full context'))) {
    const cut = rows.find((r) => r.pack === full.pack && r.backend === full.backend && r.stage.startsWith('text encode, causal truncation ('));
    const diff = rows.find((r) => r.pack === full.pack && r.backend === full.backend && r.stage.startsWith('Δt truncated vs full'));
    if (!cut) continue;
    const speedup = full.medianMs / cut.medianMs;
    const maxAbsDiff = diff?.info?.maxAbsDiff ?? null;
    out.push({ target: 'new prompt Δt: truncation ≥ 4 × faster, identical (max |diff| ≤ 1e-6)', pack: full.pack, backend: full.backend, value: speedup, limit: TARGETS.truncation, met: speedup >= TARGETS.truncation && maxAbsDiff !== null && maxAbsDiff <= TARGETS.sameDeltaT, detail: `${full.info?.promptTokens} prompt-tokens ${fmt(full.medianMs)} ms vs ${cut.info?.promptTokens} in ${cut.info?.calls?.length} calls ${fmt(cut.medianMs)} ms; Δt max |diff| ${maxAbsDiff}` });
  }
  for (const r of find((r) => r.stage.startsWith('α-drag'))) {
    const loaded = r.info?.graphsLoaded ?? [];
    const clip = r.info?.clipGraphsLoaded ?? [];
    out.push({ target: 'preset edit needs no CLIP graph', pack: r.pack, backend: r.backend, value: clip.length, limit: 0, met: clip.length === 0 && r.info?.tokenizerLoaded === false, detail: `graphs opened: ${loaded.join(', ')}; tokenizer loaded: ${r.info?.tokenizerLoaded}` });
  }
  return out;
}

/** The same row against the strongest torch baseline (OneDnnRoutes), which the targets do not use. */
function vsOnednn(r) {
  return r.torchOnednnMs === null ? '' : `; vs torch with oneDNN routes ${fmt(r.torchOnednnMs)} ms = ${fmt(r.ratioOnednn, 2)}×`;
}

function fmt(x, digits = 1) {
  if (x === null || x === undefined || Number.isNaN(x)) return '–';
  if (Math.abs(x) >= 100) return x.toFixed(0);
  if (Math.abs(x) >= 10) return x.toFixed(digits);
  return x.toPrecision(digits + 1);
}

function table(header, lines) {
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => String(l[i]).length)));
  const row = (cells) => cells.map((c, i) => (i < 3 ? String(c).padEnd(widths[i]) : String(c).padStart(widths[i]))).join('  ');
  return [row(header), widths.map((w) => '-'.repeat(w)).join('  '), ...lines.map(row)].join('\n');
}

export function printReport({ summary, meta }) {
  const lines = summary.rows.filter((r) => r.n > 0).map((r) => [
    r.pack, `${r.backend}`, r.stage, fmt(r.medianMs), r.n > 1 ? `${fmt(r.minMs)}–${fmt(r.maxMs)}` : '', r.n, fmt(r.firstMs),
    fmt(r.torchMs), r.ratio !== null ? `${fmt(r.ratio, 2)}×` : '–', fmt(r.torchOnednnMs), r.ratioOnednn !== null ? `${fmt(r.ratioOnednn, 2)}×` : '–',
    r.macs ? fmt(r.macs / 1e9, 2) : '–', fmt(r.gflops),
    r.machineFraction !== null ? `${(100 * r.machineFraction).toFixed(0)}%` : '–', fmt(r.peakRssMiB),
  ]);
  console.log(`\nfacetext bench — ${meta.cpu ?? meta.cpuModel}, ${meta.cores} cores, Node ${meta.node}, onnxruntime-web ${meta.onnxruntimeWeb}, torch ${meta.torch?.version ?? '–'}`);
  console.log(`load average before ${meta.loadAverageBefore.map((x) => x.toFixed(1)).join(' ')}, after ${meta.loadAverageAfter.map((x) => x.toFixed(1)).join(' ')} (${meta.caveat})\n`);
  console.log(table(['pack', 'backend', 'stage', 'median ms', 'min–max', 'n', 'first', 'torch ms', 'ours/torch', 'oneDNN ms', 'ours/oneDNN', 'GMAC', 'GFLOP/s', '% GEMM', 'RSS MiB'], lines));
  console.log('\nmachine f32 GEMM rate (GFLOP/s, best measured per thread count):');
  for (const [threads, { best, sources }] of Object.entries(summary.machineRates)) {
    console.log(`  ${threads} thread(s): ${fmt(best)}  (${Object.entries(sources).map(([s, g]) => `${s} ${fmt(g)}`).join('; ')})`);
  }
  const profiles = summary.rows.filter((r) => r.group === 'profile' && r.info?.byOp);
  if (profiles.length > 0) console.log('\nwhere the time goes (ORT profiler, one warm run; kernel time by node type, then the slowest nodes):');
  for (const r of profiles) {
    const { kernelMs, byOp, slowest } = r.info;
    console.log(`  ${r.pack} ${r.backend} ${r.stage.replace(/^profile /, '')}: run ${fmt(r.medianMs)} ms, kernels ${fmt(kernelMs)} ms`);
    console.log(`    ${byOp.filter((o) => o.share >= 0.005).map((o) => `${o.op} ${(100 * o.share).toFixed(1)}% (${fmt(o.ms)} ms, ${o.nodes})`).join(' · ')}`);
    for (const n of slowest.slice(0, 6)) console.log(`    ${fmt(n.ms).padStart(7)} ms  ${n.op.padEnd(14)} ${JSON.stringify(n.input)} → ${JSON.stringify(n.output)}  ${n.node}`);
  }
  console.log('\ntargets:');
  for (const t of summary.targets) {
    const verdict = t.met === null ? 'not measured' : t.met ? 'MET' : 'MISSED';
    console.log(`  ${verdict.padEnd(12)} ${t.target} — ${t.pack} ${t.backend}: ${t.value === null ? '–' : fmt(t.value, 2)} (limit ${t.limit}) ${t.detail}`);
  }
  for (const error of summary.errors) console.log(`  error: ${error}`);
}
