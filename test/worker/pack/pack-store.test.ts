// Pack files kept between runs (ui/worker/pack/pack-cache.ts behind packFromUrl): a second open downloads no
// file, a stored file is checked against pack.json on every read, and a changed one is fetched again.
// The store here is an in-memory PackStore with Cache Storage's behaviour; the hosted e2e test uses the real one.
import { describe, expect, it } from 'vitest';
import type { PackStore } from '../../../ui/worker/pack/pack-cache';
import { packFromUrl } from '../../../ui/worker/pack/pack-from-url';
import { packFromFiles } from '../../../ui/worker/pack/pack-from-files';
import { packJsonBytes, tinyPack, type TinyPack } from './tiny-pack';

const BASE = 'https://packs.example/tiny-test/';
const FILES = ['encoder.onnx', 'synthesis.onnx', 's-std.f32'];

function memoryStore(): PackStore & { entries: Map<string, Uint8Array> } {
  const entries = new Map<string, Uint8Array>();
  const key = (url: string, sha256: string) => `${url}?facetext-sha256=${sha256}`;
  return {
    entries,
    async get(url, sha256, bytes) {
      const stored = entries.get(key(url, sha256));
      if (stored === undefined) return null;
      if (stored.byteLength !== bytes) {
        entries.delete(key(url, sha256));
        return null;
      }
      return stored.slice();
    },
    has: async (url, sha256, bytes) => entries.get(key(url, sha256))?.byteLength === bytes,
    put: async (url, sha256, data) => void entries.set(key(url, sha256), data.slice()),
    delete: async (url, sha256) => void entries.delete(key(url, sha256)),
  };
}

/** A pack server that counts the body bytes it sends, per file. */
function countingFetch(tiny: TinyPack) {
  const sent: Array<{ name: string; bytes: number }> = [];
  const fetchFn = (async (input: string | URL | Request) => {
    const url = String(input);
    const name = decodeURIComponent(url.slice(url.lastIndexOf('/') + 1));
    const body = name === 'pack.json' ? packJsonBytes(tiny.json) : tiny.files.get(name);
    if (body === undefined) return new Response(null, { status: 404 });
    sent.push({ name, bytes: body.byteLength });
    return new Response(body as Uint8Array<ArrayBuffer>);
  }) as typeof fetch;
  const fileBytes = () => sent.filter((s) => s.name !== 'pack.json').reduce((sum, s) => sum + s.bytes, 0);
  return { fetchFn, sent, fileBytes };
}

const listedBytes = (tiny: TinyPack) => [...tiny.files.values()].reduce((sum, bytes) => sum + bytes.byteLength, 0);

describe('packFromUrl with a store', () => {
  it('downloads each file once, keeps it verified, and a second open downloads no file', async () => {
    const tiny = tinyPack();
    const store = memoryStore();
    const first = countingFetch(tiny);
    const run1 = await packFromUrl(BASE, { fetch: first.fetchFn, store });
    expect(await run1.downloadPlan()).toEqual({ totalBytes: listedBytes(tiny), storedBytes: 0, persistent: true });
    expect(run1.cheapRereads).toBe(true);
    for (const name of FILES) expect(await run1.readFile(name)).toEqual(tiny.files.get(name));
    const downloaded = FILES.reduce((sum, name) => sum + tiny.files.get(name)!.byteLength, 0);
    expect(first.fileBytes()).toBe(downloaded);
    expect(store.entries.size).toBe(FILES.length);

    const second = countingFetch(tiny);
    const run2 = await packFromUrl(BASE, { fetch: second.fetchFn, store });
    expect(await run2.downloadPlan()).toEqual({ totalBytes: listedBytes(tiny), storedBytes: downloaded, persistent: true });
    for (const name of FILES) expect(await run2.readFile(name)).toEqual(tiny.files.get(name));
    expect(second.sent.map((s) => s.name)).toEqual(['pack.json']);
    expect(second.fileBytes()).toBe(0);
  });

  it('detects a stored file that was changed (same size, other bytes), fetches it again and stores the good copy', async () => {
    const tiny = tinyPack();
    const store = memoryStore();
    await (await packFromUrl(BASE, { fetch: countingFetch(tiny).fetchFn, store })).readFile('encoder.onnx');
    const [key, stored] = [...store.entries][0]!;
    const tampered = stored.slice();
    tampered[10]! ^= 0xff;
    store.entries.set(key, tampered);

    const again = countingFetch(tiny);
    const loaded = await packFromUrl(BASE, { fetch: again.fetchFn, store });
    expect(await loaded.readFile('encoder.onnx')).toEqual(tiny.files.get('encoder.onnx'));
    expect(again.sent.map((s) => s.name)).toEqual(['pack.json', 'encoder.onnx']);
    expect(store.entries.get(key)).toEqual(tiny.files.get('encoder.onnx'));
  });

  it('fails a file that is wrong at its origin too, without storing it', async () => {
    const tiny = tinyPack();
    const store = memoryStore();
    const broken = { ...tiny, files: new Map(tiny.files) };
    const bad = tiny.files.get('encoder.onnx')!.slice();
    bad[0]! ^= 1;
    broken.files.set('encoder.onnx', bad);
    const loaded = await packFromUrl(BASE, { fetch: countingFetch(broken).fetchFn, store });
    await expect(loaded.readFile('encoder.onnx')).rejects.toMatchObject({ name: 'PackFileCorrupt' });
    expect(store.entries.size).toBe(0);
  });

  it('says every file is downloaded again where there is no store, and nothing for a folder', async () => {
    const tiny = tinyPack();
    const loaded = await packFromUrl(BASE, { fetch: countingFetch(tiny).fetchFn });
    expect(await loaded.downloadPlan()).toEqual({ totalBytes: listedBytes(tiny), storedBytes: 0, persistent: false });
    const picked = [['pack.json', packJsonBytes(tiny.json)] as const, ...tiny.files].map(([name, bytes]) =>
      Object.assign(new Blob([bytes as Uint8Array<ArrayBuffer>]), { name, webkitRelativePath: `tiny-test/${name}` }));
    expect(await (await packFromFiles(picked)).downloadPlan()).toBeNull();
  });
});
