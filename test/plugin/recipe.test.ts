/// <reference types="@figma/plugin-typings" />
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Recipe } from '../../plugin/protocol';
import { parseRecipe, readRecipe, RECIPE_KEY, relaunchDescription, writeRecipe } from '../../plugin/recipe';
import { FakeFigma } from '../fake-figma/fake-figma';
import type { FakeDocument } from '../fake-figma/fake-document';
import type { FakeNode } from '../fake-figma/fake-nodes';
import { newDocument } from '../fake-figma/plugin-run';

const RECIPE: Recipe = {
  version: 1, prompt: 'face with a beard', neutral: 'face', method: 'global', alpha: 4.1, beta: 0.15,
  mapper: null, mapperStrength: 1, packId: 'golden-tiny', faceIndex: 0, sourceNodeId: '1:2',
};
let doc: FakeDocument;
let node: FakeNode;
const scene = (n: FakeNode) => n as unknown as SceneNode;

beforeEach(() => {
  doc = newDocument();
  vi.stubGlobal('figma', new FakeFigma(doc).api);
  node = doc.create('RECTANGLE', { name: 'Result' });
});
afterEach(() => vi.unstubAllGlobals());

describe('plugin/recipe.ts', () => {
  it('round-trips a recipe through plugin data and adds the Edit again button', () => {
    writeRecipe(scene(node), RECIPE);
    expect(readRecipe(scene(node))).toEqual(RECIPE);
    expect(node.getRelaunchData()).toEqual({ 'edit-again': 'Tweak “face with a beard” (α 4.1, β 0.15)' });
  });

  it('describes a mapper recipe by its mapper and caps the description at 1000 characters', () => {
    expect(relaunchDescription({ ...RECIPE, method: 'mapper', mapper: 'beard', mapperStrength: 0.5 })).toBe('Tweak “face with a beard” (mapper beard, strength 0.5)');
    expect(relaunchDescription({ ...RECIPE, prompt: 'x'.repeat(2000) })).toHaveLength(1000);
  });

  it('refuses a recipe over 100 kB with a message naming its size, and writes nothing', () => {
    expect(() => writeRecipe(scene(node), { ...RECIPE, prompt: 'y'.repeat(100_000) })).toThrow(/^The recipe is 100,181 bytes; Figma keeps at most 100,000 per layer\. Use a shorter prompt\.$/);
    expect(node.getPluginDataKeys()).toEqual([]);
    expect(node.getRelaunchData()).toEqual({});
  });

  it('is refused by the fake as by Figma when plugin data passes 100 kB', () => {
    expect(() => node.setPluginData('k', 'z'.repeat(100_000))).toThrow(/over the limit of 100000 bytes/);
  });

  it.each([
    ['not JSON', '{', 'it is not JSON'],
    ['an array', '[]', 'it is not an object'],
    ['a newer version', JSON.stringify({ ...RECIPE, version: 2 }), 'version is 2; this facetext reads version 1'],
    ['an empty prompt', JSON.stringify({ ...RECIPE, prompt: ' ' }), 'prompt must be a non-empty string'],
    ['an unknown method', JSON.stringify({ ...RECIPE, method: 'magic' }), 'method is "magic". Must be one of: global, mapper'],
    ['α as a string', JSON.stringify({ ...RECIPE, alpha: '4' }), 'alpha must be a finite number'],
    ['a negative β', JSON.stringify({ ...RECIPE, beta: -1 }), 'beta must be ≥ 0'],
    ['a fractional face index', JSON.stringify({ ...RECIPE, faceIndex: 1.5 }), 'faceIndex must be an integer ≥ 0'],
    ['a mapper edit without a mapper', JSON.stringify({ ...RECIPE, method: 'mapper', mapper: null }), 'a mapper edit needs a mapper name'],
  ])('gives a ParseError for %s', (_case, data, error) => {
    expect(parseRecipe(data)).toEqual({ error });
  });

  it('drops unknown fields when parsing', () => {
    expect(parseRecipe(JSON.stringify({ ...RECIPE, extra: 1 }))).toEqual(RECIPE);
  });

  it('says which layer has no or a damaged recipe', () => {
    expect(readRecipe(scene(node))).toEqual({ error: '“Result” has no facetext recipe: only layers facetext made can be edited again.' });
    node.setPluginData(RECIPE_KEY, '{"version":1}');
    expect(readRecipe(scene(node))).toEqual({ error: 'The recipe on “Result” is damaged (prompt must be a non-empty string). Make a new edit from the original layer.' });
  });
});
