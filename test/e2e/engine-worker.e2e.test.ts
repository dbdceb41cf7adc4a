// The engine chain in headless Chromium, inside a real module Worker driven through comlink (the harness
// page test/e2e/engine-harness/page.ts), with the pack served over HTTP from 127.0.0.1: once on WebGPU
// (SwiftShader, --enable-unsafe-webgpu) and once WASM-only. Results must match ../shared/golden and the
// Node engine within the golden README's tolerances for each kind of backend.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Engine } from '../../ui/worker/engine';
import { packFromDirectory } from '../../cli/read-pack-dir';
import { GOLDEN_TINY_PACK, goldenFaceRgba, goldenPath } from '../helpers/golden';
import { parseNpy } from '../helpers/npy';
import { maxAbsDiff } from '../helpers/tolerance';
import type { ChainResult } from './engine-harness/page';
import { inChromium, serveEngineHarness, type HarnessServer } from './engine-harness/serve';

// ../shared/golden/README.md: latents ≤ 1e-4 on CPU/WASM, ≤ 2e-3 on GPU; images ≤ 1e-4 / ≤ 5e-3.
const TOLERANCES = { wasm: { latent: 1e-4, image: 1e-4 }, webgpu: { latent: 2e-3, image: 5e-3 } } as const;

function floats(relative: string, ...index: number[]): Float32Array {
  const array = parseNpy(new Uint8Array(readFileSync(goldenPath(relative))));
  const data = array.data as Float32Array;
  const size = array.shape.slice(index.length).reduce((a, b) => a * b, 1);
  const flat = index.reduce((f, i, axis) => f * array.shape[axis] + i, 0);
  return data.slice(flat * size, (flat + 1) * size);
}

let server: HarnessServer;
let nodeRender: Uint8ClampedArray;

beforeAll(async () => {
  server = await serveEngineHarness({
    'face0.rgba': goldenFaceRgba(),
    'case_b_wplus0.f32': new Uint8Array(floats('stylegan2-tiny/case_b_wplus.npy', 0).buffer),
    'mapper_wplus0.f32': new Uint8Array(floats('mapper-tiny/wplus_in.npy', 0).buffer),
  });

  // The Node engine's render of the same edit, for the pixel comparison.
  const engine = new Engine({ runtime: { backends: ['wasm'] } });
  try {
    await engine.useLoadedPack(await packFromDirectory(GOLDEN_TINY_PACK));
    const { faceKey } = await engine.invert({ width: 256, height: 256, data: new Uint8ClampedArray(goldenFaceRgba()) });
    nodeRender = (await engine.render({ faceKey, edits: [{ kind: 'global', neutral: 'face', target: 'face with glasses', alpha: 3, beta: 0.1 }], resolution: 'full' })).image.data;
  } finally {
    await engine.dispose();
  }
});

afterAll(async () => {
  await server?.close();
});

async function runInChromium(flags: string[], options: { backends?: Array<'webgpu' | 'wasm'> }): Promise<{ result: ChainResult; errors: string[] }> {
  return inChromium(server.url, flags, async (page) => {
    await page.waitForFunction(() => 'runChain' in window);
    return page.evaluate((o) => (window as unknown as { runChain: (o: unknown) => Promise<ChainResult> }).runChain(o), options);
  });
}

