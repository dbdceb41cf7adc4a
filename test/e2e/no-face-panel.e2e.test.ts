// User story: "Edit with text…" on a photo without a face – the real panel (dist/ui.html in the host
// simulator) says so in its error banner, adds no layer and keeps Apply disabled.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Playground } from '../helpers/figma-host';
import { openPanelPlaygroundAsync } from './panel-helpers';

let playground: Playground;
beforeAll(async () => {
  playground = await openPanelPlaygroundAsync();
}, 300_000);
afterAll(() => playground?.close());

describe('Edit with text… on a photo without a face, in the panel', () => {
  it('shows “No face found in “Texture”” in the error banner and adds no layer', async () => {
    const { page } = playground;
    const before = await page.evaluate(() => window.facetextHost.layers().length);
    await page.evaluate(async () => {
      window.facetextHost.select(['Texture']);
      await window.facetextHost.launchAsync('edit-with-text');
    });
    const frame = (await (await page.waitForSelector('#plugin')).contentFrame())!;
    const banner = await frame.waitForSelector('[data-testid="error-banner"]', { timeout: 300_000 });
    const text = (await banner.textContent())!;
    expect(text).toContain('No face found');
    expect(text).toContain('No face found in “Texture”. Select a photo with a clearly visible, roughly frontal face.');
    expect(await frame.isDisabled('[data-testid="apply-button"]')).toBe(true);
    expect(await frame.getAttribute('[data-testid="preview-image"]', 'data-showing')).toBe('none');
    const after = await page.evaluate(() => ({ layers: window.facetextHost.layers().length, toUi: window.facetextHost.toUi(), fromUi: [...window.facetextHost.fromUiLog] }));
    expect(after.toUi.map((m) => (m as { type: string }).type)).toEqual(['SHOW_COMMAND', 'TARGET_IMAGE']);
    expect(after.toUi[1]).toMatchObject({ name: 'Texture', width: 256, height: 256, source: 'fill' });
    expect(after.fromUi.map((entry) => entry.split(' ')[0])).toEqual(['UI_READY', 'REQUEST_TARGET']);
    expect(after.layers).toBe(before);
    expect(playground.errors).toEqual([]);
  }, 600_000);
});
