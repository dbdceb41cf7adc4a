// User story (issue 13, Done when): a team hosts the panel (dist/hosted/) on its own origin. The first run of the
// plugin downloads the pack files it uses and keeps them after their checks; a second run downloads none and
// edits to the same pixels; a stored file that was changed is noticed and downloaded again.
// The playground emulates Figma's non-null-origin UI: ui.html is the loader, the page lives on a second origin,
// its messages carry pluginId (test/fake-figma/host.ts).
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Frame } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../helpers/golden';
import type { Playground } from '../helpers/figma-host';
import { openPanelPlaygroundAsync, panelFrameAsync, previewPixelsAfterPromptAsync, SLOW } from './panel-helpers';

const PACK_FILE = /\/packs\/golden-tiny\/(?!pack\.json)([^/?]+)$/;
const listed = (JSON.parse(readFileSync(resolve(REPO_ROOT, 'models/packs/golden-tiny/pack.json'), 'utf8')) as { files: Record<string, { bytes: number; sha256: string }> }).files;

let playground: Playground;
let servedBefore = 0;
/** Pack files (not pack.json) the server sent in full since the last reset, counted at the server. */
function fetchedSinceReset(): Array<{ name: string; bytes: number }> {
  return playground.served.slice(servedBefore).flatMap(({ url, bytes }) => {
    const match = PACK_FILE.exec(url.split('?')[0]!);
    return match === null ? [] : [{ name: decodeURIComponent(match[1]!), bytes }];
  });
}
const resetFetched = () => void (servedBefore = playground.served.length);
beforeAll(async () => {
  playground = await openPanelPlaygroundAsync({ ui: 'hosted' });
}, 300_000);
afterAll(() => playground?.close());

/** Opens "Edit with text…" on the astronaut, previews "smiling face"; the preview's pixel digest and the frame. */
async function runOnceAsync(): Promise<{ frame: Frame; digest: string }> {
  await playground.page.evaluate(async () => {
    window.facetextHost.select(['Astronaut']);
    await window.facetextHost.launchAsync('edit-with-text');
  });
  const frame = await panelFrameAsync(playground);
  await frame.waitForSelector('main[data-phase="ready"]', SLOW);
  expect(await frame.evaluate(() => location.origin), 'the panel has an origin of its own').not.toBe('null');
  const pixels = await previewPixelsAfterPromptAsync(frame, 'smiling face');
  return { frame, digest: createHash('sha256').update(Uint8Array.from(pixels)).digest('hex') };
}

/** Waits until Cache Storage holds `files` pack files (each is stored once verified, after its download). */
async function storedFilesAsync(frame: Frame, files: number): Promise<number> {
  await expect.poll(() => frame.evaluate(async () => (await (await caches.open('facetext-packs-v1')).keys()).length), { ...SLOW, interval: 200 }).toBe(files);
  return files;
}

describe('the hosted panel keeps verified pack files', () => {
  let first: { digest: string; files: string[] };
  /** The panel of the latest run: a page on the hosted origin, whose storage the tests reach. */
  let lastFrame: Frame;

  it('first run: downloads each file it uses once and stores exactly those, after their checks', async () => {
    resetFetched();
    const { frame, digest } = await runOnceAsync();
    const fetched = fetchedSinceReset();
    const names = [...new Set(fetched.map((f) => f.name))].sort();
    expect(names.length).toBeGreaterThan(3);
    expect(fetched).toHaveLength(names.length); // none twice
    for (const { name, bytes } of fetched) expect(bytes, name).toBe(listed[name]!.bytes);
    await storedFilesAsync(frame, names.length);
    const storedBytes = names.reduce((sum, name) => sum + listed[name]!.bytes, 0);
    await expect.poll(() => frame.getAttribute('[data-testid="pack-storage"]', 'data-bytes'), SLOW).toBe(String(storedBytes));
    first = { digest, files: names };
    lastFrame = frame;
  }, 600_000);

  it('second run: fetches 0 pack file bytes, says so up front, and previews the same pixels', async () => {
    resetFetched();
    const { frame, digest } = await runOnceAsync();
    expect(fetchedSinceReset()).toEqual([]);
    // …while the server did answer this run: pack.json, which says whether the pack changed.
    expect(playground.served.slice(servedBefore).map((f) => f.url)).toContain('/packs/golden-tiny/pack.json');
    const note = await frame.waitForSelector('[data-testid="pack-download-note"]');
    const storedBytes = first.files.reduce((sum, name) => sum + listed[name]!.bytes, 0);
    expect(Number(await note.getAttribute('data-stored-bytes'))).toBe(storedBytes);
    expect(digest).toBe(first.digest);
    lastFrame = frame;
  }, 600_000);

  it('a stored file changed on this computer is detected by its sha256, fetched again and stored intact', async () => {
    const tampered = await lastFrame.evaluate(async () => {
      const cache = await caches.open('facetext-packs-v1');
      const key = (await cache.keys()).find((request) => new URL(request.url).pathname.endsWith('/encoder.onnx'))!;
      const response = (await cache.match(key))!;
      const bytes = new Uint8Array(await response.arrayBuffer());
      bytes[bytes.length >> 1]! ^= 0xff; // same size, one byte different
      await cache.put(key, new Response(bytes, { headers: response.headers }));
      return key.url;
    });
    expect(tampered).toContain('facetext-sha256=');
    resetFetched();
    const { frame: again, digest } = await runOnceAsync();
    expect(fetchedSinceReset().map((f) => f.name)).toEqual(['encoder.onnx']);
    expect(digest).toBe(first.digest);
    const restored = await again.evaluate(async (url) => {
      const bytes = new Uint8Array(await (await (await caches.open('facetext-packs-v1')).match(url))!.arrayBuffer());
      return [...new Uint8Array(await crypto.subtle.digest('SHA-256', bytes))].map((b) => b.toString(16).padStart(2, '0')).join('');
    }, tampered);
    expect(restored).toBe(listed['encoder.onnx']!.sha256);
    lastFrame = again;
  }, 600_000);

  it('Clear stored packs empties the store', async () => {
    const frame = lastFrame;
    await frame.evaluate(() => void ((document.querySelector('details.pack') as HTMLDetailsElement).open = true));
    await frame.click('[data-testid="pack-storage-clear"]');
    await expect.poll(() => frame.getAttribute('[data-testid="pack-storage"]', 'data-files'), SLOW).toBe('0');
    expect(await frame.evaluate(() => caches.has('facetext-packs-v1'))).toBe(false);
  }, 600_000);
});
