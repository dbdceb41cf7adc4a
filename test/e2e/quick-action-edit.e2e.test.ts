// User story: "type a prompt in Quick Actions" – the built plugin suggests presets while typing and opens
// the panel with the typed prompt and the selected photo.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPlaygroundAsync, type Playground } from '../helpers/figma-host';

let playground: Playground;
beforeAll(async () => {
  playground = await openPlaygroundAsync();
}, 120_000);
afterAll(() => playground?.close());

describe('Edit with text… from Quick Actions', () => {
  it('suggests what was typed first, then the presets that contain it', async () => {
    const suggestions = await playground.page.evaluate(async () => ({
      smil: await window.facetextHost.queryAsync('prompt', 'smil'),
      hair: await window.facetextHost.queryAsync('prompt', 'hair'),
      empty: await window.facetextHost.queryAsync('prompt', ''),
    }));
    expect(suggestions.smil).toEqual(['smil', 'smiling face']);
    expect(suggestions.hair).toEqual(['hair', 'face with grey hair', 'face with blonde hair', 'face with curly hair', 'face with long hair']);
    expect(suggestions.empty).toEqual(['smiling face', 'sad face', 'surprised face', 'angry face', 'old face', 'young face', 'male face', 'female face']);
  });

  it('opens the panel with the prompt and the photo once the panel is ready', async () => {
    const { page } = playground;
    await page.evaluate(async () => {
      window.facetextHost.select(['Astronaut']);
      await window.facetextHost.launchAsync('edit-with-text', { prompt: '  face with a beard ' });
    });
    await page.waitForFunction(() => window.facetextHost.fromUiLog.includes('UI_READY'), null, { timeout: 90_000 });
    const toUi = await page.evaluate(() => window.facetextHost.toUi());
    expect(toUi[0]).toMatchObject({ type: 'SHOW_COMMAND', command: 'edit-with-text', prompt: 'face with a beard', selection: { targets: [{ name: 'Astronaut', source: 'fill' }], message: null } });
    expect(playground.errors).toEqual([]);
  });
});
