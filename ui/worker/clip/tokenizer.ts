// CLIP's text tokenizer (openai/CLIP simple_tokenizer.py + clip.tokenize), byte-level BPE over
// cleaned, lower-cased text. Identical ids to upstream on every golden case.
import { Bpe, byteToUnicode, MERGE_COUNT } from './bpe';
import { cleanText, PY_REGEX_SPACE } from './clean-text';
import { EngineError } from '../errors';

export const CONTEXT_LENGTH = 77; // clip.tokenize default: SOT + 75 tokens + EOT

// Appended after the merges, as upstream does; their ids come from the vocabulary (49406 and 49407 for CLIP's).
const START_TOKEN = '<|startoftext|>';
const END_TOKEN = '<|endoftext|>';

// Upstream's pre-tokenizer, case-insensitive in Python. The text is already lower-case, so the
// only case-folding left is "ſ" (folds to "s") in "'s". U+0345 folds to a letter, so Python's
// regex matches it with neither \p{L} nor the "other" class: it is dropped.
const PIECES = new RegExp(
  "<\\|startoftext\\|>|<\\|endoftext\\|>|'[s\\u017f]|'t|'re|'ve|'m|'ll|'d|\\p{L}+|\\p{N}|" +
    `[^${PY_REGEX_SPACE}\\p{L}\\p{N}\\u0345]+`,
  'gu',
);

export interface TokenizeResult {
  /** contextLength ids: SOT, tokens, EOT, zero padding. */
  ids: Int32Array;
  /** Count of non-padding ids including SOT and EOT. */
  length: number;
  /** The text was longer than the context and was cut (the UI shows a warning). */
  truncated: boolean;
}

export class ClipTokenizer {
  private readonly bytesToSymbols = byteToUnicode();
  private readonly symbolsToBytes = new Map(this.bytesToSymbols.map((s, b) => [s, b]));
  private readonly utf8 = new TextEncoder();
  private readonly lenientUtf8 = new TextDecoder('utf-8', { ignoreBOM: true }); // U+FFFD for bad bytes, as errors="replace"

  /** Id of <|startoftext|>, which begins every sequence. */
  readonly startId: number;
  /** Id of <|endoftext|>, which ends every sequence; CLIP reads the text feature at it (the largest id). */
  readonly endId: number;

  private constructor(private readonly bpe: Bpe) {
    [this.startId, this.endId] = [START_TOKEN, END_TOKEN].map((special) => {
      const id = bpe.add(special);
      bpe.keepWhole(special);
      return id;
    }) as [number, number];
  }

  /** Build from the gzipped merges file (bpe_simple_vocab_16e6.txt.gz). */
  static async fromVocabGz(gz: Uint8Array): Promise<ClipTokenizer> {
    let head: string;
    try {
      head = await readLines(gz, MERGE_COUNT + 1);
    } catch (error) {
      throw new EngineError('PackFileCorrupt', `The CLIP vocabulary is not gzipped UTF-8 text (${String(error)}). Load the pack again.`);
    }
    return ClipTokenizer.fromMergesText(head);
  }

  /** Build from the unzipped merges file: a header line, then one "left right" merge per line. */
  static fromMergesText(text: string): ClipTokenizer {
    const lines: string[] = [];
    for (let pos = 0; lines.length <= MERGE_COUNT && pos <= text.length; ) {
      let end = text.indexOf('\n', pos);
      if (end < 0) end = text.length;
      lines.push(text.slice(pos, end));
      pos = end + 1;
    }
    if (lines.length < MERGE_COUNT + 1) {
      throw new EngineError(
        'PackFileCorrupt',
        `The CLIP vocabulary has ${Math.max(lines.length - 1, 0)} merges; it needs ${MERGE_COUNT}. Load the pack again.`,
      );
    }
    return new ClipTokenizer(new Bpe(lines.slice(1)));
  }

  /** Vocabulary size: 49,408 for CLIP. */
  get vocabSize(): number {
    return this.bpe.decoder.length;
  }

  /** The vocabulary strings of `encode(text)` ("</w>" ends a word). */
  tokens(text: string): string[] {
    const out: string[] = [];
    for (const [piece] of cleanText(text).matchAll(PIECES)) {
      let symbols = '';
      for (const byte of this.utf8.encode(piece)) symbols += this.bytesToSymbols[byte];
      out.push(...this.bpe.split(symbols));
    }
    return out;
  }

  /** Upstream `SimpleTokenizer.encode`: ids without SOT/EOT. */
  encode(text: string): number[] {
    return this.tokens(text).map((token) => this.bpe.encoder.get(token)!);
  }

  /** Upstream `SimpleTokenizer.decode`: "</w>" becomes a space, invalid UTF-8 becomes U+FFFD. */
  decode(ids: readonly number[]): string {
    const bytes: number[] = [];
    for (const id of ids) {
      const token = this.bpe.decoder[id];
      if (token === undefined) throw new RangeError(`decode: id ${id} is outside the vocabulary (0–${this.vocabSize - 1})`);
      for (const symbol of token) bytes.push(this.symbolsToBytes.get(symbol)!);
    }
    return this.lenientUtf8.decode(new Uint8Array(bytes)).replaceAll('</w>', ' ');
  }

  /** `clip.tokenize(text, context_length, truncate=True)`: never throws for long text, reports `truncated` instead. */
  tokenize(text: string, contextLength = CONTEXT_LENGTH): TokenizeResult {
    if (!Number.isInteger(contextLength) || contextLength < 2) {
      throw new RangeError(`tokenize: contextLength must be an integer ≥ 2 (room for SOT and EOT); got ${contextLength}`);
    }
    const all = [this.startId, ...this.encode(text), this.endId];
    const truncated = all.length > contextLength;
    const length = Math.min(all.length, contextLength);
    const ids = new Int32Array(contextLength);
    ids.set(all.slice(0, length));
    if (truncated) ids[length - 1] = this.endId;
    return { ids, length, truncated };
  }
}

/**
 * Gunzip (DecompressionStream, in browsers, Workers and Node) and decode only as far as the first
 * `count` lines: the merges used are the first fifth of the 3 MB file.
 */
async function readLines(gz: Uint8Array, count: number): Promise<string> {
  const reader = new ReadableStream<BufferSource>({
    start(controller) {
      controller.enqueue(gz as Uint8Array<ArrayBuffer>);
      controller.close();
    },
  })
    .pipeThrough(new DecompressionStream('gzip'))
    .getReader();
  const decoder = new TextDecoder('utf-8', { fatal: true });
  let text = '';
  let lines = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return text + decoder.decode();
    const chunk = decoder.decode(value, { stream: true });
    for (let i = chunk.indexOf('\n'); i >= 0; i = chunk.indexOf('\n', i + 1)) lines++;
    text += chunk;
    if (lines >= count) {
      await reader.cancel();
      return text;
    }
  }
}
