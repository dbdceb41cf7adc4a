import { describe, expect, it } from 'vitest';
import {
  TextDirectionCache,
  textDirection,
  type EncodeText,
  type TextTokenizer,
} from '../../../ui/worker/clip/text-direction';
import { ClipTokenizer } from '../../../ui/worker/clip/tokenizer';
import { packFromDirectory } from '../../../cli/read-pack-dir';
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
function eotPosition(ids: ArrayLike<number>): number {
  let eot = 0;
  for (let j = 1; j < ids.length; j++) if (ids[j] > ids[eot]) eot = j;
  return eot;
}
function causalFeature(ids: ArrayLike<number>): Float64Array {
  const eot = eotPosition(ids);
  const feature = new Float64Array(DIMS);
  for (let j = 0; j <= eot; j++) {
    for (let d = 0; d < DIMS; d++) feature[d] += Math.sin(0.0137 * ids[j] * (d + 1) + 1.3 * j) * (1 + (j % 3));
  }
  return feature;
}

/** Records (n, l) of every call and, per row, its real token length (EOT position + 1). */
function recordingEncoder() {
  const calls: { n: number; l: number; rowLengths: number[] }[] = [];
  const encodeText: EncodeText = async (tokens, n, l) => {
    const out = new Float32Array(n * DIMS);
    const rowLengths: number[] = [];
    for (let row = 0; row < n; row++) {
      const ids = tokens.subarray(row * l, (row + 1) * l);
      rowLengths.push(eotPosition(ids) + 1);
      out.set(causalFeature(ids), row * DIMS);
    }
    calls.push({ n, l, rowLengths });
    return out;
  };
  /** Σ n over the calls so far: the prompts encoded. */
  const encoded = () => calls.reduce((sum, { n }) => sum + n, 0);
  return { calls, encodeText, encoded };
}

