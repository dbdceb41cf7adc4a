// The panel bench's memory figure is the sum over Chromium's renderer processes, read from /proc: this starts a
// real headless Chromium and checks that the sampler finds its renderers and sees a page's allocation, so a
// change in how Chromium names or parents its processes fails here rather than printing 0 MB in a bench run.
import { describe, expect, it } from 'vitest';
import { CHROMIUM, CHROMIUM_FLAGS } from '../helpers/figma-host';
// @ts-expect-error – a plain .mjs script without type declarations
import { startMemorySampler } from '../../bench/proc-memory.mjs';
// @ts-expect-error – a plain .mjs script without type declarations
import { summarisePanel } from '../../bench/report.mjs';

interface Peak { renderersRssMB: number; renderersAnonMB: number; allRssMB: number; atPeak: Array<{ kind: string; rssMB: number }> }
interface Sampler { mark(label: string): void; stop(): { samples: number; peak: Peak; spans: Array<{ label: string } & Peak> } }

describe('bench/proc-memory.mjs', () => {
  it('sums the renderers of the Chromium this process started, and sees a page grow by 400 MB', async () => {
    const { chromium } = await import('playwright-core');
    // Samples only where mark() and stop() take one (the interval is longer than the test), so each span holds
    // exactly the state it names.
    const sampler = (startMemorySampler as (options: { intervalMs: number }) => Sampler)({ intervalMs: 600_000 });
    const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_FLAGS });
    try {
      const page = await browser.newPage();
      await page.goto('data:text/html,<iframe sandbox="allow-scripts" srcdoc="<p>panel</p>"></iframe>');
      sampler.mark('idle');
      await page.evaluate(() => {
        const block = new Uint8Array(400e6).fill(1); // touched, so resident
        (globalThis as { held?: Uint8Array }).held = block;
      });
      sampler.mark('allocated');
    } finally {
      await browser.close();
    }
    const { samples, peak, spans } = sampler.stop();
    expect(samples).toBe(4); // start, two marks, stop
    expect(peak.atPeak.map((p) => p.kind)).toEqual(expect.arrayContaining(['browser', 'renderer']));
    const [idle, allocated] = spans;
    expect(idle!.renderersRssMB).toBeGreaterThan(20);
    expect(allocated!.renderersRssMB - idle!.renderersRssMB).toBeGreaterThan(380);
    expect(allocated!.renderersAnonMB - idle!.renderersAnonMB).toBeGreaterThan(380);
    expect(peak.allRssMB).toBeGreaterThan(peak.renderersRssMB);
  }, 60_000);
});

describe('bench/report.mjs summarisePanel', () => {
  it('gives the α-drag medians and spreads and judges the budgets on them', () => {
    const run = (stepMs: number[], renderersRssMB: number) => ({
      mode: 'inline', run: 'first', packBytesFetched: 417_610_000, faceReadyS: 30, firstPreviewS: 12, backend: 'wasm',
      memory: { peak: { renderersRssMB, renderersAnonMB: renderersRssMB - 300, allRssMB: renderersRssMB + 600 } },
      alphaDrag: { stepMs, stepResolutions: [256], stepExits: [64, 64, 128], stepsRefinedMs: 3000, refinedResolution: 256, refinedExit: 256, drag: { inputMs: [900, null, 2500, 1700], refinedMs: 2900 } },
    });
    const [fast, slow] = (summarisePanel as (runs: unknown[]) => Array<Record<string, unknown>>)([
      { ...run([700, 900, 1200], 1999), threads: { crossOriginIsolated: true, hardwareConcurrency: 8, ortThreads: 4 } }, run([1100, 1000, 1300, 990], 2100),
    ]);
    // The thread count per run (from Diagnostics… after the run); a run that recorded none says so.
    expect(fast).toMatchObject({ ortThreads: 4, crossOriginIsolated: true });
    expect(slow).toMatchObject({ ortThreads: null, crossOriginIsolated: null });
    expect(fast).toMatchObject({ packMB: 417.61, stepMs: { median: 900, min: 700, max: 1200, n: 3 }, dragInputMs: { median: 1700, min: 900, max: 2500, n: 3 }, dragMet: true, memoryMet: true, draftExits: [64, 128], refinedExit: 256 });
    expect(slow).toMatchObject({ stepMs: { median: 1050, n: 4 }, dragMet: false, memoryMet: false });
  });
});
