// User story: "Edit again" – relaunching on a result layer opens the real panel (dist/ui.html in the host
// simulator) filled from the layer's recipe; a new α, applied, updates that same layer and leaves the original alone.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { documentAsync, type Playground } from '../helpers/figma-host';
import { openPanelPlaygroundAsync, SLOW, clickInPanelAsync, panelFrameAsync } from './panel-helpers';

let playground: Playground;
beforeAll(async () => {
  playground = await openPanelPlaygroundAsync();
}, 300_000);
afterAll(() => playground?.close());

const appliedCount = () => playground.page.evaluate(() => window.facetextHost.toUi().filter((m) => ['RESULT_APPLIED', 'APPLY_FAILED'].includes((m as { type: string }).type)).length);

describe('Edit again from a result layer, in the panel', () => {
  it('fills the form from the recipe and updates the same result layer with the new α', async () => {
    const { page } = playground;
    // A result to edit again: "smiling face" from Quick Actions on the Astronaut.
    await page.evaluate(async () => {
      window.facetextHost.select(['Astronaut']);
      await window.facetextHost.launchAsync('edit-with-text', { prompt: 'smiling face' });
    });
    await page.waitForFunction(() => window.facetextHost.toUi().some((m) => (m as { type: string }).type === 'RESULT_APPLIED'), null, { timeout: 540_000, polling: 250 });
    const first = await documentAsync(page);
    const result = first.layers.find((l) => l.name === 'Astronaut · smiling face')!;
    const original = first.layers.find((l) => l.name === 'Astronaut')!;
    const recipe = (JSON.parse(result.pluginData.recipe!) as { edits: Array<{ alpha: number; beta: number }> }).edits[0]!;

    await page.evaluate(async (name) => {
      window.facetextHost.select([name]);
      await window.facetextHost.launchAsync('edit-again');
    }, result.name);
    const frame = await panelFrameAsync(playground);
    await frame.waitForSelector('main[data-phase="ready"]', SLOW);
    const show = await page.evaluate(() => window.facetextHost.toUi()[0]);
    expect(show).toMatchObject({ type: 'SHOW_COMMAND', command: 'edit-again', resultNodeId: result.id, recipe: { edits: [{ kind: 'global', target: 'smiling face', alpha: recipe.alpha, beta: recipe.beta }] }, selection: { targets: [{ nodeId: original.id, name: 'Astronaut' }] }, error: null });
    expect(await frame.inputValue('[data-testid="prompt-input"]')).toBe('smiling face');
    expect(await frame.inputValue('[data-testid="neutral-input"]')).toBe('face');
    expect(Number(await frame.inputValue('[data-testid="alpha-slider"]'))).toBe(recipe.alpha);
    expect(Number(await frame.inputValue('[data-testid="beta-slider"]'))).toBe(recipe.beta);
    expect(await frame.inputValue('[data-testid="method-select"]')).toBe('global');

    // α down to -10 with Home, then Apply.
    await frame.focus('[data-testid="alpha-slider"]');
    await frame.press('[data-testid="alpha-slider"]', 'Home');
    expect(await frame.getAttribute('[data-testid="alpha-slider"]', 'aria-valuetext')).toBe('-10.0');
    await frame.waitForSelector('main[data-phase="ready"]', SLOW);
    await clickInPanelAsync(frame, '[data-testid="apply-button"]');
    await page.waitForFunction(() => window.facetextHost.toUi().some((m) => ['RESULT_APPLIED', 'APPLY_FAILED'].includes((m as { type: string }).type)), null, { timeout: 300_000, polling: 250 });
    expect(await appliedCount()).toBe(1);

    const after = { ...(await documentAsync(page)), ...(await page.evaluate(() => ({ toUi: window.facetextHost.toUi() }))) };
    expect(after.toUi.find((m) => (m as { type: string }).type === 'RESULT_APPLIED')).toMatchObject({ resultNodeId: result.id, name: 'Astronaut · smiling face', added: false });
    expect(after.layers.map((l) => l.id)).toEqual(first.layers.map((l) => l.id)); // no new layer
    const updated = after.layers.find((l) => l.id === result.id)!;
    expect([updated.name, updated.x, updated.y, updated.width, updated.height]).toEqual([result.name, result.x, result.y, result.width, result.height]);
    expect(JSON.parse(updated.pluginData.recipe!)).toMatchObject({ version: 2, edits: [{ kind: 'global', target: 'smiling face', neutral: 'face', alpha: -10, beta: recipe.beta }], sourceNodeId: original.id });
    expect(updated.relaunch).toEqual({ 'edit-again': `Tweak “smiling face” (α -10, β ${recipe.beta})` });
    expect(after.digests[result.name]).not.toBe(first.digests[result.name]);
    expect(after.layers.find((l) => l.id === original.id)).toEqual(original);
    expect(after.digests.Astronaut).toBe(first.digests.Astronaut);
    expect(playground.errors).toEqual([]);
  }, 900_000);
});
