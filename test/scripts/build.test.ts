// Checks the built dist/ (npm test builds first), as Figma and Node will load it.
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { resolve } from 'node:path';
import { runInNewContext } from 'node:vm';
import { gunzipSync } from 'node:zlib';
import { beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../helpers/golden';

const DIST = resolve(REPO_ROOT, 'dist');
const ORT_WASM = createRequire(import.meta.url).resolve('onnxruntime-web/ort-wasm-simd-threaded.asyncify.wasm');
const sha256 = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

beforeAll(() => {
  for (const file of ['code.js', 'ui.html', 'cli.js']) {
    if (!existsSync(resolve(DIST, file))) throw new Error(`dist/${file} is missing: run npm run build first`);
  }
});

describe('dist/ui.html', () => {
  const html = () => readFileSync(resolve(DIST, 'ui.html'), 'utf8');

  it('references no external script, stylesheet, image or module URL', () => {
    const text = html();
    expect(text.match(/<script\b[^>]*\bsrc\s*=/gi)).toBeNull();
    expect(text.match(/<link\b/gi)).toBeNull();
    expect(text.match(/<(img|iframe|source)\b[^>]*\bsrc\s*=/gi)).toBeNull();
    expect(text.match(/@import|url\(\s*['"]?(https?:|\/\/)/gi)).toBeNull();
    expect(text.match(/\bimport\s*\(\s*['"`]https?:/gi)).toBeNull();
  });

  it('holds exactly three script elements: the compressed ORT wasm, the compressed face models and the panel', () => {
    const scripts = [...html().matchAll(/<script\b([^>]*)>/gi)].map((m) => m[1]!.trim());
    expect(scripts).toEqual(['type="application/octet-stream" id="ort-wasm-gz-base64"', 'type="application/octet-stream" id="face-models-gz-base64"', '']);
    expect(html().match(/<\/script>/gi)).toHaveLength(3);
  });

  it('inlines byte-for-byte the ORT wasm that onnxruntime-web/webgpu needs, gzip-compressed to about a third', () => {
    const base64 = /<script type="application\/octet-stream" id="ort-wasm-gz-base64">([A-Za-z0-9+/=]+)<\/script>/.exec(html())![1]!;
    const gzipped = Buffer.from(base64, 'base64');
    const original = readFileSync(ORT_WASM);
    expect(sha256(gunzipSync(gzipped))).toBe(sha256(original));
    expect(gzipped.length / original.length).toBeLessThan(0.4);
    // 8.8 MB of ORT wasm + 10.8 MB of face models (test/ui/face-model-assets.test.ts) + 1.7 MB of panel and worker.
    expect(statSync(resolve(DIST, 'ui.html')).size).toBeLessThan(22.5e6);
  });

  it('carries the engine worker as a classic script (no import/export statements, no import.meta)', () => {
    const panel = /<script>([\s\S]*)<\/script>/.exec(html())![1]!;
    expect(panel).toContain('Comlink');
    expect(panel).not.toMatch(/import\.meta/);
    expect(panel).not.toMatch(/^\s*(import|export)\s/m);
  });
});

describe('dist/hosted/ (the panel as a page for a static host)', () => {
  const HOSTED = resolve(DIST, 'hosted');

  it('is a small page that loads its script, styles, worker, ORT wasm and face models as separate files', () => {
    const html = readFileSync(resolve(HOSTED, 'index.html'), 'utf8');
    expect([...html.matchAll(/<script\b([^>]*)>/gi)].map((m) => m[1]!.trim())).toEqual(['src="panel.js"']);
    expect(html).toContain('<link rel="stylesheet" href="panel.css">');
    expect(html.length).toBeLessThan(1000);
    expect(sha256(readFileSync(resolve(HOSTED, 'ort-wasm-simd-threaded.asyncify.wasm')))).toBe(sha256(readFileSync(ORT_WASM)));
    // The page's script starts engine-worker.js by URL instead of carrying its 1.6 MB source.
    expect(statSync(resolve(HOSTED, 'panel.js')).size).toBeLessThan(500e3);
    expect(readFileSync(resolve(HOSTED, 'engine-worker.js'), 'utf8')).toContain('Comlink');
    const faces = readFileSync(resolve(HOSTED, 'face-models.bin'));
    const index = JSON.parse(faces.subarray(4, 4 + faces.readUInt32LE(0)).toString('utf8')) as Record<string, unknown>;
    expect(Object.keys(index)).toEqual(expect.arrayContaining(['detector', 'landmarks', 'wasm']));
  });
});

describe('scripts/hosted-loader.mjs', () => {
  it('makes the three-line loader Figma documents, for https pages (http only on this computer)', async () => {
    // @ts-expect-error – a plain .mjs script without type declarations
    const { hostedLoaderHtml } = (await import('../../scripts/hosted-loader.mjs')) as { hostedLoaderHtml(url: string): string };
    expect(hostedLoaderHtml('https://facetext.example.com/panel/')).toContain('<script>window.location.href = "https://facetext.example.com/panel/"</script>');
    expect(hostedLoaderHtml('http://localhost:8788/')).toContain('"http://localhost:8788/"');
    expect(() => hostedLoaderHtml('http://facetext.example.com/')).toThrow(/must be https/);
    expect(() => hostedLoaderHtml('panel/')).toThrow(/absolute URL/);
    // A URL cannot end the script element early: the URL parser escapes < and >.
    expect(hostedLoaderHtml('https://x.example/</script><script>alert(1)//')).not.toMatch(/<\/script><script>alert/);
  });
});

describe('dist/code.js', () => {
  it('runs in a bare context with only `figma` and `__html__`, and opens the panel for a command', () => {
    const code = readFileSync(resolve(DIST, 'code.js'), 'utf8');
    const handlers: ((event: { command: string; parameters?: Record<string, string> }) => void)[] = [];
    const shown: string[] = [];
    const figma = {
      on: (_event: string, handler: (typeof handlers)[number]) => handlers.push(handler),
      showUI: (html: string) => shown.push(html),
      ui: { onmessage: undefined, postMessage: () => undefined },
      notify: () => undefined,
      closePlugin: () => undefined,
      // Real Figma always provides these; code.js registers Quick Actions suggestions and reads the pack URL.
      parameters: { on: () => undefined },
      clientStorage: { getAsync: async () => undefined, setAsync: async () => undefined },
    };
    runInNewContext(code, { figma, __html__: '<p>panel</p>' });
    expect(handlers).toHaveLength(1);
    handlers[0]!({ command: 'model-pack' });
    expect(shown).toEqual(['<p>panel</p>']);
    expect(code).not.toMatch(/^\s*(import|export)\s/m);
  });
});

describe('dist/cli.js', () => {
  const cli = resolve(DIST, 'cli.js');

  it('is an executable Node script with the require/__dirname shims', () => {
    const code = readFileSync(cli, 'utf8');
    expect(code.startsWith('#!/usr/bin/env node\n')).toBe(true);
    expect(code).toContain('const __dirname = ');
    expect(statSync(cli).mode & 0o111).toBe(0o111);
    expect(existsSync(resolve(DIST, 'ort-wasm-simd-threaded.asyncify.wasm'))).toBe(true);
  });

  it('prints usage for --help and exits 2 on an unknown command', () => {
    expect(execFileSync(cli, ['--help'], { encoding: 'utf8' })).toMatch(/^Usage: facetext /);
    const unknown = spawnSync(cli, ['definitely-not-a-command'], { encoding: 'utf8' });
    expect(unknown.status).toBe(2);
    expect(unknown.stderr).toMatch(/unknown command "definitely-not-a-command"/);
  });
});
