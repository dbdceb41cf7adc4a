/// <reference types="@figma/plugin-typings" />
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Recipe } from '../../plugin/protocol';
import { prepareRecipe, readRecipe, RECIPE_KEY, relaunchDescription, resultName, writeRecipe } from '../../plugin/recipe';
import { FakeFigma } from '../fake-figma/fake-figma';
import type { FakeDocument } from '../fake-figma/fake-document';
import type { FakeNode } from '../fake-figma/fake-nodes';
import { newDocument } from '../fake-figma/plugin-run';

const BEARD = { kind: 'global', target: 'face with a beard', neutral: 'face', alpha: 4.1, beta: 0.15 } as const;
const RECIPE: Recipe = { version: 2, edits: [BEARD], latent: null, packId: 'golden-tiny', faceIndex: 0, sourceNodeId: '1:2' };
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
    writeRecipe(scene(node), prepareRecipe(RECIPE));
    expect(readRecipe(scene(node))).toEqual(RECIPE);
    expect(node.getRelaunchData()).toEqual({ 'edit-again': 'Tweak “face with a beard” (α 4.1, β 0.15)' });
  });

  it('describes every edit of a stack, mappers by name, and caps the description at 1000 characters', () => {
    const stack: Recipe = { ...RECIPE, edits: [BEARD, { kind: 'mapper', mapper: 'afro', strength: 0.5 }] };
    expect(relaunchDescription(stack)).toBe('Tweak “face with a beard” (α 4.1, β 0.15) + mapper afro (strength 0.5)');
    expect(resultName('Portrait', stack)).toBe('Portrait · face with a beard + afro mapper');
    const long = { ...RECIPE, edits: Array.from({ length: 8 }, () => ({ ...BEARD, target: 'x'.repeat(300) })) };
    expect(relaunchDescription(long)).toHaveLength(1000);
  });

  it('names a result made from a latent by its file, with any edits after it', () => {
    const latent = { file: 'wplus.npy', wPlus: 'AACAPw==' };
    expect(resultName('Portrait', { edits: [], latent })).toBe('Portrait · latent wplus.npy');
    expect(resultName('Portrait', { edits: [BEARD], latent })).toBe('Portrait · latent wplus.npy + face with a beard');
    expect(relaunchDescription({ ...RECIPE, edits: [], latent })).toBe('Tweak latent wplus.npy');
  });

  it('refuses a recipe over 100 kB before anything is written, naming its size', () => {
    const huge = { ...RECIPE, sourceNodeId: 'y'.repeat(100_000) };
    expect(() => prepareRecipe(huge)).toThrow(/^The recipe is 100,\d{3} bytes; Figma keeps at most 100,000 per layer\. Use a shorter prompt\.$/);
    expect(node.getPluginDataKeys()).toEqual([]);
  });

  it('is refused by the fake as by Figma when plugin data passes 100 kB', () => {
    expect(() => node.setPluginData('k', 'z'.repeat(100_000))).toThrow(/over the limit of 100000 bytes/);
  });

  it('says which layer has no or a damaged recipe', () => {
    expect(readRecipe(scene(node))).toEqual({ error: '“Result” has no facetext recipe: only layers facetext made can be edited again.' });
    node.setPluginData(RECIPE_KEY, '{"version":2,"sourceNodeId":"1:2","edits":[],"packId":"p","faceIndex":0}');
    expect(readRecipe(scene(node))).toEqual({ error: 'The recipe on “Result” is damaged (There is nothing to edit: type a prompt, pick a preset or choose a mapper.). Make a new edit from the original layer.' });
  });
});
