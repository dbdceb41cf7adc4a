// The blob: worker fallback loads a pack (issue 13). A host whose CSP allows blob: workers only
// (`worker-src blob:`) makes ui/engine-client.ts's data: worker fail, so the engine starts from a blob: URL in
// a null-origin srcdoc frame, as in Figma: not a secure context, no crypto.subtle, so every pack file is
// verified with the portable SHA-256 (ui/worker/pack/sha256.ts). golden-tiny comes over HTTP; the preview's
// pixels must equal those of the same run in a data: worker (crypto.subtle) on a host without that CSP.
import { createServer, type Server } from 'node:http';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, normalize } from 'node:path';
import { gzipSync } from 'node:zlib';
import type { AddressInfo } from 'node:net';
import * as esbuild from 'esbuild';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GOLDEN_TINY_PACK, REPO_ROOT, goldenPath } from '../helpers/golden';
import { parseNpy } from '../helpers/npy';
import type { PackRunResult } from './blob-pack-harness/frame';

const CHROMIUM = '/usr/bin/chromium';
const BASE_FLAGS = ['--no-sandbox', '--disable-background-networking', '--disable-component-update', '--no-first-run'];
const ORT_WASM = createRequire(import.meta.url).resolve('onnxruntime-web/ort-wasm-simd-threaded.asyncify.wasm');
// Two engine starts (ORT's 27 MB wasm compiled each time) on a shared 2-core machine.
const TIMEOUT_MS = 420_000;

let server: Server;
let baseUrl: string;
let browser: Browser;

function caseBWPlus(): Uint8Array {
  const array = parseNpy(new Uint8Array(readFileSync(goldenPath('stylegan2-tiny/case_b_wplus.npy'))));
  const size = array.shape.slice(1).reduce((a, b) => a * b, 1);
  return new Uint8Array((array.data as Float32Array).slice(0, size).buffer);
}

beforeAll(async () => {
  const bundle = async (entry: string, options: esbuild.BuildOptions) => {
    const result = await esbuild.build({ entryPoints: [join(REPO_ROOT, entry)], bundle: true, platform: 'browser', target: 'es2022', write: false, logLevel: 'warning', ...options });
    return result.outputFiles![0]!.text;
  };
  // As scripts/build.mjs builds them: the worker a classic script, inlined into the panel's code.
  const worker = await bundle('ui/worker/worker.ts', { format: 'iife', minify: true, define: { 'import.meta.url': 'self.location.href' } });
  const frame = await bundle('test/e2e/blob-pack-harness/frame.ts', { format: 'iife', define: { __ENGINE_WORKER_SOURCE__: JSON.stringify(worker) } });
  const files = new Map<string, { body: Uint8Array | string; type: string }>([
    ['/frame.js', { body: frame, type: 'text/javascript' }],
    ['/ort.wasm.gz.b64', { body: gzipSync(readFileSync(ORT_WASM), { level: 1 }).toString('base64'), type: 'text/plain' }],
    ['/inputs/case_b_wplus0.f32', { body: caseBWPlus(), type: 'application/octet-stream' }],
  ]);
  server = createServer((request, response) => {
    const path = decodeURIComponent(new URL(request.url ?? '/', 'http://x').pathname);
    const headers: Record<string, string> = { 'access-control-allow-origin': '*' };
    if (path === '/host-blob' || path === '/host-data') {
      // The srcdoc frame inherits the host page's CSP, as Figma's panel frame would inherit Figma's.
      if (path === '/host-blob') headers['content-security-policy'] = 'worker-src blob:';
      const srcdoc = `<!doctype html><meta charset="utf-8"><script src="${baseUrl}frame.js"></script>`;
      const html = `<!doctype html><meta charset="utf-8"><link rel="icon" href="data:,"><iframe id="panel" sandbox="allow-scripts" srcdoc="${srcdoc.replaceAll('"', '&quot;')}"></iframe>`;
      response.writeHead(200, { ...headers, 'content-type': 'text/html' }).end(html);
      return;
    }
    const file = files.get(path);
    if (file) {
      response.writeHead(200, { ...headers, 'content-type': file.type }).end(file.body);
      return;
    }
    const packFile = path.startsWith('/pack/golden-tiny/') ? normalize(join(GOLDEN_TINY_PACK, path.slice('/pack/golden-tiny/'.length))) : '';
    if (packFile.startsWith(GOLDEN_TINY_PACK) && existsSync(packFile)) {
      const body = readFileSync(packFile);
      response.writeHead(200, { ...headers, 'content-type': 'application/octet-stream', 'content-length': body.byteLength }).end(body);
      return;
    }
    response.writeHead(404, headers).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: BASE_FLAGS });
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await new Promise((resolve) => server?.close(resolve));
});

async function runOn(host: 'host-blob' | 'host-data'): Promise<{ result: PackRunResult; errors: string[] }> {
  const page = await browser.newPage();
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));
  try {
    await page.goto(`${baseUrl}${host}`);
    const frame = await (await page.waitForSelector('#panel')).contentFrame();
    if (frame === null) throw new Error('the panel iframe has no frame');
    await frame.waitForFunction(() => 'runPackInEngine' in self);
    const result = await frame.evaluate((base) => (self as unknown as { runPackInEngine(base: string): Promise<PackRunResult> }).runPackInEngine(base), baseUrl);
    return { result, errors };
  } finally {
    await page.close();
  }
}

describe('a pack through the blob: worker fallback (null-origin frame, CSP worker-src blob:)', () => {
  it('verifies and loads golden-tiny over HTTP and renders the same preview pixels as a data: worker', async ({ annotate }) => {
    const blob = await runOn('host-blob');
    const data = await runOn('host-data');

    for (const { result } of [blob, data]) {
      expect(result.origin).toBe('null');
      expect(result.backend).toBe('wasm');
      expect(result.packId).toBe('golden-tiny');
    }
    // The blob: path, and why it needs the portable hash.
    expect(blob.result.fallbackReason).toMatch(/data: worker failed to start.*started a blob: worker instead/);
    expect(data.result.fallbackReason ?? '').not.toMatch(/blob: worker instead/);
    expect(blob.result.blobWorker).toEqual({ secure: false, subtle: 'undefined' });

    // Every file the preview needed was downloaded and verified (sha256 against pack.json) in the blob: worker.
    expect(new Set(blob.result.downloaded)).toEqual(new Set(data.result.downloaded));
    expect(blob.result.downloaded).toEqual(expect.arrayContaining(['affine.onnx', 'clip-text.onnx', 'relevance.f32', 's-std.f32', 'synthesis-preview-32.onnx']));
    // The face key is the sha256 of W+: the portable hash and crypto.subtle agree.
    expect(blob.result.faceKey).toBe(data.result.faceKey);
    expect(blob.result.faceKey).toMatch(/^wplus:[0-9a-f]{64}$/);

    expect(blob.result.preview.width).toBe(32);
    expect(blob.result.channelsKept).toEqual(data.result.channelsKept);
    expect(blob.result.preview.data.length).toBe(32 * 32 * 4);
    expect(blob.result.preview.data, 'blob: worker preview pixels = data: worker preview pixels').toEqual(data.result.preview.data);
    await annotate(`blob: ${blob.result.fallbackReason}; downloaded ${blob.result.downloaded.join(', ')}`);
    expect([...blob.errors, ...data.errors]).toEqual([]);
  }, TIMEOUT_MS);
});
