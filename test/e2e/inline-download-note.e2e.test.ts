// User story: in Figma's inline panel (origin null, nothing can be stored) the user learns, before the pack's
// files download, how many MB this run will fetch, and that picking the pack folder downloads nothing.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../helpers/golden';
import type { Playground } from '../helpers/figma-host';
import { openPanelPlaygroundAsync, panelFrameAsync, SLOW } from './panel-helpers';

let playground: Playground;
beforeAll(async () => {
  playground = await openPanelPlaygroundAsync();
}, 300_000);
afterAll(() => playground?.close());

describe('the inline panel announces its download', () => {
  it('says how many MB pack.json lists before any pack file is fetched, and offers the folder picker', async () => {
    const files = (JSON.parse(readFileSync(resolve(REPO_ROOT, 'models/packs/golden-tiny/pack.json'), 'utf8')) as { files: Record<string, { bytes: number }> }).files;
    const listed = Object.values(files).reduce((sum, file) => sum + file.bytes, 0);
    const { page, requests } = playground;
    const answered: string[] = [];
    page.on('response', (response) => {
      if (/\/packs\/golden-tiny\/(?!pack\.json)[^/]+$/.test(response.url())) answered.push(response.url());
    });
    // Hold every pack file (not pack.json) at the server's door, so the panel is seen before any of them arrives.
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    await page.route(/\/packs\/golden-tiny\/(?!pack\.json)[^/]+$/, async (route) => {
      await released;
      await route.continue();
    });
    await page.evaluate(async () => {
      window.facetextHost.select(['Astronaut']);
      await window.facetextHost.launchAsync('edit-with-text');
    });
    const frame = await panelFrameAsync(playground);
    const note = await frame.waitForSelector('[data-testid="pack-download-note"]', SLOW);
    expect(Number(await note.getAttribute('data-total-bytes'))).toBe(listed);
    expect(Number(await note.getAttribute('data-fetch-bytes'))).toBe(listed);
    expect(Number(await note.getAttribute('data-stored-bytes'))).toBe(0);
    const mb = listed >= 1e6 ? `${(listed / 1e6).toFixed(1)} MB` : `${(listed / 1e3).toFixed(1)} kB`;
    expect(await note.textContent()).toContain(`This run downloads up to ${mb} of pack files`);
    expect(await note.textContent()).toContain('every run downloads them again');
    expect(await frame.getAttribute('[data-testid="pack-folder-offer"]', 'for')).toBe('pack-folder-input');
    expect(await frame.$('[data-testid="pack-folder-input"]')).not.toBeNull();
    // Nothing can be stored here, so the section shows no storage use.
    expect(await frame.$('[data-testid="pack-storage"]')).toBeNull();
    // The note was there while every pack file was still held back: none had been answered.
    expect(answered).toEqual([]);
    release();
    await frame.waitForSelector('main[data-phase="ready"]', SLOW);
    expect(requests.some((r) => r.url.endsWith('/packs/golden-tiny/encoder.onnx'))).toBe(true);
  });
});
