// User story: "my photos stay mine" – with the real panel booted in its null-origin iframe, its pack loaded
// from the playground, an image sent to it and a result written back, no request carries a body, only the
// page, the build, the sample photos and pack files are fetched, and every original keeps its bytes and place.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { documentAsync, type Playground } from '../helpers/figma-host';
import { openPanelPlaygroundAsync, panelFrameAsync, SLOW } from './panel-helpers';

const RECIPE = { edits: [{ kind: 'global', target: 'smiling face', neutral: 'face', alpha: 4.1, beta: 0.15 }], packId: 'golden-tiny', faceIndex: 0 };
const ALLOWED = [/^\/$/, /^\/fake-figma\/host\.js$/, /^\/dist\/(code\.js|ui\.html)$/, /^\/samples\/[\w-]+\.png$/, /^\/packs\/[\w-]+\/[\w.-]+$/];
let playground: Playground;
beforeAll(async () => {
  playground = await openPanelPlaygroundAsync();
}, 120_000);
afterAll(() => playground?.close());

describe('privacy and originals with the real panel', () => {
  it('sends images to the panel and back without any network request carrying them', async () => {
    const { page } = playground;
    const before = await documentAsync(page);
    await page.evaluate(async () => {
      window.facetextHost.select(['Astronaut']);
      await window.facetextHost.launchAsync('edit-with-text');
    });
    // The panel loads the pack, asks for the selected image and previews it.
    const panel = await panelFrameAsync(playground);
    await panel.waitForSelector('main[data-phase="ready"]', SLOW);
    expect(await panel.evaluate(() => self.origin)).toBe('null');
    // The phases <main> goes through from here on.
    await panel.evaluate(() => {
      const main = document.querySelector('main')!;
      const seen: string[] = [];
      (window as unknown as { phases: string[] }).phases = seen;
      new MutationObserver(() => seen.push(main.dataset.phase!)).observe(main, { attributes: true, attributeFilter: ['data-phase'] });
    });

    const done = await page.evaluate(async (recipe) => {
      const host = window.facetextHost;
      host.fromUi({ type: 'REQUEST_TARGET', requestId: 'p1', index: 0 });
      return host.playPanelAsync({ requestId: 'p1', recipe, until: ['RESULT_APPLIED', 'APPLY_FAILED', 'NOTHING_SELECTED', 'SELECTION_ERROR'] });
    }, RECIPE);
    expect(done).toMatchObject({ type: 'RESULT_APPLIED', requestId: 'p1', name: 'Astronaut · smiling face' });
    // The plugin selects the result; a result is never a target, so the panel settles on the original without
    // loading anything again.
    await panel.waitForFunction(() => ['ready', 'idle'].includes(document.querySelector('main')!.dataset.phase!), null, { ...SLOW, polling: 100 });
    expect(await panel.evaluate(() => (window as unknown as { phases: string[] }).phases)).not.toContain('loading');

    const after = await documentAsync(page);
    expect(after.layers.filter((layer) => before.layers.some((b) => b.id === layer.id))).toEqual(before.layers);
    for (const [name, digest] of Object.entries(before.digests)) expect(after.digests[name], name).toBe(digest);
    expect(after.layers.find((l) => l.name === 'Astronaut · smiling face')).toMatchObject({ x: 296, y: 0, width: 256, height: 256 });

    const origin = new URL(playground.url).origin;
    // blob:, data: and the srcdoc navigation (reported with an empty URL) never leave the page.
    const network = playground.requests.filter((request) => request.url !== '' && !/^(blob|data|about):/.test(request.url));
    expect(network.length).toBeGreaterThan(0);
    for (const request of network) {
      const url = new URL(request.url);
      expect(url.origin, request.url).toBe(origin);
      expect(ALLOWED.some((pattern) => pattern.test(url.pathname)), request.url).toBe(true);
      expect([request.method, request.bodyBytes], request.url).toEqual(['GET', 0]);
    }
    expect(playground.requests.filter((request) => request.bodyBytes > 0)).toEqual([]);
  });
});
