import { describe, expect, it } from 'vitest';
import { fixText } from '../../../ui/worker/clip/fix-text';
import { caseName, TOKENIZER_CASES } from './golden-tokenizer-cases';

describe('fixText', () => {
  it.each(TOKENIZER_CASES.map((c) => [caseName(c), c] as const))('does what ftfy 6.3.1 fix_text does to %s', (_name, c) => {
    expect(fixText(c.text)).toBe(c.ftfy_fix_text);
  });

  // Expected values are ftfy 6.3.1's fix_text output for these inputs.
  it.each([
    ['full-width letters and an ideographic space', 'Ｈｅｌｌｏ　ｗｏｒｌｄ', 'Hello world'],
    ['Latin ligatures', 'ﬂower ﬀ', 'flower ff'],
    ['curly quotes', '\u201chi\u201d \u2018x\u2019', '"hi" \'x\''],
    ['a Windows-1252 mojibake apostrophe', 'doesnâ€™t', "doesn't"],
    [
      'mojibake applied three times',
      'The Mona Lisa doesnÃƒÂ¢Ã¢â€šÂ¬Ã¢â€žÂ¢t have eyebrows.',
      "The Mona Lisa doesn't have eyebrows.",
    ],
    ['Cyrillic read as Windows-1252', 'ÐŸÑ€Ð¸Ð²ÐµÑ‚', 'Привет'],
    ['several mojibake words', 'rÃ©sumÃ© & cafÃ©', 'résumé & café'],
    ['an à whose 0xA0 byte became a space', 'Ã  la carte', 'à la carte'],
    ['a C1 control read as Windows-1252', '\x80abc', '€abc'],
    ['an upper-case entity, ignoring one without semicolon', '&EACUTE;t&eacute', 'Ét&eacute'],
    ['entities in text that looks like HTML', '<b>&amp;</b>', '<b>&amp;</b>'],
    ['terminal colour codes', 'a\x1b[31mred\x1b[0m', 'ared'],
    ['line separators', 'line\r\nbreak\u2028x', 'line\nbreak\nx'],
    ['a byte-order mark', '\ufeffbom', 'bom'],
    ['a combining diaeresis', 'na\u0308ive', 'näive'],
  ])('fixes %s like ftfy', (_what, input, expected) => {
    expect(fixText(input)).toBe(expected);
  });

  it('leaves plain ASCII, accented and non-Latin text alone', () => {
    for (const text of ['a face with a beard', 'naïve résumé', 'Straße', '東京タワー', 'Ελληνικά', '❤️ 👩\u200d🦰']) {
      expect(fixText(text)).toBe(text);
    }
  });
});
