// The whole engine chain on models/packs/golden-tiny against ../shared/golden (onnxruntime-web wasm):
// aligned face → W+ → S → edits → image, text directions from prompts, mapper edits, caches observed
// through run counts, presets without CLIP's text model. Tolerance: ../shared/golden/README.md.
import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { Engine } from '../../ui/worker/engine';
import type { EditSpec } from '../../ui/worker/engine-api';
import type { RgbaImage } from '../../ui/worker/image';
import { readImageFile } from '../../cli/image-file';
import { writePackPresets } from '../../cli/cli-pack-presets';
import { packFromDirectory } from '../../cli/read-pack-dir';
import type { JobProgress, Progress } from '../../contract/progress';
import { GraphSessions } from '../../ui/worker/graph-sessions';
import { StageCache } from '../../ui/worker/render/synthesis-chain';
import { toRgba } from '../../ui/worker/render/to-rgba';
import { GOLDEN_TINY_PACK, goldenPath, readGoldenJson } from '../helpers/golden';
import { parseNpy, type NpyArray } from '../helpers/npy';
import { expectClose } from '../helpers/tolerance';

const TOLERANCE = 1e-4; // golden README: W+, S, Δt, Δs, edited S and images on float32 CPU/WASM

/** A plain Uint8Array copy: parseNpy's `slice` on a Node Buffer would be a view into Node's pool. */
function npy(relative: string): NpyArray {
  return parseNpy(new Uint8Array(readFileSync(goldenPath(relative))));
}

function floats(relative: string): { data: Float32Array; shape: number[] } {
  const array = npy(relative);
  if (array.dtype !== 'float32') throw new Error(`${relative} is ${array.dtype}`);
  return array;
}

/** Element [...index] of the leading axes, as a flat copy. */
function at(relative: string, ...index: number[]): Float32Array {
  const { data, shape } = floats(relative);
  const size = shape.slice(index.length).reduce((a, b) => a * b, 1);
  const flat = index.reduce((f, i, axis) => f * shape[axis] + i, 0);
  return data.slice(flat * size, (flat + 1) * size);
}

/** e4e-tiny/input_uint8.npy sample i ([N, 256, 256, 3]) as an opaque RgbaImage. */
function alignedFace(i: number): RgbaImage {
  const array = npy('e4e-tiny/input_uint8.npy');
  if (array.dtype !== 'uint8') throw new Error('input_uint8.npy must be uint8');
  const [, h, w] = array.shape;
  const data = new Uint8ClampedArray(w * h * 4);
  for (let p = 0; p < w * h; p++) {
    for (let c = 0; c < 3; c++) data[p * 4 + c] = array.data[(i * w * h + p) * 3 + c];
    data[p * 4 + 3] = 255;
  }
  return { width: w, height: h, data };
}

interface GlobalConfig {
  pairs: Array<{ neutral: string; target: string }>;
  betas: number[];
  alphas: number[];
}
const config = readGoldenJson<GlobalConfig>('global-direction/config.json');

async function rejection(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected the promise to reject');
}

