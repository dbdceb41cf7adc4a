// The CLIP text direction Δt of a neutral → target prompt pair (spec/styleclip.md §1.1; upstream
// GetDt + zeroshot_classifier): every template is filled with the text, encoded, each feature
// L2-normalised, the features averaged and the mean normalised again; Δt = e(target) − e(neutral),
// normalised.
//
// Causal truncation: CLIP's text tower is causal and pools at the EOT token, so positions after the
// longest prompt's EOT cannot change any feature. Encoding tokens cut to L = the longest real length
// gives the same result as the full context for a fraction of the compute.
import { EngineError } from '../errors';

/** What textDirection needs of the CLIP tokenizer (ClipTokenizer satisfies it). */
export interface TextTokenizer {
  tokenize(text: string, contextLength?: number): { ids: Int32Array; length: number; truncated: boolean };
}

/** Runs the pack's clipText graph: tokens int32 [n, l] (row-major) → features float32 [n, D], un-normalised. */
export type EncodeText = (tokens: Int32Array, n: number, l: number) => Promise<Float32Array>;

export interface TextDirectionOptions {
  neutral: string;
  target: string;
  /** The pack's prompt templates; `{}` stands for the text. */
  templates: readonly string[];
  tokenizer: TextTokenizer;
  encodeText: EncodeText;
  /** The pack's clip.contextLength; the tokenizer's default when left out. */
  contextLength?: number;
  /** Cut tokens to the longest prompt (default). false runs the full context length, for comparison. */
  truncate?: boolean;
}

export interface TextDirection {
  /** Unit Δt, length D. */
  deltaT: Float32Array;
  /** Unit template-averaged embeddings (upstream class_embeddings). */
  targetEmbedding: Float32Array;
  neutralEmbedding: Float32Array;
  /** Filled-in prompts the tokenizer had to cut to the context length (the UI warns about them). */
  truncatedPrompts: string[];
}

export async function textDirection(options: TextDirectionOptions): Promise<TextDirection> {
  const { neutral, target, templates, tokenizer, encodeText, contextLength, truncate = true } = options;
  checkText(target, 'target');
  checkText(neutral, 'neutral');
  if (templates.length === 0) throw new Error('`templates` must hold at least one template');
  templates.forEach((template, i) => {
    if (!template.includes('{}')) throw new Error(`\`templates[${i}]\` ("${template}") has no {} for the text`);
  });

  // Upstream's class list is [target, neutral]: rows 0…T−1 are the target's prompts.
  const prompts = [target, neutral].flatMap((text) => templates.map((template) => fillTemplate(template, text)));
  const tokenized = prompts.map((prompt) => tokenizer.tokenize(prompt, contextLength));
  const fullLength = tokenized[0].ids.length;
  const length = truncate ? Math.max(...tokenized.map((t) => t.length)) : fullLength;
  const n = prompts.length;
  const tokens = new Int32Array(n * length);
  tokenized.forEach(({ ids }, row) => {
    if (ids.length !== fullLength) throw new Error(`the tokenizer returned ${ids.length} ids for "${prompts[row]}" and ${fullLength} for the first prompt`);
    tokens.set(ids.subarray(0, length), row * length);
  });

  const features = await encodeText(tokens, n, length);
  if (features.length === 0 || features.length % n !== 0) {
    throw new Error(`\`encodeText\` returned ${features.length} values for ${n} prompts`);
  }
  const dims = features.length / n;
  const count = templates.length;
  const targetEmbedding = classEmbedding(features, dims, 0, count);
  const neutralEmbedding = classEmbedding(features, dims, count, count);

  const difference = new Float64Array(dims);
  for (let d = 0; d < dims; d++) difference[d] = targetEmbedding[d] - neutralEmbedding[d];
  const norm = l2(difference);
  if (!(norm > 0)) {
    throw new EngineError(
      'BadArgument',
      `"${target}" and "${neutral}" give the same CLIP embedding, so there is no direction between them. Change the target text.`,
    );
  }
  const deltaT = new Float32Array(dims);
  for (let d = 0; d < dims; d++) deltaT[d] = difference[d] / norm;

  const truncatedPrompts = [...new Set(prompts.filter((_, i) => tokenized[i].truncated))];
  return { deltaT, targetEmbedding, neutralEmbedding, truncatedPrompts };
}

/**
 * Text directions already computed, keyed by (neutral, target, templates, context length). One cache
 * per clipText graph: the tokenizer and encoder are not part of the key. Concurrent requests for the
 * same key share one computation; a failed one is forgotten.
 */
export class TextDirectionCache {
  private readonly entries = new Map<string, Promise<TextDirection>>();

  constructor(private readonly maxEntries = 64) {
    if (!Number.isInteger(maxEntries) || maxEntries < 1) throw new Error(`\`maxEntries\` must be a positive integer, got ${maxEntries}`);
  }

  get size(): number {
    return this.entries.size;
  }

  /** The cached direction for these texts and templates, computing it on a miss. */
  get(options: TextDirectionOptions): Promise<TextDirection> {
    const key = cacheKey(options);
    const hit = this.entries.get(key);
    if (hit !== undefined) {
      // Most recently used last: Map keeps insertion order.
      this.entries.delete(key);
      this.entries.set(key, hit);
      return hit;
    }
    const pending = textDirection(options);
    this.entries.set(key, pending);
    pending.catch(() => {
      if (this.entries.get(key) === pending) this.entries.delete(key);
    });
    while (this.entries.size > this.maxEntries) {
      const oldest = this.entries.keys().next().value as string;
      this.entries.delete(oldest);
    }
    return pending;
  }

  clear(): void {
    this.entries.clear();
  }
}

function cacheKey({ neutral, target, templates, contextLength }: TextDirectionOptions): string {
  return JSON.stringify([neutral, target, contextLength ?? null, templates]);
}

/** Python's template.format(text) for a single {}. A replacer function keeps "$&" in the text literal. */
function fillTemplate(template: string, text: string): string {
  return template.replace('{}', () => text);
}

function checkText(text: string, what: 'target' | 'neutral'): void {
  if (text.trim() === '') {
    throw new EngineError('BadArgument', what === 'target'
        ? 'The target text is empty. Describe the face you want, e.g. "smiling face".'
        : 'The neutral text is empty. Describe the face as it is, e.g. "face".');
  }
}

/** Mean of the L2-normalised rows first…first+count−1, normalised again. */
function classEmbedding(features: Float32Array, dims: number, first: number, count: number): Float32Array {
  const sum = new Float64Array(dims);
  for (let row = first; row < first + count; row++) {
    const feature = features.subarray(row * dims, (row + 1) * dims);
    const norm = l2(feature);
    if (!(norm > 0) || !Number.isFinite(norm)) throw new Error(`\`encodeText\` returned a feature of norm ${norm} for prompt ${row}`);
    for (let d = 0; d < dims; d++) sum[d] += feature[d] / norm;
  }
  const norm = l2(sum); // the mean's norm differs by the factor count, which cancels
  const embedding = new Float32Array(dims);
  for (let d = 0; d < dims; d++) embedding[d] = sum[d] / norm;
  return embedding;
}

function l2(values: ArrayLike<number>): number {
  let sum = 0;
  for (let i = 0; i < values.length; i++) sum += values[i] * values[i];
  return Math.sqrt(sum);
}
