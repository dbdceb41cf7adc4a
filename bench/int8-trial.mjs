// int8 execution trial (issue 16 item 3), the Node half: inputs, calibration ranges, timing and fidelity, on one
// wasm thread through the engine's own import ('onnxruntime-web/webgpu', the asyncify wasm; Node runs its wasm EP).
//
//   node bench/int8-trial.mjs s-inputs PACK COUNT OUT.f32 [SEED]   # S of COUNT random faces (mapping → affine)
//   node bench/int8-trial.mjs ranges OBSERVE.onnx INPUTS.f32 OUT.json [PERCENTILE]
//       min/max of every output over the inputs; with PERCENTILE (e.g. 99.99) the range of each input's values
//       between the (100 − P)th and Pth percentiles, widest over the inputs: the rare outliers are clipped so the
//       8-bit steps are finer for the rest
//   node bench/int8-trial.mjs images PREVIEW.onnx S.f32 OUT.f32     # 256 px renders of those S (encoder inputs)
//   node bench/int8-trial.mjs compare REF.onnx CAND.onnx INPUTS.f32 REPEATS [PACK]
//       times REF and CAND alternately (warm, median of REPEATS each) and compares their outputs on every input
//       (`image` where the graph has one: a synthesis stage's `features` are judged through the render below);
//       with a format-2 PACK (models/README.md, "The synthesis chain") each pair is also judged by the full-size
//       render: an encoder pair (output wplus) by each W+ through affine and the whole chain, a first preview stage
//       (s → image, features) by the pack's later stages continuing from each side's features, as the engine's full
//       render continues from a cached preview stage.
// INPUTS.f32 holds whole input tensors back to back (the graph's first input's shape). See bench/README.md.
import * as ort from 'onnxruntime-web/webgpu';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

ort.env.wasm.numThreads = 1;
ort.env.logLevel = 'error';
const options = { executionProviders: ['wasm'], graphOptimizationLevel: 'all' };

const open = (file) => ort.InferenceSession.create(readFileSync(file), options);
const readF32 = (file) => { const b = readFileSync(file); return new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength)); };
const shapeOf = (session) => session.inputMetadata[0].shape.map((d) => (typeof d === 'number' ? d : 1));

function inputsOf(session, file) {
  const dims = shapeOf(session);
  const size = dims.reduce((a, b) => a * b, 1);
  const all = readF32(file);
  if (all.length % size !== 0) throw new Error(`${file}: ${all.length} floats is not a multiple of ${size}`);
  return Array.from({ length: all.length / size }, (_, i) => ({ [session.inputNames[0]]: new ort.Tensor('float32', all.slice(i * size, (i + 1) * size), dims) }));
}

function gaussian(seed) {
  let state = seed >>> 0;
  const uniform = () => { state = (Math.imul(state, 1664525) + 1013904223) >>> 0; return (state + 0.5) / 2 ** 32; };
  return () => Math.sqrt(-2 * Math.log(uniform())) * Math.cos(2 * Math.PI * uniform());
}

async function sInputs(pack, count, out, seed = '16') {
  const mapping = await open(join(pack, 'mapping.onnx'));
  const affine = await open(join(pack, 'affine.onnx'));
  const normal = gaussian(Number(seed));
  const parts = [];
  for (let i = 0; i < Number(count); i++) {
    const z = Float32Array.from({ length: 512 }, normal);
    const { w } = await mapping.run({ z: new ort.Tensor('float32', z, [1, 512]) });
    const wplus = new Float32Array(18 * 512);
    for (let l = 0; l < 18; l++) wplus.set(w.data, l * 512);
    const { s } = await affine.run({ wplus: new ort.Tensor('float32', wplus, [1, 18, 512]) });
    parts.push(Float32Array.from(s.data));
  }
  writeConcat(out, parts);
}

function writeConcat(out, parts) {
  const all = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) { all.set(p, at); at += p.length; }
  writeFileSync(out, Buffer.from(all.buffer));
  console.error(`${parts.length} tensors → ${out}`);
}

async function ranges(graph, inputsFile, out, percentile) {
  const session = await open(graph);
  const result = {};
  const tail = percentile === undefined ? 0 : (100 - Number(percentile)) / 100;
  if (!(tail >= 0 && tail < 0.5)) throw new Error(`percentile ${percentile}: expected 50 < P ≤ 100`);
  for (const feeds of inputsOf(session, inputsFile)) {
    const outputs = await session.run(feeds);
    for (const [name, tensor] of Object.entries(outputs)) {
      let [low, high] = result[name] ?? [Infinity, -Infinity];
      if (tail === 0) {
        for (const v of tensor.data) { if (v < low) low = v; if (v > high) high = v; }
      } else {
        const sorted = Float32Array.from(tensor.data).sort();
        const at = Math.floor(tail * (sorted.length - 1));
        low = Math.min(low, sorted[at]);
        high = Math.max(high, sorted[sorted.length - 1 - at]);
      }
      result[name] = [low, high];
    }
  }
  writeFileSync(out, JSON.stringify(result, null, 1));
  console.error(`${Object.keys(result).length} ranges → ${out}`);
}

async function images(preview, sFile, out) {
  const session = await open(preview);
  const parts = [];
  for (const feeds of inputsOf(session, sFile)) parts.push(Float32Array.from((await session.run(feeds)).image.data));
  writeConcat(out, parts);
}

