// ftfy 6.3.1's `fix_text` with its default settings, the first step of CLIP's text cleaning.
// Each line is fixed on its own by repeating the fixers below until nothing changes.
import { fixC1Controls, fixEncoding } from './fix-encoding';
import { htmlUnescape } from './html-unescape';
import { NAMED_ENTITIES } from './named-entities';

// ftfy's upper limit on one decoded segment (TextFixerConfig.max_decode_length).
const MAX_SEGMENT_LENGTH = 1_000_000;

// ftfy only decodes complete references ending in `;`, and also knows upper-case spellings
// of lower-case names ("&EACUTE;" → "É") where those are not entities themselves.
const FTFY_ENTITY = /&#?[0-9A-Za-z]{1,24};/g;
const FTFY_ENTITIES: ReadonlyMap<string, string> = buildFtfyEntities();

function buildFtfyEntities(): Map<string, string> {
  const map = new Map<string, string>();
  for (const [name, text] of NAMED_ENTITIES) {
    if (!name.endsWith(';')) continue;
    map.set('&' + name, text);
    const upper = '&' + name.toUpperCase();
    if (name === name.toLowerCase() && htmlUnescape(upper) === upper) map.set(upper, text.toUpperCase());
  }
  return map;
}

function unescapeHtml(text: string): string {
  return text.replace(FTFY_ENTITY, (ref) => {
    const named = FTFY_ENTITIES.get(ref);
    if (named !== undefined) return named;
    if (!ref.startsWith('&#')) return ref;
    const unescaped = htmlUnescape(ref);
    return unescaped.includes(';') ? ref : unescaped;
  });
}

// Typographic ligatures and digraphs that are compatibility characters (ftfy's LIGATURES).
const LIGATURES: Readonly<Record<string, string>> = {
  '\u0132': 'IJ', '\u0133': 'ij', '\u0149': '\u02bcn',
  '\u01f1': 'DZ', '\u01f2': 'Dz', '\u01f3': 'dz', '\u01c4': 'D\u017d', '\u01c5': 'D\u017e', '\u01c6': 'd\u017e',
  '\u01c7': 'LJ', '\u01c8': 'Lj', '\u01c9': 'lj', '\u01ca': 'NJ', '\u01cb': 'Nj', '\u01cc': 'nj',
  '\ufb00': 'ff', '\ufb01': 'fi', '\ufb02': 'fl', '\ufb03': 'ffi', '\ufb04': 'ffl', '\ufb05': '\u017ft', '\ufb06': 'st',
};
const LIGATURE = new RegExp(`[${Object.keys(LIGATURES).join('')}]`, 'g');

function fixLatinLigatures(text: string): string {
  return text.replace(LIGATURE, (c) => LIGATURES[c]);
}

/** Full-width and half-width forms (U+FF01–U+FFEF) and the ideographic space become ordinary characters. */
function fixCharacterWidth(text: string): string {
  return text.replace(/[\u3000\uff01-\uffef]/g, (c) => (c === '\u3000' ? ' ' : c.normalize('NFKC')));
}

function uncurlQuotes(text: string): string {
  return text.replace(/[\u201c-\u201f]/g, '"').replace(/[\u02bc\u2018-\u201b]/g, "'");
}

function fixLineBreaks(text: string): string {
  return text.replace(/\r\n|[\r\u2028\u2029\u0085]/g, '\n');
}

/** Lone surrogates become U+FFFD (pairs are already single code points in a JS string). */
function fixSurrogates(text: string): string {
  return text.replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, '\ufffd');
}

function removeTerminalEscapes(text: string): string {
  // eslint-disable-next-line no-control-regex -- matching ESC is the point
  return text.replace(/\x1b\[(?:\p{Nd}|;)*[a-zA-Z]/gu, '');
}

/** Control and format characters nobody means to keep: C0 except tab/LF/FF/CR, DEL, deprecated format chars, BOM, interlinear annotations. */
function removeControlChars(text: string): string {
  // eslint-disable-next-line no-control-regex -- removing control characters is the point
  return text.replace(/[\x00-\x08\x0b\x0e-\x1f\x7f\u206a-\u206f\ufeff\ufff9-\ufffc]/g, '');
}

function fixSegment(text: string, unescape: boolean): string {
  for (;;) {
    const original = text;
    if (unescape) text = unescapeHtml(text);
    text = fixEncoding(text);
    text = fixC1Controls(text);
    text = fixLatinLigatures(text);
    text = fixCharacterWidth(text);
    text = uncurlQuotes(text);
    text = fixLineBreaks(text);
    text = fixSurrogates(text);
    text = removeTerminalEscapes(text);
    text = removeControlChars(text);
    text = text.normalize('NFC');
    if (text === original) return text;
  }
}

/** ftfy's `fix_text`. HTML references are decoded only until a line contains "<" (then the text is HTML). */
export function fixText(text: string): string {
  let out = '';
  let unescape = true;
  for (let pos = 0; pos < text.length; ) {
    let end = text.indexOf('\n', pos) + 1;
    if (end === 0) end = text.length;
    end = Math.min(end, pos + MAX_SEGMENT_LENGTH);
    const segment = text.slice(pos, end);
    if (segment.includes('<')) unescape = false;
    out += fixSegment(segment, unescape);
    pos = end;
  }
  return out;
}
