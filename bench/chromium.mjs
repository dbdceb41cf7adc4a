// Runs the benchmark stages in headless Debian Chromium (playwright-core drives /usr/bin/chromium, as the
// e2e tests do). A loopback-only HTTP server serves the page, the bundle, ORT's wasm and the pack files.
// WebGPU on this machine is SwiftShader, a CPU implementation: its numbers are labelled "software adapter".
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { createServer } from 'node:http';
import { basename, extname, join, resolve } from 'node:path';
import { chromium } from 'playwright-core';

const CHROMIUM = '/usr/bin/chromium';
const BASE_FLAGS = ['--no-sandbox', '--disable-background-networking', '--disable-component-update', '--no-first-run'];
const WEBGPU_FLAGS = ['--enable-unsafe-webgpu'];
const TYPES = { '.html': 'text/html', '.js': 'text/javascript', '.mjs': 'text/javascript', '.wasm': 'application/wasm', '.json': 'application/json' };
const PAGE = '<!doctype html><meta charset="utf-8"><title>facetext bench</title><script type="module" src="/build/browser-entry.js"></script>';

/** Serves /build/* from `buildDir`, /packs/<id>/* from the given pack folders, /matmul.onnx. Loopback only. */
async function startServer({ buildDir, packs, matmulFile }) {
  const server = createServer(async (request, response) => {
    const url = new URL(request.url, 'http://127.0.0.1');
    // Cross-origin isolation, so a thread count above 1 is possible when asked for.
    response.setHeader('Cross-Origin-Opener-Policy', 'same-origin');
    response.setHeader('Cross-Origin-Embedder-Policy', 'require-corp');
    let path;
    const parts = url.pathname.split('/').map(decodeURIComponent);
    if (url.pathname === '/') {
      response.writeHead(200, { 'content-type': 'text/html' }).end(PAGE);
      return;
    } else if (parts[1] === 'build' && parts.length === 3) path = join(buildDir, basename(parts[2]));
    else if (parts[1] === 'packs' && parts.length === 4 && packs[parts[2]]) path = join(packs[parts[2]], basename(parts[3]));
    else if (url.pathname === '/matmul.onnx' && matmulFile) path = matmulFile;
    try {
      const info = path && (await stat(path));
      if (!info?.isFile()) throw new Error('not found');
      response.writeHead(200, { 'content-type': TYPES[extname(path)] ?? 'application/octet-stream', 'content-length': info.size });
      createReadStream(path).pipe(response);
    } catch {
      response.writeHead(404).end();
    }
  });
  await new Promise((done) => server.listen(0, '127.0.0.1', done));
  return { url: `http://127.0.0.1:${server.address().port}`, close: () => new Promise((done) => server.close(done)) };
}

/**
 * One browser per backend; one page per pack. Returns { results, adapter, userAgent, chromiumVersion } per pack.
 * `runs`: [{ packId, packDir, groups }]
 */
export async function runChromium({ buildDir, backend, numThreads, runs, repeats, warmup, matmul, timeoutMs, log = console.error }) {
  const packs = Object.fromEntries(runs.map((r) => [r.packId, resolve(r.packDir)]));
  const server = await startServer({ buildDir, packs, matmulFile: matmul?.file });
  const flags = [...BASE_FLAGS, ...(backend === 'webgpu' ? WEBGPU_FLAGS : [])];
  const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: flags });
  const out = [];
  try {
    for (const run of runs) {
      const page = await browser.newPage();
      page.on('console', (message) => {
        if (message.text().startsWith('[bench]')) log(`  [chromium-${backend} ${run.packId}] ${message.text().slice(8)}`);
      });
      const errors = [];
      page.on('pageerror', (error) => errors.push(error.message));
      try {
        await page.goto(server.url);
        await page.waitForFunction(() => typeof globalThis.facetextBench === 'function', null, { timeout: 60_000 });
        const config = {
          packUrl: `${server.url}/packs/${run.packId}/`, backend, numThreads, groups: run.groups, repeats, warmup,
          matmul: matmul && { url: `${server.url}/matmul.onnx`, n: matmul.n },
        };
        page.setDefaultTimeout(timeoutMs);
        const result = await page.evaluate((c) => globalThis.facetextBench(c), config);
        out.push({ packId: run.packId, ...result, chromiumVersion: browser.version(), flags, pageErrors: errors });
      } catch (error) {
        out.push({ packId: run.packId, error: `${error instanceof Error ? error.message : String(error)}${errors.length ? ` (page errors: ${errors.join('; ')})` : ''}` });
      } finally {
        await page.close();
      }
    }
  } finally {
    await browser.close();
    await server.close();
  }
  return out;
}
