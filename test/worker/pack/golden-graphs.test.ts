// THE proof that the exporter's graphs are the upstream networks: every graph of
// models/packs/golden-tiny, run with onnxruntime-web (wasm, as in Node), reproduces the reference
// outputs in ../shared/golden within the README tolerances. One named case per golden entry; a synthesis
// stage's case runs the synthesis chain up to that stage, as the engine does.
// Nothing here reads the CLIP vocabulary (it is only copied into the pack by `npm run build`).
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { packFromDirectory } from '../../../cli/read-pack-dir';
import { openGraph } from '../../../ui/worker/pack/graph-contract';
import type { LoadedPack } from '../../../ui/worker/pack/load-pack';
import type { GraphRole } from '../../../ui/worker/pack/pack-schema';
import { renderThroughChain, sessionStageRunner, synthesisChain } from '../../../ui/worker/render/synthesis-chain';
import { OrtRuntime, float32Tensor, int32Tensor, type GraphSession, type OrtTensor } from '../../../ui/worker/runtime/ort';
import { GOLDEN_DIR, GOLDEN_TINY_PACK, goldenPath } from '../../helpers/golden';
import { parseNpy, type NpyArray } from '../../helpers/npy';
import { expectClose, maxAbsDiff } from '../../helpers/tolerance';

const TOLERANCE = 1e-4; // ../shared/golden/README.md: W/S/features/deltas and images, float32 CPU/WASM
const CLIP_EOT = 49407; // <|endoftext|>, the largest token id: CLIP pools at the first argmax

interface Batch {
  data: Float32Array | Int32Array;
  dims: number[];
}

interface GoldenCase {
  title: string;
  role: GraphRole;
  inputs: () => Record<string, Batch>;
  output: string;
  expected: () => Batch;
}

// ---------------------------------------------------------------- golden data, sliced per sample
/**
 * parseNpy copies the body with `bytes.slice`, which on a Node Buffer (what readGoldenNpy passes) is a
 * view of Node's shared pool, not a copy, so the arrays it returns read the wrong bytes. A plain
 * Uint8Array copy makes `slice` copy.
 */
function readGoldenNpy(relative: string): NpyArray {
  return parseNpy(new Uint8Array(readFileSync(goldenPath(relative))));
}

function all(file: string): Batch {
  const npy = readGoldenNpy(file);
  if (npy.dtype === 'uint8') throw new Error(`${file} is uint8; convert it first`);
  return { data: npy.data, dims: npy.shape };
}

/** Sample `index` of the leading axis (or of several leading axes), as a batch of one. */
function sample(file: string, ...index: number[]): Batch {
  const { data, dims } = all(file);
  const rest = dims.slice(index.length);
  const size = rest.reduce((a, b) => a * b, 1);
  let flat = 0;
  index.forEach((i, axis) => {
    if (i >= dims[axis]) throw new Error(`${file}: index ${i} on axis ${axis} of shape [${dims.join(', ')}]`);
    flat = flat * dims[axis] + i;
  });
  return { data: data.slice(flat * size, (flat + 1) * size), dims: [1, ...rest] };
}

/** e4e input: uint8 [N, H, W, 3] → x = (u8/255 − 0.5)/0.5, float32 [1, 3, H, W] (torchvision ToTensor + Normalize). */
function e4eInput(index: number): Batch {
  const npy: NpyArray = readGoldenNpy('e4e-tiny/input_uint8.npy');
  if (npy.dtype !== 'uint8') throw new Error('e4e-tiny/input_uint8.npy must be uint8');
  const [, h, w, c] = npy.shape;
  const x = new Float32Array(c * h * w);
  const base = index * h * w * c;
  for (let y = 0; y < h; y++) {
    for (let xx = 0; xx < w; xx++) {
      for (let ch = 0; ch < c; ch++) {
        const unit = Math.fround(npy.data[base + (y * w + xx) * c + ch] / 255);
        x[ch * h * w + y * w + xx] = Math.fround(Math.fround(unit - 0.5) / 0.5);
      }
    }
  }
  return { data: x, dims: [1, c, h, w] };
}

