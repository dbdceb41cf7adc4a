// Which storage APIs work where this code runs (the panel's frame or the engine Worker), for Diagnostics.
// Figma's inline panel has origin null, where each of them throws SecurityError (spec/platform.md §3); a hosted
// panel has an origin and storage. Every probe writes and removes one small entry, and gives up after a while
// (an API that neither answers nor throws is reported as not working).
export interface StorageProbe {
  ok: boolean;
  /** Why not, in the browser's words ("SecurityError: …"), or null when it works. */
  error: string | null;
}

export interface StorageReport {
  cacheStorage: StorageProbe;
  indexedDB: StorageProbe;
  opfs: StorageProbe;
  /** Always a failure in a Worker, which has no localStorage. */
  localStorage: StorageProbe;
  /** navigator.storage.estimate(), in bytes. */
  estimate: { usage: number; quota: number } | { error: string };
}

const PROBE_TIMEOUT_MS = 5_000;
const PROBE_NAME = 'facetext-probe';

interface StorageGlobals {
  caches?: CacheStorage;
  indexedDB?: IDBFactory;
  localStorage?: { setItem(key: string, value: string): void; getItem(key: string): string | null; removeItem(key: string): void };
  navigator?: { storage?: { estimate?: () => Promise<{ usage?: number; quota?: number }>; getDirectory?: () => Promise<FileSystemDirectoryHandle> } };
}

export async function probeStorage(): Promise<StorageReport> {
  const g = globalThis as StorageGlobals;
  const [cacheStorage, indexedDB, opfs, localStorage, estimate] = await Promise.all([
    probe(async () => {
      if (g.caches === undefined) throw new Error('caches is not defined');
      const cache = await g.caches.open(PROBE_NAME);
      await cache.put(`https://probe.invalid/${PROBE_NAME}`, new Response('1'));
      await g.caches.delete(PROBE_NAME);
    }),
    probe(() => probeIndexedDb(g.indexedDB)),
    probe(async () => {
      const getDirectory = g.navigator?.storage?.getDirectory;
      if (getDirectory === undefined) throw new Error('navigator.storage.getDirectory is not defined');
      const root = await getDirectory.call(g.navigator!.storage);
      await root.getFileHandle(PROBE_NAME, { create: true });
      await root.removeEntry(PROBE_NAME);
    }),
    probe(() => {
      if (g.localStorage === undefined) throw new Error('localStorage is not defined');
      g.localStorage.setItem(PROBE_NAME, '1');
      const back = g.localStorage.getItem(PROBE_NAME);
      g.localStorage.removeItem(PROBE_NAME);
      if (back !== '1') throw new Error('localStorage did not keep a value');
    }),
    withTimeout((async () => {
      const estimateFn = g.navigator?.storage?.estimate;
      if (estimateFn === undefined) throw new Error('navigator.storage.estimate is not defined');
      const { usage = 0, quota = 0 } = await estimateFn.call(g.navigator!.storage);
      return { usage, quota };
    })()).catch((error: unknown) => ({ error: describe(error) })),
  ]);
  return { cacheStorage, indexedDB, opfs, localStorage, estimate };
}

function probeIndexedDb(factory: IDBFactory | undefined): Promise<void> {
  if (factory === undefined) throw new Error('indexedDB is not defined');
  return new Promise<void>((resolve, reject) => {
    const request = factory.open(PROBE_NAME); // throws SecurityError synchronously in an opaque origin
    request.onerror = () => reject(request.error ?? new Error('indexedDB.open failed'));
    request.onsuccess = () => {
      request.result.close();
      factory.deleteDatabase(PROBE_NAME);
      resolve();
    };
  });
}

async function probe(run: () => Promise<void> | void): Promise<StorageProbe> {
  try {
    await withTimeout(Promise.resolve().then(run));
    return { ok: true, error: null };
  } catch (error) {
    return { ok: false, error: describe(error) };
  }
}

function withTimeout<T>(work: Promise<T>): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${PROBE_TIMEOUT_MS / 1000} s`)), PROBE_TIMEOUT_MS);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

function describe(error: unknown): string {
  if (error instanceof Error || (typeof DOMException !== 'undefined' && error instanceof DOMException)) return `${error.name}: ${error.message}`;
  return String(error);
}
