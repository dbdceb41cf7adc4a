// Shared set-up of the panel-driven end-to-end tests: the host simulator with the real built panel.
import type { Frame } from 'playwright-core';
import { expect } from 'vitest';
import { openPlaygroundAsync, type Playground } from '../helpers/figma-host';

/** Inference on a 2-core machine in headless Chromium is slow; every wait in these flows may take minutes. */
export const SLOW = { timeout: 300_000 };

/** The playground, with golden-tiny remembered as the pack: the panel's default URLs name port 8787, this server a free port. */
export async function openPanelPlaygroundAsync({ ui, pack = 'golden-tiny', threads }: { ui?: 'inline' | 'hosted'; pack?: 'golden-tiny' | 'demo'; threads?: number } = {}): Promise<Playground> {
  const playground = await openPlaygroundAsync({ ui, threads });
  await playground.page.evaluate((url) => window.facetextHost.doc.clientStorage.set('packUrl', url), `${playground.url}packs/${pack}/`);
  return playground;
}

/** A click in the panel through element.click(): a pointer click on the footer timed out in the sandboxed iframe. */
export async function clickInPanelAsync(frame: Frame, selector: string): Promise<void> {
  expect(await frame.isEnabled(selector), `${selector} is enabled`).toBe(true);
  await frame.$eval(selector, (element) => (element as HTMLElement).click());
}

/** The panel's frame once the panel has mounted. */
export async function panelFrameAsync(playground: Playground): Promise<Frame> {
  const frame = await (await playground.page.waitForSelector('#plugin')).contentFrame();
  if (frame === null) throw new Error('the panel iframe has no frame');
  await frame.waitForSelector('main[data-phase]', SLOW);
  return frame;
}

/** Types `prompt`, presses Enter and returns the edited preview's RGBA once the panel shows it. */
export async function previewPixelsAfterPromptAsync(frame: Frame, prompt: string): Promise<number[]> {
  await frame.fill('[data-testid="prompt-input"]', prompt);
  await frame.press('[data-testid="prompt-input"]', 'Enter');
  await frame.waitForSelector('main[data-phase="ready"] [data-testid="preview-image"][data-showing="after"]', SLOW);
  return frame.evaluate(() => {
    const canvas = document.querySelector('canvas[data-testid="preview-image"]') as HTMLCanvasElement;
    return [...canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height).data];
  });
}
