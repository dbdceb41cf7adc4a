// User story: "Edit with text…" from the menu – in the real panel (dist/ui.html in the host simulator) the user
// types a prompt, moves α and β with the keyboard, watches the preview change, and applies.
import { createHash } from 'node:crypto';
import type { Frame } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_TEXT_LENGTH } from '../../contract/edit-spec';
import { documentAsync, type Playground } from '../helpers/figma-host';
import { openPanelPlaygroundAsync, SLOW, clickInPanelAsync, panelFrameAsync } from './panel-helpers';

let playground: Playground;
beforeAll(async () => {
  playground = await openPanelPlaygroundAsync();
}, 300_000);
afterAll(() => playground?.close());

/** SHA-256 of the preview canvas's pixels. */
async function previewDigestAsync(frame: Frame): Promise<string> {
  const pixels = await frame.evaluate(() => {
    const canvas = document.querySelector('canvas[data-testid="preview-image"]') as HTMLCanvasElement | null;
    if (canvas === null) return null;
    return [...canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height).data];
  });
  if (pixels === null) throw new Error('no preview canvas');
  return createHash('sha256').update(Uint8Array.from(pixels)).digest('hex');
}

/** Waits until the panel is ready with a preview whose pixels differ from `previous`. */
async function newPreviewAsync(frame: Frame, previous: string | null): Promise<string> {
  let digest: string | null = null;
  await expect.poll(async () => {
    const settled = await frame.evaluate(() => document.querySelector('main')?.dataset.phase === 'ready' && document.querySelector('[data-testid="preview-image"]')?.getAttribute('data-showing') === 'after');
    digest = settled ? await previewDigestAsync(frame) : null;
    return digest !== null && digest !== previous;
  }, { ...SLOW, interval: 500, message: `a new preview (previous ${previous})` }).toBe(true);
  return digest!;
}

const channelsKept = async (frame: Frame) => (await frame.getAttribute('[data-testid="channels-kept"]', 'data-value'))!.split(',').filter((s) => s !== '').map(Number);

