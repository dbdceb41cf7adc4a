// User story: a designer whose team hosts the panel (README, "Hosting the panel and packs for a team") gets
// multi-threaded WASM. The page's Document-Isolation-Policy header (scripts/serve.mjs sends what README asks of a
// team's host) makes the panel frame and its engine Worker cross-origin isolated although the host page around it
// is not (as Figma's is not), so ORT runs the policy's threads (ui/worker/runtime/threads.ts; 1 on a 2-core machine),
// and with the page's explicit ?threads=2 really two (read back from ORT, which falls back to 1 silently), previewing
// the same pixels as the policy's count. The inline panel stays at 1 thread (diagnostics.e2e.test.ts).
import type { Frame } from 'playwright-core';
import { afterAll, describe, expect, it } from 'vitest';
import type { DiagnosticsReport } from '../../ui/diagnostics';
import { defaultWasmThreads } from '../../ui/worker/runtime/threads';
import type { Playground } from '../helpers/figma-host';
import { openPanelPlaygroundAsync, panelFrameAsync, previewPixelsAfterPromptAsync, SLOW } from './panel-helpers';

interface HostedRun {
  report: DiagnosticsReport;
  hostIsolated: boolean;
  /** Live Workers running the engine's script: the engine and ORT's pthread Workers (which start the same file). */
  engineScriptWorkers: () => number;
  pixels: number[];
}

const opened: Playground[] = [];
afterAll(async () => {
  for (const playground of opened) await playground.close();
});

/** Diagnostics…, then "Edit with text…" on the astronaut with "smiling face": the report and the preview's pixels. */
async function hostedRunAsync(threads?: number): Promise<HostedRun> {
  const playground = await openPanelPlaygroundAsync({ ui: 'hosted', ...(threads === undefined ? {} : { threads }) });
  opened.push(playground);
  await playground.page.evaluate(() => window.facetextHost.launchAsync('diagnostics'));
  let frame: Frame = await panelFrameAsync(playground);
  await frame.waitForSelector('[data-testid="diagnostics"][data-state="ready"]', SLOW);
  const report = JSON.parse(await frame.inputValue('[data-testid="diagnostics-json"]')) as DiagnosticsReport;

  await playground.page.evaluate(async () => {
    window.facetextHost.select(['Astronaut']);
    await window.facetextHost.launchAsync('edit-with-text');
  });
  frame = await panelFrameAsync(playground);
  await frame.waitForSelector('main[data-phase="ready"]', SLOW);
  const pixels = await previewPixelsAfterPromptAsync(frame, 'smiling face');
  const engineScriptWorkers = () => playground.page.workers().filter((w) => w.url().endsWith('/engine-worker.js')).length;
  return { report, hostIsolated: await playground.page.evaluate(() => crossOriginIsolated), engineScriptWorkers, pixels };
}

describe('the hosted panel is cross-origin isolated and runs wasm threads', () => {
  let policy: HostedRun;

  it('by the policy: the frame and its worker are isolated in a host page that is not; ORT runs min(4, ceil(cores / 2))', async () => {
    policy = await hostedRunAsync();
    const { report } = policy;
    expect(policy.hostIsolated, 'the host page (Figma) is not isolated').toBe(false);
    expect(report.mode).toBe('hosted');
    expect(report.threads.crossOriginIsolated).toBe(true);
    expect(report.worker?.crossOriginIsolated).toBe(true);
    expect(report.ort.backend).toBe('wasm'); // headless: SwiftShader WebGPU is passed over, so the threads are used
    const cores = report.threads.hardwareConcurrency ?? undefined;
    expect(report.threads.ortThreads).toBe(defaultWasmThreads({ crossOriginIsolated: true, hardwareConcurrency: cores }));
    // The Diagnostics panel's engine goes once the edit panel replaced it: then only this engine's Workers remain.
    await expect.poll(policy.engineScriptWorkers, { ...SLOW, message: 'the engine plus one pthread Worker per extra thread' }).toBe(report.threads.ortThreads);
  }, 600_000);

  it('with ?threads=2: ORT really runs 2 threads (a pthread Worker exists) and previews the same pixels', async () => {
    const two = await hostedRunAsync(2);
    expect(two.report.threads.crossOriginIsolated).toBe(true);
    expect(two.report.threads.ortThreads).toBe(2);
    await expect.poll(two.engineScriptWorkers, SLOW).toBe(2);
    expect(policy.pixels.length).toBeGreaterThan(0);
    expect(two.pixels).toHaveLength(policy.pixels.length);
    // The wasm tolerance (1e-4 on the image, engine-worker.e2e.test.ts) can only flip an 8-bit rounding: one level.
    let worst = 0;
    for (let i = 0; i < two.pixels.length; i++) worst = Math.max(worst, Math.abs(two.pixels[i]! - policy.pixels[i]!));
    expect(worst, 'max |Δ| of the preview\'s RGBA bytes, 2 threads vs the policy\'s').toBeLessThanOrEqual(1);
  }, 600_000);
});
