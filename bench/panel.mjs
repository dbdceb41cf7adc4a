// The panel bench (`--groups panel`): what a user waits for, through the real panel in the playground
// (scripts/serve.mjs + the fake Figma host, dist/ built), in headless /usr/bin/chromium. Per mode (the inline
// panel in a sandboxed srcdoc frame as Figma shows it; the hosted page with its pack cache, `/?ui=hosted`) and
// per run (first: a fresh browser profile; second: the same profile opened again, as a second run of the
// plugin): pack bytes fetched (counted at the server), seconds from "Edit with text…" on a selected photo to the
// face being ready, from the prompt's Enter to the first preview frame, the identity meter, the α-drag (below)
// and Apply, and the peak memory of Chromium's processes (bench/proc-memory.mjs), per step. After Apply, untimed,
// the run opens Diagnostics… and records the wasm threads ORT ran with and whether the panel was cross-origin
// isolated (the hosted page is, by its Document-Isolation-Policy: README "Hosting"); `hostedThreads` starts the
// hosted page with `?threads=N` instead of the thread policy's count.
//
// α-drag, timed inside the panel's frame (its own clock, no polling): the canvas's putImageData is wrapped to
// stamp each frame drawn, and the frame counts as on screen at the next requestAnimationFrame. Comlink's
// previewPhoto calls are stamped at Worker.postMessage, so each frame is tied to the request (and resolution)
// it answers. "steps": one input event, then wait for its frame (an input's own latency). "drag": input events
// every `dragIntervalMs` as a steady drag, each input's latency being until the first frame whose request was
// sent after it (the first frame that can show it). Then the change event (release) until the refined frame.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { addPhotoAsync, dragInPanel, instrumentPanel } from './panel-page.mjs';
import { startMemorySampler } from './proc-memory.mjs';

const CHROMIUM = '/usr/bin/chromium';
// The e2e helpers' flags (test/helpers/figma-host.ts): no WebGPU flag, so the panel runs on WASM as in Figma here.
const FLAGS = ['--no-sandbox', '--disable-background-networking', '--disable-component-update', '--no-first-run'];

const seconds = (ms) => Math.round(ms) / 1000;

/** Bytes the servers sent from the pack folder: its files (packBytesFetched, by name) and pack.json apart. */
function packBytes(served, packPath) {
  const files = {};
  let packJson = 0;
  for (const { url, bytes } of served) {
    const path = decodeURIComponent(url.split('?')[0]);
    if (!path.startsWith(packPath)) continue;
    const name = path.slice(packPath.length);
    if (name === 'pack.json') packJson += bytes;
    else files[name] = (files[name] ?? 0) + bytes;
  }
  return { packBytesFetched: Object.values(files).reduce((a, b) => a + b, 0), packJsonBytesFetched: packJson, filesFetched: files };
}

