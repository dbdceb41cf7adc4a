import { describe, expect, it } from 'vitest';
import {
  TextDirectionCache,
  textDirection,
  type EncodeText,
  type TextTokenizer,
} from '../../../ui/worker/clip/text-direction';
import { ClipTokenizer } from '../../../ui/worker/clip/tokenizer';
import { packFromDirectory } from '../../../ui/worker/node/read-pack-dir';
import type { Pack } from '../../../ui/worker/pack/pack-schema';
import { OrtRuntime, int32Tensor } from '../../../ui/worker/runtime/ort';
import { GOLDEN_TINY_PACK, readGoldenJson, readGoldenNpy } from '../../helpers/golden';
import { expectClose } from '../../helpers/tolerance';

const SOT = 49406;
const EOT = 49407;
const CONTEXT = 77;
const templates = readGoldenJson<{ templates: string[] }>('global-direction/prompt_templates.json').templates;

// A word-level stand-in with the CLIP tokenizer's contract (SOT … EOT, zero padding, the last id
// becomes EOT when cut). It lets the procedure be checked before the real tokenizer and graph are here.
class WordTokenizer implements TextTokenizer {
  readonly seen: string[] = [];
  tokenize(text: string, contextLength = CONTEXT) {
    this.seen.push(text);
    const words = text.toLowerCase().match(/[a-z0-9]+|[^\sa-z0-9]/g) ?? [];
    const ids = new Int32Array(contextLength);
    const body = words.map((w) => 300 + ([...w].reduce((h, c) => (h * 31 + c.charCodeAt(0)) % 48_000, 7)));
    const all = [SOT, ...body, EOT];
    const truncated = all.length > contextLength;
    const kept = truncated ? [...all.slice(0, contextLength - 1), EOT] : all;
    ids.set(kept);
    return { ids, length: kept.length, truncated };
  }
}

// A causal "text tower": the feature of a row depends only on the tokens up to the largest id (EOT),
// as CLIP pools at argmax; its norm varies from prompt to prompt.
const DIMS = 16;
function causalFeature(ids: ArrayLike<number>): Float64Array {
  let eot = 0;
  for (let j = 1; j < ids.length; j++) if (ids[j] > ids[eot]) eot = j;
  const feature = new Float64Array(DIMS);
  for (let j = 0; j <= eot; j++) {
    for (let d = 0; d < DIMS; d++) feature[d] += Math.sin(0.0137 * ids[j] * (d + 1) + 1.3 * j) * (1 + (j % 3));
  }
  return feature;
}

function recordingEncoder() {
  const calls: { n: number; l: number }[] = [];
  const encodeText: EncodeText = async (tokens, n, l) => {
    calls.push({ n, l });
    const out = new Float32Array(n * DIMS);
    for (let row = 0; row < n; row++) out.set(causalFeature(tokens.subarray(row * l, (row + 1) * l)), row * DIMS);
    return out;
  };
  return { calls, encodeText };
}

const normalised = (v: Float64Array) => {
  const norm = Math.hypot(...v);
  return v.map((x) => x / norm);
};

/** GetDt written out directly: one prompt at a time, full context, float64. */
function referenceDirection(neutral: string, target: string, { perPromptNorm = true } = {}) {
  const tokenizer = new WordTokenizer();
  const embed = (text: string) => {
    const sum = new Float64Array(DIMS);
    for (const template of templates) {
      const raw = causalFeature(tokenizer.tokenize(template.split('{}').join(text)).ids);
      const f = perPromptNorm ? normalised(raw) : raw;
      f.forEach((x, d) => (sum[d] += x / templates.length));
    }
    return normalised(sum);
  };
  const t = embed(target);
  const n = embed(neutral);
  return { deltaT: normalised(t.map((x, d) => x - n[d])), target: t, neutral: n };
}

