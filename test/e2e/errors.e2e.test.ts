// User story: "I ran facetext on the wrong thing" – the built plugin (dist/code.js) in the host simulator
// says what to select, in a notification, in SHOW_COMMAND and in reply to a request, and never crashes.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPlaygroundAsync, type Playground } from '../helpers/figma-host';

const SELECT = 'Select a layer with a photo fill, or a frame that contains one, then run facetext again.';
let playground: Playground;
beforeAll(async () => {
  playground = await openPlaygroundAsync();
}, 120_000);
afterAll(() => playground?.close());

/** Waits for the plugin's reply to the panel's message with `requestId` (of one of `types`, when given). */
async function replyAsync(requestId: string, types?: string[]): Promise<void> {
  await playground.page.waitForFunction(({ requestId, types }) => window.facetextHost.toUi().some((m) => {
    const { type, requestId: id } = m as { type: string; requestId?: string };
    return id === requestId && (types === undefined || types.includes(type));
  }), { requestId, types }, { timeout: 30_000 });
}

async function requestTargetAsync(selection: string[], command = 'edit-with-text') {
  const { page } = playground;
  await page.evaluate(async ({ selection, command }) => {
    const host = window.facetextHost;
    host.select(selection);
    await host.launchAsync(command, { prompt: 'smiling face' }, { panel: false });
    host.fromUi({ type: 'UI_READY' });
  }, { selection, command });
  await page.waitForFunction(() => window.facetextHost.toUi().some((m) => (m as { type: string }).type === 'SHOW_COMMAND'), null, { timeout: 30_000 });
  await page.evaluate(() => window.facetextHost.fromUi({ type: 'REQUEST_TARGET', requestId: 'r1', index: 0 }));
  await replyAsync('r1');
  return page.evaluate(() => {
    const host = window.facetextHost;
    return { toUi: host.toUi() as { type: string; [key: string]: unknown }[], notifications: host.notifications(), closed: host.closed() };
  });
}

describe('errors in the host simulator', () => {
  it('says that nothing is selected', async () => {
    const { toUi, notifications, closed } = await requestTargetAsync([]);
    expect(toUi.map((m) => m.type)).toEqual(['SHOW_COMMAND', 'NOTHING_SELECTED']);
    expect(toUi[0]).toMatchObject({ command: 'edit-with-text', prompt: 'smiling face', selection: { targets: [], skipped: [], message: `Nothing is selected. ${SELECT}` } });
    expect(toUi[1]).toEqual({ type: 'NOTHING_SELECTED', requestId: 'r1', message: `Nothing is selected. ${SELECT}` });
    expect(notifications).toEqual([{ message: `Nothing is selected. ${SELECT}`, error: false }]);
    expect(closed).toBe(false);
  });

  it('names the text layer that is not an image', async () => {
    const { toUi, notifications } = await requestTargetAsync(['Caption']);
    const message = `“Caption” is a text layer without an image fill. ${SELECT}`;
    expect(toUi[1]).toEqual({ type: 'NOTHING_SELECTED', requestId: 'r1', message });
    expect(notifications).toEqual([{ message, error: false }]);
  });

  it('sends the one image of the selection, and only one, when an image and a text layer are selected', async () => {
    const { toUi } = await requestTargetAsync(['Caption', 'Astronaut']);
    expect(toUi[0]).toMatchObject({ selection: { targets: [{ name: 'Astronaut', source: 'fill' }], skipped: [{ name: 'Caption' }], message: null } });
    expect(toUi[1]).toMatchObject({ type: 'TARGET_IMAGE', requestId: 'r1', name: 'Astronaut', index: 0, total: 1, width: 256, height: 256, source: 'fill', byteLength: 120_518 });
  });

  it('opens Edit again on a layer without a recipe with a message instead of a crash', async () => {
    const { toUi, notifications, closed } = await requestTargetAsync(['Astronaut'], 'edit-again');
    const error = '“Astronaut” has no facetext recipe: only layers facetext made can be edited again.';
    expect(toUi[0]).toMatchObject({ type: 'SHOW_COMMAND', command: 'edit-again', recipe: null, error });
    expect(notifications).toEqual([{ message: error, error: true }]);
    expect(closed).toBe(false);
  });

  it('reports an edited image over 4096 px with Figma\'s message and adds no layer', async () => {
    const { page } = playground;
    // Results are written only for an image the plugin sent: ask for it first.
    await page.evaluate(async () => {
      const host = window.facetextHost;
      host.select(['Astronaut']);
      await host.launchAsync('edit-with-text', undefined, { panel: false });
      host.fromUi({ type: 'REQUEST_TARGET', requestId: 'big', index: 0 });
    });
    await replyAsync('big', ['TARGET_IMAGE']);
    const before = await page.evaluate(async () => {
      const host = window.facetextHost;
      const canvas = new OffscreenCanvas(4097, 1);
      canvas.getContext('2d')!.fillRect(0, 0, 4097, 1);
      const bytes = new Uint8Array(await (await canvas.convertToBlob({ type: 'image/png' })).arrayBuffer());
      const before = host.layers().length;
      const id = host.layers().find((l) => l.name === 'Astronaut')!.id;
      host.fromUi({ type: 'APPLY_RESULT', requestId: 'big', index: 0, nodeId: id, bytes, width: 4097, height: 1, recipe: { edits: [{ kind: 'global', target: 'x', neutral: 'face', alpha: 1, beta: 0.1 }], packId: 'p', faceIndex: 0 } });
      return before;
    });
    await replyAsync('big', ['RESULT_APPLIED', 'APPLY_FAILED']);
    const result = await page.evaluate((before) => ({ last: window.facetextHost.toUi().at(-1), added: window.facetextHost.layers().length - before }), before);
    expect(result).toEqual({ last: { type: 'APPLY_FAILED', requestId: 'big', index: 0, message: 'Image is too large' }, added: 0 });
    expect(playground.errors).toEqual([]);
  });
});
