// The encoder a default build ships (`python3 -m models.export build`, storage `int8-qdq`: e4e's convs in int8) under
// a WebGPU engine (SwiftShader, --enable-unsafe-webgpu) in a real module Worker (engine-harness/page.ts,
// runInversion), against the Node engine on WASM. The pack is built here from the exporter's tiny upstream-layout
// checkpoints, as a user builds theirs. ORT's WebGPU EP has no QuantizeLinear kernel and no int8 conv: on WebGPU the
// graph ran each QuantizeLinear on the CPU (a GPU → CPU → GPU copy each, 301 per full-size inversion) and its convs
// in float32, and its W+ came out 0.018 from the WASM one (bench/README.md, "The exporter's int8 encoder", item 6).
// So the engine opens an int8-qdq graph on wasm even when its backend is WebGPU (ui/worker/README.md): the encoder's
// session must say wasm, every other graph stay on WebGPU, and the W+ match the WASM engine's to the goldens'
// tolerance for codes on CPU/WASM (1e-4), since it is the same kernels.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { packFromDirectory } from '../../cli/read-pack-dir';
import { graphBackendsNote } from '../../ui/graph-backends-note';
import { Engine } from '../../ui/worker/engine';
import { goldenFaceRgba, REPO_ROOT, VOCAB_PATH } from '../helpers/golden';
import { maxAbsDiff } from '../helpers/tolerance';
import type { InversionResult } from './engine-harness/page';
import { inChromium, serveEngineHarness, type HarnessServer } from './engine-harness/serve';

const WASM_CODES_TOLERANCE = 1e-4; // ../shared/golden/README.md: e4e codes, float32 CPU/WASM
const PACK_ID = 'tiny-int8';

let work: string;
let packDir: string;
let server: HarnessServer;
let engine: Engine;
let wasmWPlus: Float32Array;

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'facetext-int8-webgpu-'));
  packDir = join(work, PACK_ID);
  const python = (args: string[]) => promisify(execFile)('/usr/bin/python3', args, { cwd: REPO_ROOT, maxBuffer: 16 << 20 });
  await python(['-m', 'models.export.build_upstream_layout', join(work, 'in'), '--size', 'tiny', '--fs3', 'full', '--s-stats', '--vocab', VOCAB_PATH]);
  await python(['-m', 'models.export', 'build', join(work, 'in'), '--out', packDir, '--id', PACK_ID]); // the default storage
  server = await serveEngineHarness({ 'face0.rgba': goldenFaceRgba() }, { [PACK_ID]: packDir });
  engine = new Engine({ runtime: { backends: ['wasm'] } });
  await engine.useLoadedPack(await packFromDirectory(packDir));
  const { faceKey } = await engine.invert({ width: 256, height: 256, data: new Uint8ClampedArray(goldenFaceRgba()) });
  wasmWPlus = (await engine.latents(faceKey)).wPlus;
}, 240_000);

afterAll(async () => {
  await engine?.dispose();
  await server?.close();
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('the default int8-qdq encoder under a WebGPU engine', () => {
  it('a default build holds the int8-executing encoder', () => {
    const pack = JSON.parse(readFileSync(join(packDir, 'pack.json'), 'utf8')) as { provenance: { storage: Record<string, string> } };
    expect(pack.provenance.storage.encoder).toBe('int8-qdq');
  });

  it('inverts with the encoder on wasm and affine on WebGPU, to the WASM engine\'s W+', async ({ annotate }) => {
    // By default a software adapter is passed over for wasm (ui/worker/runtime/ort.ts); ['webgpu'] forces it.
    const { result, errors } = await inChromium(server.url, ['--enable-unsafe-webgpu'], async (page) => {
      await page.waitForFunction(() => 'runInversion' in window);
      return page.evaluate((pack) => (window as unknown as { runInversion: (o: unknown) => Promise<InversionResult> }).runInversion({ backends: ['webgpu'], pack }), PACK_ID);
    });
    // The engine stays on WebGPU, with no fallback: only the int8 graph was opened on wasm.
    expect(result.runtime).toEqual({ backend: 'webgpu', fallbackReason: null });
    expect(result.backendAtEnd).toBe('webgpu');
    expect(result.stats.sessionBackends).toEqual({ encoder: 'wasm', affine: 'webgpu' });
    // What the panel says beside its WebGPU badge, from these same two reads (ui/engine-client.ts graphPlacement).
    expect(graphBackendsNote({ backend: result.backendAtEnd, sessionBackends: result.stats.sessionBackends })).toBe('Face encoder: CPU (int8, faster there)');
    expect(errors).toEqual([]);

    const gpuEngineWPlus = Float32Array.from(result.wPlus);
    expect(gpuEngineWPlus.length).toBe(wasmWPlus.length);
    const { value: wPlusDiff } = maxAbsDiff(gpuEngineWPlus, wasmWPlus);
    const peak = wasmWPlus.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
    await annotate(`W+ max |WebGPU engine − WASM engine| ${wPlusDiff.toExponential(2)} (max |W+| ${peak.toFixed(3)}; `
      + 'on WebGPU the int8 encoder was 0.018 away)');
    expect(peak).toBeGreaterThan(0.1); // a real W+, not zeros on both sides
    expect(wPlusDiff).toBeLessThanOrEqual(WASM_CODES_TOLERANCE);
  }, 300_000);
});
