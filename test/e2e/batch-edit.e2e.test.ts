// User story: "Batch edit selected frames…" over five portrait frames, cancelled after two – the built
// plugin in the host simulator streams one image per message, puts each result in a copy of its frame beside
// the frames (drawn whole, although frames clip), stops after the item in flight and keeps what was done;
// a second batch over originals and results edits the originals and skips the results. (The panel is played by the page; see the panel-driven
// flows for the real one.)
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPlaygroundAsync, type Playground } from '../helpers/figma-host';

const RECIPE = { edits: [{ kind: 'global', target: 'old face', neutral: 'face', alpha: 3, beta: 0.12 }], latent: null, packId: 'golden-tiny', faceIndex: 0 };
const FRAMES = ['Portrait 1', 'Portrait 2', 'Portrait 3', 'Portrait 4', 'Portrait 5'];
let playground: Playground;
beforeAll(async () => {
  playground = await openPlaygroundAsync();
}, 120_000);
afterAll(() => playground?.close());

describe('batch edit in the host simulator', () => {
  it('edits 2 of 5 frames when cancelled during the second, in order, and keeps both results', async () => {
    const { page } = playground;
    const started = await page.evaluate(async ({ frames, recipe }) => {
      const host = window.facetextHost;
      const before = host.layers();
      const digests = await host.imageDigestsAsync();
      host.select(frames);
      await host.launchAsync('batch-edit', undefined, { panel: false });
      host.fromUi({ type: 'UI_READY' });
      host.fromUi({ type: 'START_BATCH', requestId: 'b1' });
      const done = await host.playPanelAsync({ requestId: 'b1', recipe, until: ['BATCH_DONE', 'NOTHING_SELECTED'], cancelAtIndex: 1 });
      return { before, digests, done };
    }, { frames: FRAMES, recipe: RECIPE });
    // After BATCH_DONE the plugin notifies, then selects the results it made: wait until they are selected.
    const resultIds = (started.done as { resultNodeIds?: string[] }).resultNodeIds ?? [];
    await page.waitForFunction((ids) => ids.every((id) => window.facetextHost.doc.selection.some((node) => node.id === id)), resultIds, { timeout: 30_000 });
    const run = {
      ...started,
      ...(await page.evaluate(async () => {
        const host = window.facetextHost;
        return { after: host.layers(), digestsAfter: await host.imageDigestsAsync(), toUi: host.toUi(), notifications: host.notifications(), selection: host.doc.selection.map((n) => n.name) };
      })),
    };

    const sequence = run.toUi.map((m) => {
      const message = m as { type: string; index?: number; total?: number; done?: number };
      return message.type === 'TARGET_IMAGE' ? `TARGET ${message.index! + 1}/${message.total}` : message.type === 'BATCH_PROGRESS' ? `PROGRESS ${message.done}/${message.total}` : message.type;
    }).filter((type) => type !== 'SELECTION_CHANGED');
    expect(sequence).toEqual(['SHOW_COMMAND', 'TARGET 1/5', 'RESULT_APPLIED', 'PROGRESS 1/5', 'TARGET 2/5', 'RESULT_APPLIED', 'PROGRESS 2/5', 'BATCH_DONE']);
    expect(run.toUi.filter((m) => (m as { type: string }).type === 'TARGET_IMAGE')).toEqual([1, 2].map((n) => expect.objectContaining({ name: `Face ${n}`, width: 256, height: 256, source: 'fill', byteLength: 120_518 })));
    expect(run.done).toMatchObject({ type: 'BATCH_DONE', completed: 2, total: 5, cancelled: true, errors: [] });
    expect(run.notifications).toEqual([{ message: 'Batch cancelled: 2 of 5 images edited, results kept', error: false }]);
    expect(run.selection).toEqual(['Portrait 1 · old face', 'Portrait 2 · old face']);

    // Each result is a copy of its portrait frame, right of the row of frames (the first free spot 40 px right
    // of its frame), with the face's fill replaced; every added layer is drawn whole although frames clip.
    const added = run.after.filter((layer) => !run.before.some((b) => b.id === layer.id));
    const byId = (id: string | null) => run.after.find((l) => l.id === id);
    const pageId = run.after.find((l) => l.name === 'Portrait 1')!.parent;
    expect(added.map((l) => [l.name, l.parent === pageId ? 'page' : byId(l.parent)!.name, l.x, l.y, l.width, l.height])).toEqual([
      ['Portrait 1 · old face', 'page', 880 + 200 + 40, 400, 200, 200], ['Face 1 · old face', 'Portrait 1 · old face', 20, 20, 160, 160],
      ['Portrait 2 · old face', 'page', 1120 + 200 + 40, 400, 200, 200], ['Face 2 · old face', 'Portrait 2 · old face', 20, 20, 160, 160],
    ]);
    const pageBox = (l: (typeof added)[number]) => (l.parent === pageId ? { x: l.x, y: l.y } : { x: byId(l.parent)!.x + l.x, y: byId(l.parent)!.y + l.y });
    for (const layer of added) expect(layer.drawn, layer.name).toEqual({ ...pageBox(layer), width: layer.width, height: layer.height });
    expect(run.before.find((l) => l.name === 'Face 1')!.clipsContent).toBe(false);
    expect(run.before.find((l) => l.name === 'Portrait 1')!.clipsContent).toBe(true);
    for (const n of [1, 2]) {
      const copy = added.find((l) => l.name === `Portrait ${n} · old face`)!;
      const layer = added.find((l) => l.name === `Face ${n} · old face`)!;
      expect(copy.pluginData).toEqual({ resultOf: run.after.find((l) => l.name === `Portrait ${n}`)!.id });
      expect(JSON.parse(layer.pluginData.recipe!)).toEqual({ version: 2, ...RECIPE, sourceNodeId: run.after.find((l) => l.name === `Face ${n}`)!.id });
      for (const tagged of [copy, layer]) expect(tagged.relaunch).toEqual({ 'edit-again': 'Tweak “old face” (α 3, β 0.12)' });
    }
    // Originals: same layers, same places, same image bytes.
    expect(run.after.filter((layer) => run.before.some((b) => b.id === layer.id))).toEqual(run.before);
    for (const [name, digest] of Object.entries(run.digests)) expect(run.digestsAfter[name], name).toBe(digest);
    expect(run.digestsAfter['Face 1 · old face']).not.toBe(run.digests['Face 1']);
  });

  it('skips the results when the batch runs again over originals and results', async () => {
    const { page } = playground;
    const run = await page.evaluate(async (recipe) => {
      const host = window.facetextHost;
      const before = host.layers().length;
      host.select(['Portrait 1', 'Portrait 1 · old face', 'Portrait 2', 'Portrait 2 · old face']);
      await host.launchAsync('batch-edit', undefined, { panel: false });
      host.fromUi({ type: 'UI_READY' });
      host.fromUi({ type: 'START_BATCH', requestId: 'b2' });
      const done = await host.playPanelAsync({ requestId: 'b2', recipe, until: ['BATCH_DONE', 'NOTHING_SELECTED'] });
      return { done, show: host.toUi()[0], added: host.layers().length - before, notifications: host.notifications() };
    }, RECIPE);
    expect((run.show as { selection: { targets: { name: string }[]; skipped: { name: string; reason: string }[] } }).selection).toMatchObject({
      targets: [{ name: 'Face 1' }, { name: 'Face 2' }],
      skipped: [{ name: 'Portrait 1 · old face', reason: 'a facetext result' }, { name: 'Portrait 2 · old face', reason: 'a facetext result' }],
    });
    expect(run.done).toMatchObject({ type: 'BATCH_DONE', completed: 2, total: 2, cancelled: false, errors: [] });
    expect(run.added).toBe(4); // two new copies with one image each; the earlier copies are left as they were
    expect(run.notifications[0]).toEqual({ message: '2 of 2 images edited; 2 facetext results skipped (Edit again changes a result)', error: false });
  });

  it('renders a frame without an image fill with exportAsync, as a PNG ≤ 4096 px', async () => {
    const { page } = playground;
    await page.evaluate(async () => {
      const host = window.facetextHost;
      host.doc.create('FRAME', { name: 'Empty card', x: 2000, y: 0, width: 300, height: 150 });
      host.select(['Empty card']);
      await host.launchAsync('edit-with-text', undefined, { panel: false });
      host.fromUi({ type: 'REQUEST_TARGET', requestId: 'e1', index: 0 });
    });
    // exportAsync renders asynchronously: wait for the reply to e1.
    const reply = await page.waitForFunction(() => window.facetextHost.toUi().find((m) => (m as { requestId?: string }).requestId === 'e1'), null, { timeout: 30_000 });
    const message = await reply.jsonValue();
    expect(message).toMatchObject({ type: 'TARGET_IMAGE', name: 'Empty card', source: 'export', width: 600, height: 300 });
  });
});
