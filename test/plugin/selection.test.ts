/// <reference types="@figma/plugin-typings" />
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { RECIPE_KEY, RESULT_OF_KEY } from '../../plugin/recipe';
import { findTargets, RESULT_REASON, summarise } from '../../plugin/selection';
import { FakeFigma } from '../fake-figma/fake-figma';
import type { FakeDocument } from '../fake-figma/fake-document';
import type { FakeNode } from '../fake-figma/fake-nodes';
import { newDocument, solidPng } from '../fake-figma/plugin-run';

let doc: FakeDocument;
const PHOTO = solidPng(8, 6, [200, 120, 90]);
const nodes = (list: FakeNode[]) => list as unknown as SceneNode[];
const ids = (list: { node: SceneNode }[]) => list.map(({ node }) => node.name);

beforeEach(() => {
  doc = newDocument();
  vi.stubGlobal('figma', new FakeFigma(doc).api);
});
afterEach(() => vi.unstubAllGlobals());

describe('plugin/selection.ts', () => {
  it('takes an image-filled layer as a fill target', () => {
    const photo = doc.createImageLayer({ bytes: PHOTO, name: 'Photo' });
    expect(findTargets(nodes([photo]))).toEqual({ targets: [{ node: photo, source: 'fill' }], skipped: [] });
  });

  it('takes every visible image inside a frame, in document order, and skips the text beside them', () => {
    const frame = doc.create('FRAME', { name: 'Team', width: 400, height: 200 });
    doc.create('TEXT', { name: 'Caption', parent: frame });
    doc.createImageLayer({ bytes: PHOTO, name: 'Ann', parent: frame });
    const group = doc.create('GROUP', { name: 'Group', parent: frame });
    doc.createImageLayer({ bytes: PHOTO, name: 'Bo', parent: group, x: 200 });
    doc.createImageLayer({ bytes: PHOTO, name: 'Hidden', parent: frame }).visible = false;
    const found = findTargets(nodes([frame]));
    expect(ids(found.targets)).toEqual(['Ann', 'Bo']);
    expect(found.targets.map((t) => t.source)).toEqual(['fill', 'fill']);
  });

  it('renders a frame that holds no image fill (source "export")', () => {
    const poster = doc.create('FRAME', { name: 'Poster' });
    poster.fills = [{ type: 'SOLID', color: { r: 1, g: 0, b: 0 } }];
    expect(findTargets(nodes([poster])).targets).toEqual([{ node: poster, source: 'export' }]);
  });

  it('lists a frame and an image inside it once', () => {
    const frame = doc.create('FRAME', { name: 'Frame' });
    const photo = doc.createImageLayer({ bytes: PHOTO, name: 'Photo', parent: frame });
    expect(ids(findTargets(nodes([photo, frame])).targets)).toEqual(['Photo']);
  });

  it('says what to select when only a text layer is selected', () => {
    const text = doc.create('TEXT', { name: 'Caption' });
    const summary = summarise(findTargets(nodes([text])));
    expect(summary.targets).toEqual([]);
    expect(summary.skipped).toEqual([{ nodeId: text.id, name: 'Caption', reason: 'a text layer without an image fill' }]);
    expect(summary.message).toBe('“Caption” is a text layer without an image fill. Select a layer with a photo fill, or a frame that contains one, then run facetext again.');
  });

  it('says that nothing is selected', () => {
    expect(summarise(findTargets([])).message).toBe('Nothing is selected. Select a layer with a photo fill, or a frame that contains one, then run facetext again.');
  });

  it('ignores solid-filled shapes and counts the other unusable layers', () => {
    const box = doc.create('RECTANGLE', { name: 'Box' });
    box.fills = [{ type: 'SOLID', color: { r: 0, g: 0, b: 1 } }];
    const text = doc.create('TEXT', { name: 'T' });
    const ellipse = doc.create('ELLIPSE', { name: 'E' });
    expect(summarise(findTargets(nodes([box, text, ellipse]))).message).toMatch(/^“Box” is a rectangle layer without an image fill \(and 2 more layers without a photo\)\. Select/);
  });

  it('skips facetext results – a layer with a recipe, a frame copy and what is inside it – with the reason', () => {
    const photo = doc.createImageLayer({ bytes: PHOTO, name: 'Photo' });
    const result = doc.createImageLayer({ bytes: PHOTO, name: 'Photo · smile' });
    result.setPluginData(RECIPE_KEY, '{}');
    const board = doc.create('FRAME', { name: 'Board', width: 900, height: 300 });
    const card = doc.create('FRAME', { name: 'Card', parent: board });
    const face = doc.createImageLayer({ bytes: PHOTO, name: 'Face', parent: card });
    const copy = doc.create('FRAME', { name: 'Card · smile', parent: board });
    copy.setPluginData(RESULT_OF_KEY, card.id);
    const copiedFace = doc.createImageLayer({ bytes: PHOTO, name: 'Face copy', parent: copy });
    const found = findTargets(nodes([photo, result, board, copy]));
    expect(found.targets).toEqual([{ node: photo, source: 'fill' }, { node: face, source: 'fill', within: board }]);
    expect(found.skipped).toEqual([
      { nodeId: result.id, name: 'Photo · smile', reason: RESULT_REASON },
      { nodeId: copiedFace.id, name: 'Face copy', reason: RESULT_REASON },
      { nodeId: copy.id, name: 'Card · smile', reason: RESULT_REASON },
    ]);
  });
});