const maxAbsDifference = (a: Float32Array, b: Float32Array) => Math.max(...a.map((x, i) => Math.abs(x - b[i])));

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

  it('encodes the prompts in groups of equal token length, each call at exactly that length', async () => {
    // WordTokenizer lengths (SOT … EOT): "old face" 6, 6, 9, 12 and "face" 5, 5, 8, 11.
    const fourTemplates = ['a {}.', 'the {}.', 'a photo of a {}.', 'a close-up photo of the {}.'];
    const { calls, encodeText } = recordingEncoder();
    await textDirection({ neutral: 'face', target: 'old face', templates: fourTemplates, tokenizer: new WordTokenizer(), encodeText });
    const byLength = [...calls].sort((a, b) => a.l - b.l).map(({ n, l }) => ({ n, l }));
    expect(byLength).toEqual([{ n: 2, l: 5 }, { n: 2, l: 6 }, { n: 1, l: 8 }, { n: 1, l: 9 }, { n: 1, l: 11 }, { n: 1, l: 12 }]);
    for (const { l, rowLengths } of calls) expect(rowLengths).toEqual(rowLengths.map(() => l));
    // 62 prompt-tokens instead of 8 × 12 = 96 at the longest length (and 8 × 77 = 616 at the full context).
    expect(calls.reduce((sum, { n, l }) => sum + n * l, 0)).toBe(62);
  });

  it('with upstream\'s 79 templates: every prompt once, at its own length, for less than the longest length costs', async () => {
    const { calls, encodeText, encoded } = recordingEncoder();
    const tokenizer = new WordTokenizer();
    await textDirection({ neutral: 'face', target: 'face with glasses', templates, tokenizer, encodeText });
    const lengths = tokenizer.seen.map((prompt) => new WordTokenizer().tokenize(prompt).length);
    expect(encoded()).toBe(2 * templates.length);
    for (const { l, rowLengths } of calls) expect(rowLengths).toEqual(rowLengths.map(() => l));
    // One call per distinct length, and together they hold every prompt's length exactly once.
    expect(calls.map(({ l }) => l).sort((a, b) => a - b)).toEqual([...new Set(lengths)].sort((a, b) => a - b));
    expect(calls.flatMap(({ rowLengths }) => rowLengths).sort((a, b) => a - b)).toEqual([...lengths].sort((a, b) => a - b));
    // 1472 prompt-tokens against 158 × 13 = 2054 at the longest length.
    const work = calls.reduce((sum, { n, l }) => sum + n * l, 0);
    expect(work).toBe(lengths.reduce((a, b) => a + b, 0));
    expect(work).toBeLessThan(0.8 * 2 * templates.length * Math.max(...lengths));
  });

  it('gives the same Δt with length groups, at the full context and from a warm per-text cache', async () => {
    const tokenizer = new WordTokenizer();
    const options = { neutral: 'face', target: 'face with glasses', templates, tokenizer };
    const grouped = await textDirection({ ...options, encodeText: recordingEncoder().encodeText });
    const full = recordingEncoder();
    const fullContext = await textDirection({ ...options, encodeText: full.encodeText, truncate: false });
    expect(full.calls.map(({ n, l }) => ({ n, l }))).toEqual([{ n: 2 * templates.length, l: CONTEXT }]);
    const cache = new TextDirectionCache();
    const warm = recordingEncoder();
    await cache.get({ ...options, target: 'old face', encodeText: warm.encodeText }); // caches "face"
    await cache.get({ ...options, neutral: 'face with glasses', target: 'young face', encodeText: warm.encodeText }); // and "face with glasses"
    const encodedBefore = warm.encoded();
    const cached = await cache.get({ ...options, encodeText: warm.encodeText });
    expect(warm.encoded()).toBe(encodedBefore);
    // The fake tower computes each row from its tokens up to EOT alone, so the three agree exactly.
    expect(maxAbsDifference(grouped.deltaT, fullContext.deltaT)).toBe(0);
    expect(maxAbsDifference(grouped.deltaT, cached.deltaT)).toBe(0);
    expect(cached.targetEmbedding).toEqual(grouped.targetEmbedding);
    expect(cached.neutralEmbedding).toEqual(grouped.neutralEmbedding);
  });

  it('lists the filled-in prompts the tokenizer had to cut', async () => {
    const longTarget = 'face with ' + 'a '.repeat(135) + 'long hair'; // 289 characters (within MAX_TEXT_LENGTH), 139 words
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
    await expect(textDirection({ ...base, neutral: 'face', target: ' \t\n' })).rejects.toMatchObject({ name: 'BadArgument', message: expect.stringContaining('The prompt is empty') });
    await expect(textDirection({ ...base, neutral: '', target: 'old face' })).rejects.toMatchObject({ name: 'BadArgument', message: expect.stringContaining('neutral text is empty') });
    await expect(textDirection({ ...base, neutral: 'face', target: 'face' })).rejects.toMatchObject({ name: 'BadArgument', message: expect.stringContaining('same CLIP embedding') });
  });

  it('names templates without a {} and an encoder output of the wrong size', async () => {
    const tokenizer = new WordTokenizer();
    const { encodeText } = recordingEncoder();
    await expect(textDirection({ neutral: 'face', target: 'old face', templates: ['a photo.'], tokenizer, encodeText })).rejects.toThrow('`templates[0]`');
    const wrongSize = async () => new Float32Array(7);
    await expect(textDirection({ neutral: 'face', target: 'old face', templates, tokenizer, encodeText: wrongSize, truncate: false })).rejects.toThrow('`encodeText` returned 7 values for 158 prompts');
    // Grouped: the first call holds the target's two prompts of length 6 ("a old face.", "the old face.").
    await expect(textDirection({ neutral: 'face', target: 'old face', templates: ['a {}.', 'the {}.'], tokenizer, encodeText: wrongSize })).rejects.toThrow('`encodeText` returned 7 values for 2 prompts');
    // Every call must give the same feature size: here length 6 gives 16 and length 5 gives 17.
    const growing: EncodeText = async (_tokens, n, l) => new Float32Array(n * (DIMS + (l === 6 ? 0 : 1))).fill(1);
    await expect(textDirection({ neutral: 'face', target: 'old face', templates: ['a {}.'], tokenizer, encodeText: growing })).rejects.toThrow('`encodeText` returned 17 features per prompt at length 5 and 16 before');
  });
});

