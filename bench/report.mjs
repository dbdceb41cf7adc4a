// Turns the raw runs into rows (median, spread, PyTorch ratios, the best native time, the floor and GFLOP/s
// against the machine's best measured f32 rate) and the issues' targets, and prints them.

const TARGETS = {
  alphaDrag: 0.25, // α-drag preview ≤ 0.25 × PyTorch full-resolution synthesis (WASM, 1 thread; issue 12)
  synthesis: 1.0, // full-resolution synthesis ≤ 1.0 × the OpenBLAS-torch modules (WASM, 1 thread; issue 16, was 1.5)
  inversion: 2.0, // inversion ≤ 2 × torch (WASM, 1 thread; issue 16)
  truncation: 4, // causal truncation ≥ 4 × faster than the full context, identical Δt
  // "Identical" Δt: equal up to float32 rounding. Calls of other batch sizes (length groups, a cached neutral)
  // change ORT's GEMM blocking, which moves the unit Δt by ~1e-8 per component.
  sameDeltaT: 1e-6,
};
// A PyTorch reference whose GEMM rate is under this fraction of the machine's best measured f32 rate is weak
// (Debian torch's reference netlib BLAS: ~4 GFLOP/s): no ratio is reported against it (issue 16).
const WEAK_REFERENCE = 0.5;

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
  // Built from ffhq-random's checkpoints (fp16: the weights rounded; fp32enc: the float32 encoder): same reference.
  return pack === 'ffhq-random-fp16' || pack === 'ffhq-random-fp32enc' ? 'ffhq-random' : pack;
}

/** Best measured f32 GEMM-like rate (GFLOP/s) per thread count: torch.mm (its BLAS), oneDNN convs, ORT's MatMul. */
function machineRates(runs, torch) {
  const rates = {};
  const note = (threads, source, gflops) => {
    if (!(gflops > 0)) return;
    rates[threads] ??= { best: 0, sources: {} };
    rates[threads].sources[source] = Math.max(rates[threads].sources[source] ?? 0, gflops);
    rates[threads].best = Math.max(rates[threads].best, gflops);
  };
  for (const t of torch) {
    const blas = t.blas?.name ?? 'system BLAS';
    if (t.blas?.gemm) note(t.threads, `torch.mm (${blas})`, t.blas.gemm.gflops);
    if (t.blas?.onednn_gemm) note(t.threads, 'torch 1×1 conv, batch 16 (oneDNN)', t.blas.onednn_gemm.gflops);
    const m = t.matmul;
    if (!m) continue;
    // Best of the timed runs: a rate, as the in-process probes.
    note(t.threads, `torch.mm (${blas})`, (2 * m.mm_macs) / Math.min(...m.mm.ms) / 1e6);
    note(t.threads, 'torch 1×1 conv, batch 16 (oneDNN)', (2 * m.conv1x1_macs) / Math.min(...m.conv1x1.ms) / 1e6);
    note(t.threads, 'torch 3×3 conv 512→512 @64² (oneDNN)', (2 * m.conv3x3_512_64_macs) / Math.min(...m.conv3x3_512_64.ms) / 1e6);
  }
  for (const run of runs) {
    for (const r of run.results) {
      if (r.group === 'matmul' && r.info?.macs) note(run.numThreads, `ORT MatMul ${run.backend}`, (2 * r.info.macs) / Math.min(...r.ms) / 1e6);
    }
  }
  return rates;
}

/**
 * How strong each side of a PyTorch reference is: its GEMM rate (torch.mm on the BLAS it loaded; oneDNN's for the
 * oneDNN routes) against the machine's best. Weak sides get no ratio (issue 16).
 */
function referenceStrength(ref, rates) {
  const best = rates[ref.threads]?.best ?? null;
  const side = (gflops, label) => {
    if (!(gflops > 0)) return { gflops: null, weak: false, label };
    const weak = best !== null && gflops < WEAK_REFERENCE * best;
    return { gflops, weak, label, withheld: weak ? `n/a (weak reference: ${fmt(gflops)} GFLOP/s)` : null };
  };
  // The best of the process's probes of each side (the in-process one, and --matmul's when run): one probe of
  // three runs can be unlucky on a loaded machine.
  const m = ref.matmul;
  const mm = m ? (2 * m.mm_macs) / Math.min(...m.mm.ms) / 1e6 : 0;
  const conv = m ? (2 * m.conv1x1_macs) / Math.min(...m.conv1x1.ms) / 1e6 : 0;
  return {
    blas: ref.blas?.name ?? null,
    plain: side(Math.max(ref.blas?.gemm?.gflops ?? 0, mm), `torch (${ref.blas?.name ?? 'BLAS unknown'})`),
    onednn: side(Math.max(ref.blas?.onednn_gemm?.gflops ?? 0, conv), 'torch, oneDNN routes'),
  };
}

