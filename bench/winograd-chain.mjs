// Winograd trial (issue 16): two format-2 packs of the same generator (e.g. before and after the exporter's Winograd
// convs), on one wasm thread through the engine's import ('onnxruntime-web/webgpu'). S = sMean + 0.7·sStd·N(0, 1).
//
//   node bench/winograd-chain.mjs time PACK_A PACK_B REPEATS
//       the first preview stage (the α-drag frame) and the whole chain to full size, A and B alternately in this one
//       process (warm; median of REPEATS each), and the max |diff| of B's images against A's
//   node bench/winograd-chain.mjs memory PACK
//       the first preview stage alone in this process: RSS before and after creating its session and after its first
//       run, the creation, first-run and warm-run times (a fold left to the runs would show as first ≫ warm)
// See bench/README.md, "Winograd convolutions".
import * as ort from 'onnxruntime-web/webgpu';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

ort.env.wasm.numThreads = 1;
ort.env.logLevel = 'error';
const options = { executionProviders: ['wasm'], graphOptimizationLevel: 'all' };
const median = (v) => v.slice().sort((p, q) => p - q)[v.length >> 1];
const rssMB = () => Math.round(process.memoryUsage().rss / 2 ** 20);
const readF32 = (file) => { const b = readFileSync(file); return new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength)); };

function loadPack(dir) {
  const pack = JSON.parse(readFileSync(join(dir, 'pack.json'), 'utf8'));
  const roles = [...pack.generator.previewResolutions].sort((a, b) => a - b).map((r) => `synthesisPreview:${r}`);
  return { dir, pack, roles: [...roles, 'synthesis'] };
}

function sample(p, seed) {
  const mean = readF32(join(p.dir, p.pack.globalDirection.sMean.file)), std = readF32(join(p.dir, p.pack.globalDirection.sStd.file));
  let state = seed >>> 0;
  const uniform = () => { state = (Math.imul(state, 1664525) + 1013904223) >>> 0; return (state + 0.5) / 2 ** 32; };
  const s = mean.map((m, i) => m + 0.7 * std[i] * Math.sqrt(-2 * Math.log(uniform())) * Math.cos(2 * Math.PI * uniform()));
  return new ort.Tensor('float32', s, [1, s.length]);
}

const open = (p, role) => ort.InferenceSession.create(readFileSync(join(p.dir, p.pack.graphs[role])), options);

async function chain(sessions, s, upTo = sessions.length) {
  let out = {};
  for (let k = 0; k < upTo; k++) {
    out = await sessions[k].run(k === 0 ? { s } : { s, featuresIn: out.features, imageIn: out.image });
  }
  return out.image.data;
}

const maxDiff = (a, b) => { let d = 0; for (let i = 0; i < a.length; i++) d = Math.max(d, Math.abs(a[i] - b[i])); return d; };
const [mode, ...args] = process.argv.slice(2);
if (mode === 'time') {
  const [dirA, dirB, repeats = '5'] = args;
  const packs = [loadPack(dirA), loadPack(dirB)];
  const sessions = [];
  for (const p of packs) sessions.push(await Promise.all(p.roles.map((role) => open(p, role))));
  const s = sample(packs[0], 7);
  const first = [], full = [];
  for (const ss of sessions) { first.push(await chain(ss, s, 1)); full.push(await chain(ss, s)); } // warm-up + outputs
  const stage = [[], []], whole = [[], []];
  for (let r = 0; r < Number(repeats); r++) {
    for (let i = 0; i < 2; i++) {
      let t = performance.now(); await chain(sessions[i], s, 1); stage[i].push(performance.now() - t);
      t = performance.now(); await chain(sessions[i], s); whole[i].push(performance.now() - t);
    }
  }
  const report = (name, times) => ({ name, msA: times[0].map(Math.round), msB: times[1].map(Math.round),
    medianA: Math.round(median(times[0])), medianB: Math.round(median(times[1])), speedup: +(median(times[0]) / median(times[1])).toFixed(2) });
  console.log(JSON.stringify({ a: dirA, b: dirB, [packs[0].roles[0]]: report('first stage', stage), chain: report('whole chain', whole),
    firstStageImageMaxDiff: maxDiff(first[0], first[1]), fullImageMaxDiff: maxDiff(full[0], full[1]) }));
} else if (mode === 'memory') {
  const p = loadPack(args[0]);
  const before = rssMB();
  let t = performance.now();
  const session = await open(p, p.roles[0]);
  const createMs = Math.round(performance.now() - t), created = rssMB();
  const s = sample(p, 7);
  t = performance.now(); await session.run({ s }); const firstMs = Math.round(performance.now() - t);
  const afterRun = rssMB(), warm = [];
  for (let r = 0; r < 3; r++) { t = performance.now(); await session.run({ s }); warm.push(Math.round(performance.now() - t)); }
  console.log(JSON.stringify({ pack: p.dir, role: p.roles[0], rssBeforeMB: before, rssCreatedMB: created, rssAfterRunMB: afterRun, peakRssMB: Math.round(process.resourceUsage().maxRSS / 1024), createMs, firstMs, warmMs: warm }));
} else {
  throw new Error('usage: node bench/winograd-chain.mjs time PACK_A PACK_B REPEATS | memory PACK');
}
process.exit(0);
