// The 94 tokenizer cases of ../shared/golden/clip-tokenizer.json, typed, plus a short name for test titles.
import { readFileSync } from 'node:fs';
import { readGoldenJson, VOCAB_PATH } from '../../helpers/golden';
import { ClipTokenizer } from '../../../ui/worker/clip/tokenizer';

export interface TokenizerCase {
  category: string;
  text: string;
  text_escaped: string;
  ftfy_fix_text: string;
  ftfy_changed: boolean;
  needs_ftfy: boolean;
  cleaned: string;
  bpe_tokens: string[];
  encode: number[];
  n_encode: number;
  decode: string;
  tokenize: number[] | null;
  tokenize_error: string | null;
  tokenize_truncate: number[];
}

export const TOKENIZER_CASES = readGoldenJson<{ cases: TokenizerCase[] }>('clip-tokenizer.json').cases;

/** "category: text" with long texts cut, for test titles. */
export function caseName(c: TokenizerCase): string {
  const text = c.text_escaped.length > 48 ? `${c.text_escaped.slice(0, 45)}…` : c.text_escaped;
  return `${c.category}: "${text}"`;
}

export function loadTokenizer(): Promise<ClipTokenizer> {
  return ClipTokenizer.fromVocabGz(readFileSync(VOCAB_PATH));
}
