/// <reference types="@figma/plugin-typings" />
// Batch edit against the fake Figma API: message order, n of m progress, cancel after the item in flight,
// the per-item error list, a yield between items, and originals left as they were.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { batchNotice, startBatch } from '../../plugin/batch';
import type { EditRecipe, ToPlugin, ToUi } from '../../plugin/protocol';
import type { Target } from '../../plugin/selection';
import { FakeFigma } from '../fake-figma/fake-figma';
import type { FakeNode } from '../fake-figma/fake-nodes';
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
    expect(frames.map((frame) => frame.children.map((c) => c.name))).toEqual([1, 2, 3, 4, 5].map((n) => [`Face ${n}`, `Face ${n} · old face`]));
    expect(frames.map((frame) => [frame.children[1]!.x, frame.children[1]!.y])).toEqual(frames.map(() => [150, 10]));
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
    expect(frames.map((frame) => frame.children.length)).toEqual([2, 2, 1, 1, 1]);
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
