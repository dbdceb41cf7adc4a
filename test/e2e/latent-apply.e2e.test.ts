// User story: an optimised result brought into Figma. The user ran python3 -m models.optimize for the
// Astronaut's face, picks its wplus.npy in the real panel (dist/ui.html in the host simulator), sees it in the
// preview, applies it, and the result layer's recipe says it was made from that latent.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { documentAsync, type Playground } from '../helpers/figma-host';
import { clickInPanelAsync, openPanelPlaygroundAsync, panelFrameAsync, SLOW } from './panel-helpers';

let playground: Playground;
beforeAll(async () => {
  playground = await openPanelPlaygroundAsync();
}, 300_000);
afterAll(() => playground?.close());

/** A float32 .npy of shape [10, 32] (golden-tiny's W+), as numpy writes it. */
function wPlusNpy(values: Float32Array): Buffer {
  let header = "{'descr': '<f4', 'fortran_order': False, 'shape': (10, 32), }";
  header += ' '.repeat(64 - ((10 + header.length + 1) % 64)) + '\n';
  return Buffer.concat([Buffer.from([0x93, ...Buffer.from('NUMPY'), 1, 0, header.length, 0]), Buffer.from(header), Buffer.from(values.buffer)]);
}

describe('an optimised latent, applied from the panel', () => {
  it('renders the picked W+, applies it beside the original and stores it in the recipe', async () => {
    const { page } = playground;
    await page.evaluate(async () => {
      window.facetextHost.select(['Astronaut']);
      await window.facetextHost.launchAsync('edit-with-text');
    });
    const frame = await panelFrameAsync(playground);
    await frame.waitForSelector('main[data-phase="ready"]', SLOW);
    const before = await documentAsync(page);

    await frame.selectOption('[data-testid="method-select"]', 'latent');
    const wPlus = Float32Array.from({ length: 320 }, (_, i) => Math.fround(Math.cos(i) * 0.5));
    await frame.setInputFiles('[data-testid="latent-input"]', { name: 'wplus.npy', mimeType: 'application/octet-stream', buffer: wPlusNpy(wPlus) });
    await frame.waitForFunction(() => document.querySelector('[data-testid="latent-name"]')?.textContent?.includes('wplus.npy'), null, SLOW);
    await frame.waitForSelector('[data-testid="preview-image"][data-showing="after"]', SLOW);
    await frame.waitForSelector('main[data-phase="ready"]', SLOW);
    await clickInPanelAsync(frame, '[data-testid="apply-button"]');
    await page.waitForFunction(() => window.facetextHost.toUi().some((m) => ['RESULT_APPLIED', 'APPLY_FAILED'].includes((m as { type: string }).type)), null, SLOW);

    const after = await documentAsync(page);
    const original = before.layers.find((l) => l.name === 'Astronaut')!;
    const result = after.layers.find((l) => l.name === 'Astronaut · latent wplus.npy')!;
    expect(result).toBeDefined();
    const recipe = JSON.parse(result.pluginData.recipe!) as { edits: unknown[]; latent: { file: string; wPlus: string }; sourceNodeId: string };
    expect([recipe.edits, recipe.latent.file, recipe.sourceNodeId]).toEqual([[], 'wplus.npy', original.id]);
    expect(Array.from(new Float32Array(new Uint8Array(Buffer.from(recipe.latent.wPlus, 'base64')).buffer))).toEqual(Array.from(wPlus));
    expect(result.relaunch).toEqual({ 'edit-again': 'Tweak latent wplus.npy' });
    expect(after.layers.find((l) => l.id === original.id)).toEqual(original);
    expect(after.digests[result.name]).not.toBe(after.digests[original.name]);
  });
});
