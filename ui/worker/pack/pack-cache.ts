// Verified pack files kept in Cache Storage, where the panel has an origin (the hosted mode; ARCHITECTURE.md
// "Hosted mode"). An entry is keyed by the file's URL and the sha256 pack.json gives it, so a new version of a
// pack never meets an old file. Entries are written only after a file passed its size and sha256 checks, and
// are checked again on every read (load-pack.ts): a stored file that was changed is dropped and downloaded
// again. In Figma's inline panel (origin null) Cache Storage throws and nothing is stored.
// The panel (storage use, Clear) and the engine Worker share this store: they have the same origin.

/** One Cache Storage cache for every pack; a new layout gets a new name. */
export const PACK_CACHE_NAME = 'facetext-packs-v1';
/** Response header holding the stored file's size, so usage is summed without reading bodies. */
const SIZE_HEADER = 'x-facetext-bytes';

export interface PackStore {
  /** The stored bytes of `url` with this sha256, or null: none, or not of `bytes` bytes (then dropped). Not hashed here. */
  get(url: string, sha256: string, bytes: number): Promise<Uint8Array | null>;
  has(url: string, sha256: string, bytes: number): Promise<boolean>;
  put(url: string, sha256: string, data: Uint8Array): Promise<void>;
  delete(url: string, sha256: string): Promise<void>;
}

export interface PackStoreUsage {
  files: number;
  bytes: number;
}

/** Cache Storage, or undefined where there is none or where merely reading `caches` throws (a data: worker). */
function cacheStorage(): CacheStorage | undefined {
  try {
    return (globalThis as { caches?: CacheStorage }).caches;
  } catch {
    return undefined;
  }
}

/** The store, or null where Cache Storage is missing or refuses (an opaque origin: SecurityError). */
export async function openPackStore(): Promise<PackStore | null> {
  const storage = cacheStorage();
  if (storage === undefined) return null;
  let cache: Cache;
  try {
    cache = await storage.open(PACK_CACHE_NAME);
  } catch {
    return null;
  }
  const key = (url: string, sha256: string) => {
    const keyed = new URL(url);
    keyed.searchParams.set('facetext-sha256', sha256);
    return keyed.href;
  };
  const sizeOf = (response: Response) => Number(response.headers.get(SIZE_HEADER));
  return {
    async get(url, sha256, bytes) {
      const response = await cache.match(key(url, sha256));
      if (response === undefined) return null;
      // Size first, from the body itself (a Blob knows its size without being read into memory).
      const body = await response.blob();
      if (body.size !== bytes) {
        await cache.delete(key(url, sha256));
        return null;
      }
      return new Uint8Array(await body.arrayBuffer());
    },
    async has(url, sha256, bytes) {
      const response = await cache.match(key(url, sha256));
      return response !== undefined && sizeOf(response) === bytes;
    },
    async put(url, sha256, data) {
      await cache.put(key(url, sha256), new Response(data as Uint8Array<ArrayBuffer>, { headers: { 'content-type': 'application/octet-stream', [SIZE_HEADER]: String(data.byteLength) } }));
    },
    async delete(url, sha256) {
      await cache.delete(key(url, sha256));
    },
  };
}

/** Files and bytes stored for every pack, or null where there is no store. */
export async function packStoreUsage(): Promise<PackStoreUsage | null> {
  const storage = cacheStorage();
  if (storage === undefined) return null;
  try {
    if (!(await storage.has(PACK_CACHE_NAME))) return { files: 0, bytes: 0 };
    const cache = await storage.open(PACK_CACHE_NAME);
    let bytes = 0;
    const requests = await cache.keys();
    for (const request of requests) {
      const response = await cache.match(request);
      const size = Number(response?.headers.get(SIZE_HEADER));
      if (Number.isFinite(size)) bytes += size;
    }
    return { files: requests.length, bytes };
  } catch {
    return null;
  }
}

/** Removes every stored pack file. */
export async function clearPackStore(): Promise<void> {
  await cacheStorage()?.delete(PACK_CACHE_NAME);
}
