/// <reference types="@figma/plugin-typings" />
// Batch edit against the fake Figma API: message order, n of m progress, cancel after the item in flight,
// the per-item error list, a yield between items, results as frame copies beside their frames, results in
// the selection skipped, and originals left as they were.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { batchNotice, startBatch } from '../../plugin/batch';
import type { EditRecipe, ToPlugin, ToUi } from '../../plugin/protocol';
import type { Target } from '../../plugin/selection';
import { FakeFigma } from '../fake-figma/fake-figma';
import { FakeNode } from '../fake-figma/fake-nodes';
import { RECIPE_KEY, RESULT_OF_KEY } from '../../plugin/recipe';
import { newDocument, settleAsync, solidPng, startPluginAsync } from '../fake-figma/plugin-run';

const EDIT: EditRecipe = { edits: [{ kind: 'global', target: 'old face', neutral: 'face', alpha: 3, beta: 0.12 }], latent: null, packId: 'golden-tiny', faceIndex: 0 };
const EDITED = solidPng(16, 16, [0, 128, 0]);
afterEach(() => vi.unstubAllGlobals());

function fiveFrames() {
  const doc = newDocument();
  const frames = [0, 1, 2, 3, 4].map((i) => {
    const frame = doc.create('FRAME', { name: `Frame ${i + 1}`, x: i * 1000, y: 0, width: 300, height: 300 });
    doc.createImageLayer({ bytes: solidPng(16, 16, [i * 40, 50, 60]), name: `Face ${i + 1}`, parent: frame, x: 10, y: 10, width: 100, height: 100 });
    return frame;
  });
  return { doc, frames };
}

/** Plays the panel: answers each TARGET_IMAGE with APPLY_RESULT (or ITEM_FAILED), optionally cancelling first. */
function playPanel(figma: FakeFigma, { cancelAtIndex = -1, failIndex = -1 }: { cancelAtIndex?: number; failIndex?: number }) {
  const seen: ToUi[] = [];
  let answered = 0;
  const pump = async () => {
    while (answered < figma.toUi.length) {
      const message = figma.toUi[answered++] as ToUi;
      if (message.type === 'SELECTION_CHANGED') continue; // the results being selected at the end
      seen.push(message);
      if (message.type !== 'TARGET_IMAGE') continue;
      if (message.index === cancelAtIndex) figma.fromUi({ type: 'CANCEL_BATCH', requestId: message.requestId } satisfies ToPlugin);
      const reply: ToPlugin = message.index === failIndex
        ? { type: 'ITEM_FAILED', requestId: message.requestId, index: message.index, nodeId: message.nodeId, message: 'No face found in the image.' }
        : { type: 'APPLY_RESULT', requestId: message.requestId, index: message.index, nodeId: message.nodeId, bytes: EDITED, width: 16, height: 16, recipe: EDIT };
      figma.fromUi(reply);
    }
  };
  return { seen, pumpAsync: async () => { for (let i = 0; i < 40; i++) { await pump(); await settleAsync(1); } } };
}

const summary = (message: ToUi) => message.type === 'TARGET_IMAGE' ? `TARGET ${message.index + 1}/${message.total}` : message.type === 'BATCH_PROGRESS' ? `PROGRESS ${message.done}/${message.total}` : message.type;

