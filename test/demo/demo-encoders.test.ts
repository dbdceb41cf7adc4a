// The demo pack's encoders keep the graph contracts' promises: its e4e encoder inverts the faces its generator
// draws (S back within a stated tolerance), and its CLIP text encoder reads the real tokenizer's ids, knows
// only its concept words, and pools causally up to the first EOT.
import { statSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { toByte } from '../../ui/worker/render/to-rgba';
import { int32Tensor } from '../../ui/worker/runtime/ort';
import { runFloat32 } from '../../models/tools/latent-codes';
import { DEMO_PACK, DESIGN, DemoPack } from './demo-pack';

const INVERSION_TOLERANCE = 1e-3; // max |ΔS| / σ over every S channel, float image
const INVERSION_TOLERANCE_UINT8 = 1; // after 8-bit quantisation (measured ≤ 0.71 σ: an almost invisible glasses frame or beard, whose opacity 8 bits cannot resolve, moves its channels most)

let demo: DemoPack;

beforeAll(async () => {
  demo = await DemoPack.open();
});

async function invert(image: Float32Array): Promise<Float32Array> {
  const { generator } = demo.loaded.pack;
  const wPlus = await runFloat32(await demo.session('encoder'), image, [1, 3, 256, 256]);
  expect(wPlus.length).toBe(generator.numWs * generator.wDim);
  return runFloat32(await demo.session('affine'), wPlus, [1, generator.numWs, generator.wDim]);
}

function worstStdError(a: Float32Array, b: Float32Array): number {
  let worst = 0;
  for (let c = 0; c < a.length; c++) worst = Math.max(worst, Math.abs(a[c] - b[c]) / demo.sStd[c]);
  return worst;
}

describe('demo pack encoder (e4e contract)', () => {
  it(`inverts 8 faces it drew to the same S within ${INVERSION_TOLERANCE} σ`, async () => {
    for (const s of await demo.randomS(8, 99)) expect(worstStdError(await invert(await demo.render(s)), s)).toBeLessThan(INVERSION_TOLERANCE);
  });

  it(`inverts them within ${INVERSION_TOLERANCE_UINT8} σ after 8-bit quantisation`, async () => {
    for (const s of await demo.randomS(4, 7)) {
      const image = await demo.render(s);
      const quantised = image.map((x) => toByte(x) / 127.5 - 1);
      expect(worstStdError(await invert(quantised), s)).toBeLessThan(INVERSION_TOLERANCE_UINT8);
    }
  });
});

describe('demo pack clipText', () => {
  it('maps every concept word, tokenized by the real CLIP tokenizer, to its attribute vector', async () => {
    const words = Object.keys(DESIGN.conceptWords);
    const features = await demo.encodeText(words);
    words.forEach((word, i) => {
      expect(demo.tokenizer.tokenize(word).length, word).toBe(3); // SOT, one token, EOT
      const expected = [DESIGN.base, ...DESIGN.attributes.map((a) => DESIGN.conceptWords[word][a] ?? 0)];
      expect(Array.from(features[i]).map((v) => Number(v.toFixed(6))), word).toEqual(expected);
    });
  });

  it('maps words outside the concept space to the bare face', async () => {
    const [outside, empty] = await demo.encodeText(['a photo of a person with a hat in paris', '']);
    expect(Array.from(outside)).toEqual(Array.from(empty));
    expect(Array.from(empty)).toEqual([DESIGN.base, ...DESIGN.attributes.map(() => 0)]);
  });

  it('reads the feature at the first EOT: tokens after it change nothing, at any length L ≤ 77', async () => {
    const { ids, length } = demo.tokenizer.tokenize('a smiling face with glasses');
    const session = await demo.session('clipText');
    const run = async (tokens: Int32Array) => (await (await session.run({ tokens: int32Tensor(tokens, [1, tokens.length]) })).features.getData()) as Float32Array;
    const full = await run(ids);
    const cut = await run(ids.slice(0, length));
    const tail = ids.slice();
    tail.set([demo.tokenizer.tokenize('beard').ids[1], demo.tokenizer.endId, demo.tokenizer.tokenize('old').ids[1]], length);
    expect(Array.from(cut)).toEqual(Array.from(full));
    expect(Array.from(await run(tail))).toEqual(Array.from(full));
    expect(full[1]).toBeCloseTo(DESIGN.conceptWords.smiling.smile, 6);
    expect(full[5]).toBeCloseTo(DESIGN.conceptWords.glasses.glasses, 6);
  });
});

describe('demo pack as a whole', () => {
  it('is labelled as a demonstration pack and stays within 2 MB (without the vocabulary)', () => {
    const { pack } = demo.loaded;
    expect(pack.demo).toBe(true);
    expect(pack.description).toMatch(/^DEMONSTRATION PACK/);
    const bytes = readdirSync(DEMO_PACK).filter((f) => f !== pack.clip.vocab).reduce((sum, f) => sum + statSync(join(DEMO_PACK, f)).size, 0);
    expect(bytes).toBeLessThan(2 * 1024 * 1024);
  });
});