/** CLIP tokens cut to L = (last EOT position over the batch) + 1: padding after EOT must not matter. */
function tokensCutToLongest(): Batch {
  const { data, dims } = all('clip-tiny/text_tokens.npy');
  const [n, context] = dims;
  let length = 0;
  for (let row = 0; row < n; row++) {
    const tokens = Array.from(data.subarray(row * context, (row + 1) * context));
    length = Math.max(length, tokens.indexOf(CLIP_EOT) + 1);
  }
  expect(length, 'every prompt ends with <|endoftext|> well inside the context').toBeGreaterThan(1);
  expect(length).toBeLessThan(context);
  const cut = new Int32Array(n * length);
  for (let row = 0; row < n; row++) cut.set(data.subarray(row * context, row * context + length), row * length);
  return { data: cut, dims: [n, length] };
}

// ---------------------------------------------------------------- the cases
const cases: GoldenCase[] = [
  {
    title: 'mapping: stylegan2-tiny case_a_z → case_a_w (batch of 3)',
    role: 'mapping', inputs: () => ({ z: all('stylegan2-tiny/case_a_z.npy') }), output: 'w', expected: () => all('stylegan2-tiny/case_a_w.npy'),
  },
  ...[0, 1].map((i): GoldenCase => ({
    title: `affine: case_b_wplus[${i}] → case_b_styles[${i}]`,
    role: 'affine', inputs: () => ({ wplus: sample('stylegan2-tiny/case_b_wplus.npy', i) }), output: 's', expected: () => sample('stylegan2-tiny/case_b_styles.npy', i),
  })),
  ...[0, 1, 2].map((i): GoldenCase => ({
    title: `affine: case_a_wplus[${i}] → case_a_styles[${i}]`,
    role: 'affine', inputs: () => ({ wplus: sample('stylegan2-tiny/case_a_wplus.npy', i) }), output: 's', expected: () => sample('stylegan2-tiny/case_a_styles.npy', i),
  })),
  ...[0, 1].map((i): GoldenCase => ({
    title: `synthesis: case_b_styles[${i}] → case_b_image[${i}]`,
    role: 'synthesis', inputs: () => ({ s: sample('stylegan2-tiny/case_b_styles.npy', i) }), output: 'image', expected: () => sample('stylegan2-tiny/case_b_image.npy', i),
  })),
  ...[0, 1, 2].map((i): GoldenCase => ({
    title: `synthesis: case_a_styles[${i}] → case_a_image[${i}] (truncated W)`,
    role: 'synthesis', inputs: () => ({ s: sample('stylegan2-tiny/case_a_styles.npy', i) }), output: 'image', expected: () => sample('stylegan2-tiny/case_a_image.npy', i),
  })),
  // global-direction s_edited is [pair, beta (0.05, 0.1, 0.15), alpha (−2, 3), sample, S]; the images are pair 0, beta 0.1.
  ...[[0, 0], [0, 1], [1, 0], [1, 1]].map(([alpha, i]): GoldenCase => ({
    title: `synthesis: global-direction s_edited[pair 0, β 0.1, α ${alpha === 0 ? -2 : 3}, sample ${i}] → image_edited_pair0_beta0.1[${alpha}, ${i}]`,
    role: 'synthesis', inputs: () => ({ s: sample('global-direction/s_edited.npy', 0, 1, alpha, i) }), output: 'image',
    expected: () => sample('global-direction/image_edited_pair0_beta0.1.npy', alpha, i),
  })),
  // One per preview resolution the pack has (the chain's stages up to it); the golden has a skip exit at every ToRGB.
  ...[16, 32].flatMap((r) => [0, 1].map((i): GoldenCase => ({
    title: `synthesisPreview:${r}: case_b_styles[${i}] → case_b_skip_${r}[${i}]`,
    role: `synthesisPreview:${r}`, inputs: () => ({ s: sample('stylegan2-tiny/case_b_styles.npy', i) }), output: 'image',
    expected: () => sample(`stylegan2-tiny/case_b_skip_${r}.npy`, i),
  }))),
  ...[0, 1].map((i): GoldenCase => ({
    title: `encoder: e4e-tiny input_uint8[${i}] → wplus[${i}]`,
    role: 'encoder', inputs: () => ({ image: e4eInput(i) }), output: 'wplus', expected: () => sample('e4e-tiny/wplus.npy', i),
  })),
  {
    title: 'clipText: clip-tiny text_tokens (4 × 77) → text_features',
    role: 'clipText', inputs: () => ({ tokens: all('clip-tiny/text_tokens.npy') }), output: 'features', expected: () => all('clip-tiny/text_features.npy'),
  },
  {
    title: 'clipText: text_tokens cut to the longest prompt (L = last EOT + 1) → the same text_features',
    role: 'clipText', inputs: () => ({ tokens: tokensCutToLongest() }), output: 'features', expected: () => all('clip-tiny/text_features.npy'),
  },
  {
    title: 'clipImage: clip-tiny image_input (batch of 2) → image_features',
    role: 'clipImage', inputs: () => ({ image: all('clip-tiny/image_input.npy') }), output: 'features', expected: () => all('clip-tiny/image_features.npy'),
  },
  ...[0, 1, 2].map((i): GoldenCase => ({
    title: `mapper:beard: mapper-tiny wplus_in[${i}] → delta[${i}]`,
    role: 'mapper:beard', inputs: () => ({ wplus: sample('mapper-tiny/wplus_in.npy', i) }), output: 'delta', expected: () => sample('mapper-tiny/delta.npy', i),
  })),
];