describe('plugin/batch.ts through the panel session', () => {
  it('edits every image of 5 selected frames in order, reporting n of m', async () => {
    const { doc, frames } = fiveFrames();
    doc.selection = frames;
    const figma = await startPluginAsync(doc);
    figma.run('batch-edit');
    await settleAsync();
    const panel = playPanel(figma, {});
    figma.fromUi({ type: 'START_BATCH', requestId: 'b1' } satisfies ToPlugin);
    await panel.pumpAsync();
    expect(panel.seen.map(summary)).toEqual([1, 2, 3, 4, 5].flatMap((n) => [`TARGET ${n}/5`, 'RESULT_APPLIED', `PROGRESS ${n}/5`]).concat('BATCH_DONE'));
    const done = panel.seen.at(-1) as Extract<ToUi, { type: 'BATCH_DONE' }>;
    expect(done).toMatchObject({ requestId: 'b1', completed: 5, total: 5, cancelled: false, errors: [] });
    // The originals keep their one image; each result is a copy of its frame, 40 px right of it, on the page.
    expect(frames.map((frame) => frame.children.map((c) => c.name))).toEqual([1, 2, 3, 4, 5].map((n) => [`Face ${n}`]));
    const copies = done.resultNodeIds.map((id) => doc.node(id)!);
    expect(copies.map((copy) => [copy.name, copy.parent, copy.x, copy.y, copy.width, copy.height, copy.getPluginData(RESULT_OF_KEY)]))
      .toEqual(frames.map((frame, i) => [`Frame ${i + 1} · old face`, doc.page, i * 1000 + 300 + 40, 0, 300, 300, frame.id]));
    expect(copies.map((copy) => copy.children.map((c) => [c.name, c.x, c.y, c.width, c.height, (c.fills[0] as ImagePaint).imageHash]))).toEqual(
      [1, 2, 3, 4, 5].map((n) => [[`Face ${n} · old face`, 10, 10, 100, 100, figma.api.createImage(EDITED).hash]]));
    expect(JSON.parse(copies[0]!.children[0]!.getPluginData(RECIPE_KEY))).toEqual({ version: 2, ...EDIT, sourceNodeId: frames[0]!.children[0]!.id });
    expect(figma.notifications).toEqual([{ message: '5 of 5 images edited', error: false }]);
    expect(figma.api.currentPage.selection.map((node) => node.id)).toEqual(done.resultNodeIds);
  });

  it('stops after the item in flight when cancelled during item 2, and keeps both results', async () => {
    const { doc, frames } = fiveFrames();
    doc.selection = frames;
    const figma = await startPluginAsync(doc);
    figma.run('batch-edit');
    await settleAsync();
    const panel = playPanel(figma, { cancelAtIndex: 1 });
    figma.fromUi({ type: 'START_BATCH', requestId: 'b2' } satisfies ToPlugin);
    await panel.pumpAsync();
    expect(panel.seen.map(summary)).toEqual(['TARGET 1/5', 'RESULT_APPLIED', 'PROGRESS 1/5', 'TARGET 2/5', 'RESULT_APPLIED', 'PROGRESS 2/5', 'BATCH_DONE']);
    expect(panel.seen.at(-1)).toMatchObject({ completed: 2, total: 5, cancelled: true, errors: [] });
    expect(frames.map((frame) => frame.children.length)).toEqual([1, 1, 1, 1, 1]);
    expect(doc.page.children.map((node) => node.name)).toEqual(['Frame 1', 'Frame 1 · old face', 'Frame 2', 'Frame 2 · old face', 'Frame 3', 'Frame 4', 'Frame 5']);
    expect(figma.notifications).toEqual([{ message: 'Batch cancelled: 2 of 5 images edited, results kept', error: false }]);
  });

  it('lists a failed item at the end and carries on with the rest', async () => {
    const { doc, frames } = fiveFrames();
    doc.selection = frames;
    const figma = await startPluginAsync(doc);
    figma.run('batch-edit');
    await settleAsync();
    const panel = playPanel(figma, { failIndex: 2 });
    figma.fromUi({ type: 'START_BATCH', requestId: 'b3' } satisfies ToPlugin);
    await panel.pumpAsync();
    const face3 = frames[2]!.children[0]!;
    expect(panel.seen.at(-1)).toMatchObject({ completed: 4, total: 5, cancelled: false, errors: [{ nodeId: face3.id, name: 'Face 3', message: 'No face found in the image.' }] });
    expect(panel.seen.filter((m) => m.type === 'BATCH_PROGRESS').map((m) => (m as { failed: number }).failed)).toEqual([0, 0, 1, 1, 1]);
    expect(figma.notifications.at(-1)).toEqual({ message: '4 of 5 images edited, 1 failed (Face 3: No face found in the image.)', error: false });
  });
});

