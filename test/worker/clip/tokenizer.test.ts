import { beforeAll, describe, expect, it } from 'vitest';
import { cleanText } from '../../../ui/worker/clip/clean-text';
import { ClipTokenizer } from '../../../ui/worker/clip/tokenizer';
import { caseName, loadTokenizer, TOKENIZER_CASES } from './golden-tokenizer-cases';

let tokenizer: ClipTokenizer;
beforeAll(async () => {
  tokenizer = await loadTokenizer();
});

describe.each(TOKENIZER_CASES.map((c) => [caseName(c), c] as const))('golden case %s', (_name, c) => {
  it('cleans the text to the string upstream splits', () => {
    expect(cleanText(c.text)).toBe(c.cleaned);
  });

  it('splits it into the same BPE tokens', () => {
    expect(tokenizer.tokens(c.text)).toEqual(c.bpe_tokens);
  });

  it('encodes to the same ids', () => {
    expect(tokenizer.encode(c.text)).toEqual(c.encode);
  });

  it('decodes those ids to the same text', () => {
    expect(tokenizer.decode(c.encode)).toBe(c.decode);
  });

  it('tokenizes like clip.tokenize(truncate=True) and flags truncation exactly when upstream raises', () => {
    const result = tokenizer.tokenize(c.text);
    expect(Array.from(result.ids)).toEqual(c.tokenize_truncate);
    expect(result.truncated).toBe(c.tokenize === null);
    if (c.tokenize) expect(Array.from(result.ids)).toEqual(c.tokenize);
  });

  // The last one: a literal "<|endoftext|>" in the prompt is an end-of-text id too (CLIP's pooling
  // then takes the first, by argmax; that is the text encoder's business).
  it('reports a length that ends just after the final end-of-text id', () => {
    const result = tokenizer.tokenize(c.text);
    expect(result.length).toBe(result.ids.lastIndexOf(tokenizer.endId) + 1);
    expect(result.ids.subarray(result.length).every((id) => id === 0)).toBe(true);
  });
});

describe('ClipTokenizer', () => {
  it('has the 49,408-entry CLIP vocabulary with the special tokens last', () => {
    expect(tokenizer.vocabSize).toBe(49_408);
    expect([tokenizer.startId, tokenizer.endId]).toEqual([49_406, 49_407]); // upstream's ids, read from the vocabulary
    expect(tokenizer.decode([tokenizer.startId, tokenizer.endId])).toBe('<|startoftext|><|endoftext|>');
  });

  it('covers every golden case', () => {
    expect(TOKENIZER_CASES).toHaveLength(94);
  });

  it('tokenizes emoji byte by byte into known ids and decodes them back', () => {
    const text = 'a 🧔🏽 with 👓 and 🎩';
    const ids = tokenizer.encode(text);
    expect(ids.every((id) => id >= 0 && id < tokenizer.startId)).toBe(true);
    expect(tokenizer.decode(ids)).toBe('a 🧔🏽 with 👓 and 🎩 ');
  });

  it('gives only start and end of text for whitespace-only input', () => {
    const result = tokenizer.tokenize(' \t\n\u3000\u00a0 ');
    expect(result.length).toBe(2);
    expect(result.truncated).toBe(false);
    expect(Array.from(result.ids.subarray(0, 3))).toEqual([tokenizer.startId, tokenizer.endId, 0]);
  });

  it('cuts a 500-character prompt to 77 ids ending in end-of-text and says so', () => {
    const text = 'a face with a beard and glasses, '.repeat(16).slice(0, 500);
    expect(text).toHaveLength(500);
    const result = tokenizer.tokenize(text);
    const full = tokenizer.encode(text);
    expect(result.truncated).toBe(true);
    expect(result.length).toBe(77);
    expect(result.ids[0]).toBe(tokenizer.startId);
    expect(Array.from(result.ids.subarray(1, 76))).toEqual(full.slice(0, 75));
    expect(result.ids[76]).toBe(tokenizer.endId);
  });

  it('honours a custom context length', () => {
    const result = tokenizer.tokenize('a smiling woman with red hair', 4);
    expect(result.ids).toHaveLength(4);
    expect(result.truncated).toBe(true);
    expect(result.ids[3]).toBe(tokenizer.endId);
  });

  it('rejects a context length with no room for start and end of text', () => {
    expect(() => tokenizer.tokenize('x', 1)).toThrow(/contextLength/);
  });

  it('rejects ids outside the vocabulary when decoding', () => {
    expect(() => tokenizer.decode([49_408])).toThrow(/outside the vocabulary/);
  });

  it('reports a vocabulary that is not gzip as a corrupt pack file', async () => {
    await expect(ClipTokenizer.fromVocabGz(new TextEncoder().encode('not gzip'))).rejects.toMatchObject({
      name: 'PackFileCorrupt',
    });
  });

  it('reports a cut-short vocabulary as a corrupt pack file', () => {
    expect(() => ClipTokenizer.fromMergesText('header\ni n\nt h')).toThrow(expect.objectContaining({ name: 'PackFileCorrupt' }));
  });
});
