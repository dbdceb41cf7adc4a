// User story: "smiling" + "grey hair" at once. In the real panel (dist/ui.html in the host simulator) the user
// stacks two presets, gives each its own α and β, compares the preview in place with the photo (before/after),
// applies, and Edit again on the result re-opens both rows with their values; the recipe holds the stack.
import type { Frame } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { documentAsync, type Playground } from '../helpers/figma-host';
import { openPanelPlaygroundAsync, SLOW, clickInPanelAsync, panelFrameAsync } from './panel-helpers';

let playground: Playground;
beforeAll(async () => {
  playground = await openPanelPlaygroundAsync();
}, 300_000);
afterAll(() => playground?.close());

const SMILING = { kind: 'global', target: 'smiling face', neutral: 'face', alpha: 4.1, beta: 0.17 };
const GREY = { kind: 'global', target: 'face with grey hair', neutral: 'face with hair', alpha: 10, beta: 0.15 };

/** The preview canvas's size and pixels. */
async function canvasPixelsAsync(frame: Frame): Promise<{ width: number; height: number; data: number[] }> {
  return frame.evaluate(() => {
    const canvas = document.querySelector('canvas[data-testid="preview-image"]') as HTMLCanvasElement;
    return { width: canvas.width, height: canvas.height, data: [...canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height).data] };
  });
}

const row = (i: number, testid: string) => `[data-testid="edit-row"][data-index="${i}"] [data-testid="${testid}"]`;

describe('An edit stack in the panel', () => {
  it('applies two edits with their own α and β, and Edit again re-opens both rows', async () => {
    const { page } = playground;
    await page.evaluate(async () => {
      window.facetextHost.select(['Astronaut']);
      await window.facetextHost.launchAsync('edit-with-text');
    });
    const frame = await panelFrameAsync(playground);
    await frame.waitForSelector('main[data-phase="ready"]', SLOW);
    expect(await frame.getAttribute('[data-testid="preview-image"]', 'data-showing')).toBe('before');
    const opened = await canvasPixelsAsync(frame); // the photo around the face, before any edit

    // Row 1: the "smiling" chip, β up two steps. Row 2: "+ Add edit", the "grey hair" chip, α to its end.
    await clickInPanelAsync(frame, '[data-testid="preset-chip-smiling"]');
    await frame.focus(row(0, 'beta-slider'));
    for (let i = 0; i < 2; i++) await frame.press(row(0, 'beta-slider'), 'ArrowRight');
    await clickInPanelAsync(frame, '[data-testid="add-edit"]');
    expect(await frame.getAttribute('[data-testid="edit-stack"]', 'data-count')).toBe('2');
    expect(await frame.inputValue('[data-testid="prompt-input"]')).toBe(''); // the new row is the one being edited
    await clickInPanelAsync(frame, '[data-testid="preset-chip-grey-hair"]');
    await frame.focus(row(1, 'alpha-slider'));
    await frame.press(row(1, 'alpha-slider'), 'End');
    expect(await frame.getAttribute(row(0, 'beta-slider'), 'aria-valuetext')).toBe('0.17');
    expect(await frame.getAttribute(row(1, 'alpha-slider'), 'aria-valuetext')).toBe('10.0');
    expect(await frame.textContent(row(0, 'edit-row-select'))).toBe('1. smiling face');
    expect(await frame.textContent(row(1, 'edit-row-select'))).toBe('2. face with grey hair');

    // The preview shows the stack in place: the photo around the face (not the small square render), with the
    // edited face pasted in. B (outside text fields) and the button flip to the photo as it is and back.
    await frame.waitForSelector('main[data-phase="ready"] [data-testid="preview-image"][data-showing="after"]', SLOW);
    const afterPixels = await canvasPixelsAsync(frame);
    expect(afterPixels.width).toBeGreaterThan(100);
    await frame.press(row(1, 'alpha-slider'), 'b');
    expect(await frame.getAttribute('[data-testid="preview-image"]', 'data-showing')).toBe('before');
    expect(await frame.getAttribute('[data-testid="before-after-toggle"]', 'aria-pressed')).toBe('true');
    const beforePixels = await canvasPixelsAsync(frame);
    expect([beforePixels.width, beforePixels.height]).toEqual([afterPixels.width, afterPixels.height]);
    expect(beforePixels.data).not.toEqual(afterPixels.data);
    expect(beforePixels).toEqual(opened);
    await clickInPanelAsync(frame, '[data-testid="before-after-toggle"]');
    expect(await frame.getAttribute('[data-testid="preview-image"]', 'data-showing')).toBe('after');
    await frame.press('[data-testid="neutral-input"]', 'b'); // a letter in a text field, not the toggle
    expect(await frame.getAttribute('[data-testid="preview-image"]', 'data-showing')).toBe('after');
    await frame.press('[data-testid="neutral-input"]', 'Backspace');
    expect(await frame.inputValue('[data-testid="neutral-input"]')).toBe('face with hair');
    await clickInPanelAsync(frame, '[data-testid="apply-button"]');
    await page.waitForFunction(() => window.facetextHost.toUi().some((m) => ['RESULT_APPLIED', 'APPLY_FAILED'].includes((m as { type: string }).type)), null, { timeout: 600_000, polling: 250 });
    const applied = await page.evaluate(() => window.facetextHost.toUi().find((m) => ['RESULT_APPLIED', 'APPLY_FAILED'].includes((m as { type: string }).type)));
    expect(applied).toMatchObject({ type: 'RESULT_APPLIED', added: true });
    const doc = await documentAsync(page);
    const result = doc.layers.find((l) => l.id === (applied as { resultNodeId: string }).resultNodeId)!;
    expect(JSON.parse(result.pluginData.recipe!)).toMatchObject({ version: 2, edits: [SMILING, GREY], latent: null });

    // Edit again on the result: both rows, each with its values, and the preview renders the same stack.
    await page.evaluate(async (id) => {
      window.facetextHost.select([id]);
      await window.facetextHost.launchAsync('edit-again');
    }, result.name);
    const again = await panelFrameAsync(playground);
    await again.waitForSelector('main[data-phase="ready"] [data-testid="preview-image"][data-showing="after"]', SLOW);
    expect(await page.evaluate(() => window.facetextHost.toUi()[0])).toMatchObject({ type: 'SHOW_COMMAND', command: 'edit-again', recipe: { edits: [SMILING, GREY] } });
    expect(await again.getAttribute('[data-testid="edit-stack"]', 'data-count')).toBe('2');
    expect(await again.textContent(row(0, 'edit-row-select'))).toBe('1. smiling face');
    expect(await again.textContent(row(1, 'edit-row-select'))).toBe('2. face with grey hair');
    expect(Number(await again.inputValue(row(0, 'alpha-slider')))).toBe(SMILING.alpha);
    expect(Number(await again.inputValue(row(0, 'beta-slider')))).toBe(SMILING.beta);
    expect(Number(await again.inputValue(row(1, 'alpha-slider')))).toBe(GREY.alpha);
    expect(Number(await again.inputValue(row(1, 'beta-slider')))).toBe(GREY.beta);
    expect(await again.inputValue('[data-testid="prompt-input"]')).toBe('smiling face');
    await clickInPanelAsync(again, row(1, 'edit-row-select'));
    expect(await again.inputValue('[data-testid="prompt-input"]')).toBe('face with grey hair');
    expect(await again.inputValue('[data-testid="neutral-input"]')).toBe('face with hair');
    expect(playground.errors).toEqual([]);
  }, 1_200_000);
});