describe('textDirection: the GetDt procedure', () => {
  it('averages per-prompt normalised features per text and normalises target − neutral', async () => {
    const { encodeText } = recordingEncoder();
    const result = await textDirection({ neutral: 'face', target: 'smiling face', templates, tokenizer: new WordTokenizer(), encodeText });
    const reference = referenceDirection('face', 'smiling face');
    expectClose(result.targetEmbedding, reference.target, 1e-6, 'target embedding');
    expectClose(result.neutralEmbedding, reference.neutral, 1e-6, 'neutral embedding');
    expectClose(result.deltaT, reference.deltaT, 1e-6, 'Δt');
    expect(result.truncatedPrompts).toEqual([]);
    // The reference discriminates: skipping the per-prompt normalisation moves Δt well beyond 1e-6.
    const sloppy = referenceDirection('face', 'smiling face', { perPromptNorm: false });
    expect(Math.max(...sloppy.deltaT.map((x, d) => Math.abs(x - reference.deltaT[d])))).toBeGreaterThan(1e-3);
  });

  it('encodes both texts in one batch cut to the longest prompt, identical to the full context', async () => {
    const cut = recordingEncoder();
    const full = recordingEncoder();
    const tokenizer = new WordTokenizer();
    const options = { neutral: 'face', target: 'face with glasses', templates, tokenizer };
    const a = await textDirection({ ...options, encodeText: cut.encodeText });
    const b = await textDirection({ ...options, encodeText: full.encodeText, truncate: false });
    const longest = Math.max(...tokenizer.seen.map((text) => tokenizer.tokenize(text).length));
    expect(cut.calls).toEqual([{ n: 2 * templates.length, l: longest }]);
    expect(longest).toBeLessThan(20);
    expect(full.calls).toEqual([{ n: 2 * templates.length, l: CONTEXT }]);
    expectClose(a.deltaT, b.deltaT, 1e-6, 'truncated vs full Δt');
  });

  it('lists the filled-in prompts the tokenizer had to cut', async () => {
    const longTarget = 'face with ' + 'very '.repeat(100) + 'long hair'; // > 500 characters
    const { encodeText, calls } = recordingEncoder();
    const result = await textDirection({ neutral: 'face', target: longTarget, templates, tokenizer: new WordTokenizer(), encodeText });
    expect(result.truncatedPrompts).toHaveLength(templates.length);
    expect(result.truncatedPrompts[0]).toBe(templates[0].replace('{}', () => longTarget));
    expect(calls[0].l).toBe(CONTEXT);
    expect(Math.hypot(...result.deltaT)).toBeCloseTo(1, 6);
  });

  it('puts the text into every template literally, "$&" included', async () => {
    const tokenizer = new WordTokenizer();
    await textDirection({ neutral: 'face', target: 'face worth $& money', templates: ['a photo of a {}.'], tokenizer, encodeText: recordingEncoder().encodeText });
    expect(tokenizer.seen).toEqual(['a photo of a face worth $& money.', 'a photo of a face.']);
  });

  it('rejects an empty or whitespace-only text and a target equal to the neutral', async () => {
    const base = { templates, tokenizer: new WordTokenizer(), encodeText: recordingEncoder().encodeText };
    await expect(textDirection({ ...base, neutral: 'face', target: ' \t\n' })).rejects.toMatchObject({ name: 'BadArgument', message: expect.stringContaining('target text is empty') });
    await expect(textDirection({ ...base, neutral: '', target: 'old face' })).rejects.toMatchObject({ name: 'BadArgument', message: expect.stringContaining('neutral text is empty') });
    await expect(textDirection({ ...base, neutral: 'face', target: 'face' })).rejects.toMatchObject({ name: 'BadArgument', message: expect.stringContaining('same CLIP embedding') });
  });

  it('names templates without a {} and an encoder output of the wrong size', async () => {
    const tokenizer = new WordTokenizer();
    const { encodeText } = recordingEncoder();
    await expect(textDirection({ neutral: 'face', target: 'old face', templates: ['a photo.'], tokenizer, encodeText })).rejects.toThrow('`templates[0]`');
    await expect(textDirection({ neutral: 'face', target: 'old face', templates, tokenizer, encodeText: async () => new Float32Array(7) })).rejects.toThrow('`encodeText` returned 7 values for 158 prompts');
  });
});

describe('TextDirectionCache', () => {
  it('encodes a prompt pair once and again only for new texts or templates', async () => {
    const { calls, encodeText } = recordingEncoder();
    const cache = new TextDirectionCache();
    const tokenizer = new WordTokenizer();
    const first = await cache.get({ neutral: 'face', target: 'old face', templates, tokenizer, encodeText });
    const again = await cache.get({ neutral: 'face', target: 'old face', templates: [...templates], tokenizer, encodeText });
    expect(again).toBe(first);
    expect(calls).toHaveLength(1);
    await cache.get({ neutral: 'face', target: 'young face', templates, tokenizer, encodeText });
    await cache.get({ neutral: 'face', target: 'old face', templates: templates.slice(1), tokenizer, encodeText });
    expect(calls).toHaveLength(3);
    expect(cache.size).toBe(3);
  });

  it('shares one computation between concurrent requests and forgets failures', async () => {
    const { calls, encodeText } = recordingEncoder();
    const cache = new TextDirectionCache();
    const options = { neutral: 'face', target: 'sad face', templates, tokenizer: new WordTokenizer(), encodeText };
    const [a, b] = await Promise.all([cache.get(options), cache.get(options)]);
    expect(a).toBe(b);
    expect(calls).toHaveLength(1);
    let fail = true;
    const flaky: EncodeText = async (tokens, n, l) => {
      if (fail) throw new Error('graph failed');
      return encodeText(tokens, n, l);
    };
    await expect(cache.get({ ...options, target: 'bald face', encodeText: flaky })).rejects.toThrow('graph failed');
    fail = false;
    await expect(cache.get({ ...options, target: 'bald face', encodeText: flaky })).resolves.toHaveProperty('deltaT');
  });

  it('drops the least recently used entry beyond its capacity', async () => {
    const { calls, encodeText } = recordingEncoder();
    const cache = new TextDirectionCache(2);
    const get = (target: string) => cache.get({ neutral: 'face', target, templates: ['a {}.'], tokenizer: new WordTokenizer(), encodeText });
    await get('old face');
    await get('young face');
    await get('old face'); // hit: old face becomes the most recent
    await get('sad face'); // evicts young face
    expect(calls).toHaveLength(3);
    await get('old face');
    expect(calls).toHaveLength(3);
    await get('young face');
    expect(calls).toHaveLength(4);
  });
});

