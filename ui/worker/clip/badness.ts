// ftfy 6.3.1's mojibake detector: character sequences that are very unlikely in real text but
// typical of UTF-8 read as a single-byte code page. Only when one occurs does ftfy try to re-decode.

// Character classes (ftfy's MOJIBAKE_CATEGORIES), written as regex class bodies; `x-y` are ranges.
const COMMON = '\xa0\xad\xb7\xb4\u2013\u2014\u2015\u2026\u2019';
const C1 = '\x80-\x9f';
const BAD = '\xa6\xa4\xa8\xac\xaf\xb8\u0192\u02c6\u02c7\u02d8\u02db\u02dc\u2020\u2021\u2030\u2310\u25ca\ufffd\xaa\xba';
const LAW = '\xb6\xa7';
const CURRENCY = '\xa2\xa3\xa5\u20a7\u20ac';
const START_PUNCT = '\xa1\xab\xbf\xa9\u0384\u0385\u2018\u201a\u201c\u201e\u2022\u2039\uf8ff';
const END_PUNCT = '\xae\xbb\u02dd\u201d\u203a\u2122';
const NUMERIC =
  '\xb2\xb3\xb9\xb1\xbc\xbd\xbe\xd7\xb5\xf7\u2044\u2202\u2206\u220f\u2211\u221a\u221e\u2229\u222b\u2248\u2260\u2261\u2264\u2265\u2116';
const KAOMOJI = '\xd2-\xd6\xd9-\xdc\xf2-\xf6\xf8-\xfc\u0150\u014c\u016a\u0172\xb0';
const UPPER_ACCENTED =
  '\xc0-\xd1\xd8\xdc\xdd\u0102\u0100\u0104\u0106\u010c\u010e\u0110\u0118\u011a\u0112\u0116\u011e\u0122\u0130\u012a\u0136' +
  '\u0139\u013d\u0141\u013b\u0143\u0147\u0145\u0152\u0158\u015a\u015e\u0160\u0162\u0164\u016e\u0170\u0178\u0179\u017b\u017d\u0490';
const LOWER_ACCENTED =
  '\xdf\xe0-\xf1\u0103\u0105\u0101\u0107\u010d\u010f\u0111\u0119\u011b\u0113\u0117\u011f\u0123\u012f\u012b\u0137\u013a' +
  '\u013e\u0142\u013c\u0153\u0155\u015b\u015f\u0161\u0165\xfc\u017a\u017c\u017e\u0491\ufb01\ufb02';
const UPPER_COMMON = '\xde\u0391-\u03a9\u0386\u0388\u0389\u038a\u038c\u038e\u038f\u03aa\u03ab\u0401-\u042f';
const LOWER_COMMON = '\u03b1-\u03c9\u03ac\u03ad\u03ae\u03af\u03b0\u0430-\u045f';
const BOX = '\u2502\u250c\u2510\u2518\u251c\u2524\u252c\u253c\u2550-\u256c\u2580\u2584\u2588\u258c\u2590\u2591\u2592\u2593';

// Python's str regex \s and \w (Unicode-aware), which ftfy's patterns rely on.
const PY_SPACE = '[\\t-\\r\\x1c-\\x20\\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000]';
const PY_WORD = '[\\p{L}\\p{N}_]';

const ARABIC_PAIR = `[\xd8\xd9][${COMMON}${CURRENCY}${BAD}${NUMERIC}${START_PUNCT}\u0178\u0160\xae\xb0\xb5\xbb]`;

