// CLIP's text cleaning (simple_tokenizer.py: basic_clean, whitespace_clean, lower()).
import { fixText } from './fix-text';
import { htmlUnescape } from './html-unescape';

// Python `regex`'s \s (Unicode White_Space), which whitespace_clean collapses.
export const PY_REGEX_SPACE = '\\t\\n\\v\\f\\r \\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000';
const SPACE_RUN = new RegExp(`[${PY_REGEX_SPACE}]+`, 'g');
// Python's str.strip() also treats the information separators U+001C–U+001F as space.
const STRIP = new RegExp(`^[${PY_REGEX_SPACE}\\x1c-\\x1f]+|[${PY_REGEX_SPACE}\\x1c-\\x1f]+$`, 'g');

function pyStrip(text: string): string {
  return text.replace(STRIP, '');
}

/** The string upstream's regex splits: ftfy fix_text, html.unescape twice, strip, collapse whitespace, lower-case. */
export function cleanText(text: string): string {
  const basic = pyStrip(htmlUnescape(htmlUnescape(fixText(text))));
  return pyStrip(basic.replace(SPACE_RUN, ' ')).toLowerCase();
}
