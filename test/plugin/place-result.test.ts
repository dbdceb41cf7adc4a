/// <reference types="@figma/plugin-typings" />
import { PNG } from 'pngjs';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createResultLayer, fullyVisibleIn, placeRightOf, replaceResultImage, RESULT_GAP } from '../../plugin/place-result';
import { prepareRecipe, RECIPE_KEY } from '../../plugin/recipe';
import { exportScale, readTargetImageAsync } from '../../plugin/target-image';
import { FakeFigma } from '../fake-figma/fake-figma';
import type { FakeDocument } from '../fake-figma/fake-document';
import type { FakeNode } from '../fake-figma/fake-nodes';
import { newDocument, solidPng } from '../fake-figma/plugin-run';

let doc: FakeDocument;
let fake: FakeFigma;
const RED = solidPng(40, 30, [255, 0, 0]);
const BLUE = solidPng(20, 20, [0, 0, 255]);
const scene = (node: FakeNode) => node as unknown as SceneNode;
const frozenCopy = (node: FakeNode) => JSON.stringify(node.fills);
const RECIPE = prepareRecipe({ version: 2, edits: [{ kind: 'global', target: 'smiling face', neutral: 'face', alpha: 4.1, beta: 0.15 }], latent: null, packId: 'demo', faceIndex: 0, sourceNodeId: '1:1' });

beforeEach(() => {
  doc = newDocument();
  fake = new FakeFigma(doc);
  vi.stubGlobal('figma', fake.api);
});
afterEach(() => vi.unstubAllGlobals());

describe('plugin/target-image.ts', () => {
  it('returns the stored file bytes and their pixel size for an image fill', async () => {
    const photo = doc.createImageLayer({ bytes: RED, name: 'Photo', width: 400, height: 300 });
    const image = await readTargetImageAsync({ node: scene(photo), source: 'fill' });
    expect(image.width).toBe(40);
    expect(image.height).toBe(30);
    expect(Buffer.from(image.bytes).equals(Buffer.from(RED))).toBe(true);
  });

  it('renders a frame at 2× and keeps the longest side ≤ 4096 px', async () => {
    expect(exportScale(200, 100)).toBe(2);
    expect(exportScale(3000, 1000)).toBeCloseTo(4096 / 3000, 12);
    const small = doc.create('FRAME', { name: 'Small', x: 50, y: 60, width: 20, height: 10 });
    small.fills = [{ type: 'SOLID', color: { r: 0, g: 1, b: 0 } }];
    doc.createImageLayer({ bytes: BLUE, name: 'Blue', parent: small, x: 10, y: 0, width: 10, height: 10 });
    const image = await readTargetImageAsync({ node: scene(small), source: 'export' });
    expect([image.width, image.height]).toEqual([40, 20]);
    const png = PNG.sync.read(Buffer.from(image.bytes));
    const pixel = (x: number, y: number) => [...png.data.subarray((y * 40 + x) * 4, (y * 40 + x) * 4 + 4)];
    expect(pixel(5, 5)).toEqual([0, 255, 0, 255]); // frame background
    expect(pixel(30, 15)).toEqual([0, 0, 255, 255]); // the image child at x = 10..20 (×2)
    const big = doc.create('FRAME', { name: 'Big', width: 3000, height: 1000 });
    const bigImage = await readTargetImageAsync({ node: scene(big), source: 'export' });
    expect([bigImage.width, bigImage.height]).toEqual([4096, 1365]);
  });
});