const ALTERNATIVES = [
  `[${C1}]`,
  `[${BAD}${LOWER_ACCENTED}${UPPER_ACCENTED}${BOX}${START_PUNCT}${END_PUNCT}${CURRENCY}${NUMERIC}${LAW}][${BAD}]`,
  `[a-zA-Z][${LOWER_COMMON}${UPPER_COMMON}][${BAD}]`,
  `[${BAD}][${LOWER_ACCENTED}${UPPER_ACCENTED}${BOX}${START_PUNCT}${END_PUNCT}${CURRENCY}${NUMERIC}${LAW}]`,
  `[${LOWER_ACCENTED}${LOWER_COMMON}${BOX}${END_PUNCT}${CURRENCY}${NUMERIC}][${UPPER_ACCENTED}]`,
  `[${BOX}${END_PUNCT}${CURRENCY}${NUMERIC}][${LOWER_ACCENTED}]`,
  `[${LOWER_ACCENTED}${BOX}${END_PUNCT}][${CURRENCY}]`,
  `${PY_SPACE}[${UPPER_ACCENTED}][${CURRENCY}]`,
  `[${UPPER_ACCENTED}${BOX}][${NUMERIC}${LAW}]`,
  `[${LOWER_ACCENTED}${UPPER_ACCENTED}${BOX}${CURRENCY}${END_PUNCT}][${START_PUNCT}][${NUMERIC}]`,
  `[${LOWER_ACCENTED}${UPPER_ACCENTED}${CURRENCY}${NUMERIC}${BOX}${LAW}][${END_PUNCT}][${START_PUNCT}]`,
  `[${CURRENCY}${NUMERIC}${BOX}][${START_PUNCT}]`,
  `[a-z][${UPPER_ACCENTED}][${START_PUNCT}${CURRENCY}]`,
  `[${BOX}][${KAOMOJI}]`,
  `[${LOWER_ACCENTED}${UPPER_ACCENTED}${CURRENCY}${NUMERIC}${START_PUNCT}${END_PUNCT}${LAW}][${BOX}]`,
  `[${BOX}][${END_PUNCT}]`,
  `[${LOWER_ACCENTED}${UPPER_ACCENTED}][${START_PUNCT}${END_PUNCT}]${PY_WORD}`,
  // the ligature œ not followed by an unaccented Latin letter
  '[\u0152\u0153][^A-Za-z]',
  `[${UPPER_ACCENTED}]\xb0`,
  // common Windows-1252 two-character mojibake
  `[\xc2\xc3\xce\xd0][\u20ac\u0153\u0160\u0161\xa2\xa3\u0178\u017e\xa0\xad\xae\xa9\xb0\xb7\xbb${START_PUNCT}${END_PUNCT}\u2013\u2014\xb4]`,
  '\xd7[\xb2\xb3]',
  // Windows-1252 mojibake of Arabic: four characters
  ARABIC_PAIR + ARABIC_PAIR,
  // Windows-1252 mojibake starting three-byte South Asian letters
  '\xe0[\xb2\xb5\xb9\xbc\xbd\xbe]',
  // MacRoman mojibake
  '\u221a[\xb1\u2202\u2020\u2260\xae\u2122\xb4\u2264\u2265\xa5\xb5\xf8]',
  '\u2248[\xb0\xa2]',
  '\u201a\xc4[\xec\xee\xef\xf2\xf4\xfa\xf9\xfb\u2020\xb0\xa2\u03c0]',
  '\u201a[\xe2\xf3][\xe0\xe4\xb0\xea]',
  // Windows-1251 mojibake
  '\u0432\u0402',
  `[\u0412\u0413\u0420\u0421][${C1}${BAD}${START_PUNCT}${END_PUNCT}${CURRENCY}\xb0\xb5][\u0412\u0413\u0420\u0421]`,
  '\u0413\u045e\u0412\u0402\u0412.[A-Za-z ]',
  // Windows-1252 encodings of à, á and \xa0 itself
  '\xc3[\xa0\xa1]',
  `[a-z]${PY_SPACE}?[\xc3\xc2] `,
  '^[\xc3\xc2] ',
  `[a-z.,?!${END_PUNCT}]\xc2[ ${START_PUNCT}${END_PUNCT}]`,
  // Windows-1253 mojibake
  '\u03b2\u20ac[\u2122\xa0\u0386\xad\xae\xb0]',
  `[\u0392\u0393\u039e\u039f][${C1}${BAD}${START_PUNCT}${END_PUNCT}${CURRENCY}\xb0][\u0392\u0393\u039e\u039f]`,
  // Windows-1257 mojibake
  '\u0101\u20ac',
];

const BADNESS = new RegExp(ALTERNATIVES.join('|'), 'u');

/** ftfy's `is_bad`: whether `text` holds a sequence that looks like mojibake. */
export function isBad(text: string): boolean {
  return BADNESS.test(text);
}

// ftfy's UTF8_DETECTOR_RE: runs of what UTF-8 lead and continuation bytes look like in the
// single-byte code pages, not preceded by a continuation-looking character.
const FIRST_OF_2 =
  '\u0102\xc2\xc4\u0100\xc5\xc3\xc6\u0106\u010c\xc7\u010e\u0110\xc9\u011a\xca\xcb\u0116\xc8\u0112\u0118\xd0\u011e\u0122' +
  '\xcd\xce\xcf\u0130\xcc\u012a\u0136\u0139\u013b\u0141\u0143\u0147\u0145\xd1\xd3\xd4\xd6\u0150\xd2\u014c\xd8\xd5\u0158' +
  '\u015a\u0160\u015e\u0162\xde\xda\xdb\xdc\u0170\xd9\u016a\u0172\u016e\xdd\u0179\u017d\u017b\xdf\xd7\u0392-\u03a1' +
  '\u03a3-\u03af\u0412-\u042f';
const FIRST_OF_3 =
  '\xe1\u0103\xe2\xe4\xe0\u0101\u0105\xe5\xe3\xe6\u0107\u010d\xe7\u010f\xe9\u011b\xea\xeb\u0117\xe8\u0113\u0119\u0123' +
  '\xed\xee\xef\xec\u012b\u012f\u0137\u013a\u013c\u0155\u017a\u03b0-\u03bf\u0430-\u043f';
const FIRST_OF_4 = '\u0111\xf0\u011f\xf3\u0161\u03c0\u03c3\u0440\u0443';
const CONTINUATION_STRICT =
  '\x80-\xbf\u0104\xc6\u013d\u0141\xd8\u0156\u015a\u0160\u015e\u0164\u0178\u0179\u017d\u017b\u0152\u0105\xe6\u0192\u013e' +
  '\u0142\xf8\u0157\u015b\u0161\u015f\u0165\u017a\u017e\u017c\u0153\u02c6\u02c7\u02d8\u02db\u02dc\u02dd\u0384-\u0386' +
  '\u0388-\u038a\u038c\u038e\u038f\u0401-\u040c\u040e\u040f\u0451-\u045c\u045e\u045f\u0490\u0491\u2020\u2021\u2030' +
  '\u2039\u203a\u20ac\u2116\u2122';
const CONTINUATION = CONTINUATION_STRICT + ' \u2013\u2014\u2015\u2018\u2019\u201a\u201c\u201d\u201e\u2022\u2026';

export const UTF8_DETECTOR = new RegExp(
  `(?<![${CONTINUATION_STRICT}])(?:[${FIRST_OF_2}][${CONTINUATION}]|[${FIRST_OF_3}][${CONTINUATION}]{2}|[${FIRST_OF_4}][${CONTINUATION}]{3})+`,
  'u',
);