/** One run of the plugin in a browser on `profileDir`: launch on the photo, face, first preview, drag, Apply. */
async function oneRunAsync({ mode, run, profileDir, serverUrl, served, packUrl, options, log }) {
  const sampler = startMemorySampler({ intervalMs: 100 });
  const context = await chromium.launchPersistentContext(profileDir, { executablePath: CHROMIUM, headless: true, args: FLAGS });
  const out = { mode, run };
  try {
    const page = context.pages()[0] ?? (await context.newPage());
    page.setDefaultTimeout(options.timeoutMs);
    const errors = [];
    page.on('pageerror', (error) => errors.push(error.message));
    await page.goto(mode === 'hosted' ? `${serverUrl}?ui=hosted${options.hostedThreads === undefined ? '' : `&threads=${options.hostedThreads}`}` : serverUrl);
    await page.waitForFunction(() => globalThis.facetextHost !== undefined);
    await page.evaluate(() => globalThis.facetextHost.ready);
    await page.evaluate((url) => globalThis.facetextHost.doc.clientStorage.set('packUrl', url), packUrl);
    const photo = await addPhotoAsync(page, options.photo, options.photoSide);
    out.photoPngBytes = photo.bytes;
    await page.evaluate((name) => globalThis.facetextHost.select([name]), photo.name);
    const servedFrom = served.length;

    sampler.mark('face');
    const launchedAt = Date.now();
    await page.evaluate(() => globalThis.facetextHost.launchAsync('edit-with-text'));
    const frame = await (await page.waitForSelector('#plugin')).contentFrame();
    await frame.waitForSelector('main[data-phase="ready"] [data-testid="preview-image"][data-showing="before"]');
    out.faceReadyS = seconds(Date.now() - launchedAt);
    out.backend = await frame.$eval('[data-testid="backend-id"]', (e) => e.textContent).catch(() => null);
    out.origin = await frame.evaluate(() => globalThis.location.origin);
    log(`  ${mode} ${run}: face ready ${out.faceReadyS} s (${out.backend})`);

    sampler.mark('first preview');
    await frame.evaluate(instrumentPanel);
    if (options.beta !== undefined) {
      // β before the prompt, so the first preview and the drag use it: a lower β keeps channels in lower layers,
      // which decides the drag's draft exit (the smallest exit reaching the lowest changed layer).
      await frame.$eval('[data-testid="beta-slider"]', (slider, beta) => {
        slider.value = String(beta);
        slider.dispatchEvent(new Event('input', { bubbles: true }));
        slider.dispatchEvent(new Event('change', { bubbles: true }));
      }, options.beta);
      out.beta = Number(await frame.$eval('[data-testid="beta-slider"]', (slider) => slider.value));
    }
    await frame.fill('[data-testid="prompt-input"]', options.prompt);
    const enteredAt = Date.now();
    await frame.press('[data-testid="prompt-input"]', 'Enter');
    await frame.waitForSelector('main[data-phase="ready"] [data-testid="preview-image"][data-showing="after"]');
    const previewShownAt = Date.now();
    out.firstPreviewS = seconds(previewShownAt - enteredAt);
    log(`  ${mode} ${run}: first preview ${out.firstPreviewS} s`);
    // The identity meter scores the preview and (once per face) the inversion right after; a drag started before
    // it ends would wait behind it, so it is timed on its own.
    sampler.mark('identity meter');
    await frame.waitForFunction(() => {
      const meter = globalThis.document.querySelector('[data-testid="identity-meter"]');
      return meter === null || meter.dataset.reconstruction !== '' || meter.title.startsWith('No ');
    });
    out.identityS = seconds(Date.now() - previewShownAt);
    Object.assign(out, packBytes(served.slice(servedFrom), options.packPath));

    if (options.dragSteps > 0) {
      sampler.mark('α-drag');
      out.alphaDrag = await frame.evaluate(dragInPanel, {
        steps: options.dragSteps, delta: options.dragDelta, dragInputs: options.dragInputs, dragIntervalMs: options.dragIntervalMs, timeoutMs: options.timeoutMs,
      });
      log(`  ${mode} ${run}: α steps ${out.alphaDrag.stepMs.map((ms) => Math.round(ms)).join(', ')} ms at exits ${out.alphaDrag.stepExits.join(', ')} px; refined ${Math.round(out.alphaDrag.stepsRefinedMs)} ms at ${out.alphaDrag.refinedExit} px`);
    }

    sampler.mark('apply');
    const applyFrom = await page.evaluate(() => globalThis.facetextHost.toUi().length);
    const appliedAt = Date.now();
    await frame.$eval('[data-testid="apply-button"]', (button) => button.click());
    await page.waitForFunction((from) => globalThis.facetextHost.toUi().slice(from).some((m) => m.type === 'RESULT_APPLIED' || m.type === 'APPLY_FAILED'), applyFrom, { polling: 100 });
    out.applyS = seconds(Date.now() - appliedAt);
    out.applied = await page.evaluate((from) => globalThis.facetextHost.toUi().slice(from).some((m) => m.type === 'RESULT_APPLIED'), applyFrom);
    out.packBytesFetchedWithApply = packBytes(served.slice(servedFrom), options.packPath).packBytesFetched;
    out.threads = await diagnosedThreadsAsync(page);
    log(`  ${mode} ${run}: ORT ${out.threads.ortThreads} thread(s), crossOriginIsolated ${out.threads.crossOriginIsolated}, ${out.threads.hardwareConcurrency} cores`);
    out.pageErrors = errors;
  } catch (error) {
    out.error = error instanceof Error ? error.message.split('\n')[0] : String(error);
    log(`  ${mode} ${run}: ${out.error}`);
  } finally {
    await context.close();
    out.memory = sampler.stop();
  }
  return out;
}

/** Diagnostics… in a new panel (after the timed steps): the engine's wasm threads and the panel's isolation. */
async function diagnosedThreadsAsync(page) {
  await page.evaluate(() => globalThis.facetextHost.launchAsync('diagnostics'));
  const frame = await (await page.waitForSelector('#plugin')).contentFrame();
  await frame.waitForSelector('[data-testid="diagnostics"][data-state="ready"]');
  const report = JSON.parse(await frame.inputValue('[data-testid="diagnostics-json"]'));
  return { ...report.threads, workerCrossOriginIsolated: report.worker?.crossOriginIsolated ?? null };
}

/**
 * `options`: { packDir, packId, photo (PNG path), photoSide, prompt, beta (optional), modes, hostedThreads (optional), dragSteps,
 * dragDelta, dragInputs, dragIntervalMs, timeoutMs }. Returns one record per mode and run.
 */
export async function runPanelBench(options, log = console.error) {
  const { startServer } = await import('../scripts/serve.mjs');
  const served = [];
  const server = await startServer({ port: 0, onServed: (file) => served.push(file), packs: { [options.packId]: options.packDir } });
  const serverUrl = `http://127.0.0.1:${server.address().port}/`;
  const packPath = `/packs/${options.packId}/`;
  const runs = [];
  try {
    for (const mode of options.modes) {
      const profileDir = mkdtempSync(join(process.env.TMPDIR || tmpdir(), 'facetext-panel-profile-'));
      try {
        for (const run of ['first', 'second']) {
          runs.push(await oneRunAsync({ mode, run, profileDir, serverUrl, served, packUrl: `${serverUrl.replace(/\/$/, '')}${packPath}`, options: { ...options, packPath }, log }));
        }
      } finally {
        rmSync(profileDir, { recursive: true, force: true });
      }
    }
  } finally {
    await new Promise((done) => server.close(done));
  }
  return runs;
}