describe('Engine on the golden-tiny pack (wasm)', () => {
  const engine = new Engine({ runtime: { backends: ['wasm'] } });
  // expectClose names the largest difference and its index when a value is out of tolerance.
  const note = (what: string, actual: ArrayLike<number>, expected: ArrayLike<number>) => expectClose(actual, expected, TOLERANCE, what);

  beforeAll(async () => {
    const summary = await engine.useLoadedPack(await packFromDirectory(GOLDEN_TINY_PACK));
    expect(summary).toMatchObject({ id: 'golden-tiny', resolution: 64, previewResolutions: [16, 32], encoderSize: 256, backend: 'wasm' });
    expect(summary.mappers.map((m) => m.name)).toEqual(['beard']);
  });
  afterAll(async () => {
    await engine.dispose();
  });

  describe('inversion: aligned face → W+ → S → image', () => {
    it.each([0, 1])('e4e-tiny input %i gives the golden W+ and decoded image', async (i) => {
      const { faceKey } = await engine.invert(alignedFace(i));
      const { wPlus, s } = await engine.latents(faceKey);
      note(`invert input ${i}: W+`, wPlus, at('e4e-tiny/wplus.npy', i));
      const image = await engine.synthesize({ s, resolution: 'full' });
      expect([image.width, image.height]).toEqual([64, 64]);
      note(`invert input ${i}: decoded image`, image.data, at('e4e-tiny/decoded_image.npy', i));
    });

    it('renders 8-bit RGBA within one level of the golden preview (which truncates instead of rounding)', async () => {
      const { faceKey } = await engine.invert(alignedFace(0));
      const { image } = await engine.render({ faceKey, edits: [], resolution: 'full' });
      const preview = readImageFile(goldenPath('e4e-tiny/decoded_preview.png')); // 2 samples side by side
      expect([image.width, image.height, preview.height]).toEqual([64, 64, 64]);
      let worst = 0;
      let roundedUp = 0;
      for (let y = 0; y < 64; y++) {
        for (let x = 0; x < 64; x++) {
          for (let c = 0; c < 3; c++) {
            const ours = image.data[(y * 64 + x) * 4 + c];
            const theirs = preview.data[(y * preview.width + x) * 4 + c];
            worst = Math.max(worst, Math.abs(ours - theirs));
            expect(ours - theirs, `pixel (${x}, ${y}) channel ${c}`).toBeGreaterThanOrEqual(0);
            if (ours > theirs) roundedUp++;
          }
          expect(image.data[(y * 64 + x) * 4 + 3]).toBe(255);
        }
      }
      expect(worst).toBe(1);
      expect(roundedUp, 'about half the values round up').toBeGreaterThan(64 * 64 * 3 * 0.3);
      // And it is exactly the float output converted.
      const pixels = await engine.synthesize({ s: (await engine.latents(faceKey)).s, resolution: 'full' });
      expect(Array.from(image.data)).toEqual(Array.from(toRgba(pixels).data));
    });

    it('rejects an image that is not the encoder size with ImageInvalid', async () => {
      const error = await rejection(engine.invert({ width: 64, height: 64, data: new Uint8ClampedArray(64 * 64 * 4) }));
      expect(error.name).toBe('ImageInvalid');
      expect(error.message).toMatch(/64×64 pixels; the encoder takes 256×256/);
    });
  });

  describe('text directions from prompts', () => {
    it.each(config.pairs.map((pair, i) => [`"${pair.neutral}" → "${pair.target}"`, pair, i] as const))('%s gives the golden Δt', async (_title, pair, i) => {
      note(`Δt ${pair.neutral} → ${pair.target}`, await engine.textDirection(pair.neutral, pair.target), at('global-direction/delta_t.npy', i));
    });
  });

  describe('global edits of golden S (faceFromWPlus with stylegan2-tiny case_b_wplus)', () => {
    const cases = config.pairs.flatMap((pair, p) =>
      config.betas.flatMap((beta, b) => [0, 1].map((sample) => ({ pair, p, beta, b, sample }))),
    );

    it.each([0, 1])('W+ sample %i maps to the golden s_input', async (sample) => {
      const { faceKey } = await engine.faceFromWPlus(at('stylegan2-tiny/case_b_wplus.npy', sample));
      note(`affine sample ${sample}: S`, (await engine.latents(faceKey)).s, at('global-direction/s_input.npy', sample));
    });

    it.each(cases.map((c) => [`pair ${c.p} (${c.pair.target}), β ${c.beta}, sample ${c.sample}`, c] as const))(
      '%s: edited S for both α and channels kept match the golden',
      async (_title, { pair, p, beta, b, sample }) => {
        const { faceKey } = await engine.faceFromWPlus(at('stylegan2-tiny/case_b_wplus.npy', sample));
        const expectedKept = npy('global-direction/num_channels.npy').data[p * 3 + b];
        for (const [a, alpha] of config.alphas.entries()) {
          const edited = await engine.editLatents({ faceKey, edits: [{ kind: 'global', neutral: pair.neutral, target: pair.target, alpha, beta }] });
          expect(edited.channelsKept).toEqual([expectedKept]);
          expect(edited.warnings).toEqual([]);
          note(`S pair ${p} β ${beta} α ${alpha} sample ${sample}`, edited.s, at('global-direction/s_edited.npy', p, b, a, sample));
        }
      },
    );

    it.each([0, 1].flatMap((a) => [0, 1].map((sample) => [a, sample] as const)))(
      'pair 0, β 0.1, α index %i, sample %i renders image_edited_pair0_beta0.1',
      async (a, sample) => {
        const { faceKey } = await engine.faceFromWPlus(at('stylegan2-tiny/case_b_wplus.npy', sample));
        const { neutral, target } = config.pairs[0];
        const edited = await engine.editLatents({ faceKey, edits: [{ kind: 'global', neutral, target, alpha: config.alphas[a], beta: 0.1 }] });
        const image = await engine.synthesize({ s: edited.s, resolution: 'full' });
        note(`image pair 0 β 0.1 α ${config.alphas[a]} sample ${sample}`, image.data, at('global-direction/image_edited_pair0_beta0.1.npy', a, sample));
      },
    );

    it.each([16, 32])('a preview at %i px is the golden skip image', async (r) => {
      const { faceKey } = await engine.faceFromWPlus(at('stylegan2-tiny/case_b_wplus.npy', 1));
      const { s } = await engine.latents(faceKey);
      const image = await engine.synthesize({ s, resolution: r });
      expect([image.width, image.height]).toEqual([r, r]);
      note(`preview ${r} sample 1`, image.data, at(`stylegan2-tiny/case_b_skip_${r}.npy`, 1));
      const { image: rgba } = await engine.render({ faceKey, edits: [], resolution: r });
      expect([rgba.width, rgba.height, rgba.data.length]).toEqual([r, r, r * r * 4]);
    });
  });

  describe('mapper edits (mapper-tiny)', () => {
    it.each([0, 1, 2])('beard at strength 1 on wplus_in[%i] gives wplus_edited and image_edited', async (i) => {
      const { faceKey } = await engine.faceFromWPlus(at('mapper-tiny/wplus_in.npy', i));
      const edited = await engine.editLatents({ faceKey, edits: [{ kind: 'mapper', mapper: 'beard', strength: 1 }] });
      note(`mapper W+ ${i}`, edited.wPlus, at('mapper-tiny/wplus_edited.npy', i));
      note(`mapper image ${i}`, (await engine.synthesize({ s: edited.s, resolution: 'full' })).data, at('mapper-tiny/image_edited.npy', i));
    });

    it('a mapper edit and a global edit stack: S(mapped W+) + α·Δs', async () => {
      const { faceKey } = await engine.faceFromWPlus(at('mapper-tiny/wplus_in.npy', 0));
      const mapperOnly = await engine.editLatents({ faceKey, edits: [{ kind: 'mapper', mapper: 'beard', strength: 1 }] });
      const { neutral, target } = config.pairs[0];
      const both = await engine.editLatents({
        faceKey,
        edits: [{ kind: 'mapper', mapper: 'beard', strength: 1 }, { kind: 'global', neutral, target, alpha: 3, beta: 0.1 }],
      });
      const deltaS = at('global-direction/delta_s.npy', 0, 1);
      const expected = mapperOnly.s.map((v, j) => v + Math.fround(3 * deltaS[j]));
      expectClose(both.s, expected, TOLERANCE, 'mapper + global S');
      expect(both.wPlus).toEqual(mapperOnly.wPlus);
    });

    it('strength 0 leaves W+ as inverted; strength 2 doubles the offset', async () => {
      const wIn = at('mapper-tiny/wplus_in.npy', 1);
      const { faceKey } = await engine.faceFromWPlus(wIn);
      const zero = await engine.editLatents({ faceKey, edits: [{ kind: 'mapper', mapper: 'beard', strength: 0 }] });
      expect(zero.wPlus).toEqual(wIn);
      const two = await engine.editLatents({ faceKey, edits: [{ kind: 'mapper', mapper: 'beard', strength: 2 }] });
      const delta = at('mapper-tiny/delta.npy', 1);
      expectClose(two.wPlus, wIn.map((w, j) => w + 0.2 * delta[j]), TOLERANCE, 'W+ at strength 2');
    });
  });

  describe('caches: changing α or β never re-runs the encoder or the text model', () => {
    it('counts one encoder, one affine and one clipText pass for a whole α/β session; only synthesis repeats', async () => {
      const own = new Engine({ runtime: { backends: ['wasm'] } });
      try {
        await own.useLoadedPack(await packFromDirectory(GOLDEN_TINY_PACK));
        const face = alignedFace(1);
        const { faceKey, cached } = await own.invert(face);
        expect(cached).toBe(false);
        expect(own.stats().runs).toEqual({ encoder: 1, affine: 1 });
        expect(own.stats().tokenizerLoaded).toBe(false);

        const edit = (alpha: number, beta: number): EditSpec[] => [{ kind: 'global', neutral: 'face', target: 'smiling face', alpha, beta }];
        const first = await own.render({ faceKey, edits: edit(3, 0.1), resolution: 'full' });
        // clipText runs once per token length: the 158 prompts of "face" and "smiling face" have 8 lengths.
        // A full render runs the whole synthesis chain: the 16 and 32 px stages, then the rest.
        expect(own.stats().runs).toEqual({ encoder: 1, affine: 1, clipText: 8, 'synthesisPreview:16': 1, 'synthesisPreview:32': 1, synthesis: 1 });
        for (const [alpha, beta] of [[-2, 0.1], [4.1, 0.15], [4.1, 0.05], [3, 0.1]]) {
          await own.render({ faceKey, edits: edit(alpha, beta), resolution: 'full' });
        }
        await own.render({ faceKey, edits: edit(1, 0.12), resolution: 16 });
        const again = await own.invert({ ...face, data: Uint8ClampedArray.from(face.data) }); // same pixels, new buffer
        expect(again).toMatchObject({ faceKey, cached: true });
        expect(own.stats().runs).toEqual({ encoder: 1, affine: 1, clipText: 8, synthesis: 5, 'synthesisPreview:16': 6, 'synthesisPreview:32': 5 });
        expect(own.stats().graphsLoaded).not.toContain('clipImage');

        // Same α, β as the first render: identical pixels from the caches.
        const repeat = await own.render({ faceKey, edits: edit(3, 0.1), resolution: 'full' });
        expect(repeat.image.data).toEqual(first.image.data);
        expect(repeat.channelsKept).toEqual(first.channelsKept);
        expect(first.channelsKept).toEqual([npy('global-direction/num_channels.npy').data[1 * 3 + 1]]);
      } finally {
        await own.dispose();
      }
    });

    it('a refine 16 → 32 → full at the same S continues from the cached stages and equals a cold full render bit for bit', async () => {
      const own = new Engine({ runtime: { backends: ['wasm'] } });
      try {
        await own.useLoadedPack(await packFromDirectory(GOLDEN_TINY_PACK));
        const { faceKey } = await own.faceFromWPlus(at('mapper-tiny/wplus_in.npy', 1));
        const edits: EditSpec[] = [{ kind: 'mapper', mapper: 'beard', strength: 0.7 }];
        const cold = await own.render({ faceKey, edits, resolution: 'full' });
        await own.render({ faceKey, edits: [], resolution: 32 }); // another S replaces the cached 16 and 32 px stages
        const before = own.stats().runs;
        const small = await own.render({ faceKey, edits, resolution: 16 });
        const again = await own.render({ faceKey, edits, resolution: 16 });
        const refined = await own.render({ faceKey, edits, resolution: 32 });
        const full = await own.render({ faceKey, edits, resolution: 'full' });
        const runs = own.stats().runs;
        const added = (role: 'synthesisPreview:16' | 'synthesisPreview:32' | 'synthesis') => (runs[role] ?? 0) - (before[role] ?? 0);
        // Each stage ran once for the four renders: 32 continued from 16's features, full from 32's.
        expect([added('synthesisPreview:16'), added('synthesisPreview:32'), added('synthesis')]).toEqual([1, 1, 1]);
        expect(again.image.data).toEqual(small.image.data);
        expect([refined.image.width, full.image.width]).toEqual([32, 64]);
        expect(Buffer.from(full.image.data).equals(Buffer.from(cold.image.data))).toBe(true);
        // The generator's floats too, against an engine that never rendered anything.
        const { s } = await own.editLatents({ faceKey, edits });
        await own.synthesize({ s, resolution: 32 });
        const warm = await own.synthesize({ s, resolution: 'full' });
        const fresh = new Engine({ runtime: { backends: ['wasm'] } });
        try {
          await fresh.useLoadedPack(await packFromDirectory(GOLDEN_TINY_PACK));
          const coldFloats = await fresh.synthesize({ s, resolution: 'full' });
          expect(Buffer.from(warm.data.buffer).equals(Buffer.from(coldFloats.data.buffer))).toBe(true);
          expect(fresh.stats().runs).toEqual({ 'synthesisPreview:16': 1, 'synthesisPreview:32': 1, synthesis: 1 });
        } finally {
          await fresh.dispose();
        }
      } finally {
        await own.dispose();
      }
    });

    it('loading another pack, or dispose(), disposes the cached stage tensors before the sessions are released', async () => {
      // On WebGPU they are GPU buffers that only dispose() frees (gpu-stage-tensors.e2e.test.ts); here on wasm the
      // same calls happen on CPU tensors.
      const closed: Array<{ cache: StageCache; heldAtClose: number }> = [];
      const order: string[] = [];
      const close = StageCache.prototype.close;
      const releaseAll = GraphSessions.prototype.releaseAll;
      const spies = [
        vi.spyOn(StageCache.prototype, 'close').mockImplementation(async function (this: StageCache) {
          await close.call(this);
          closed.push({ cache: this, heldAtClose: this.size });
          order.push('stages closed');
        }),
        vi.spyOn(GraphSessions.prototype, 'releaseAll').mockImplementation(async function (this: GraphSessions) {
          order.push('sessions released');
          await releaseAll.call(this);
        }),
      ];
      const own = new Engine({ runtime: { backends: ['wasm'] } });
      try {
        await own.useLoadedPack(await packFromDirectory(GOLDEN_TINY_PACK));
        const { faceKey } = await own.faceFromWPlus(at('mapper-tiny/wplus_in.npy', 1));
        await own.render({ faceKey, edits: [], resolution: 32 });
        expect(own.stats().stageTensors).toEqual({ held: [{ index: 0, features: 'cpu', image: 'cpu' }, { index: 1, features: 'cpu', image: 'cpu' }], disposed: 0, readBack: 0 });
        await own.useLoadedPack(await packFromDirectory(GOLDEN_TINY_PACK));
        expect(closed.map(({ cache, heldAtClose }) => [heldAtClose, cache.report().disposed])).toEqual([[0, 4]]);
        await own.render({ faceKey: (await own.faceFromWPlus(at('mapper-tiny/wplus_in.npy', 1))).faceKey, edits: [], resolution: 16 });
        await own.dispose();
        expect(closed.map(({ cache }) => cache.report())).toEqual([
          { held: [], disposed: 4, readBack: 0 },
          { held: [], disposed: 2, readBack: 0 },
        ]);
        expect(order).toEqual(['stages closed', 'sessions released', 'stages closed', 'sessions released']);
      } finally {
        for (const spy of spies) spy.mockRestore();
        await own.dispose();
      }
    });

    // golden-tiny's chain: 16 px (layers ≤ 16), 32 px (≤ 32), then the full 64 px synthesis.
    type StageRole = 'synthesisPreview:16' | 'synthesisPreview:32' | 'synthesis';
    const STAGES: StageRole[] = ['synthesisPreview:16', 'synthesisPreview:32', 'synthesis'];
    const runsOf = (own: Engine) => Object.fromEntries(STAGES.map((role) => [role, own.stats().runs[role] ?? 0])) as Record<StageRole, number>;
    const added = (own: Engine, before: Record<StageRole, number>) => STAGES.map((role) => runsOf(own)[role] - before[role]);
    /** S with every entry of the style layers that `pick` selects moved by `by`. */
    async function moved(s: Float32Array, pick: (layer: { resolution: number; offset: number }) => boolean, by: number): Promise<Float32Array> {
      const { styleLayers } = (await packFromDirectory(GOLDEN_TINY_PACK)).pack.generator;
      const out = Float32Array.from(s);
      for (const layer of styleLayers) if (pick(layer)) for (let i = layer.offset; i < layer.offset + layer.channels; i++) out[i] += by;
      return out;
    }
    /** What an engine that never rendered anything gives (each stage runs once). */
    async function cold<T>(work: (fresh: Engine) => Promise<T>): Promise<T> {
      const fresh = new Engine({ runtime: { backends: ['wasm'] } });
      try {
        await fresh.useLoadedPack(await packFromDirectory(GOLDEN_TINY_PACK));
        const result = await work(fresh);
        expect(Object.values(runsOf(fresh)).every((n) => n <= 1)).toBe(true);
        return result;
      } finally {
        await fresh.dispose();
      }
    }
    const sameBytes = (a: Float32Array | Uint8ClampedArray, b: Float32Array | Uint8ClampedArray) => Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));

    it('a change of S that leaves the layers up to an exit alone re-runs only the later stages, bit for bit a cold render', async () => {
      const own = new Engine({ runtime: { backends: ['wasm'] } });
      try {
        await own.useLoadedPack(await packFromDirectory(GOLDEN_TINY_PACK));
        const { faceKey } = await own.faceFromWPlus(at('mapper-tiny/wplus_in.npy', 1));
        const { s } = await own.editLatents({ faceKey, edits: [] });
        const above16 = await moved(s, (layer) => layer.resolution > 16, 0.5);
        const above32 = await moved(above16, (layer) => layer.resolution > 32, -0.25);
        const first = Float32Array.from(above32);
        first[0] += 0.125; // the first layer (4 px), read by every stage
        const plusZero = Float32Array.from(first);
        plusZero[0] = 0;
        const minusZero = Float32Array.from(first);
        minusZero[0] = -0; // equal to +0 as a number, not in bits: the keys are bits, never assumptions

        await own.synthesize({ s, resolution: 'full' });
        const steps: Array<[Float32Array, number[]]> = [[above16, [0, 1, 1]], [above32, [0, 0, 1]], [first, [1, 1, 1]], [plusZero, [1, 1, 1]], [minusZero, [1, 1, 1]]];
        for (const [edited, expected] of steps) {
          const before = runsOf(own);
          const warm = await own.synthesize({ s: edited, resolution: 'full' });
          expect(added(own, before)).toEqual(expected);
          const fresh = await cold((engine) => engine.synthesize({ s: edited, resolution: 'full' }));
          expect(sameBytes(warm.data, fresh.data)).toBe(true);
        }
        // A preview after a change above it reuses its stage as it is.
        const before = runsOf(own);
        await own.synthesize({ s: await moved(minusZero, (layer) => layer.resolution === 64, 1), resolution: 32 });
        expect(added(own, before)).toEqual([0, 0, 0]);
      } finally {
        await own.dispose();
      }
    });

    it('a drag frame renders at the smallest exit that shows the layers changed since the last render, reusing the stages below', async () => {
      const own = new Engine({ runtime: { backends: ['wasm'] } });
      try {
        await own.useLoadedPack(await packFromDirectory(GOLDEN_TINY_PACK));
        const wPlus = at('mapper-tiny/wplus_in.npy', 1);
        const { numWs, wDim } = (await packFromDirectory(GOLDEN_TINY_PACK)).pack.generator;
        /** W+ with rows `from`… moved: row w feeds the layers of wIndex w (rows ≥ 6: the layers of 32 and 64 px). */
        const rowsMoved = (from: number, by: number) => wPlus.map((v, j) => (Math.floor(j / wDim) >= from && j < numWs * wDim ? v + by : v));
        const a = await own.faceFromWPlus(wPlus);
        const high = await own.faceFromWPlus(rowsMoved(6, 0.3));
        const all = await own.faceFromWPlus(rowsMoved(0, 0.3));
        const frame = async (faceKey: string, resolution: number, draft = true) => {
          const before = runsOf(own);
          const { image } = await own.render({ faceKey, edits: [], resolution, draft });
          return { width: image.width, runs: added(own, before), image };
        };

        expect(await frame(a.faceKey, 32)).toMatchObject({ width: 32, runs: [1, 1, 0] }); // nothing rendered before: the size asked
        // Only layers ≥ 32 px changed: a 16 px frame would show none of it; the 16 px stage is reused.
        const highFrame = await frame(high.faceKey, 32);
        expect(highFrame).toMatchObject({ width: 32, runs: [0, 1, 0] });
        const coldHigh = await cold(async (engine) => engine.render({ faceKey: (await engine.faceFromWPlus(rowsMoved(6, 0.3))).faceKey, edits: [], resolution: 32 }));
        expect(sameBytes(highFrame.image.data, coldHigh.image.data)).toBe(true);
        // Never above the size asked.
        expect(await frame(a.faceKey, 16)).toMatchObject({ width: 16, runs: [0, 0, 0] }); // a's 16 px stage is still cached
        expect(await frame(high.faceKey, 16)).toMatchObject({ width: 16, runs: [0, 0, 0] });
        // The first layer changed: the smallest exit shows it.
        expect(await frame(all.faceKey, 32)).toMatchObject({ width: 16, runs: [1, 0, 0] });
        // Nothing changed since: the deepest stage cached for this S, for free; the refine then continues from it.
        expect(await frame(all.faceKey, 32)).toMatchObject({ width: 16, runs: [0, 0, 0] });
        expect(await frame(all.faceKey, 32, false)).toMatchObject({ width: 32, runs: [0, 1, 0] });
        expect(await frame(all.faceKey, 32)).toMatchObject({ width: 32, runs: [0, 0, 0] });
      } finally {
        await own.dispose();
      }
    });

    it('a mapper edit loads neither clipText nor the vocabulary, and runs the mapper once per face', async () => {
      const own = new Engine({ runtime: { backends: ['wasm'] } });
      try {
        await own.useLoadedPack(await packFromDirectory(GOLDEN_TINY_PACK));
        const { faceKey } = await own.faceFromWPlus(at('mapper-tiny/wplus_in.npy', 2));
        for (const strength of [1, 0.5, 1.5, 1]) await own.render({ faceKey, edits: [{ kind: 'mapper', mapper: 'beard', strength }], resolution: 32 });
        const stats = own.stats();
        // affine: the face's own S once, then once per distinct strength (1, 0.5, 1.5).
        expect(stats.runs).toEqual({ affine: 4, 'mapper:beard': 1, 'synthesisPreview:16': 4, 'synthesisPreview:32': 4 });
        expect(stats.graphsLoaded).not.toContain('clipText');
        expect(stats.tokenizerLoaded).toBe(false);
      } finally {
        await own.dispose();
      }
    });

    it('reports the job steps in order, ending at the total, each with its own fields', async () => {
      const { faceKey } = await engine.faceFromWPlus(at('mapper-tiny/wplus_in.npy', 0));
      const events: Progress[] = [];
      await engine.render(
        { faceKey, edits: [{ kind: 'mapper', mapper: 'beard', strength: 1.25 }, { kind: 'global', target: 'smiling face', neutral: 'face', alpha: 2, beta: 0.1 }], resolution: 'full' },
        (p) => events.push(p),
      );
      const steps = events.filter((p): p is JobProgress => 'step' in p);
      expect(steps.map((p) => p.step)).toEqual([1, 2, 3, 4]);
      expect(steps.every((p) => p.of === 4)).toBe(true);
      expect(steps).toEqual([
        { stage: 'map-latent', mapper: 'beard', step: 1, of: 4 },
        { stage: 'styles', step: 2, of: 4 },
        { stage: 'text-direction', neutral: 'face', target: 'smiling face', step: 3, of: 4 },
        { stage: 'render', size: 64, full: true, step: 4, of: 4 },
      ]);
    });
  });

  describe('user mistakes are EngineErrors with stable names', () => {
    it('β above every relevance rejects with BetaTooHigh naming the largest usable β', async () => {
      const { faceKey } = await engine.faceFromWPlus(at('stylegan2-tiny/case_b_wplus.npy', 0));
      const error = await rejection(engine.render({ faceKey, edits: [{ kind: 'global', target: 'smiling face', neutral: 'face', alpha: 3, beta: 0.9 }], resolution: 'full' }));
      expect(error.name).toBe('BetaTooHigh');
      expect(error.message).toMatch(/^β too high: 0 channels pass β = 0\.9\. Lower β \(the largest \|relevance\| for this prompt is 0\.\d\d\)\.$/);
    });

    it('an unknown mapper, resolution or face key is a BadArgument listing the valid choices', async () => {
      const { faceKey } = await engine.faceFromWPlus(at('stylegan2-tiny/case_b_wplus.npy', 0));
      const mapper = await rejection(engine.render({ faceKey, edits: [{ kind: 'mapper', mapper: 'afro', strength: 1 }], resolution: 'full' }));
      expect([mapper.name, mapper.message]).toEqual(['BadArgument', 'unknown mapper “afro”. Must be one of: beard']);
      const resolution = await rejection(engine.render({ faceKey, edits: [], resolution: 24 }));
      expect([resolution.name, resolution.message]).toEqual(['BadArgument', 'Resolution 24 is not one pack golden-tiny can render. Must be one of: full, 16, 32']);
      const face = await rejection(engine.render({ faceKey: 'rgba:nope', edits: [], resolution: 'full' }));
      expect(face.name).toBe('BadArgument');
      expect(face.message).toMatch(/No face has the key "rgba:nope".*Invert the face again\./);
      const alpha = await rejection(engine.render({ faceKey, edits: [{ kind: 'global', target: 'x', neutral: 'face', alpha: Number.NaN, beta: 0.1 }], resolution: 'full' }));
      expect([alpha.name, alpha.message]).toEqual(['BadArgument', 'α must be a number from −50 to 50, got NaN. Typical values are −10 to 10.']);
    });

    it('previews are latest-wins: one overtaken by a newer preview rejects with Cancelled', async () => {
      const { faceKey } = await engine.faceFromWPlus(at('stylegan2-tiny/case_b_wplus.npy', 1));
      const edits = (alpha: number): EditSpec[] => [{ kind: 'global', target: 'face with glasses', neutral: 'face', alpha, beta: 0.1 }];
      const older = engine.render({ faceKey, edits: edits(1), resolution: 16 });
      const newer = engine.render({ faceKey, edits: edits(2), resolution: 16 });
      const [a, b] = await Promise.allSettled([older, newer]);
      expect(a.status === 'rejected' && (a.reason as Error).name).toBe('Cancelled');
      expect(b.status).toBe('fulfilled');
      // A full render is never cancelled by a preview.
      const full = engine.render({ faceKey, edits: edits(1), resolution: 'full' });
      await engine.render({ faceKey, edits: edits(2), resolution: 16 });
      await expect(full).resolves.toMatchObject({ image: { width: 64 } });
    });
  });

  describe('presets stored in the pack (facetext pack presets)', () => {
    let dir: string;
    beforeAll(async () => {
      dir = join(mkdtempSync(join(tmpdir(), 'facetext-presets-')), 'golden-tiny');
      cpSync(GOLDEN_TINY_PACK, dir, { recursive: true });
      await writePackPresets({ dir });
    });
    afterAll(() => rmSync(join(dir, '..'), { recursive: true, force: true }));

    it('stores the golden Δt for the golden pairs that are presets', async () => {
      const loaded = await packFromDirectory(dir);
      const presets = loaded.pack.presets!;
      const rows = await loaded.readFloat32(presets.file);
      for (const [i, pair] of config.pairs.entries()) {
        const index = presets.entries.findIndex((e) => e.neutral === pair.neutral && e.target === pair.target);
        if (index < 0) continue; // woman → man is not a preset
        note(`preset Δt ${pair.target}`, rows.slice(index * presets.dims, (index + 1) * presets.dims), at('global-direction/delta_t.npy', i));
      }
      expect(presets.entries.filter((e) => e.neutral === 'face' && ['smiling face', 'face with glasses'].includes(e.target))).toHaveLength(2);
    });

    it('a preset edit uses the stored Δt and never loads clipText or the vocabulary', async () => {
      const own = new Engine({ runtime: { backends: ['wasm'] } });
      try {
        const summary = await own.useLoadedPack(await packFromDirectory(dir));
        expect(summary.presets.map((p) => p.label)).toContain('smiling');
        const { faceKey } = await own.faceFromWPlus(at('stylegan2-tiny/case_b_wplus.npy', 0));
        const edited = await own.editLatents({ faceKey, edits: [{ kind: 'global', neutral: 'face', target: 'smiling face', alpha: 3, beta: 0.1 }] });
        const stats = own.stats();
        expect(stats.graphsLoaded).not.toContain('clipText');
        expect(stats.runs.clipText).toBeUndefined();
        expect(stats.tokenizerLoaded).toBe(false);
        note('preset edit S (pair 1, β 0.1, α 3, sample 0)', edited.s, at('global-direction/s_edited.npy', 1, 1, 1, 0));
        // A pair that is not a preset still goes through CLIP: one run per token length, 7 for "woman" and "man".
        await own.editLatents({ faceKey, edits: [{ kind: 'global', neutral: 'woman', target: 'man', alpha: 3, beta: 0.1 }] });
        expect(own.stats().runs.clipText).toBe(7);
      } finally {
        await own.dispose();
      }
    });
  });
});
