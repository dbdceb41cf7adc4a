// The CLIP text direction Δt of a neutral → target prompt pair (spec/styleclip.md §1.1; upstream
// GetDt + zeroshot_classifier): every template is filled with the text, encoded, each feature
// L2-normalised, the features averaged and the mean normalised again (the text's class embedding);
// Δt = e(target) − e(neutral), normalised.
//
// Causal truncation: CLIP's text tower is causal and pools at the EOT token, so positions after a
// prompt's EOT cannot change its feature. Prompts are therefore encoded in groups of equal token length,
// one clipText call per length at exactly that length: the work is Σ over prompts of their own length
// rather than every prompt at the full context (or at the longest prompt's length), same result.
//
// A class embedding depends only on (text, templates, context length, clipText graph), so
// TextDirectionCache keeps one per text: a new target against the usual neutral encodes only the
// target's prompts.
import { problemsOf } from '../../../contract/edit-problems';
import { globalEdit } from '../../../contract/edit-spec';
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
  /** Encode each prompt at its own token length (default). false runs the full context length, for comparison. */
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

/** A text's unit template-averaged embedding and the filled-in prompts the tokenizer cut for it. */
interface ClassEmbedding {
  embedding: Float32Array;
  truncatedPrompts: string[];
}

export async function textDirection(options: TextDirectionOptions): Promise<TextDirection> {
  checkOptions(options);
  const { neutral, target } = options;
  // Target first, as upstream's class list [target, neutral]; a target equal to the neutral is encoded once.
  const texts = target === neutral ? [target] : [target, neutral];
  const computed = await classEmbeddings(texts, options);
  return directionBetween(options, computed[0], computed[texts.indexOf(neutral)]);
}

/**
 * Class embeddings already computed, one per text, keyed by (text, templates, context length). One cache
 * per clipText graph: the tokenizer and encoder are not part of the key. Concurrent requests for the
 * same text share one computation; a failed one is forgotten.
 */
export class TextDirectionCache {
  private readonly entries = new Map<string, Promise<ClassEmbedding>>();

  constructor(private readonly maxEntries = 64) {
    if (!Number.isInteger(maxEntries) || maxEntries < 1) throw new Error(`\`maxEntries\` must be a positive integer, got ${maxEntries}`);
  }

  /** The number of texts whose class embedding is cached or being computed. */
  get size(): number {
    return this.entries.size;
  }

  /** The direction for these texts and templates, encoding only the texts not cached yet. */
  async get(options: TextDirectionOptions): Promise<TextDirection> {
    checkOptions(options);
    const { neutral, target } = options;
    const texts = target === neutral ? [target] : [target, neutral];
    const keys = texts.map((text) => cacheKey(text, options));
    const missing = texts.filter((_, i) => !this.entries.has(keys[i]));
    // The missing texts are encoded together: their prompts of equal length share clipText calls.
    const computing = missing.length > 0 ? classEmbeddings(missing, options) : undefined;
    const pending = texts.map((text, i) => {
      const key = keys[i];
      const hit = this.entries.get(key);
      if (hit !== undefined) {
        // Most recently used last: Map keeps insertion order.
        this.entries.delete(key);
        this.entries.set(key, hit);
        return hit;
      }
      const entry = computing!.then((computed) => computed[missing.indexOf(text)]);
      this.entries.set(key, entry);
      entry.catch(() => {
        if (this.entries.get(key) === entry) this.entries.delete(key);
      });
      return entry;
    });
    // Evicting after the lookups: this request already holds its entries even when maxEntries < 2.
    while (this.entries.size > this.maxEntries) {
      const oldest = this.entries.keys().next().value as string;
      this.entries.delete(oldest);
    }
    const computed = await Promise.all(pending);
    return directionBetween(options, computed[0], computed[texts.indexOf(neutral)]);
  }

  clear(): void {
    this.entries.clear();
  }
}

function cacheKey(text: string, { templates, contextLength }: TextDirectionOptions): string {
  return JSON.stringify([text, contextLength ?? null, templates]);
}