describe('TextDirectionCache: class embeddings per text', () => {
  it('encodes a text once: a new target with the same neutral encodes only its own prompts', async () => {
    const { calls, encodeText, encoded } = recordingEncoder();
    const cache = new TextDirectionCache();
    const tokenizer = new WordTokenizer();
    const first = await cache.get({ neutral: 'face', target: 'old face', templates, tokenizer, encodeText });
    expect(encoded()).toBe(2 * templates.length);
    expect(cache.size).toBe(2);

    tokenizer.seen.length = 0;
    await cache.get({ neutral: 'face', target: 'young face', templates, tokenizer, encodeText });
    expect(encoded()).toBe(3 * templates.length);
    expect(tokenizer.seen).toEqual(templates.map((template) => template.replace('{}', 'young face')));

    const callsBefore = calls.length;
    const again = await cache.get({ neutral: 'face', target: 'old face', templates: [...templates], tokenizer, encodeText });
    expect(calls).toHaveLength(callsBefore);
    expect(again.deltaT).toEqual(first.deltaT);

    // Other templates are another key.
    await cache.get({ neutral: 'face', target: 'old face', templates: templates.slice(1), tokenizer, encodeText });
    expect(encoded()).toBe(3 * templates.length + 2 * (templates.length - 1));
    expect(cache.size).toBe(5);
  });

  it('shares one computation between concurrent requests for the same text', async () => {
    const { encodeText, encoded } = recordingEncoder();
    const cache = new TextDirectionCache();
    const options = { neutral: 'face', target: 'sad face', templates, tokenizer: new WordTokenizer(), encodeText };
    const [a, b] = await Promise.all([cache.get(options), cache.get(options)]);
    expect(a.deltaT).toEqual(b.deltaT);
    expect(encoded()).toBe(2 * templates.length);
    // Two new targets at once with a new neutral: the neutral's prompts are encoded once, not twice.
    await Promise.all([cache.get({ ...options, neutral: 'a face', target: 'bald face' }), cache.get({ ...options, neutral: 'a face', target: 'happy face' })]);
    expect(encoded()).toBe(5 * templates.length);
  });

  it('forgets a failed encode, so the next request encodes again', async () => {
    const { encodeText, encoded } = recordingEncoder();
    const cache = new TextDirectionCache();
    let fail = true;
    const flaky: EncodeText = async (tokens, n, l) => {
      if (fail) throw new Error('graph failed');
      return encodeText(tokens, n, l);
    };
    const options = { neutral: 'face', target: 'bald face', templates, tokenizer: new WordTokenizer(), encodeText: flaky };
    await expect(cache.get(options)).rejects.toThrow('graph failed');
    expect(cache.size).toBe(0);
    fail = false;
    const retried = await cache.get(options);
    expect(encoded()).toBe(2 * templates.length);
    expect(retried.deltaT).toEqual((await textDirection({ ...options, encodeText })).deltaT);
  });

  it('keeps the same-embedding error and the cut prompts of a cached text', async () => {
    const { encodeText, encoded } = recordingEncoder();
    const cache = new TextDirectionCache();
    const tokenizer = new WordTokenizer();
    const longText = 'face with ' + 'a '.repeat(135) + 'long hair';
    const fresh = await cache.get({ neutral: 'face', target: longText, templates, tokenizer, encodeText });
    expect(fresh.truncatedPrompts).toHaveLength(templates.length);
    // Both texts cached now; the long one on the neutral side this time.
    const cached = await cache.get({ neutral: longText, target: 'face', templates, tokenizer, encodeText });
    expect(encoded()).toBe(2 * templates.length);
    expect(cached.truncatedPrompts).toEqual(fresh.truncatedPrompts);
    expect(cached.deltaT).toEqual(fresh.deltaT.map((x) => -x));
    await expect(cache.get({ neutral: 'face', target: 'face', templates, tokenizer, encodeText })).rejects.toMatchObject({ name: 'BadArgument', message: expect.stringContaining('same CLIP embedding') });
    expect(encoded()).toBe(2 * templates.length);
  });

  it('drops the least recently used text beyond its capacity', async () => {
    const { encodeText, encoded } = recordingEncoder();
    const cache = new TextDirectionCache(3);
    const get = (target: string) => cache.get({ neutral: 'face', target, templates: ['a {}.'], tokenizer: new WordTokenizer(), encodeText });
    await get('old face'); // face, old face
    await get('young face');
    await get('old face'); // hit: old face becomes more recent than young face
    await get('sad face'); // evicts young face
    expect(encoded()).toBe(4);
    expect(cache.size).toBe(3);
    await get('old face');
    expect(encoded()).toBe(4);
    await get('young face');
    expect(encoded()).toBe(5);
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
    const session = await runtime.createSession('clipText', await loaded.readFile(pack.graphs.clipText!));
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

  it.each(pairs.map((pair, p) => ({ ...pair, p })))('$neutral → $target: encoding length groups at their own length changes nothing', async ({ neutral, target }) => {
    const { pack, tokenizer, encodeText } = await setup();
    const recording = (lengths: number[]): EncodeText => (tokens, n, length) => {
      lengths.push(length);
      return encodeText(tokens, n, length);
    };
    const cutLengths: number[] = [];
    const fullLengths: number[] = [];
    const options = { neutral, target, templates: pack.templates, tokenizer, contextLength: pack.clip.contextLength };
    const cut = await textDirection({ ...options, encodeText: recording(cutLengths) });
    const full = await textDirection({ ...options, encodeText: recording(fullLengths), truncate: false });
    // The two runs really differ: every group of the cut run is shorter than the context, the full run uses all of it.
    expect(Math.max(...cutLengths)).toBeLessThan(pack.clip.contextLength);
    expect(new Set(fullLengths)).toEqual(new Set([pack.clip.contextLength]));
    expectClose(cut.deltaT, full.deltaT, 1e-6, 'Δt cut vs full');
    expectClose(cut.targetEmbedding, full.targetEmbedding, 1e-6, 'target embedding cut vs full');
    expectClose(cut.neutralEmbedding, full.neutralEmbedding, 1e-6, 'neutral embedding cut vs full');
  });
});
