// User story: a maintainer runs "Diagnostics…" in the playground (the inline panel in a sandboxed null-origin
// frame, as Figma shows it) and copies a JSON report of what this host allows.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Playground } from '../helpers/figma-host';
import type { DiagnosticsReport } from '../../ui/diagnostics';
import { openPanelPlaygroundAsync, panelFrameAsync, SLOW } from './panel-helpers';

let playground: Playground;
beforeAll(async () => {
  playground = await openPanelPlaygroundAsync();
}, 300_000);
afterAll(() => playground?.close());

const probeShape = { ok: expect.any(Boolean), error: expect.toSatisfy((e: unknown) => e === null || typeof e === 'string') };

describe('Diagnostics… in the inline panel', () => {
  it('reports the null origin, the data: worker, storage that throws, and the backend, as JSON', async () => {
    await playground.page.evaluate(() => window.facetextHost.launchAsync('diagnostics'));
    const frame = await panelFrameAsync(playground);
    await frame.waitForSelector('[data-testid="diagnostics"][data-state="ready"]', SLOW);
    const report = JSON.parse(await frame.inputValue('[data-testid="diagnostics-json"]')) as DiagnosticsReport;

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
