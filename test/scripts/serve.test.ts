import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { resolve } from 'node:path';
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
});
