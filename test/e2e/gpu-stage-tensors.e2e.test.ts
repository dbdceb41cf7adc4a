// The synthesis chain's stage tensors on WebGPU (SwiftShader, --enable-unsafe-webgpu) in a real module Worker
// (engine-harness/page.ts, runStages) on the golden-tiny pack (stages 16 and 32, then the 64 px synthesis): the
// preview stages' features and images stay in GPU buffers as the engine holds them (its stageTensors report reads
// ORT's Tensor.location), only the displayed image is read back, the stages a new S drops are disposed, and every
// image matches the WASM path (the Node engine, same steps) within the golden README's GPU image tolerance.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { packFromDirectory } from '../../cli/read-pack-dir';
import { Engine } from '../../ui/worker/engine';
import { GOLDEN_TINY_PACK, goldenPath } from '../helpers/golden';
import { parseNpy } from '../helpers/npy';
import { maxAbsDiff } from '../helpers/tolerance';
import type { StagesResult } from './engine-harness/page';
import { inChromium, serveEngineHarness, type HarnessServer } from './engine-harness/serve';

const GPU_IMAGE_TOLERANCE = 5e-3; // ../shared/golden/README.md: images ≤ 5e-3 on GPU (engine-worker.e2e.test.ts)

/** Sample `index` of the golden mapper inputs ([N, numWs, wDim]). */
function wPlus(index: number): Float32Array {
  const array = parseNpy(new Uint8Array(readFileSync(goldenPath('mapper-tiny/wplus_in.npy'))));
  const size = array.shape.slice(1).reduce((a, b) => a * b, 1);
  return (array.data as Float32Array).slice(index * size, (index + 1) * size);
}

const WPLUS_A = wPlus(0);
const WPLUS_B = wPlus(1);

let server: HarnessServer;
/** The same steps on the Node engine (wasm): the WASM path's images and stage reports. */
let reference: Array<{ what: string; image: Float32Array; stageTensors: ReturnType<Engine['stats']>['stageTensors'] }>;

beforeAll(async () => {
  server = await serveEngineHarness({ 'wplus-a.f32': new Uint8Array(WPLUS_A.buffer), 'wplus-b.f32': new Uint8Array(WPLUS_B.buffer) });
  const engine = new Engine({ runtime: { backends: ['wasm'] } });
  try {
    await engine.useLoadedPack(await packFromDirectory(GOLDEN_TINY_PACK));
    const sA = (await engine.latents((await engine.faceFromWPlus(WPLUS_A)).faceKey)).s;
    const sB = (await engine.latents((await engine.faceFromWPlus(WPLUS_B)).faceKey)).s;
    reference = [];
    const step = async (what: string, s: Float32Array, resolution: 16 | 32 | 'full') => {
      const { data } = await engine.synthesize({ s, resolution });
      reference.push({ what, image: data, stageTensors: engine.stats().stageTensors });
    };
    await step('A preview 16', sA, 16);
    await step('A refine 32', sA, 32);
    await step('A full', sA, 'full');
    for (let i = 0; i < 3; i++) {
      await step(`B preview 32 (${i})`, sB, 32);
      await step(`A preview 32 (${i})`, sA, 32);
    }
  } finally {
    await engine.dispose();
  }
});

afterAll(async () => {
  await server?.close();
});

/** A held stage: its features on the GPU; its image too unless it was displayed (read back, then a CPU tensor). */
const held = (index: number, shown: boolean) => ({ index, features: 'gpu-buffer', image: shown ? 'cpu' : 'gpu-buffer' });

describe('synthesis chain stage tensors on WebGPU', () => {
  it('on WASM (Node) the stages are CPU tensors and nothing is read back', () => {
    expect(reference.map((r) => r.stageTensors.held.map((h) => `${h.features}/${h.image}`))).toEqual([
      ['cpu/cpu'], ...Array.from({ length: 8 }, () => ['cpu/cpu', 'cpu/cpu']),
    ]);
    expect(reference.every((r) => r.stageTensors.readBack === 0)).toBe(true);
  });

  it('keeps preview stages in GPU buffers, reads back only displayed images, disposes dropped stages, and matches WASM', async ({ annotate }) => {
    // By default a software adapter is passed over for wasm (ui/worker/runtime/ort.ts); ['webgpu'] forces it.
    const { result, errors } = await inChromium(server.url, ['--enable-unsafe-webgpu'], async (page) => {
      await page.waitForFunction(() => 'runStages' in window);
      return page.evaluate(() => (window as unknown as { runStages: (o: unknown) => Promise<StagesResult> }).runStages({ backends: ['webgpu'] }));
    });
    expect(result.runtime).toEqual({ backend: 'webgpu', fallbackReason: null });
    expect(result.stats.sessionBackends).toMatchObject({ 'synthesisPreview:16': 'webgpu', 'synthesisPreview:32': 'webgpu', synthesis: 'webgpu' });
    const reports = result.steps.map((s) => s.stageTensors);
    // Preview 16: its features stay on the GPU; its image is read back once, to be displayed.
    expect(reports[0]).toEqual({ held: [held(0, true)], disposed: 0, readBack: 1 });
    // The refine continues from 16's tensors; only the 32 px image is read back.
    expect(reports[1]).toEqual({ held: [held(0, true), held(1, true)], disposed: 0, readBack: 2 });
    // The full render continues from 32's; its image is the last graph's CPU output, so no stage image comes back.
    expect(reports[2]).toEqual({ held: [held(0, true), held(1, true)], disposed: 0, readBack: 2 });
    expect(result.runsAfterA).toEqual({ affine: 2, 'synthesisPreview:16': 1, 'synthesisPreview:32': 1, synthesis: 1 });
    // Each later preview at 32 is a new S: the cache drops the last S's two stages (4 tensors); the 16 px stage's
    // image only fed the 32 px stage, so it never left the GPU.
    reports.slice(3).forEach((report, k) => {
      expect(report, result.steps[3 + k].what).toEqual({ held: [held(0, false), held(1, true)], disposed: 4 * (k + 1), readBack: 3 + k });
    });
    // The WASM path disposes the same tensors (on the CPU).
    expect(reports.map((r) => r.disposed)).toEqual(reference.map((r) => r.stageTensors.disposed));

    const report: string[] = [];
    result.steps.forEach((step, k) => {
      expect(step.what).toBe(reference[k].what);
      const { value, index } = maxAbsDiff(step.image, reference[k].image);
      report.push(`${step.what}: max |WebGPU − WASM| ${value.toExponential(2)} (limit ${GPU_IMAGE_TOLERANCE})`);
      expect(value, `${step.what}: max |diff| ${value} at ${index}`).toBeLessThanOrEqual(GPU_IMAGE_TOLERANCE);
    });
    expect(errors).toEqual([]);
    await annotate(report.join('\n'));
  }, 600_000);
});
