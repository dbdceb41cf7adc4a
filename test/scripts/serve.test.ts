import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../helpers/golden';
// @ts-expect-error – a plain .mjs script without type declarations
import { resolveRequest, startServer } from '../../scripts/serve.mjs';

let server: Server;
let base: string;
beforeAll(async () => {
  server = (await startServer({ port: 0 })) as Server;
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((done) => server.close(() => done())));

describe('scripts/serve.mjs', () => {
  it('maps / to the playground and /dist/ to the build', () => {
    expect(resolveRequest('/')).toBe(resolve(REPO_ROOT, 'playground/index.html'));
    expect(resolveRequest('/dist/ui.html?v=1')).toBe(resolve(REPO_ROOT, 'dist/ui.html'));
  });

  it('never serves a file outside its folders', () => {
    for (const path of ['/packs/../../package.json', '/dist/%2e%2e/package.json', '/..%2fpackage.json', '/dist/nothing-here.js']) {
      expect(resolveRequest(path), path).toBeUndefined();
    }
  });

  it('serves the panel to any origin, as the null-origin plugin iframe needs', async () => {
    const response = await fetch(`${base}/dist/ui.html`, { headers: { origin: 'null' } });
    expect(response.status).toBe(200);
    expect(response.headers.get('access-control-allow-origin')).toBe('*');
    expect(await response.text()).toContain('id="ort-wasm-gz-base64"');
    expect((await fetch(`${base}/missing`)).status).toBe(404);
  });

  it('serves the hosted panel on a second origin, with packs and wasm typed, and a loader that points there', async () => {
    const hostedUrl = (server as Server & { hostedUrl: string }).hostedUrl;
    expect(new URL(hostedUrl).origin).not.toBe(base);
    const page = await fetch(hostedUrl);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    expect(await page.text()).toContain('<script src="panel.js"></script>');
    // The header README asks of a team's host for the page: it makes the panel frame cross-origin isolated (threads).
    expect(page.headers.get('document-isolation-policy')).toBe('isolate-and-require-corp');
    const wasm = await fetch(`${hostedUrl}ort-wasm-simd-threaded.asyncify.wasm`, { method: 'HEAD' });
    expect(wasm.headers.get('content-type')).toBe('application/wasm');
    const pack = await fetch(`${hostedUrl}packs/golden-tiny/pack.json`, { headers: { origin: base } });
    expect(pack.headers.get('access-control-allow-origin')).toBe('*');
    expect(JSON.parse(await pack.text())).toMatchObject({ id: 'golden-tiny' });
    const loader = await (await fetch(`${base}/hosted-loader.html`)).text();
    expect(loader).toContain(`window.location.href = ${JSON.stringify(hostedUrl)}`);
    // The playground's ?threads=N reaches the hosted page (which checks it), encoded.
    expect(await (await fetch(`${base}/hosted-loader.html?threads=2`)).text()).toContain(`window.location.href = ${JSON.stringify(`${hostedUrl}?threads=2`)}`);
    expect(await (await fetch(`${base}/hosted-loader.html?threads=%22%3C`)).text()).toContain(JSON.stringify(`${hostedUrl}?threads=%22%3C`));
    expect((await fetch(`${hostedUrl}../package.json`)).status).toBe(404);
  });

  it('serves a pack folder from elsewhere at /packs/<id>/ on both origins, and nothing beside it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'facetext-serve-pack-'));
    const outside = `${dir}-outside.json`;
    writeFileSync(join(dir, 'pack.json'), '{"id":"elsewhere"}');
    writeFileSync(outside, '{}');
    const served: Array<{ url: string; bytes: number }> = [];
    const other = (await startServer({ port: 0, packs: { elsewhere: dir }, onServed: (file: { url: string; bytes: number }) => served.push(file) })) as Server & { hostedUrl: string };
    try {
      const otherBase = `http://127.0.0.1:${(other.address() as AddressInfo).port}/`;
      for (const origin of [otherBase, other.hostedUrl]) {
        const response = await fetch(`${origin}packs/elsewhere/pack.json`);
        expect(response.headers.get('access-control-allow-origin')).toBe('*');
        expect(await response.json()).toEqual({ id: 'elsewhere' });
        expect((await fetch(`${origin}packs/elsewhere/..%2f${outside.split('/').at(-1)}`)).status).toBe(404);
        expect((await fetch(`${origin}packs/golden-tiny/pack.json`)).status).toBe(200); // models/packs still served
      }
      await expect.poll(() => served.filter((f) => f.url === '/packs/elsewhere/pack.json').map((f) => f.bytes)).toEqual([18, 18]);
    } finally {
      await new Promise<void>((done) => other.close(() => done()));
      rmSync(dir, { recursive: true, force: true });
      rmSync(outside, { force: true });
    }
  });
});
