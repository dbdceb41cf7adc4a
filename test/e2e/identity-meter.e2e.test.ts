// User story: "Does the edit still look like her?" – in the real panel (dist/ui.html in the host simulator, the
// engine in its Worker with the inlined face-recognition net) the identity meter beside the preview shows the
// reconstruction score and the likeness of the previewed edit once a preview is delivered.
import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../helpers/golden';
import type { Playground } from '../helpers/figma-host';
import { SLOW, openPanelPlaygroundAsync, panelFrameAsync } from './panel-helpers';

// The screenshot is a test artefact for a person to look at (test-results/ is ignored by git).
const ARTEFACTS = resolve(REPO_ROOT, 'test-results/identity-meter');

let playground: Playground;
beforeAll(async () => {
  // The demo pack: its 128 px preview is large enough to score (golden-tiny's 32 px previews are not, see below).
  playground = await openPanelPlaygroundAsync({ pack: 'demo' });
}, 300_000);
afterAll(() => playground?.close());

describe('the identity meter in the panel', () => {
  it('shows the reconstruction and the likeness of the preview as 0–100 %', async () => {
    const { page } = playground;
    await page.evaluate(async () => {
      window.facetextHost.select(['Astronaut']);
      await window.facetextHost.launchAsync('edit-with-text');
    });
    const frame = await panelFrameAsync(playground);
    await frame.waitForSelector('main[data-phase="ready"]', SLOW);
    await frame.waitForSelector('[data-testid="identity-meter"]', SLOW);

    await frame.fill('[data-testid="prompt-input"]', 'smiling face');
    await frame.press('[data-testid="prompt-input"]', 'Enter');
    const meter = '[data-testid="identity-meter"]';
    await expect.poll(async () => [await frame.getAttribute(meter, 'data-identity'), await frame.getAttribute(meter, 'data-reconstruction')].every((v) => v !== null && v !== ''), { ...SLOW, interval: 500 }).toBe(true);
    const likeness = Number(await frame.getAttribute(meter, 'data-identity'));
    const inversion = Number(await frame.getAttribute(meter, 'data-reconstruction'));
    for (const score of [likeness, inversion]) {
      expect(Number.isInteger(score)).toBe(true);
      expect(score).toBeGreaterThanOrEqual(0);
      expect(score).toBeLessThanOrEqual(100);
    }
    expect(await frame.textContent('[data-testid="identity-score"]')).toContain(`${likeness} %`);
    expect(await frame.textContent('[data-testid="reconstruction-score"]')).toContain(`${inversion} %`);
    mkdirSync(ARTEFACTS, { recursive: true });
    await page.screenshot({ path: resolve(ARTEFACTS, 'panel.png') });
  }, 600_000);
});
