// The built panel boots as in Figma: null-origin sandboxed iframe, engine Worker from a blob URL,
// ORT initialised from the wasm inlined in ui.html, backend shown in the panel.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium, type Browser, type Page } from 'playwright-core';
import { startFigmaHost, type FigmaHost } from '../helpers/figma-host';

const CHROMIUM = '/usr/bin/chromium';
// Compiling ORT's 27 MB wasm (and SwiftShader's shaders) takes 20–40 s on a 2-core machine.
const BOOT_TIMEOUT_MS = 180_000;
const BASE_FLAGS = ['--no-sandbox', '--disable-background-networking', '--disable-component-update', '--no-first-run'];

let host: FigmaHost;
let strictHost: FigmaHost; // a host whose CSP allows blob: workers only
beforeAll(async () => {
  host = await startFigmaHost();
  strictHost = await startFigmaHost({ csp: 'worker-src blob:' });
});
afterAll(async () => {
  await host?.close();
  await strictHost?.close();
});

async function bootPanel(flags: string[], on: FigmaHost = host): Promise<{ browser: Browser; page: Page; errors: string[] }> {
  const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: [...BASE_FLAGS, ...flags] });
  const page = await browser.newPage();
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(message.text());
  });
  await page.goto(on.url);
  return { browser, page, errors };
}

async function panelState(page: Page) {
  const panel = page.frameLocator('#plugin');
  const status = panel.locator('[data-testid=engine-status]');
  await expect.poll(() => status.getAttribute('data-status'), { timeout: 150_000 }).not.toBe('starting');
  return {
    status: await status.getAttribute('data-status'),
    text: await status.innerText(),
    backend: (await panel.locator('[data-testid=backend-id]').count()) > 0 ? await panel.locator('[data-testid=backend-id]').textContent() : null,
    fallback: (await panel.locator('[data-testid=fallback-reason]').count()) > 0 ? await panel.locator('[data-testid=fallback-reason]').textContent() : null,
    labelTitle: (await panel.locator('[data-testid=backend-label]').count()) > 0 ? await panel.locator('[data-testid=backend-label]').getAttribute('title') : null,
    command: await panel.locator('[data-testid=command]').innerText(),
    origin: await page.frames().find((frame) => frame !== page.mainFrame())!.evaluate(() => self.origin),
    received: await page.evaluate(() => (window as unknown as { received: unknown[] }).received),
  };
}

describe('the built panel in a Figma-like null-origin iframe', () => {
  it('runs on wasm, and says why, when the only WebGPU adapter is a software one (SwiftShader)', async () => {
    const { browser, page, errors } = await bootPanel(['--enable-unsafe-webgpu']);
    try {
      const state = await panelState(page);
      expect(state.origin).toBe('null');
      expect(state, state.text).toMatchObject({ status: 'ready', backend: 'wasm' });
      expect(state.fallback).toBe('WebGPU adapter is a software renderer (SwiftShader): running on WebAssembly, which is faster here');
      expect(state.labelTitle).toBe(state.fallback);
      expect(state.command).toContain('Edit with text');
      expect(state.command).toContain('a smiling face');
      expect(state.received).toEqual([{ type: 'UI_READY' }]);
      expect(errors).toEqual([]);
    } finally {
      await browser.close();
    }
  }, BOOT_TIMEOUT_MS);

  it('falls back to wasm, and says why, when WebGPU has no adapter', async () => {
    const { browser, page, errors } = await bootPanel([]);
    try {
      const state = await panelState(page);
      expect(state.origin).toBe('null');
      expect(state, state.text).toMatchObject({ status: 'ready', backend: 'wasm' });
      expect(state.fallback).toMatch(/WebGPU has no adapter/);
      expect(errors).toEqual([]);
    } finally {
      await browser.close();
    }
  }, BOOT_TIMEOUT_MS);

  it('starts a blob: worker on wasm when the host refuses data: workers', async () => {
    // A blob:null worker is not a secure context, so it has no navigator.gpu even with WebGPU enabled;
    // the runtime then defaults to wasm alone.
    const { browser, page } = await bootPanel(['--enable-unsafe-webgpu'], strictHost);
    try {
      const state = await panelState(page);
      expect(state, state.text).toMatchObject({ status: 'ready', backend: 'wasm' });
      expect(state.fallback).toMatch(/data: worker failed to start.*started a blob: worker instead/);
    } finally {
      await browser.close();
    }
  }, BOOT_TIMEOUT_MS);
});
