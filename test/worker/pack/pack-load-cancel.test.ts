// Cancelling a pack load (the panel's Cancel): the download in flight stops at once, the engine keeps the pack
// it had, and a stalled server cannot delay the answer.
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { packFromDirectory } from '../../../cli/read-pack-dir';
import { Engine } from '../../../ui/worker/engine';
import { failure } from '../../helpers/failure';
import { GOLDEN_TINY_PACK } from '../../helpers/golden';

describe('Engine.cancelPackLoad', () => {
  it('stops a pack.json download in flight with Cancelled and keeps the pack loaded before', async () => {
    const waiting: ServerResponse[] = [];
    let asked!: () => void;
    const requested = new Promise<void>((resolve) => (asked = resolve));
    // Sends headers and one byte of pack.json, then nothing: a slow server, not yet a stalled one (30 s).
    const server = createServer((_request, response) => {
      response.writeHead(200, { 'content-type': 'application/json', 'access-control-allow-origin': '*' });
      response.write('{');
      waiting.push(response);
      asked();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const engine = new Engine({ runtime: { backends: ['wasm'], numThreads: 1 } });
    try {
      await engine.useLoadedPack(await packFromDirectory(GOLDEN_TINY_PACK));
      const loading = engine.loadPack({ kind: 'url', url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/packs/slow/` });
      await requested;
      const started = Date.now();
      engine.cancelPackLoad();
      const error = await failure(() => loading);
      expect([error.name, error.message]).toEqual(['Cancelled', 'The model pack load was cancelled; the pack loaded before stays in use.']);
      expect(Date.now() - started).toBeLessThan(5_000); // at once, not after the 30 s stall timeout
      expect((await engine.summary()).id).toBe('golden-tiny');
      engine.cancelPackLoad(); // nothing in flight: no effect
      expect((await engine.summary()).id).toBe('golden-tiny');
    } finally {
      for (const response of waiting) response.destroy();
      await new Promise((resolve) => server.close(resolve));
      await engine.dispose();
    }
  });
});