export function summarise({ runs, torch, cores }) {
  const rates = machineRates(runs, torch);
  const references = torch.map((t) => ({ pack: t.pack, threads: t.threads, ...referenceStrength(t, rates) }));
  const rows = [];
  for (const run of runs) {
    for (const r of run.results) {
      const torchThreads = run.backend === 'node-wasm-all' ? cores : 1;
      const refIndex = torch.findIndex((t) => t.pack === torchPack(run.pack) && t.threads === torchThreads);
      const ref = torch[refIndex];
      const strength = references[refIndex];
      const { time, macs } = torchStages(r);
      const torchTime = ref?.stages.find((s) => s.stage === time);
      const torchFast = ref?.stages.find((s) => s.stage === `${time}@onednn`);
      const macStage = ref?.stages.find((s) => s.stage === macs);
      const med = median(r.ms);
      const macCount = r.info?.macs ?? macStage?.macs ?? null;
      const gflops = macCount && med ? (2 * macCount) / med / 1e6 : null;
      const machine = rates[run.numThreads]?.best;
      const torchMs = torchTime ? median(torchTime.ms) : null;
      const torchOnednnMs = torchFast ? median(torchFast.ms) : null;
      const native = bestNative({ ref, strength, stage: macs });
      rows.push({
        pack: run.pack, backend: run.backend, threads: run.numThreads, group: r.group, stage: r.stage,
        n: r.ms.length, medianMs: med, minMs: r.ms.length ? Math.min(...r.ms) : null, maxMs: r.ms.length ? Math.max(...r.ms) : null,
        firstMs: r.firstMs ?? null, torchMs, torchStage: torchTime ? time : null, torchBlas: strength?.blas ?? null,
        torchGemmGflops: strength?.plain.gflops ?? null,
        ratio: torchMs && med && !strength?.plain.weak ? med / torchMs : null,
        ratioWithheld: torchMs && strength?.plain.weak ? strength.plain.withheld : null,
        torchOnednnMs, ratioOnednn: torchOnednnMs && med && !strength?.onednn.weak ? med / torchOnednnMs : null,
        ratioOnednnWithheld: torchOnednnMs && strength?.onednn.weak ? strength.onednn.withheld : null,
        bestNativeMs: native?.ms ?? null, bestNativeSource: native?.source ?? null, bestNativeStage: native ? macs : null,
        ratioBestNative: native && med ? med / native.ms : null,
        macs: macCount, gflops, machineGflops: machine ?? null, floorMs: macCount && machine ? (2 * macCount) / machine / 1e6 : null,
        machineFraction: gflops && machine ? gflops / machine : null, peakRssMiB: run.peakRssMiB ?? null, info: r.info ?? null,
      });
    }
  }
  return { rows, machineRates: rates, references, targets: targets(rows), errors: runs.filter((r) => r.error).map((r) => `${r.backend} ${r.pack} ${r.group}: ${r.error}`) };
}

/**
 * The fastest strong native run of the same work (the stage whose multiply-adds the row runs: the α-drag row's
 * is the preview, not the full synthesis its target compares with): the plain torch modules or the oneDNN routes.
 */
function bestNative({ ref, strength, stage }) {
  if (ref === undefined || stage === undefined) return null;
  const candidates = [
    { s: ref.stages.find((x) => x.stage === stage), side: strength.plain },
    { s: ref.stages.find((x) => x.stage === `${stage}@onednn`), side: strength.onednn },
  ].filter(({ s, side }) => s && s.ms.length > 0 && !side.weak)
    .map(({ s, side }) => ({ ms: median(s.ms), source: side.label }));
  return candidates.sort((a, b) => a.ms - b.ms)[0] ?? null;
}

