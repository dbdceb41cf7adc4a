import { describe, expect, it } from 'vitest';
import { htmlUnescape } from '../../../ui/worker/clip/html-unescape';

describe('htmlUnescape', () => {
  // Expected values are Python 3.11's html.unescape output.
  it.each([
    ['&amp;amp;', '&amp;'],
    ['&ampx', '&x'],
    ['&amp', '&'],
    ['&AMP;', '&'],
    ['&notit;', '\u00acit;'],
    ['&unknown;', '&unknown;'],
    ['&NBSP;', '&NBSP;'],
    ['&lang;', '\u27e8'],
    ['&eacute;t&eacute;', 'été'],
    ['&#65;&#x42;', 'AB'],
    ['&#x1F600', '😀'],
    ['&#x80;', '€'],
    ['&#0;', '\ufffd'],
    ['&#13;', '\r'],
    ['&#127;', ''],
    ['&#xD800;', '\ufffd'],
    ['&#1114112;', '\ufffd'],
    ['no entity', 'no entity'],
  ])('turns %j into %j as Python does', (input, expected) => {
    expect(htmlUnescape(input)).toBe(expected);
  });
});
