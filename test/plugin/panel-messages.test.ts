// Messages from the panel are untrusted: each is checked field by field before the main thread acts on it.
import { describe, expect, it } from 'vitest';
import { applyFailedFor, parsePanelMessage } from '../../plugin/panel-messages';

const RECIPE = { edits: [{ kind: 'global', target: 'smiling face', neutral: 'face', alpha: 4.1, beta: 0.15 }], latent: null, packId: 'demo', faceIndex: 0 };
const APPLY = { type: 'APPLY_RESULT', requestId: 'target-1', index: 0, nodeId: '1:2', bytes: new Uint8Array([1, 2, 3]), width: 4, height: 4, recipe: RECIPE };

describe('plugin/panel-messages.ts', () => {
  it('passes well-formed messages through with only their own fields', () => {
    expect(parsePanelMessage({ type: 'UI_READY', extra: 1 })).toEqual({ type: 'UI_READY' });
    expect(parsePanelMessage({ ...APPLY, extra: 'x' })).toEqual(APPLY);
    expect(parsePanelMessage({ type: 'REMEMBER_PACK_URL', url: 'https://packs.example.com/ffhq/' })).toEqual({ type: 'REMEMBER_PACK_URL', url: 'https://packs.example.com/ffhq/' });
  });

  it.each<[string, unknown, RegExp]>([
    ['null', null, /not a message/],
    ['a string', 'UI_READY', /not a message/],
    ['an unknown type', { type: 'DELETE_EVERYTHING' }, /unknown type "DELETE_EVERYTHING"/],
    ['a request without an id', { type: 'REQUEST_TARGET', index: 0 }, /requestId/],
    ['a negative index', { type: 'REQUEST_TARGET', requestId: 'r', index: -1 }, /index/],
    ['bytes that are not bytes', { ...APPLY, bytes: [1, 2, 3] }, /bytes/],
    ['a fractional width', { ...APPLY, width: 1.5 }, /width/],
    ['a recipe with a prompt of 42', { ...APPLY, recipe: { ...RECIPE, edits: [{ ...RECIPE.edits[0], target: 42 }] } }, /recipe is not usable: The prompt is empty/],
    ['a recipe with α null', { ...APPLY, recipe: { ...RECIPE, edits: [{ ...RECIPE.edits[0], alpha: null }] } }, /recipe is not usable: α must be a number/],
    ['a pack URL that is not http(s)', { type: 'REMEMBER_PACK_URL', url: 'javascript:alert(1)' }, /url/],
    ['a pack URL of 5,000 characters', { type: 'REMEMBER_PACK_URL', url: `https://a.example/${'x'.repeat(5000)}` }, /url/],
    ['a notification without its flag', { type: 'NOTIFY', message: 'hi' }, /error flag/],
    ['an item failure of 1 MB', { type: 'ITEM_FAILED', requestId: 'r', index: 0, nodeId: '1:2', message: 'x'.repeat(1_000_000) }, /message/],
  ])('refuses %s', (_name, raw, reason) => {
    const parsed = parsePanelMessage(raw);
    expect(parsed).toEqual({ refused: expect.stringMatching(reason) });
  });

  it('turns a refused APPLY_RESULT with readable ids into the APPLY_FAILED that answers it', () => {
    expect(applyFailedFor({ ...APPLY, width: 0 }, 'bad width')).toEqual({ requestId: 'target-1', index: 0, message: 'The result was not written: bad width.' });
    expect(applyFailedFor({ type: 'APPLY_RESULT' }, 'x')).toBeNull();
    expect(applyFailedFor(null, 'x')).toBeNull();
  });
});
