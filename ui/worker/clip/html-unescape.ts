// Python's html.unescape (3.11), which CLIP's basic_clean applies twice.
import { NAMED_ENTITIES } from './named-entities';

// Same alternatives as CPython's `_charref`: decimal, hex, or a name of up to 32 characters; `;` optional.
const CHAR_REF = /&(#[0-9]+;?|#[xX][0-9a-fA-F]+;?|[^\t\n\f <&#;]{1,32};?)/gu;

// Numeric references to C1 and a few other code points are read as Windows-1252 (HTML5 §13.2.5.80).
const WINDOWS_1252_C1 =
  '\u20ac\x81\u201a\u0192\u201e\u2026\u2020\u2021\u02c6\u2030\u0160\u2039\u0152\x8d\u017d\x8f' +
  '\x90\u2018\u2019\u201c\u201d\u2022\u2013\u2014\u02dc\u2122\u0161\u203a\u0153\x9d\u017e\u0178';

/** Code points that numeric references may not produce; Python drops them. */
function isInvalidCodePoint(cp: number): boolean {
  return (
    (cp >= 0x1 && cp <= 0x8) ||
    cp === 0xb ||
    (cp >= 0xe && cp <= 0x1f) ||
    (cp >= 0x7f && cp <= 0x9f) ||
    (cp >= 0xfdd0 && cp <= 0xfdef) ||
    (cp & 0xfffe) === 0xfffe // U+FFFE, U+FFFF, U+1FFFE, … U+10FFFF
  );
}

function numericReference(body: string): string {
  const hex = body[1] === 'x' || body[1] === 'X';
  const digits = body.slice(hex ? 2 : 1).replace(/;$/, '');
  const cp = parseInt(digits, hex ? 16 : 10); // huge values lose precision but stay above 0x10FFFF
  if (cp === 0) return '\ufffd';
  if (cp === 0x0d) return '\r';
  if (cp >= 0x80 && cp <= 0x9f) return WINDOWS_1252_C1[cp - 0x80];
  if ((cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff) return '\ufffd';
  if (isInvalidCodePoint(cp)) return '';
  return String.fromCodePoint(cp);
}

function namedReference(body: string): string {
  const whole = NAMED_ENTITIES.get(body);
  if (whole !== undefined) return whole;
  // The longest prefix (at least two characters) that is an entity wins: "&ampx" → "&x".
  for (let end = body.length - 1; end > 1; end--) {
    const text = NAMED_ENTITIES.get(body.slice(0, end));
    if (text !== undefined) return text + body.slice(end);
  }
  return '&' + body;
}

/** Python's `html.unescape`: named (with and without `;`) and numeric character references. */
export function htmlUnescape(text: string): string {
  if (!text.includes('&')) return text;
  return text.replace(CHAR_REF, (_match, body: string) =>
    body[0] === '#' ? numericReference(body) : namedReference(body),
  );
}
