// Winograd trial (issue 16), the timing half: each layer shape's direct and Winograd graphs (winograd_layers.py),
// timed alternately in this one process on one wasm thread (the engine's import: 'onnxruntime-web/webgpu').
//
//   node bench/winograd-layers.mjs DIR REPEATS [C×H …]   # default: every C×H-direct.onnx in DIR
//
// Prints one JSON line per shape: median ms per form (f2s, f4s: the stored form, float16 W → U folded at session
// creation), its speedup over direct, max |diff| against direct, the direct output's peak, and the session creation
// time of each form. See bench/README.md, "Winograd convolutions".
import * as ort from 'onnxruntime-web/webgpu';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

ort.env.wasm.numThreads = 1;
ort.env.logLevel = 'error';
const options = { executionProviders: ['wasm'], graphOptimizationLevel: 'all' };
const [dir, repeats = '5', ...wanted] = process.argv.slice(2);
const shapes = wanted.length ? wanted
  : readdirSync(dir).filter((f) => f.endsWith('-direct.onnx')).map((f) => f.replace('-direct.onnx', ''))
      .sort((a, b) => a.split('x')[1] - b.split('x')[1]);
const median = (v) => v.slice().sort((p, q) => p - q)[v.length >> 1];

for (const shape of shapes) {
  const [channels, size] = shape.split('x').map(Number);
  const forms = ['direct', 'f2', 'f4', 'f2s', 'f4s'].filter((f) => existsSync(join(dir, `${shape}-${f}.onnx`)));
  const sessions = [], createMs = {};
  for (const form of forms) {
    const t = performance.now();
    sessions.push(await ort.InferenceSession.create(readFileSync(join(dir, `${shape}-${form}.onnx`)), options));
    createMs[form] = Math.round(performance.now() - t);
  }
  const b = readFileSync(join(dir, `${shape}.f32`));
  const x = new ort.Tensor('float32', new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength)), [1, channels, size, size]);
  const outputs = [], firstMs = {};
  for (let i = 0; i < sessions.length; i++) { // the first run (a fold left to it would show here), and the outputs
    const t = performance.now();
    outputs.push((await sessions[i].run({ x })).y.data);
    firstMs[forms[i]] = Math.round(performance.now() - t);
  }
  const times = forms.map(() => []);
  for (let r = 0; r < Number(repeats); r++) {
    for (let i = 0; i < sessions.length; i++) {
      const t = performance.now();
      await sessions[i].run({ x });
      times[i].push(performance.now() - t);
    }
  }
  let peak = 0;
  for (const v of outputs[0]) peak = Math.max(peak, Math.abs(v));
  const result = { shape, peak: +peak.toFixed(3), createMs, firstMs };
  forms.forEach((form, i) => {
    let diff = 0;
    for (let k = 0; k < outputs[i].length; k++) diff = Math.max(diff, Math.abs(outputs[i][k] - outputs[0][k]));
    result[form] = { ms: +median(times[i]).toFixed(1), speedup: +(median(times[0]) / median(times[i])).toFixed(2), maxDiff: +diff.toExponential(2) };
  });
  console.log(JSON.stringify(result));
  for (const s of sessions) await s.release();
}
process.exit(0);
