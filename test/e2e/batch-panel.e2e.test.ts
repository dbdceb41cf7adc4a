// User story: "Batch edit selected frames…" over five portrait frames in the real panel (dist/ui.html in the
// host simulator), cancelled with the panel's Cancel button while the second image is in flight: two results,
// kept, each a copy of its frame beside the row of frames, and a summary. The host holds item 2's image from the
// panel until Cancel has reached the plugin, so "during item 2" is a condition, not a race with the engine.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { documentAsync, type Playground } from '../helpers/figma-host';
import { openPanelPlaygroundAsync, SLOW, clickInPanelAsync } from './panel-helpers';

const FRAMES = ['Portrait 1', 'Portrait 2', 'Portrait 3', 'Portrait 4', 'Portrait 5'];
let playground: Playground;
beforeAll(async () => {
  playground = await openPanelPlaygroundAsync();
}, 300_000);
afterAll(() => playground?.close());

describe('batch edit in the panel', () => {
  it('edits 2 of 5 frames when Cancel is clicked during the second and keeps both results', async () => {
    const { page } = playground;
    const before = await page.evaluate(async (frames) => {
      const host = window.facetextHost;
      const state = { layers: host.layers(), digests: await host.imageDigestsAsync() };
      host.select(frames);
      await host.launchAsync('batch-edit');
      return state;
    }, FRAMES);
    const frame = (await (await page.waitForSelector('#plugin')).contentFrame())!;
    await frame.waitForSelector('main[data-phase="ready"]', SLOW);
    await frame.fill('[data-testid="prompt-input"]', 'old face');
    expect(await frame.textContent('[data-testid="apply-button"]')).toBe('Apply to 5 images');
    await page.evaluate(() => window.facetextHost.holdBatchItem(1));
    await clickInPanelAsync(frame, '[data-testid="apply-button"]');

    // Item 2 in flight: the plugin has sent its image, which waits in the host until Cancel has arrived.
    await page.waitForFunction(() => window.facetextHost.heldForPanel() > 0, null, { timeout: 300_000, polling: 100 });
    await frame.waitForSelector('[data-testid="batch-progress"]:has-text("1 of 5")', SLOW);
    await clickInPanelAsync(frame, '[data-testid="cancel-button"]');
    await page.waitForFunction(() => window.facetextHost.fromUiLog.some((entry) => entry.startsWith('CANCEL_BATCH')), null, { timeout: 30_000, polling: 50 });
    await page.evaluate(() => window.facetextHost.releaseToPanel());
    await page.waitForFunction(() => window.facetextHost.toUi().some((m) => (m as { type: string }).type === 'BATCH_DONE'), null, { timeout: 300_000, polling: 250 });
    await frame.waitForSelector('[data-testid="cancel-button"]', { state: 'detached', ...SLOW });

    const after = { ...(await documentAsync(page)), ...(await page.evaluate(() => ({ toUi: window.facetextHost.toUi(), fromUi: [...window.facetextHost.fromUiLog], notifications: window.facetextHost.notifications() }))) };
    const batchId = (after.toUi.find((m) => (m as { type: string }).type === 'BATCH_DONE') as { requestId: string }).requestId;
    const sequence = after.toUi.filter((m) => (m as { requestId?: string }).requestId === batchId).map((m) => {
      const message = m as { type: string; index?: number; total?: number; done?: number };
      return message.type === 'TARGET_IMAGE' ? `TARGET ${message.index! + 1}/${message.total}` : message.type === 'BATCH_PROGRESS' ? `PROGRESS ${message.done}/${message.total}` : message.type;
    });
    expect(sequence).toEqual(['TARGET 1/5', 'RESULT_APPLIED', 'PROGRESS 1/5', 'TARGET 2/5', 'RESULT_APPLIED', 'PROGRESS 2/5', 'BATCH_DONE']);
    expect(after.fromUi.filter((entry) => entry.endsWith(batchId)).map((entry) => entry.split(' ')[0])).toEqual(['START_BATCH', 'APPLY_RESULT', 'CANCEL_BATCH', 'APPLY_RESULT']);
    expect(after.toUi.find((m) => (m as { type: string }).type === 'BATCH_DONE')).toMatchObject({ completed: 2, total: 5, cancelled: true, errors: [] });
    expect(after.notifications).toEqual([{ message: 'Batch cancelled: 2 of 5 images edited, results kept', error: false }]);
    expect(await frame.textContent('[data-testid="batch-progress"]')).toContain('2 of 5');

    const added = after.layers.filter((layer) => !before.layers.some((b) => b.id === layer.id));
    const face = (n: number) => after.layers.find((l) => l.name === `Face ${n}`)!;
    const copy = (n: number) => after.layers.find((l) => l.name === `Portrait ${n} · old face`)!;
    expect(added.map((l) => [l.name, l.parent, l.x, l.y, l.width, l.height, l.drawn])).toEqual([
      ['Portrait 1 · old face', after.layers.find((l) => l.name === 'Portrait 1')!.parent, 1120, 400, 200, 200, { x: 1120, y: 400, width: 200, height: 200 }],
      ['Face 1 · old face', copy(1).id, 20, 20, 160, 160, { x: 1140, y: 420, width: 160, height: 160 }],
      ['Portrait 2 · old face', after.layers.find((l) => l.name === 'Portrait 2')!.parent, 1360, 400, 200, 200, { x: 1360, y: 400, width: 200, height: 200 }],
      ['Face 2 · old face', copy(2).id, 20, 20, 160, 160, { x: 1380, y: 420, width: 160, height: 160 }],
    ]);
    for (const layer of added.filter((l) => l.name.startsWith('Face'))) expect(JSON.parse(layer.pluginData.recipe!)).toMatchObject({ version: 2, edits: [{ kind: 'global', target: 'old face', neutral: 'face', alpha: 4.1, beta: 0.15 }], packId: 'golden-tiny', faceIndex: 0, sourceNodeId: face(Number(layer.name[5])).id });
    expect(after.layers.filter((layer) => before.layers.some((b) => b.id === layer.id))).toEqual(before.layers);
    for (const [name, digest] of Object.entries(before.digests)) expect(after.digests[name], name).toBe(digest);
    expect(playground.errors).toEqual([]);
  }, 900_000);
});