// ---------------------------------------------------------------- the runner
describe('golden-tiny pack graphs reproduce ../shared/golden (onnxruntime-web wasm)', () => {
  let loaded: LoadedPack;
  let runtime: OrtRuntime;
  const sessions = new Map<GraphRole, Promise<GraphSession>>();

  function session(role: GraphRole): Promise<GraphSession> {
    let opened = sessions.get(role);
    if (opened === undefined) {
      opened = openGraph(runtime, loaded, role);
      sessions.set(role, opened);
    }
    return opened;
  }

  beforeAll(async () => {
    // Fail loudly, never skip: a missing golden folder or pack is a broken checkout.
    if (!existsSync(GOLDEN_DIR)) throw new Error(`${GOLDEN_DIR} is missing. These tests need ../shared/golden beside the repository.`);
    if (!existsSync(join(GOLDEN_TINY_PACK, 'pack.json'))) {
      throw new Error(`${GOLDEN_TINY_PACK}/pack.json is missing. Export it: models/export/build_golden_tiny.sh`);
    }
    loaded = await packFromDirectory(GOLDEN_TINY_PACK);
    runtime = await OrtRuntime.create({ backends: ['wasm'] });
  });

  afterAll(async () => {
    for (const opened of sessions.values()) await (await opened.catch(() => undefined))?.release();
  });

  it('the cases cover every graph of the pack', () => {
    const covered = new Set(cases.map((c) => c.role));
    const roles = Object.keys(loaded.pack.graphs);
    expect(roles.filter((role) => !covered.has(role as GraphRole)), 'graphs without a golden case').toEqual([]);
    expect([...covered].filter((role) => !roles.includes(role)), 'cases for graphs the pack lacks').toEqual([]);
  });

  /** A synthesis stage's case runs the chain up to it, as the engine renders (models/README.md, "The synthesis chain"). */
  async function runCase(c: GoldenCase): Promise<{ values: Float32Array; dims: readonly number[] }> {
    const inputs = c.inputs();
    const stage = synthesisChain(loaded.pack.generator).find((st) => st.role === c.role);
    if (stage !== undefined) {
      const s = inputs.s.data as Float32Array;
      const values = await renderThroughChain({ run: sessionStageRunner(session), pack: loaded.pack, s, size: stage.size });
      return { values, dims: [1, 3, stage.size, stage.size] };
    }
    const feeds: Record<string, OrtTensor> = {};
    for (const [name, { data, dims }] of Object.entries(inputs)) {
      feeds[name] = data instanceof Int32Array ? int32Tensor(data, dims) : float32Tensor(data, dims);
    }
    const outputs = await (await session(c.role)).run(feeds);
    const actual = outputs[c.output];
    expect(actual, `output "${c.output}" of ${c.role}`).toBeDefined();
    return { values: (await actual.getData()) as Float32Array, dims: actual.dims };
  }

  it.for(cases.map((c) => [c.title, c] as const))('%s', async ([, c], { annotate }) => {
    const { values, dims } = await runCase(c);
    const expected = c.expected();
    expect(dims, 'output shape').toEqual(expected.dims);
    const { value, index } = maxAbsDiff(values, expected.data);
    await annotate(`max |diff| ${value.toExponential(2)} @${index} (tolerance ${TOLERANCE})`);
    expectClose(values, expected.data, TOLERANCE, c.title);
  });
});