function targets(rows) {
  const find = (predicate) => rows.filter(predicate);
  const out = [];
  const ratioTarget = (r, target, limit) => ({
    target, pack: r.pack, backend: r.backend, value: r.ratio, limit, met: r.ratio !== null ? r.ratio <= limit : null,
    detail: `${fmt(r.medianMs)} ms vs torch ${fmt(r.torchMs)} ms (${r.torchBlas ?? 'BLAS unknown'}${r.ratioWithheld ? `: ${r.ratioWithheld}` : ''})${vsOnednn(r)}`,
  });
  for (const r of find((r) => r.stage.startsWith('α-drag') && r.threads === 1)) {
    out.push(ratioTarget(r, 'α-drag preview ≤ 0.25 × PyTorch full synthesis (1 thread)', TARGETS.alphaDrag));
  }
  for (const r of find((r) => r.stage.endsWith('(full)') && r.threads === 1)) {
    out.push(ratioTarget(r, 'full synthesis ≤ 1.0 × PyTorch (1 thread)', TARGETS.synthesis));
  }
  for (const r of find((r) => r.stage.startsWith('inversion (') && r.threads === 1)) {
    out.push(ratioTarget(r, 'inversion ≤ 2 × PyTorch (1 thread)', TARGETS.inversion));
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
  if (r.torchOnednnMs === null) return '';
  return `; vs torch with oneDNN routes ${fmt(r.torchOnednnMs)} ms = ${r.ratioOnednn !== null ? `${fmt(r.ratioOnednn, 2)}×` : r.ratioOnednnWithheld}`;
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

/** A ratio cell: "0.42×", or why there is none. */
function ratioCell(ratio, withheld) {
  if (ratio !== null) return `${fmt(ratio, 2)}×`;
  return withheld ?? '–';
}

export function printReport({ summary, meta }) {
  const lines = summary.rows.filter((r) => r.n > 0).map((r) => [
    r.pack, `${r.backend}`, r.stage, fmt(r.medianMs), r.n > 1 ? `${fmt(r.minMs)}–${fmt(r.maxMs)}` : '', r.n, fmt(r.firstMs),
    fmt(r.torchMs), ratioCell(r.ratio, r.ratioWithheld), fmt(r.torchOnednnMs), ratioCell(r.ratioOnednn, r.ratioOnednnWithheld),
    ratioCell(r.ratioBestNative, null), fmt(r.floorMs),
    r.macs ? fmt(r.macs / 1e9, 2) : '–', fmt(r.gflops),
    r.machineFraction !== null ? `${(100 * r.machineFraction).toFixed(0)}%` : '–', fmt(r.peakRssMiB),
  ]);
  console.log(`\nfacetext bench — ${meta.cpu ?? meta.cpuModel}, ${meta.cores} cores, Node ${meta.node}, onnxruntime-web ${meta.onnxruntimeWeb}, torch ${meta.torch?.version ?? '–'}`);
  console.log(`load average before ${meta.loadAverageBefore.map((x) => x.toFixed(1)).join(' ')}, after ${meta.loadAverageAfter.map((x) => x.toFixed(1)).join(' ')} (${meta.caveat})`);
  for (const ref of summary.references ?? []) {
    const side = (s) => (s.gflops === null ? 'not measured' : `${fmt(s.gflops)} GFLOP/s${s.weak ? ` — WEAK (< ${100 * WEAK_REFERENCE}% of the best): no ratio` : ''}`);
    console.log(`PyTorch reference ${ref.pack}, ${ref.threads} thread(s): BLAS ${ref.blas ?? 'unknown'}, torch.mm ${side(ref.plain)}; oneDNN routes: 1×1 conv ${side(ref.onednn)}`);
  }
  if (meta.torchBlas?.problem) console.log(`  (${meta.torchBlas.problem})`);
  console.log('');
  console.log(table(['pack', 'backend', 'stage', 'median ms', 'min–max', 'n', 'first', 'torch ms', 'ours/torch', 'oneDNN ms', 'ours/oneDNN', 'ours/best native', 'floor ms', 'GMAC', 'GFLOP/s', '% best', 'RSS MiB'], lines));
  console.log('\nbest native: the faster of torch and torch with oneDNN routes for the same work, weak references left out; floor: 2·MAC ÷ the best rate below.');
  console.log('machine f32 GEMM rate (GFLOP/s, best measured per thread count):');
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

// The panel bench (bench/panel.mjs): issue 13's memory budget and issue 16's α-drag frame, through the real panel.
const PANEL_TARGETS = {
  peakRenderersMB: 2000, // ≤ 2.0 GB: Σ RSS of Chromium's renderer processes (panel, its frame, the engine Worker)
  dragFrameMs: 1000, // ≤ 1.0 s from a slider input to its frame on screen (median of the steps)
};

/** Medians and spreads of one panel run's α-drag, and the verdicts; `runs` as runPanelBench returns them. */
export function summarisePanel(runs) {
  return runs.map((r) => {
    const steps = r.alphaDrag?.stepMs ?? [];
    const dragInputs = (r.alphaDrag?.drag.inputMs ?? []).filter((ms) => ms !== null);
    const spread = (list) => (list.length === 0 ? null : { median: median(list), min: Math.min(...list), max: Math.max(...list), n: list.length });
    const peak = r.memory?.peak;
    return {
      mode: r.mode, run: r.run, error: r.error ?? null, backend: r.backend ?? null,
      ortThreads: r.threads?.ortThreads ?? null, crossOriginIsolated: r.threads?.crossOriginIsolated ?? null,
      packMB: r.packBytesFetched === undefined ? null : r.packBytesFetched / 1e6, faceReadyS: r.faceReadyS ?? null, firstPreviewS: r.firstPreviewS ?? null,
      identityS: r.identityS ?? null, applyS: r.applyS ?? null,
      peakRenderersRssMB: peak?.renderersRssMB ?? null, peakRenderersAnonMB: peak?.renderersAnonMB ?? null, peakAllRssMB: peak?.allRssMB ?? null,
      stepPeaks: (r.memory?.spans ?? []).map(({ label, renderersRssMB }) => ({ label, renderersRssMB })),
      stepMs: spread(steps), dragInputMs: spread(dragInputs), refinedMs: r.alphaDrag?.stepsRefinedMs ?? null,
      dragRefinedMs: r.alphaDrag?.drag.refinedMs ?? null, draftExits: [...new Set(r.alphaDrag?.stepExits ?? [])], refinedExit: r.alphaDrag?.refinedExit ?? null,
      memoryMet: peak ? peak.renderersRssMB <= PANEL_TARGETS.peakRenderersMB : null,
      dragMet: steps.length > 0 ? median(steps) <= PANEL_TARGETS.dragFrameMs : null,
    };
  });
}

export function printPanelReport(panel) {
  const rows = summarisePanel(panel.runs);
  const spread = (s) => (s === null ? '–' : `${fmt(s.median, 0)} (${fmt(s.min, 0)}–${fmt(s.max, 0)})`);
  const verdict = (met) => (met === null ? 'not measured' : met ? 'met' : 'MISSED');
  console.log(`\npanel bench — pack ${panel.packDir}, photo ${panel.photoSide} px, prompt "${panel.prompt}"`);
  console.log(table(['mode', 'run', 'backend', 'threads', 'pack MB fetched', 'face ready s', 'first preview s', 'identity s', 'apply s', 'peak renderers RSS MB', 'renderers RssAnon MB', 'all Chromium RSS MB'],
    rows.map((r) => [r.mode, r.run, r.backend ?? '–', r.ortThreads === null ? '–' : `${r.ortThreads}${r.crossOriginIsolated ? ' (isolated)' : ''}`, fmt(r.packMB), fmt(r.faceReadyS), fmt(r.firstPreviewS), fmt(r.identityS), fmt(r.applyS), fmt(r.peakRenderersRssMB), fmt(r.peakRenderersAnonMB), fmt(r.peakAllRssMB)])));
  console.log('peak renderers RSS per step (MB): the step a peak falls in is the step that grew memory');
  for (const r of rows) console.log(`  ${r.mode} ${r.run}: ${r.stepPeaks.map((p) => `${p.label} ${fmt(p.renderersRssMB)}`).join(' · ')}`);
  console.log('\nα-drag (ms, median (min–max)): step = one input, then its frame on screen; drag = each input of a steady drag until the first frame that can show it');
  // The exits the engine's renders stopped at (previewPhoto's `exit`), not the size the panel asked for.
  console.log(table(['mode', 'run', 'draft exit px', 'step → frame', 'drag input → frame', 'release → refined', 'refined exit px'],
    rows.map((r) => [r.mode, r.run, r.draftExits.length > 0 ? r.draftExits.join(', ') : '–', spread(r.stepMs), spread(r.dragInputMs), fmt(r.refinedMs, 0), r.refinedExit ?? '–'])));
  console.log('\ntargets:');
  for (const r of rows) {
    console.log(`  ${r.mode} ${r.run}: peak ≤ ${PANEL_TARGETS.peakRenderersMB} MB: ${verdict(r.memoryMet)}; drag frame ≤ ${PANEL_TARGETS.dragFrameMs} ms: ${verdict(r.dragMet)}${r.error ? `; error: ${r.error}` : ''}`);
  }
}