/** The pack's synthesis chain (format 2): render(s) runs every stage; render(s, r, { image, features }) continues
 *  after the stage that ended at r px with those outputs. */
async function openChain(pack) {
  const meta = JSON.parse(readFileSync(join(pack, 'pack.json'), 'utf8'));
  if (meta.format !== 2) throw new Error(`${pack}: pack format ${meta.format}, the chain needs format 2`);
  const exits = [...meta.generator.previewResolutions].sort((a, b) => a - b);
  const roles = [...exits.map((r) => `synthesisPreview:${r}`), 'synthesis'];
  const stages = [];
  for (const role of roles) stages.push(await open(join(pack, meta.graphs[role])));
  return {
    async render(s, after, given) {
      let previous = given;
      for (let i = after === undefined ? 0 : exits.indexOf(after) + 1; i < stages.length; i++) {
        if (i > 0 && previous === undefined) throw new Error(`no features to continue from before stage ${roles[i]}`);
        const feeds = i === 0 ? { s } : { s, featuresIn: previous.features, imageIn: previous.image };
        previous = await stages[i].run(feeds);
      }
      return Float32Array.from(previous.image.data);
    },
  };
}

const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];

/** PSNR of two images in [-1, 1] (both clamped, as the engine clamps before RGBA), peak 2. */
function psnr(a, b) {
  let sum = 0;
  const clamp = (v) => Math.max(-1, Math.min(1, v));
  for (let i = 0; i < a.length; i++) { const d = clamp(a[i]) - clamp(b[i]); sum += d * d; }
  return 10 * Math.log10(4 / (sum / a.length));
}

function maxDiff(a, b) {
  let diff = 0, peak = 0;
  for (let i = 0; i < a.length; i++) { diff = Math.max(diff, Math.abs(a[i] - b[i])); peak = Math.max(peak, Math.abs(a[i])); }
  return { maxAbs: diff, relative: diff / peak };
}

async function compare(refFile, candFile, inputsFile, repeats, pack) {
  const t0 = performance.now();
  const ref = await open(refFile);
  const t1 = performance.now();
  const cand = await open(candFile);
  const t2 = performance.now();
  const inputs = inputsOf(ref, inputsFile);
  const output = ref.outputNames.includes('image') ? 'image' : ref.outputNames[0];
  const outs = { ref: [], cand: [] };
  const stageOuts = { ref: [], cand: [] }; // a preview stage's { image, features }, for the full render
  const copy = (tensor) => new ort.Tensor('float32', Float32Array.from(tensor.data), tensor.dims);
  const keep = (result) => (result.features === undefined ? undefined : { image: copy(result.image), features: copy(result.features) });
  for (const feeds of inputs) {
    const r = await ref.run(feeds);
    outs.ref.push(Float32Array.from(r[output].data));
    stageOuts.ref.push(keep(r));
    const c = await cand.run(feeds);
    outs.cand.push(Float32Array.from(c[output].data));
    stageOuts.cand.push(keep(c));
  }
  const ms = { ref: [], cand: [] };
  for (let i = 0; i < Number(repeats); i++) {
    for (const [key, session] of [['ref', ref], ['cand', cand]]) {
      const start = performance.now();
      await session.run(inputs[0]);
      ms[key].push(performance.now() - start);
    }
  }
  const report = {
    ref: refFile, cand: candFile, output, inputs: inputs.length,
    createMs: { ref: Math.round(t1 - t0), cand: Math.round(t2 - t1) },
    ms: { ref: ms.ref.map(Math.round), cand: ms.cand.map(Math.round) },
    medianMs: { ref: Math.round(median(ms.ref)), cand: Math.round(median(ms.cand)) },
    speedup: +(median(ms.ref) / median(ms.cand)).toFixed(3),
    diff: outs.ref.map((r, i) => maxDiff(r, outs.cand[i])),
  };
  await ref.release(); await cand.release();
  if (output === 'image') report.psnrDb = outs.ref.map((r, i) => +psnr(r, outs.cand[i]).toFixed(2));
  if (pack !== undefined && (output === 'wplus' || stageOuts.ref[0] !== undefined)) {
    const chain = await openChain(pack);
    if (output === 'wplus') {
      const affine = await open(join(pack, 'affine.onnx'));
      const sOf = async (w) => (await affine.run({ wplus: new ort.Tensor('float32', w, [1, 18, 512]) })).s;
      report.renderPsnrDb = [];
      for (let i = 0; i < outs.ref.length; i++) {
        report.renderPsnrDb.push(+psnr(await chain.render(await sOf(outs.ref[i])), await chain.render(await sOf(outs.cand[i]))).toFixed(2));
      }
    } else {
      const from = outs.ref[0].length / 3; // the stage's image is [1, 3, r, r]
      report.renderPsnrDb = [];
      for (let i = 0; i < inputs.length; i++) {
        const s = Object.values(inputs[i])[0];
        const full = async (stage) => chain.render(s, Math.round(Math.sqrt(from)), stage);
        report.renderPsnrDb.push(+psnr(await full(stageOuts.ref[i]), await full(stageOuts.cand[i])).toFixed(2));
      }
    }
  }
  console.log(JSON.stringify(report));
}

const [command, ...args] = process.argv.slice(2);
const commands = { 's-inputs': sInputs, ranges, images, compare };
if (!(command in commands)) { console.error('commands: s-inputs, ranges, images, compare (see the header)'); process.exit(2); }
await commands[command](...args);
process.exit(0); // onnxruntime-web keeps Node's event loop alive