describe('batch results: frame copies beside their frames', () => {
  const runBatchAsync = async (figma: FakeFigma, requestId: string, options: { failIndex?: number } = {}) => {
    const panel = playPanel(figma, options);
    figma.fromUi({ type: 'START_BATCH', requestId } satisfies ToPlugin);
    await panel.pumpAsync();
    return panel.seen.at(-1) as Extract<ToUi, { type: 'BATCH_DONE' }>;
  };

  it('skips results in the selection, so a second batch edits the originals again and never an edit', async () => {
    const { doc, frames } = fiveFrames();
    doc.selection = frames;
    const first = await startPluginAsync(doc);
    first.run('batch-edit');
    await settleAsync();
    const done = await runBatchAsync(first, 'b1');
    const copies = done.resultNodeIds.map((id) => doc.node(id)!);
    doc.selection = [...frames, ...copies];
    const second = await startPluginAsync(doc);
    second.run('batch-edit');
    await settleAsync();
    second.fromUi({ type: 'UI_READY' } satisfies ToPlugin);
    await settleAsync();
    const shown = second.toUi[0] as Extract<ToUi, { type: 'SHOW_COMMAND' }>;
    expect(shown.selection.targets.map((t) => t.name)).toEqual(['Face 1', 'Face 2', 'Face 3', 'Face 4', 'Face 5']);
    expect(shown.selection.skipped.map((s) => [s.name, s.reason])).toEqual(copies.map((copy) => [copy.name, 'a facetext result']));
    const again = await runBatchAsync(second, 'b2');
    expect(again).toMatchObject({ completed: 5, total: 5, errors: [] });
    expect(second.notifications).toEqual([{ message: '5 of 5 images edited; 5 facetext results skipped (Edit again changes a result)', error: false }]);
    // The first copies are untouched (same image); the new ones go right of them.
    expect(copies.map((copy) => (copy.children[0]!.fills[0] as ImagePaint).imageHash)).toEqual(copies.map(() => first.api.createImage(EDITED).hash));
    expect(again.resultNodeIds.map((id) => doc.node(id)!.x)).toEqual(frames.map((_, i) => i * 1000 + 340 + 300 + 40));
    expect(frames.map((frame) => frame.children.map((c) => c.name))).toEqual([1, 2, 3, 4, 5].map((n) => [`Face ${n}`]));
  });

  it('puts every edited image of one frame into one copy, and keeps the copy visible beside a clipping board', async () => {
    const doc = newDocument();
    const board = doc.create('FRAME', { name: 'Board', x: 100, y: 50, width: 400, height: 300 });
    const card = doc.create('FRAME', { name: 'Card', parent: board, x: 20, y: 20, width: 360, height: 200 });
    card.fills = [{ type: 'SOLID', color: { r: 1, g: 1, b: 1 } }];
    doc.createImageLayer({ bytes: solidPng(8, 8, [1, 2, 3]), name: 'Ann', parent: card, x: 10, y: 10, width: 100, height: 100 });
    doc.createImageLayer({ bytes: solidPng(8, 8, [4, 5, 6]), name: 'Bob', parent: card, x: 200, y: 10, width: 100, height: 100 });
    expect([board.clipsContent, card.clipsContent]).toEqual([true, true]);
    doc.selection = [card];
    const figma = await startPluginAsync(doc);
    figma.run('batch-edit');
    await settleAsync();
    const done = await runBatchAsync(figma, 'b1');
    expect(done).toMatchObject({ completed: 2, total: 2, errors: [] });
    expect(done.resultNodeIds).toHaveLength(1);
    const copy = doc.node(done.resultNodeIds[0]!)!;
    // No room right of the card inside the board (the board clips), so the copy goes beside the board.
    expect([copy.name, copy.parent, copy.x, copy.y, copy.width, copy.height]).toEqual(['Card · old face', doc.page, 100 + 400 + 40, 50 + 20, 360, 200]);
    expect(copy.children.map((c) => c.name)).toEqual(['Ann · old face', 'Bob · old face']);
    expect(board.children).toEqual([card]);
    expect(card.children.map((c) => c.name)).toEqual(['Ann', 'Bob']);
    const png = await copy.exportAsync({ format: 'PNG' });
    const pixel = await figma.document.codec.decodeAsync(png);
    const at = (x: number, y: number) => [...pixel.data.subarray((y * 360 + x) * 4, (y * 360 + x) * 4 + 3)];
    expect([at(60, 60), at(250, 60), at(150, 150)]).toEqual([[0, 128, 0], [0, 128, 0], [255, 255, 255]]);
  });

  it('opens Edit again on a frame copy with its edited layer, and updates that layer in place', async () => {
    const { doc, frames } = fiveFrames();
    doc.selection = [frames[0]!];
    const first = await startPluginAsync(doc);
    first.run('batch-edit');
    await settleAsync();
    const copy = doc.node((await runBatchAsync(first, 'b1')).resultNodeIds[0]!)!;
    const layer = copy.children[0]!;
    expect(copy.getRelaunchData()).toEqual(layer.getRelaunchData());
    doc.selection = [copy];
    const again = await startPluginAsync(doc);
    again.run('edit-again');
    await settleAsync();
    again.fromUi({ type: 'UI_READY' } satisfies ToPlugin);
    await settleAsync();
    const original = frames[0]!.children[0]!;
    expect(again.toUi[0]).toMatchObject({ type: 'SHOW_COMMAND', command: 'edit-again', resultNodeId: layer.id, selection: { targets: [{ nodeId: original.id }] }, error: null });
    again.fromUi({ type: 'REQUEST_TARGET', requestId: 'a1', index: 0 } satisfies ToPlugin);
    await settleAsync();
    const tweaked = solidPng(16, 16, [250, 0, 0]);
    again.fromUi({ type: 'APPLY_RESULT', requestId: 'a1', index: 0, nodeId: original.id, bytes: tweaked, width: 16, height: 16, recipe: { ...EDIT, edits: [{ kind: 'global', target: 'old face', neutral: 'face', alpha: 6, beta: 0.12 }] } } satisfies ToPlugin);
    await settleAsync();
    expect(again.toUi.at(-1)).toMatchObject({ type: 'RESULT_APPLIED', resultNodeId: layer.id, added: false });
    expect([copy.children.length, (layer.fills[0] as ImagePaint).imageHash, JSON.parse(layer.getPluginData(RECIPE_KEY)).edits[0].alpha]).toEqual([1, again.api.createImage(tweaked).hash, 6]);
    expect(doc.page.children.map((node) => node.name)).toEqual(['Frame 1', 'Frame 1 · old face', 'Frame 2', 'Frame 3', 'Frame 4', 'Frame 5']);
  });

  it('asks which photo when Edit again is clicked on a frame copy that holds two edited photos', async () => {
    const doc = newDocument();
    const card = doc.create('FRAME', { name: 'Card', width: 300, height: 120 });
    doc.createImageLayer({ bytes: solidPng(8, 8, [1, 2, 3]), name: 'Ann', parent: card, x: 10, y: 10 });
    doc.createImageLayer({ bytes: solidPng(8, 8, [4, 5, 6]), name: 'Bob', parent: card, x: 150, y: 10 });
    doc.selection = [card];
    const first = await startPluginAsync(doc);
    first.run('batch-edit');
    await settleAsync();
    const copy = doc.node((await runBatchAsync(first, 'b1')).resultNodeIds[0]!)!;
    doc.selection = [copy];
    const again = await startPluginAsync(doc);
    again.run('edit-again');
    await settleAsync();
    const error = '“Card · old face” holds 2 edited photos: select the one to change inside it, then click Edit again.';
    expect(again.notifications).toEqual([{ message: error, error: true }]);
    again.fromUi({ type: 'UI_READY' } satisfies ToPlugin);
    await settleAsync();
    expect(again.toUi[0]).toMatchObject({ type: 'SHOW_COMMAND', command: 'edit-again', recipe: null, error });
  });

  it('leaves nothing behind when writing a copy fails part-way, and reports the item as failed', async () => {
    const { doc, frames } = fiveFrames();
    doc.selection = frames.slice(0, 2);
    const figma = await startPluginAsync(doc);
    figma.run('batch-edit');
    await settleAsync();
    const layersBefore = doc.page.findAll().length;
    // The last step of the first item fails: the relaunch button of the replaced layer (after the copy's own).
    const setRelaunchData = FakeNode.prototype.setRelaunchData;
    let calls = 0;
    const relaunch = vi.spyOn(FakeNode.prototype, 'setRelaunchData').mockImplementation(function (this: FakeNode, data) {
      calls += 1;
      if (calls === 2) throw new Error('in setRelaunchData: injected failure');
      setRelaunchData.call(this, data);
    });
    const done = await runBatchAsync(figma, 'b1');
    relaunch.mockRestore();
    expect(calls).toBe(5); // copy + layer for each item, and the failed layer put back as it was
    expect(done).toMatchObject({ completed: 1, total: 2, errors: [{ name: 'Face 1', message: 'in setRelaunchData: injected failure' }] });
    expect(doc.page.children.map((node) => node.name)).toEqual(['Frame 1', 'Frame 2', 'Frame 2 · old face', 'Frame 3', 'Frame 4', 'Frame 5']);
    expect(doc.page.findAll().length).toBe(layersBefore + 2);
  });
});

