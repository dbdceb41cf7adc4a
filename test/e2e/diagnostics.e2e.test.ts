// User story: a maintainer runs "Diagnostics…" in the playground (the inline panel in a sandboxed null-origin
// frame, as Figma shows it) and copies a JSON report of what this host allows.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Playground } from '../helpers/figma-host';
import type { DiagnosticsReport } from '../../ui/diagnostics';
import { defaultWasmThreads } from '../../ui/worker/runtime/threads';
import { openPanelPlaygroundAsync, panelFrameAsync, SLOW } from './panel-helpers';

let playground: Playground;
beforeAll(async () => {
  playground = await openPanelPlaygroundAsync();
}, 300_000);
afterAll(() => playground?.close());

async function diagnosticsAsync(where: Playground): Promise<DiagnosticsReport> {
  await where.page.evaluate(() => window.facetextHost.launchAsync('diagnostics'));
  const frame = await panelFrameAsync(where);
  await frame.waitForSelector('[data-testid="diagnostics"][data-state="ready"]', SLOW);
  return JSON.parse(await frame.inputValue('[data-testid="diagnostics-json"]')) as DiagnosticsReport;
}

const probeShape = { ok: expect.any(Boolean), error: expect.toSatisfy((e: unknown) => e === null || typeof e === 'string') };

describe('Diagnostics… in the inline panel', () => {
  it('reports the null origin, the data: worker, storage that throws, and the backend, as JSON', async () => {
    const report = await diagnosticsAsync(playground);
    const frame = await panelFrameAsync(playground);

    expect(report.version).toBe(1);
    expect(report.mode).toBe('inline');
    expect(report.origin).toEqual({ kind: 'opaque', origin: 'null', isSecureContext: expect.any(Boolean) });
    // The panel is the whole ui.html: ORT's wasm and the face models inlined make it > 10 MB.
    expect(report.ui.htmlBytes).toBeGreaterThan(10e6);
    expect(report.ui.htmlBytesSource).toBe('navigation');
    for (const key of ['scriptStartMs', 'engineReadyMs'] as const) expect(report.ui[key], key).toBeGreaterThan(0);
    expect(report.ui.engineReadyMs!).toBeGreaterThanOrEqual(report.ui.scriptStartMs!);
    expect(report.worker).toEqual({ kind: 'data:', isSecureContext: true, crossOriginIsolated: false, navigatorGpu: expect.any(Boolean), cryptoSubtle: true });
    expect(report.threads).toEqual({ crossOriginIsolated: false, hardwareConcurrency: expect.any(Number), ortThreads: 1 });
    expect(typeof report.gpu.navigatorGpu).toBe('boolean');
    if (report.gpu.adapter !== null) expect(report.gpu.adapter).toMatchObject({ software: expect.any(Boolean), vendor: expect.any(String) });
    expect(['wasm', 'webgpu']).toContain(report.ort.backend);
    expect(report.ort.error).toBeNull();
    // In an opaque origin every storage API refuses (spec/platform.md §3): the reason why.
    for (const where of [report.storage.panel, report.storage.worker!]) {
      for (const api of ['cacheStorage', 'indexedDB', 'opfs'] as const) {
        expect(where[api], api).toEqual(probeShape);
        expect(where[api].ok, api).toBe(false);
        expect(where[api].error, api).toMatch(/\S/);
      }
    }
    expect(report.storage.panel.localStorage.ok).toBe(false);
    const estimate = report.storage.panel.estimate;
    expect('error' in estimate ? typeof estimate.error : typeof estimate.quota).toMatch(/string|number/);

    // The readable list says the same.
    const text = await frame.textContent('[data-testid="diagnostics"]');
    expect(text).toContain('opaque (null)');
    expect(text).toContain('Copy JSON');
    // Diagnostics loads no pack and asks for no image.
    expect(await playground.page.evaluate(() => window.facetextHost.fromUiLog)).not.toContain('REQUEST_TARGET');
  });
});

describe('Diagnostics… in the hosted panel', () => {
  it('reports a page with its own origin, a worker started from a file, and storage that works', async () => {
    const hosted = await openPanelPlaygroundAsync({ ui: 'hosted' });
    try {
      const report = await diagnosticsAsync(hosted);
      expect(report.mode).toBe('hosted');
      expect(report.origin.kind).toBe('hosted');
      expect(report.origin.origin).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(report.origin.origin).not.toBe(new URL(hosted.url).origin); // another origin than the host page's
      expect(report.origin.isSecureContext).toBe(true);
      // The page no longer carries ORT's wasm or the face models: it is small, and its assets load beside it.
      expect(report.ui.htmlBytes).toBeLessThan(10_000);
      // Its Document-Isolation-Policy header (scripts/serve.mjs) isolates the page and its worker inside a host page that
      // is not isolated; the thread count is the policy's (test/e2e/hosted-threads.e2e.test.ts runs threads).
      expect(report.worker).toEqual({ kind: 'url', isSecureContext: true, crossOriginIsolated: true, navigatorGpu: expect.any(Boolean), cryptoSubtle: true });
      expect(report.threads.crossOriginIsolated).toBe(true);
      expect(report.threads.ortThreads).toBe(defaultWasmThreads({ crossOriginIsolated: true, hardwareConcurrency: report.threads.hardwareConcurrency ?? undefined }));
      // Where the pack cache lives (Cache Storage), in the panel and the worker alike.
      expect(report.storage.panel.cacheStorage).toEqual({ ok: true, error: null });
      expect(report.storage.worker!.cacheStorage).toEqual({ ok: true, error: null });
      for (const api of ['indexedDB', 'opfs', 'localStorage'] as const) expect(report.storage.panel[api], api).toEqual(probeShape);
      expect(report.storage.panel.estimate).toEqual({ usage: expect.any(Number), quota: expect.any(Number) });
      expect(report.ort.error).toBeNull();
    } finally {
      await hosted.close();
    }
  }, 300_000);
});
