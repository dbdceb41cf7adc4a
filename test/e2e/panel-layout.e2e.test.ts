// User story: a designer opens the panel at Figma's default 320 × 480, in the light and in the dark theme. Without
// scrolling they see the preview, the α and β sliders and Apply; during a batch also its progress and Cancel,
// and Escape cancels it. Proved by element geometry (inside the viewport, not covered by anything), with
// screenshots of each state saved under test-results/panel-layout/ for a person to look at.
import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Frame } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../helpers/golden';
import type { Playground } from '../helpers/figma-host';
import { clickInPanelAsync, openPanelPlaygroundAsync, panelFrameAsync, SLOW } from './panel-helpers';
import { applyFigmaThemeAsync, type FigmaTheme } from './panel-themes';

const SCREENSHOTS = resolve(REPO_ROOT, 'test-results/panel-layout');
const DEFAULT_SIZE = { width: 320, height: 480 }; // plugin/panel-session.ts PANEL_OPTIONS
const FRAMES = ['Portrait 1', 'Portrait 2', 'Portrait 3', 'Portrait 4', 'Portrait 5'];

interface Seen {
  selector: string;
  found: boolean;
  inside: boolean;
  uncovered: boolean;
  rect: { top: number; bottom: number; left: number; right: number };
}

/** Where each element is in the panel's viewport, and whether the topmost element at its centre is it (or inside it). */
async function seenAsync(frame: Frame, selectors: string[]): Promise<{ viewport: { width: number; height: number }; scrolled: number; seen: Seen[] }> {
  return frame.evaluate((selectors) => ({
    viewport: { width: innerWidth, height: innerHeight },
    scrolled: document.scrollingElement?.scrollTop ?? 0,
    seen: selectors.map((selector) => {
      const element = document.querySelector(selector);
      if (element === null) return { selector, found: false, inside: false, uncovered: false, rect: { top: 0, bottom: 0, left: 0, right: 0 } };
      const { top, bottom, left, right } = element.getBoundingClientRect();
      const inside = top >= 0 && left >= 0 && bottom <= innerHeight && right <= innerWidth && bottom > top && right > left;
      const hit = document.elementFromPoint((left + right) / 2, (top + bottom) / 2);
      return { selector, found: true, inside, uncovered: hit !== null && (hit === element || element.contains(hit)), rect: { top, bottom, left, right } };
    }),
  }), selectors);
}

async function expectVisibleAsync(frame: Frame, selectors: string[]): Promise<void> {
  const { viewport, scrolled, seen } = await seenAsync(frame, selectors);
  expect(viewport).toEqual(DEFAULT_SIZE);
  expect(scrolled).toBe(0);
  for (const element of seen) expect(element, JSON.stringify(element)).toMatchObject({ found: true, inside: true, uncovered: true });
}

async function screenshotAsync(playground: Playground, name: string): Promise<void> {
  await playground.page.locator('#plugin').screenshot({ path: resolve(SCREENSHOTS, `${name}.png`) });
}

async function launchAsync(playground: Playground, command: string, selection: string[], theme: FigmaTheme): Promise<Frame> {
  await playground.page.evaluate(async ({ command, selection }) => {
    window.facetextHost.select(selection);
    await window.facetextHost.launchAsync(command);
  }, { command, selection });
  const frame = await panelFrameAsync(playground);
  await applyFigmaThemeAsync(frame, theme);
  return frame;
}

const EDITING = ['[data-testid="preview-image"]', '[data-testid="alpha-slider"]', '[data-testid="beta-slider"]', '[data-testid="prompt-input"]', '[data-testid="apply-button"]'];

let playground: Playground;
beforeAll(async () => {
  mkdirSync(SCREENSHOTS, { recursive: true });
  playground = await openPanelPlaygroundAsync();
}, 300_000);
afterAll(() => playground?.close());

describe.each<FigmaTheme>(['light', 'dark'])('the panel at 320 × 480 in the %s theme', (theme) => {
  it('shows the preview, both sliders, the prompt and Apply without scrolling', async () => {
    const frame = await launchAsync(playground, 'edit-with-text', ['Astronaut'], theme);
    await frame.waitForSelector('main[data-phase="ready"]', SLOW);
    await clickInPanelAsync(frame, '[data-testid="preset-chip-smiling"]'); // an empty prompt previews nothing
    await frame.waitForSelector('main[data-phase="ready"] [data-testid="preview-image"][data-showing="after"]', SLOW);
    expect(await frame.evaluate(() => getComputedStyle(document.body).backgroundColor)).toBe(theme === 'dark' ? 'rgb(44, 44, 44)' : 'rgb(255, 255, 255)');
    await expectVisibleAsync(frame, EDITING);
    await screenshotAsync(playground, `${theme}-edit`);
  }, 600_000);

  it('during a batch also shows its progress and Cancel, and Escape cancels it after the image in flight', async () => {
    const frame = await launchAsync(playground, 'batch-edit', FRAMES, theme);
    await frame.waitForSelector('main[data-phase="ready"]', SLOW);
    await frame.fill('[data-testid="prompt-input"]', 'old face');
    // A small pack edits five images in seconds: the host holds item 2's image back from the panel until Cancel has
    // arrived, so the batch is surely running while it is looked at.
    await playground.page.evaluate(() => window.facetextHost.holdBatchItem(1));
    const sentBefore = await playground.page.evaluate(() => window.facetextHost.toUi().length); // this batch's messages follow
    await clickInPanelAsync(frame, '[data-testid="apply-button"]');
    await playground.page.waitForFunction(() => window.facetextHost.heldForPanel() > 0, null, { timeout: 600_000, polling: 100 });
    await frame.waitForSelector('[data-testid="batch-progress"]:has-text("1 of 5")', SLOW);
    await expectVisibleAsync(frame, [...EDITING, '[data-testid="batch-progress"]', '[data-testid="cancel-button"]']);
    await screenshotAsync(playground, `${theme}-batch`);

    const logged = await playground.page.evaluate(() => window.facetextHost.fromUiLog.length);
    await frame.focus('[data-testid="cancel-button"]');
    await frame.press('[data-testid="cancel-button"]', 'Escape');
    await playground.page.waitForFunction((logged) => window.facetextHost.fromUiLog.slice(logged).some((entry) => entry.startsWith('CANCEL_BATCH')), logged, { timeout: 30_000, polling: 50 });
    await playground.page.evaluate(() => window.facetextHost.releaseToPanel());
    const done = await playground.page.waitForFunction((sentBefore) => window.facetextHost.toUi().slice(sentBefore).find((m) => (m as { type: string }).type === 'BATCH_DONE'), sentBefore, { timeout: 600_000, polling: 250 });
    const summary = (await done.jsonValue()) as { completed: number; total: number; cancelled: boolean };
    expect(summary).toMatchObject({ completed: 2, total: 5, cancelled: true }); // item 2 was in flight: it finishes
    expect(await playground.page.evaluate((logged) => window.facetextHost.fromUiLog.slice(logged).filter((entry) => entry.startsWith('CANCEL_BATCH')).length, logged)).toBe(1);
    await frame.waitForSelector('[data-testid="cancel-button"]', { state: 'detached', ...SLOW });
    await expectVisibleAsync(frame, ['[data-testid="notice"]', '[data-testid="apply-button"]']);
    await screenshotAsync(playground, `${theme}-batch-cancelled`);
  }, 900_000);
});
