// ftfy 6.3.1's `fix_encoding`: undo mojibake, i.e. UTF-8 bytes that were decoded with a single-byte
// code page ("cafÃ©" → "café"). Text that does not look bad is never touched.
import { isBad, UTF8_DETECTOR } from './badness';
import { encodeSingleByte, SINGLE_BYTE_CHARSETS } from './single-byte-charsets';

// Byte-level patterns run on "binary strings": one char per byte, U+0000–U+00FF.
// Mojibake in which byte 0xA0 became a space (ftfy's ALTERED_UTF8_RE).
const ALTERED_UTF8 = new RegExp(
  [
    '[\xc2\xc3\xc5\xce\xd0\xd9] ',
    '[\xe2\xe3] [\x80-\x84\x86-\x9f\xa1-\xbf]',
    '[\xe0-\xe3][\x80-\x84\x86-\x9f\xa1-\xbf] ',
    '\xf0 [\x80-\xbf][\x80-\xbf]',
    '\xf0[\x80-\xbf] [\x80-\xbf]',
    '\xf0[\x80-\xbf][\x80-\xbf] ',
  ].join('|'),
);
// "Ã " is usually "à " whose 0xA0 became a space, except before these words (ftfy's A_GRAVE_WORD_RE).
const A_GRAVE_WORD = /\xc3 (?! |quele|quela|quilo|s )/g;
// Sequences in which information was lost (0x1A stands for U+FFFD, "?" for an unknown byte).
const LOSSY_UTF8 = new RegExp(
  [
    '[\xc2-\xdf]\x1a',
    '[\xc2-\xc3]\\?',
    '\xed[\xa0-\xaf][\x1a?]\xed[\xb0-\xbf][\x1a?\x80-\xbf]',
    '\xed[\xa0-\xaf][\x1a?\x80-\xbf]\xed[\xb0-\xbf][\x1a?]',
    '[\xe0-\xef][\x1a?][\x1a\x80-\xbf]',
    '[\xe0-\xef][\x1a\x80-\xbf][\x1a?]',
    '[\xf0-\xf4][\x1a?][\x1a\x80-\xbf][\x1a\x80-\xbf]',
    '[\xf0-\xf4][\x1a\x80-\xbf][\x1a?][\x1a\x80-\xbf]',
    '[\xf0-\xf4][\x1a\x80-\xbf][\x1a\x80-\xbf][\x1a?]',
    '\x1a',
  ].join('|'),
  'g',
);
// Java's modified UTF-8 / CESU-8: 0xC0 0x80 for NUL, surrogate pairs encoded one by one.
const UTF8_VARIANTS = /\xc0\x80|\xed[\xa0-\xaf][\x80-\xbf]\xed[\xb0-\xbf][\x80-\xbf]/g;

const strictUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
const WINDOWS_1252_UNDEFINED = new Set([0x81, 0x8d, 0x8f, 0x90, 0x9d]);

function toBinary(bytes: Uint8Array): string {
  let s = '';
  for (const b of bytes) s += String.fromCharCode(b);
  return s;
}

function fromBinary(binary: string): Uint8Array {
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

function restoreByteA0(binary: string): string {
  return binary
    .replace(A_GRAVE_WORD, '\xc3\xa0 ')
    .replace(new RegExp(ALTERED_UTF8, 'g'), (m) => m.replaceAll(' ', '\xa0'));
}

/** ftfy's "utf-8-variants" decoding; null where the bytes are not (variant) UTF-8. */
function decodeUtf8Variants(binary: string, variants: boolean): string | null {
  if (variants) {
    binary = binary.replace(UTF8_VARIANTS, (m) => {
      if (m.length === 2) return '\x00';
      const bits = (i: number, mask: number) => m.charCodeAt(i) & mask;
      const cp = 0x10000 + ((bits(1, 0x0f) << 16) | (bits(2, 0x3f) << 10) | (bits(4, 0x0f) << 6) | bits(5, 0x3f));
      return toBinary(new TextEncoder().encode(String.fromCodePoint(cp)));
    });
  }
  try {
    return strictUtf8.decode(fromBinary(binary));
  } catch {
    return null;
  }
}

function decodeInconsistentUtf8(text: string): string {
  // Fix each run that looks like mojibake on its own (but not the whole text, which already failed).
  return text.replace(new RegExp(UTF8_DETECTOR, 'gu'), (run) =>
    run.length < text.length && isBad(run) ? fixEncoding(run) : run,
  );
}

function fixEncodingOneStep(text: string): string {
  if (text.length === 0 || /^\p{ASCII}*$/u.test(text) || !isBad(text)) return text;
  const encodable: string[] = [];
  for (const charset of SINGLE_BYTE_CHARSETS) {
    const bytes = encodeSingleByte(text, charset);
    if (!bytes) continue;
    encodable.push(charset.name);
    let binary = toBinary(bytes);
    if (charset.name !== 'macroman' && ALTERED_UTF8.test(binary)) binary = restoreByteA0(binary);
    if (charset.sloppy) binary = binary.replace(LOSSY_UTF8, '\xef\xbf\xbd');
    const fixed = decodeUtf8Variants(binary, binary.includes('\xed') || binary.includes('\xc0'));
    if (fixed !== null) return fixed;
  }
  if (UTF8_DETECTOR.test(text)) {
    const fixed = decodeInconsistentUtf8(text);
    if (fixed !== text) return fixed;
  }
  // Latin-1 text with C1 controls was most likely Windows-1252 (strict: undefined bytes give up).
  // ftfy's check for "windows-1252" among the candidates never matches (they are "sloppy-"), so this always runs.
  if (encodable.includes('latin-1') && ![...text].some((c) => WINDOWS_1252_UNDEFINED.has(c.charCodeAt(0)))) {
    const fixed = fixC1Controls(text);
    if (fixed !== text) return fixed;
  }
  if (/[\x80-\x9f]/.test(text)) return fixC1Controls(text);
  return text;
}

// sloppy-windows-1252 decodes C1 bytes as Windows-1252 does, keeping the five unassigned ones.
const WINDOWS_1252_HIGH = SINGLE_BYTE_CHARSETS.find((c) => c.name === 'sloppy-windows-1252')!.high;

function windows1252(c1: string): string {
  return WINDOWS_1252_HIGH[c1.charCodeAt(0) - 0x80];
}

/** ftfy's `fix_c1_controls`: read stray C1 control characters as Windows-1252. */
export function fixC1Controls(text: string): string {
  return text.replace(/[\x80-\x9f]/g, (c) => windows1252(c));
}

/** ftfy's `fix_encoding`: repeat single repair steps until the text stops changing. */
export function fixEncoding(text: string): string {
  for (;;) {
    const fixed = fixEncodingOneStep(text);
    if (fixed === text) return fixed;
    text = fixed;
  }
}