function checkOptions({ neutral, target, templates }: TextDirectionOptions): void {
  const [problem] = problemsOf([globalEdit({ target, neutral })], null); // the texts, as every edit checks them
  if (problem !== undefined) throw new EngineError('BadArgument', problem.message);
  if (templates.length === 0) throw new Error('`templates` must hold at least one template');
  templates.forEach((template, i) => {
    if (!template.includes('{}')) throw new Error(`\`templates[${i}]\` ("${template}") has no {} for the text`);
  });
}

/** Δt = normalise(e(target) − e(neutral)). */
function directionBetween({ neutral, target }: TextDirectionOptions, targetClass: ClassEmbedding, neutralClass: ClassEmbedding): TextDirection {
  const targetEmbedding = targetClass.embedding;
  const neutralEmbedding = neutralClass.embedding;
  const dims = targetEmbedding.length;
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
  const truncatedPrompts = [...new Set([...targetClass.truncatedPrompts, ...neutralClass.truncatedPrompts])];
  return { deltaT, targetEmbedding, neutralEmbedding, truncatedPrompts };
}

/**
 * The class embeddings of `texts`, in order. With truncation every clipText call holds the prompts of
 * one token length at exactly that length; without it, one call at the full context length.
 */
async function classEmbeddings(texts: readonly string[], options: TextDirectionOptions): Promise<ClassEmbedding[]> {
  const { templates, tokenizer, encodeText, contextLength, truncate = true } = options;
  // Rows t·T … t·T+T−1 are the prompts of texts[t].
  const prompts = texts.flatMap((text) => templates.map((template) => fillTemplate(template, text)));
  const tokenized = prompts.map((prompt) => tokenizer.tokenize(prompt, contextLength));
  const fullLength = tokenized[0].ids.length;
  const rowsByLength = new Map<number, number[]>();
  tokenized.forEach(({ ids, length }, row) => {
    if (ids.length !== fullLength) throw new Error(`the tokenizer returned ${ids.length} ids for "${prompts[row]}" and ${fullLength} for the first prompt`);
    const encodedLength = truncate ? length : fullLength;
    const rows = rowsByLength.get(encodedLength);
    if (rows === undefined) rowsByLength.set(encodedLength, [row]);
    else rows.push(row);
  });

  const features = new Array<Float32Array>(prompts.length);
  let dims = 0;
  for (const [length, rows] of rowsByLength) {
    const tokens = new Int32Array(rows.length * length);
    rows.forEach((row, i) => tokens.set(tokenized[row].ids.subarray(0, length), i * length));
    const output = await encodeText(tokens, rows.length, length);
    if (output.length === 0 || output.length % rows.length !== 0) {
      throw new Error(`\`encodeText\` returned ${output.length} values for ${rows.length} prompts`);
    }
    const callDims = output.length / rows.length;
    if (dims !== 0 && callDims !== dims) throw new Error(`\`encodeText\` returned ${callDims} features per prompt at length ${length} and ${dims} before`);
    dims = callDims;
    // Back in prompt order for the averaging.
    rows.forEach((row, i) => (features[row] = output.subarray(i * dims, (i + 1) * dims)));
  }

  const count = templates.length;
  return texts.map((_, t) => {
    const first = t * count;
    const truncatedPrompts = [...new Set(prompts.slice(first, first + count).filter((_, i) => tokenized[first + i].truncated))];
    return { embedding: classEmbedding(features, first, count), truncatedPrompts };
  });
}

/** Python's template.format(text) for a single {}. A replacer function keeps "$&" in the text literal. */
function fillTemplate(template: string, text: string): string {
  return template.replace('{}', () => text);
}

/** Mean of the L2-normalised features first…first+count−1, normalised again. */
function classEmbedding(features: readonly Float32Array[], first: number, count: number): Float32Array {
  const dims = features[first].length;
  const sum = new Float64Array(dims);
  for (let row = first; row < first + count; row++) {
    const feature = features[row];
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