/** Checks the chain's outputs against the goldens; each max |diff| goes to `report`. */
function checkChain(label: string, result: ChainResult, tolerance: { latent: number; image: number }, report: string[]): void {
  const check = (what: string, actual: number[], expected: Float32Array, limit: number) => {
    const { value, index } = maxAbsDiff(actual, expected);
    report.push(`${label} ${what}: ${value.toExponential(2)} (limit ${limit})`);
    expect(value, `${label} ${what}: max |diff| ${value} at ${index}`).toBeLessThanOrEqual(limit);
  };
  check('W+ of the aligned face', result.wPlus, floats('e4e-tiny/wplus.npy', 0), tolerance.latent);
  check('decoded image', result.decoded, floats('e4e-tiny/decoded_image.npy', 0), tolerance.image);
  check('Δt face → smiling face', result.deltaT, floats('global-direction/delta_t.npy', 1), tolerance.latent);
  check('edited S (glasses, β 0.1, α 3)', result.editedS, floats('global-direction/s_edited.npy', 0, 1, 1, 0), tolerance.latent);
  check('edited image', result.editedImage, floats('global-direction/image_edited_pair0_beta0.1.npy', 1, 0), tolerance.image);
  check('mapper W+', result.mappedWPlus, floats('mapper-tiny/wplus_edited.npy', 0), tolerance.latent);
  check('mapper image', result.mappedImage, floats('mapper-tiny/image_edited.npy', 0), tolerance.image);
  const levels = maxAbsDiff(result.rendered.data, nodeRender);
  report.push(`${label} RGBA render vs Node: ${levels.value} levels`);
  expect(levels.value, 'RGBA render vs the Node engine, in 8-bit levels').toBeLessThanOrEqual(1);

  expect(result.channelsKept).toEqual([123]);
  expect(result.rendered).toMatchObject({ width: 64, height: 64, channelsKept: [123] });
  expect(result.preview).toEqual({ width: 32, height: 32 });
  expect(result.detachedAfterTransfer, 'the face buffer was transferred, not copied').toBe(true);
  expect(result.loadProgressStages, 'graphs and data arrive over HTTP with download progress').toEqual(['download']);
  // Progress reaches the page through a comlink proxy. The full render just before, at the same S, computed the
  // synthesis chain's 32 px stage, so this preview loads and runs no graph (models/README.md, "The synthesis chain").
  expect(result.renderProgress).toEqual([
    'styles 1/3',
    'text-direction 2/3',
    'render 3/3',
  ]);
  expect(result.betaError?.name).toBe('BetaTooHigh');
  expect(result.betaError?.message).toMatch(/^β too high: 0 channels pass β = 0\.9/);
  // clipText runs once per prompt token length: 8 for "face" with "smiling face", then 7 for "face with
  // glasses" alone ("face" is cached).
  expect(result.stats.runs).toMatchObject({ encoder: 1, clipText: 15, 'mapper:beard': 1 });
  expect(result.stats.graphsLoaded).not.toContain('clipImage');
}

describe('the engine in a Chromium module Worker through comlink', () => {
  it('runs the whole chain on WebGPU (SwiftShader) within the GPU tolerances', async ({ annotate }) => {
    // By default a software adapter is passed over for wasm (ui/worker/runtime/ort.ts); ['webgpu'] forces it.
    const { result, errors } = await runInChromium(['--enable-unsafe-webgpu'], { backends: ['webgpu'] });
    const report = [`webgpu run: runtime ${JSON.stringify(result.runtime)}, backend at the end ${result.backendAtEnd}, sessions ${JSON.stringify(result.stats.sessionBackends)}`];
    expect(result.runtime).toEqual({ backend: 'webgpu', fallbackReason: null });
    expect(result.summary.backend).toBe('webgpu');
    checkChain('webgpu', result, TOLERANCES.webgpu, report);
    expect(errors).toEqual([]);
    await annotate(report.join('\n'));
  }, 600_000);

  it('runs the whole chain WASM-only within the CPU tolerances', async ({ annotate }) => {
    const { result, errors } = await runInChromium([], { backends: ['wasm'] });
    const report = [`wasm run: runtime ${JSON.stringify(result.runtime)}, sessions ${JSON.stringify(result.stats.sessionBackends)}`];
    expect(result.runtime).toEqual({ backend: 'wasm', fallbackReason: null });
    expect(Object.values(result.stats.sessionBackends).every((b) => b === 'wasm')).toBe(true);
    checkChain('wasm', result, TOLERANCES.wasm, report);
    expect(errors).toEqual([]);
    await annotate(report.join('\n'));
  }, 600_000);
});