describe('plugin/place-result.ts', () => {
  it('moves right past every sibling the result would overlap', () => {
    const anchor = { x: 0, y: 0, width: 100, height: 100 };
    expect(placeRightOf(anchor, 0, anchor, [])).toEqual({ x: 100 + RESULT_GAP, y: 0, width: 100, height: 100 });
    const siblings = [{ x: 150, y: 50, width: 50, height: 50 }, { x: 230, y: 0, width: 30, height: 30 }, { x: 400, y: 200, width: 10, height: 10 }];
    expect(placeRightOf(anchor, 0, anchor, siblings)).toEqual({ x: 300, y: 0, width: 100, height: 100 });
  });

  it('adds a same-size image layer right of the original, in the same parent, and leaves the original untouched', () => {
    const frame = doc.create('FRAME', { name: 'Board', width: 1000, height: 600 });
    const photo = doc.createImageLayer({ bytes: RED, name: 'Photo', parent: frame, x: 10, y: 20, width: 100, height: 80 });
    const note = doc.create('TEXT', { name: 'Note', parent: frame, x: 160, y: 40, width: 60, height: 20 });
    doc.create('TEXT', { name: 'Far', parent: frame, x: 500, y: 500 });
    const before = { fills: photo.fills, json: frozenCopy(photo), x: photo.x, y: photo.y, width: photo.width, name: photo.name, data: photo.getPluginDataKeys() };
    const result = createResultLayer(scene(photo), BLUE, 'Photo · smiling face', RECIPE) as unknown as FakeNode;
    expect(result.parent).toBe(frame);
    expect(frame.children.map((c) => c.name)).toEqual(['Photo', 'Photo · smiling face', 'Note', 'Far']);
    expect({ x: result.x, y: result.y, width: result.width, height: result.height }).toEqual({ x: note.x + note.width + RESULT_GAP, y: 20, width: 100, height: 80 });
    expect(result.fills).toEqual([{ type: 'IMAGE', imageHash: fake.api.createImage(BLUE).hash, scaleMode: 'FILL' }]);
    expect(photo.fills).toBe(before.fills);
    expect({ json: frozenCopy(photo), x: photo.x, y: photo.y, width: photo.width, name: photo.name, data: photo.getPluginDataKeys() }).toEqual({ ...before, fills: undefined, json: before.json, data: [] });
  });

  it('puts the result beside an auto-layout frame, so the frame and its flow do not change', () => {
    const row = doc.create('FRAME', { name: 'Row', x: 500, y: 100 });
    row.layoutMode = 'HORIZONTAL';
    row.padding = 10;
    row.itemSpacing = 20;
    doc.createImageLayer({ bytes: RED, name: 'A', parent: row, width: 100, height: 100 });
    const b = doc.createImageLayer({ bytes: RED, name: 'B', parent: row, width: 120, height: 100 });
    expect([row.width, row.height, b.x, b.y]).toEqual([10 + 100 + 20 + 120 + 10, 120, 130, 10]);
    const result = createResultLayer(scene(b), BLUE, 'B · old face', RECIPE) as unknown as FakeNode;
    expect(result.parent).toBe(doc.page);
    expect({ x: result.x, y: result.y, width: result.width, height: result.height }).toEqual({ x: 500 + 260 + RESULT_GAP, y: 100 + 10, width: 120, height: 100 });
    expect([row.children.length, row.width, b.x]).toEqual([2, 260, 130]);
  });

  it('refuses an edited image over 4096 px with Figma\'s message and adds no layer', () => {
    const photo = doc.createImageLayer({ bytes: RED, name: 'Photo' });
    expect(() => createResultLayer(scene(photo), solidPng(4097, 1, [0, 0, 0]), 'x', RECIPE)).toThrow('Image is too large');
    expect(doc.page.children.map((c) => c.name)).toEqual(['Photo']);
  });

  it('writes the recipe with the layer, so a result never exists without one', () => {
    const photo = doc.createImageLayer({ bytes: RED, name: 'Photo' });
    const result = createResultLayer(scene(photo), BLUE, 'Photo · smiling face', RECIPE) as unknown as FakeNode;
    expect(JSON.parse(result.getPluginData(RECIPE_KEY))).toEqual(RECIPE.recipe);
    expect(result.getRelaunchData()).toEqual({ 'edit-again': RECIPE.relaunch });
  });

  it('puts the result beside an instance, which takes no new children, and leaves the instance as it was', () => {
    const card = doc.create('INSTANCE', { name: 'Card', x: 100, y: 50, width: 200, height: 200 });
    const inner = doc.create('FRAME', { name: 'Inner', parent: card, x: 10, y: 10, width: 150, height: 150 });
    const photo = doc.createImageLayer({ bytes: RED, name: 'Photo', parent: inner, x: 5, y: 5, width: 100, height: 100 });
    expect(() => inner.appendChild(doc.create('RECTANGLE', { name: 'Probe' }))).toThrow(/inside of an instance/);
    const result = createResultLayer(scene(photo), BLUE, 'Photo · smiling face', RECIPE) as unknown as FakeNode;
    expect(result.parent).toBe(doc.page);
    expect({ x: result.x, y: result.y, width: result.width, height: result.height }).toEqual({ x: 100 + 200 + RESULT_GAP, y: 50 + 10 + 5, width: 100, height: 100 });
    expect(card.findAll().map((n) => n.name)).toEqual(['Inner', 'Photo']);
  });

  it('puts the result inside a clipping frame only where the frame shows it whole, else beside the frame', async () => {
    const card = doc.create('FRAME', { name: 'Card', x: 300, y: 100, width: 200, height: 200 });
    expect(card.clipsContent).toBe(true); // Figma's default for a new frame
    const face = doc.createImageLayer({ bytes: RED, name: 'Face', parent: card, x: 20, y: 20, width: 160, height: 160 });
    const beside = createResultLayer(scene(face), BLUE, 'Face · smiling face', RECIPE) as unknown as FakeNode;
    // Right of the face (x = 220) would be cut off by the card: the result goes right of the card, at the face's height.
    expect([beside.parent, beside.x, beside.y, beside.width, beside.height]).toEqual([doc.page, 300 + 200 + RESULT_GAP, 100 + 20, 160, 160]);
    expect(card.children).toEqual([face]);

    const board = doc.create('FRAME', { name: 'Board', x: 0, y: 400, width: 600, height: 200 });
    const group = doc.create('GROUP', { name: 'Group', parent: board });
    const photo = doc.createImageLayer({ bytes: RED, name: 'Photo', parent: group, x: 10, y: 30, width: 100, height: 100 });
    const inside = createResultLayer(scene(photo), BLUE, 'Photo · smiling face', RECIPE) as unknown as FakeNode;
    expect([inside.parent, inside.x, inside.y]).toEqual([group, 10 + 100 + RESULT_GAP, 30]);
    expect(fullyVisibleIn(scene(group) as unknown as BaseNode, inside)).toBe(true);
    // Drawn whole: the board's render shows the result's blue across its box.
    const render = PNG.sync.read(Buffer.from(await board.exportAsync({ format: 'PNG' })));
    const pixel = (x: number, y: number) => [...render.data.subarray((y * 600 + x) * 4, (y * 600 + x) * 4 + 3)];
    expect([pixel(151, 31), pixel(249, 129), pixel(60, 80)]).toEqual([[0, 0, 255], [0, 0, 255], [255, 0, 0]]);

    card.clipsContent = false; // a frame that does not clip shows the spot right of the face
    const unclipped = createResultLayer(scene(face), BLUE, 'Face · old face', RECIPE) as unknown as FakeNode;
    expect([unclipped.parent, unclipped.x, unclipped.y]).toEqual([card, 20 + 160 + RESULT_GAP, 20]);
  });

  it('replaces only the image the result shows, keeping its crop and other fills, and rolls back on a failure', () => {
    const photo = doc.createImageLayer({ bytes: RED, name: 'Photo' });
    const redHash = (photo.fills[0] as ImagePaint).imageHash!;
    const backdrop: SolidPaint = { type: 'SOLID', color: { r: 0, g: 1, b: 0 } };
    photo.fills = [backdrop, { type: 'IMAGE', imageHash: redHash, scaleMode: 'CROP', imageTransform: [[0.5, 0, 0.25], [0, 0.5, 0.25]] }];
    replaceResultImage(scene(photo), BLUE, 'Photo · smiling face', RECIPE);
    const blueHash = fake.api.createImage(BLUE).hash;
    expect(photo.fills).toEqual([backdrop, { type: 'IMAGE', imageHash: blueHash, scaleMode: 'CROP', imageTransform: [[0.5, 0, 0.25], [0, 0.5, 0.25]] }]);
    const before = { fills: photo.fills, name: photo.name, recipe: photo.getPluginData(RECIPE_KEY) };
    const huge = { ...RECIPE, relaunch: 'x'.repeat(1001) }; // Figma refuses a relaunch description over 1000 characters
    expect(() => replaceResultImage(scene(photo), RED, 'Photo · other', huge)).toThrow(/longer than 1000/);
    expect({ fills: photo.fills, name: photo.name, recipe: photo.getPluginData(RECIPE_KEY) }).toEqual(before);
  });

  it('keeps fills arrays frozen, as Figma does', () => {
    const photo = doc.createImageLayer({ bytes: RED, name: 'Photo' });
    expect(() => (photo.fills as Paint[]).push({ type: 'SOLID', color: { r: 0, g: 0, b: 0 } })).toThrow(TypeError);
  });
});