describe('Edit with text… from the menu, in the panel', () => {
  it('previews the typed prompt, updates the preview as α and β move, and applies the result', async () => {
    const { page } = playground;
    const before = await documentAsync(page);
    await page.evaluate(async () => {
      window.facetextHost.select(['Astronaut']);
      await window.facetextHost.launchAsync('edit-with-text');
    });
    const frame = await panelFrameAsync(playground);
    await frame.waitForSelector('main[data-phase="ready"]', SLOW);
    expect(await frame.getAttribute('[data-testid="preview-image"]', 'data-showing')).toBe('before');
    expect(await frame.textContent('[data-testid="channels-kept"]')).toBe('Channels kept: –');

    // Typing stops at the contract's text limit, so a prompt no recipe or CLIP could hold is never typed.
    await frame.focus('[data-testid="prompt-input"]');
    await frame.page().keyboard.insertText('x'.repeat(MAX_TEXT_LENGTH + 50));
    expect((await frame.inputValue('[data-testid="prompt-input"]')).length).toBe(MAX_TEXT_LENGTH);
    await frame.fill('[data-testid="prompt-input"]', 'smiling face');
    await frame.press('[data-testid="prompt-input"]', 'Enter');
    const first = await newPreviewAsync(frame, null);
    expect(await frame.getAttribute('[data-testid="alpha-slider"]', 'aria-valuetext')).toBe('4.1');
    const keptAtDefault = await channelsKept(frame);
    // One count per edit direction: one prompt, one number of style channels kept.
    expect(keptAtDefault).toHaveLength(1);
    expect(Number.isInteger(keptAtDefault[0]) && keptAtDefault[0]! > 0, String(keptAtDefault)).toBe(true);
    expect(await frame.textContent('[data-testid="channels-kept"]')).toBe(`Channels kept: ${keptAtDefault.join(', ')}`);

    // α: End moves it to 10; the preview's pixels change.
    await frame.focus('[data-testid="alpha-slider"]');
    await frame.press('[data-testid="alpha-slider"]', 'End');
    expect(await frame.getAttribute('[data-testid="alpha-slider"]', 'aria-valuetext')).toBe('10.0');
    const stronger = await newPreviewAsync(frame, first);
    expect(stronger).not.toBe(first);

    // β: three steps up (0.15 → 0.18) keeps no more channels than before.
    // The phases <main> goes through from here on, so that the test waits for this preview and not an older one.
    await frame.evaluate(() => {
      const main = document.querySelector('main')!;
      const seen: string[] = [];
      (window as unknown as { phases: string[] }).phases = seen;
      new MutationObserver(() => seen.push(main.dataset.phase!)).observe(main, { attributes: true, attributeFilter: ['data-phase'] });
    });
    await frame.focus('[data-testid="beta-slider"]');
    for (let i = 0; i < 3; i++) await frame.press('[data-testid="beta-slider"]', 'ArrowRight');
    expect(await frame.getAttribute('[data-testid="beta-slider"]', 'aria-valuetext')).toBe('0.18');
    await frame.waitForFunction(() => (window as unknown as { phases: string[] }).phases.includes('previewing') && document.querySelector('main')!.dataset.phase === 'ready', null, { ...SLOW, polling: 100 });
    const keptAtHigherBeta = await channelsKept(frame);
    expect(keptAtHigherBeta).toHaveLength(1);
    expect(keptAtHigherBeta[0]).toBeLessThanOrEqual(keptAtDefault[0]!);

    await clickInPanelAsync(frame, '[data-testid="apply-button"]');
    await page.waitForFunction(() => window.facetextHost.toUi().some((m) => ['RESULT_APPLIED', 'APPLY_FAILED'].includes((m as { type: string }).type)), null, { timeout: 300_000, polling: 250 });
    const after = { ...(await documentAsync(page)), ...(await page.evaluate(() => ({ toUi: window.facetextHost.toUi(), fromUi: [...window.facetextHost.fromUiLog] }))) };
    // Up to the result; the new layer is selected, but a result is never a target, so the panel stays on the original.
    const appliedAt = after.toUi.findIndex((m) => (m as { type: string }).type === 'RESULT_APPLIED');
    expect(after.toUi.slice(0, appliedAt + 1).map((m) => (m as { type: string }).type).filter((t) => t !== 'SELECTION_CHANGED')).toEqual(['SHOW_COMMAND', 'TARGET_IMAGE', 'RESULT_APPLIED']);
    expect(after.fromUi.slice(0, 3).map((entry) => entry.split(' ')[0])).toEqual(['UI_READY', 'REQUEST_TARGET', 'APPLY_RESULT']);
    const applied = after.toUi[appliedAt] as { resultNodeId: string; name: string };
    expect(applied.name).toBe('Astronaut · smiling face');

    const original = before.layers.find((l) => l.name === 'Astronaut')!;
    const result = after.layers.find((l) => l.id === applied.resultNodeId)!;
    expect([result.name, result.x, result.y, result.width, result.height]).toEqual(['Astronaut · smiling face', 296, 0, 256, 256]);
    const recipe = JSON.parse(result.pluginData.recipe!) as { identity: { score: number; distance: number } };
    expect(recipe).toEqual({ version: 2, edits: [{ kind: 'global', target: 'smiling face', neutral: 'face', alpha: 10, beta: 0.18 }], latent: null, packId: 'golden-tiny', faceIndex: 0, sourceNodeId: original.id, identity: { score: expect.any(Number), distance: expect.any(Number) } });
    // The applied result's likeness to the original face (golden-tiny draws noise, so it is low but real).
    expect(Number.isInteger(recipe.identity.score) && recipe.identity.score >= 0 && recipe.identity.score <= 100).toBe(true);
    expect(recipe.identity.distance).toBeGreaterThan(0);
    expect(after.layers.length).toBe(before.layers.length + 1);
    for (const [name, digest] of Object.entries(before.digests)) expect(after.digests[name], name).toBe(digest);
    expect(playground.errors).toEqual([]);
  }, 900_000);
});
