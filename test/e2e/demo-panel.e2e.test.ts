// User story: a new user tries the demo pack on the playground's demo portrait. The panel offers the demo's own
// chips, says under the prompt when a typed prompt is outside the demo's words, takes the cartoon portrait whole
// (face-api finds no face in it) with a note, previews a chip and applies it beside the original.
import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { documentAsync, type Playground } from '../helpers/figma-host';
import { REPO_ROOT } from '../helpers/golden';
import { DESIGN } from '../demo/demo-pack';
import { OWN_FRAMING_NOTE } from '../../ui/worker/face/own-framing';
import { SLOW, clickInPanelAsync, openPanelPlaygroundAsync, panelFrameAsync } from './panel-helpers';

const ARTEFACTS = resolve(REPO_ROOT, 'test-results/demo-panel'); // for a person to look at (not committed)
let playground: Playground;
beforeAll(async () => {
  playground = await openPanelPlaygroundAsync({ pack: 'demo' });
}, 300_000);
afterAll(() => playground?.close());

describe('the demo pack on a demo portrait, in the panel', () => {
  it('offers its own chips, warns about unknown words, and applies "glasses" beside the portrait', async () => {
    const { page } = playground;
    const before = await documentAsync(page);
    await page.evaluate(async () => {
      window.facetextHost.select(['Demo portrait 1']);
      await window.facetextHost.launchAsync('edit-with-text');
    });
    const frame = await panelFrameAsync(playground);
    await frame.waitForSelector('main[data-phase="ready"]', SLOW);
    expect(await frame.textContent('[data-testid="warning-banner"]')).toContain(OWN_FRAMING_NOTE);
    expect(await frame.$$eval('.chips .chip', (chips) => chips.map((chip) => chip.textContent))).toEqual(DESIGN.presets.map((p) => p.label));

    await frame.fill('[data-testid="prompt-input"]', 'face with curly hair');
    expect(await frame.textContent('[data-testid="vocabulary-warning"]')).toMatch(/^The demo pack does not know “face with curly hair”, so this edit would change nothing\. It knows: smiling, sad, old/);

    await clickInPanelAsync(frame, '[data-testid="preset-chip-glasses"]');
    expect(await frame.$('[data-testid="vocabulary-warning"]')).toBeNull();
    await frame.waitForSelector('[data-testid="preview-image"][data-showing="after"]', SLOW);
    await frame.waitForSelector('main[data-phase="ready"]', SLOW);
    mkdirSync(ARTEFACTS, { recursive: true });
    await page.screenshot({ path: resolve(ARTEFACTS, 'demo-panel-glasses.png') });

    await clickInPanelAsync(frame, '[data-testid="apply-button"]');
    await expect.poll(async () => (await documentAsync(page)).layers.length, { ...SLOW, interval: 500 }).toBe(before.layers.length + 1);
    const after = await documentAsync(page);
    const result = after.layers.find((l) => !before.layers.some((b) => b.id === l.id))!;
    expect(result.name).toBe('Demo portrait 1 · face with glasses');
    expect(result.imageHash).not.toBe(before.layers.find((l) => l.name === 'Demo portrait 1')!.imageHash);
  });
});