describe('plugin/batch.ts startBatch', () => {
  it('yields to Figma between items and ignores replies for other items', async () => {
    const doc = newDocument();
    const fake = new FakeFigma(doc);
    vi.stubGlobal('figma', fake.api);
    const images: FakeNode[] = [0, 1, 2].map((i) => doc.createImageLayer({ bytes: solidPng(4, 4, [i, i, i]), name: `P${i}` }));
    const events: string[] = [];
    const batch = startBatch({
      requestId: 'q',
      targets: images.map((node) => ({ node, source: 'fill' }) as unknown as Target),
      post: (message) => {
        events.push(summary(message));
        if (message.type === 'TARGET_IMAGE') {
          queueMicrotask(() => {
            batch.receive({ type: 'ITEM_FAILED', requestId: 'other', index: message.index, nodeId: message.nodeId, message: 'not mine' });
            batch.receive({ type: 'APPLY_RESULT', requestId: 'q', index: message.index, nodeId: message.nodeId, bytes: EDITED, width: 16, height: 16, recipe: EDIT });
          });
        }
      },
      applyAsync: async (target) => ({ result: { id: `r-${target.node.id}`, name: 'r' } as SceneNode, added: true }),
      yieldAsync: async () => void events.push('YIELD'),
    });
    const done = await batch.done;
    expect(events).toEqual(['TARGET 1/3', 'RESULT_APPLIED', 'PROGRESS 1/3', 'YIELD', 'TARGET 2/3', 'RESULT_APPLIED', 'PROGRESS 2/3', 'YIELD', 'TARGET 3/3', 'RESULT_APPLIED', 'PROGRESS 3/3', 'YIELD', 'BATCH_DONE']);
    expect(done.errors).toEqual([]);
    expect(batchNotice({ completed: 0, total: 1, cancelled: false, errors: [{ nodeId: '1', name: 'A', message: 'm' }] })).toBe('0 of 1 image edited, 1 failed (A: m)');
  });
});