// The real proof: the golden-tiny pack's clipText graph (clip-tiny, exported) and the real tokenizer,
// with upstream's 79 templates, reproduce what upstream GetDt computed.
describe('textDirection with the golden-tiny clipText graph', () => {
  const pairs = readGoldenJson<{ pairs: { neutral: string; target: string }[] }>('global-direction/config.json').pairs;
  const goldenDeltaT = readGoldenNpy('global-direction/delta_t.npy').data as Float32Array;
  const goldenEmbeddings = readGoldenNpy('global-direction/class_embeddings.npy').data as Float32Array;

  let opened: Promise<{ pack: Pack; tokenizer: ClipTokenizer; encodeText: EncodeText }> | undefined;
  const setup = () => (opened ??= open());
  const open = async () => {
    const loaded = await packFromDirectory(GOLDEN_TINY_PACK);
    const { pack } = loaded;
    const runtime = await OrtRuntime.create({ backends: ['wasm'] });
    const session = await runtime.createSession('clipText', await loaded.readFile(pack.graphs.clipText));
    const tokenizer = await ClipTokenizer.fromVocabGz(await loaded.readFile(pack.clip.vocab));
    const encodeText: EncodeText = async (tokens, n, l) => {
      const { features } = await session.run({ tokens: int32Tensor(tokens, [n, l]) });
      return features.data as Float32Array;
    };
    return { pack, tokenizer, encodeText };
  };

  it('uses the same 79 templates as upstream', async () => {
    const { pack } = await setup();
    expect(pack.templates).toEqual(templates);
  });

  it.each(pairs.map((pair, p) => ({ ...pair, p })))('$neutral → $target: class embeddings and Δt match upstream within 1e-4', async ({ neutral, target, p }) => {
    const { pack, tokenizer, encodeText } = await setup();
    const dims = pack.clip.embedDim;
    const result = await textDirection({ neutral, target, templates: pack.templates, tokenizer, encodeText, contextLength: pack.clip.contextLength });
    expectClose(result.targetEmbedding, goldenEmbeddings.subarray((2 * p) * dims, (2 * p + 1) * dims), 1e-4, 'class embedding (target)');
    expectClose(result.neutralEmbedding, goldenEmbeddings.subarray((2 * p + 1) * dims, (2 * p + 2) * dims), 1e-4, 'class embedding (neutral)');
    expectClose(result.deltaT, goldenDeltaT.subarray(p * dims, (p + 1) * dims), 1e-4, 'Δt');
    expect(result.truncatedPrompts).toEqual([]);
  });

  it.each(pairs.map((pair, p) => ({ ...pair, p })))('$neutral → $target: cutting tokens to the longest prompt changes nothing', async ({ neutral, target }) => {
    const { pack, tokenizer, encodeText } = await setup();
    const timed = (l: { value: number }): EncodeText => async (tokens, n, length) => {
      const start = performance.now();
      const out = await encodeText(tokens, n, length);
      l.value = performance.now() - start;
      return out;
    };
    const cutTime = { value: 0 };
    const fullTime = { value: 0 };
    const options = { neutral, target, templates: pack.templates, tokenizer, contextLength: pack.clip.contextLength };
    const cut = await textDirection({ ...options, encodeText: timed(cutTime) });
    const full = await textDirection({ ...options, encodeText: timed(fullTime), truncate: false });
    expectClose(cut.deltaT, full.deltaT, 1e-6, 'Δt cut vs full');
    expectClose(cut.targetEmbedding, full.targetEmbedding, 1e-6, 'target embedding cut vs full');
    expectClose(cut.neutralEmbedding, full.neutralEmbedding, 1e-6, 'neutral embedding cut vs full');
    console.log(`clipText ${neutral} → ${target}: L=77 ${fullTime.value.toFixed(1)} ms, cut ${cutTime.value.toFixed(1)} ms (×${(fullTime.value / cutTime.value).toFixed(1)})`);
  });
});
