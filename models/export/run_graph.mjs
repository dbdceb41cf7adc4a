// Runs ONNX graphs with onnxruntime-web's wasm backend, the runtime the plugin ships, for verify.py
// (Python has no onnxruntime here). .npy in, .npy out.
//
//   node models/export/run_graph.mjs jobs.json
//   jobs.json: [{ "model": "a.onnx", "inputs": { "s": "s.npy" }, "outputs": { "image": "image.npy" } }, …]
//   a ranges job (int8 calibration, int8_exec.py): { "model", "inputSets": [{ "image": "x.npy" }, …], "ranges": "r.json" }
//   runs every input set and writes { output: [min, max] } over all of them, so hundreds of activations never
//   travel as .npy files
//
// One process runs every job, so the wasm runtime starts once.
import { readFileSync, writeFileSync } from 'node:fs';
import * as ort from 'onnxruntime-web';

const DTYPES = {
  '<f4': { name: 'float32', Array: Float32Array },
  '<i4': { name: 'int32', Array: Int32Array },
  '<i8': { name: 'int64', Array: BigInt64Array },
};

function readNpy(path) {
  const bytes = readFileSync(path);
  if (bytes[0] !== 0x93 || bytes.toString('latin1', 1, 6) !== 'NUMPY') throw new Error(`${path}: not an .npy file`);
  const major = bytes[6];
  const headerLength = major === 1 ? bytes.readUInt16LE(8) : bytes.readUInt32LE(8);
  const start = major === 1 ? 10 : 12;
  const header = bytes.toString('latin1', start, start + headerLength);
  const descr = /'descr':\s*'([^']+)'/.exec(header)?.[1];
  const fortran = /'fortran_order':\s*(True|False)/.exec(header)?.[1];
  const shape = (/'shape':\s*\(([^)]*)\)/.exec(header)?.[1] ?? '')
    .split(',').map((s) => s.trim()).filter((s) => s !== '').map(Number);
  const dtype = DTYPES[descr];
  if (!dtype || fortran !== 'False') throw new Error(`${path}: unsupported .npy (${header.trim()})`);
  const count = shape.reduce((a, b) => a * b, 1);
  const body = bytes.subarray(start + headerLength);
  const data = new dtype.Array(count);
  new Uint8Array(data.buffer).set(body.subarray(0, count * dtype.Array.BYTES_PER_ELEMENT));
  return new ort.Tensor(dtype.name, data, shape);
}

function writeNpy(path, tensor) {
  const descr = Object.entries(DTYPES).find(([, d]) => d.name === tensor.type)?.[0];
  if (!descr) throw new Error(`${path}: cannot write a ${tensor.type} tensor`);
  const shape = tensor.dims.length === 1 ? `(${tensor.dims[0]},)` : `(${tensor.dims.join(', ')})`;
  let header = `{'descr': '${descr}', 'fortran_order': False, 'shape': ${shape}, }`;
  header += ' '.repeat(63 - ((10 + header.length) % 64)) + '\n'; // pad so the data starts 64-byte aligned
  const prefix = Buffer.alloc(10);
  prefix.write('\x93NUMPY', 0, 'latin1');
  prefix[6] = 1;
  prefix[7] = 0;
  prefix.writeUInt16LE(header.length, 8);
  const data = tensor.data;
  writeFileSync(path, Buffer.concat([prefix, Buffer.from(header, 'latin1'), Buffer.from(data.buffer, data.byteOffset, data.byteLength)]));
}

async function runJob({ model, inputs, outputs }) {
  const session = await ort.InferenceSession.create(readFileSync(model), { executionProviders: ['wasm'] });
  try {
    const feeds = Object.fromEntries(Object.entries(inputs).map(([name, path]) => [name, readNpy(path)]));
    const results = await session.run(feeds);
    for (const [name, path] of Object.entries(outputs)) {
      if (!(name in results)) throw new Error(`${model}: no output named ${name} (has ${Object.keys(results).join(', ')})`);
      writeNpy(path, results[name]);
    }
  } finally {
    await session.release();
  }
}

async function runRangesJob({ model, inputSets, ranges }) {
  const session = await ort.InferenceSession.create(readFileSync(model), { executionProviders: ['wasm'] });
  const found = {};
  try {
    for (const inputs of inputSets) {
      const feeds = Object.fromEntries(Object.entries(inputs).map(([name, path]) => [name, readNpy(path)]));
      const results = await session.run(feeds);
      for (const [name, tensor] of Object.entries(results)) {
        let [low, high] = found[name] ?? [Infinity, -Infinity];
        for (const v of tensor.data) {
          if (Number.isNaN(v)) { low = NaN; high = NaN; break; } // a NaN range is refused by the caller
          if (v < low) low = v;
          if (v > high) high = v;
        }
        found[name] = [low, high];
      }
    }
  } finally {
    await session.release();
  }
  // JSON has no NaN or Infinity: they become null, which the caller refuses as "no finite range"
  writeFileSync(ranges, JSON.stringify(found));
}

const [jobsPath] = process.argv.slice(2);
if (!jobsPath) {
  console.error('usage: node models/export/run_graph.mjs jobs.json');
  process.exit(2);
}
ort.env.wasm.numThreads = 1; // deterministic results, and the only mode every host supports
ort.env.logLevel = 'error';
try {
  for (const job of JSON.parse(readFileSync(jobsPath, 'utf8'))) await (job.ranges === undefined ? runJob(job) : runRangesJob(job));
} catch (error) {
  console.error(error instanceof Error ? error.message : String(error));
  process.exit(1);
}
