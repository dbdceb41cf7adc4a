// Serves the engine harness (page.ts driving ui/worker/worker.ts in a real module Worker) from 127.0.0.1, a secure
// context, with ORT's wasm, the golden-tiny pack under /pack/golden-tiny/ (and any other pack folder the test names
// under /pack/<name>/) and the test's own inputs under /inputs/. Also opens headless Chromium on it. Used by
// engine-worker.e2e.test.ts, gpu-stage-tensors.e2e.test.ts and int8-encoder-webgpu.e2e.test.ts.
import { createServer, type Server } from 'node:http';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { join, normalize } from 'node:path';
import * as esbuild from 'esbuild';
import { chromium, type Page } from 'playwright-core';
import { GOLDEN_TINY_PACK, REPO_ROOT } from '../../helpers/golden';

const CHROMIUM = '/usr/bin/chromium';
const BASE_FLAGS = ['--no-sandbox', '--disable-background-networking', '--disable-component-update', '--no-first-run'];
const ORT_WASM = createRequire(import.meta.url).resolve('onnxruntime-web/ort-wasm-simd-threaded.asyncify.wasm');

export interface HarnessServer {
  readonly url: string;
  close(): Promise<void>;
}

async function bundle(entry: string): Promise<Uint8Array> {
  const result = await esbuild.build({ entryPoints: [join(REPO_ROOT, entry)], bundle: true, format: 'esm', platform: 'browser', target: 'es2022', write: false, logLevel: 'warning' });
  return result.outputFiles[0].contents;
}

/** Starts the server; `inputs` maps a name to the bytes served at /inputs/<name>, `packs` a name to a pack folder. */
export async function serveEngineHarness(inputs: Record<string, Uint8Array>, packs: Record<string, string> = {}): Promise<HarnessServer> {
  const packFolders = Object.entries({ 'golden-tiny': GOLDEN_TINY_PACK, ...packs });
  const files = new Map<string, { body: Uint8Array; type: string }>([
    ['/', { body: Buffer.from('<!doctype html><meta charset="utf-8"><title>engine harness</title><link rel="icon" href="data:,"><script type="module" src="/page.js"></script>'), type: 'text/html' }],
    ['/worker.js', { body: await bundle('ui/worker/worker.ts'), type: 'text/javascript' }],
    ['/page.js', { body: await bundle('test/e2e/engine-harness/page.ts'), type: 'text/javascript' }],
    ['/ort.wasm', { body: readFileSync(ORT_WASM), type: 'application/wasm' }],
    ...Object.entries(inputs).map(([name, body]) => [`/inputs/${name}`, { body, type: 'application/octet-stream' }] as const),
  ]);
  const server: Server = createServer((request, response) => {
    const path = decodeURIComponent(new URL(request.url ?? '/', 'http://x').pathname);
    const file = files.get(path);
    if (file) {
      response.writeHead(200, { 'content-type': file.type, 'content-length': file.body.byteLength });
      response.end(file.body);
      return;
    }
    const [, folder] = packFolders.find(([name]) => path.startsWith(`/pack/${name}/`)) ?? [];
    const packFile = folder === undefined ? '' : normalize(join(folder, path.split('/').slice(3).join('/')));
    if (folder !== undefined && packFile.startsWith(`${folder}/`) && existsSync(packFile)) {
      const body = readFileSync(packFile);
      response.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': body.byteLength });
      response.end(body);
      return;
    }
    response.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/**
 * Opens the harness page in headless Chromium with `flags` (`--enable-unsafe-webgpu` for WebGPU on SwiftShader),
 * runs `work` on it, and returns its result with the page's errors (uncaught, and console.error).
 */
export async function inChromium<T>(url: string, flags: string[], work: (page: Page) => Promise<T>): Promise<{ result: T; errors: string[] }> {
  const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: [...BASE_FLAGS, ...flags] });
  try {
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    page.on('console', (message) => {
      if (message.type() === 'error') errors.push(message.text());
    });
    await page.goto(url);
    return { result: await work(page), errors };
  } finally {
    await browser.close();
  }
}
