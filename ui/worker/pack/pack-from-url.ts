// Pack source: a folder served over HTTP(S). pack.json is fetched at once; every other file when the
// engine first asks for it, streamed so `download` progress can be reported. A response is read no further
// than the size pack.json gives (Content-Length is checked first), and one that stalls is aborted.
import { EngineError } from '../errors';
import type { ProgressCallback } from '../../../contract/progress';
import { loadPack, type LoadedPack, type PackSource, type ReadOptions } from './load-pack';
import type { PackStore } from './pack-cache';
import { PACK_JSON } from './pack-schema';

export interface PackFromUrlOptions {
  onProgress?: ProgressCallback;
  /** Defaults to globalThis.fetch; tests and hosts with their own networking pass one. */
  fetch?: typeof fetch;
  /** Abort a download when no byte arrives for this long. Default STALL_TIMEOUT_MS. */
  stallTimeoutMs?: number;
  /** Where verified files are kept between runs (pack-cache.ts; the hosted panel), or null/absent for none. */
  store?: PackStore | null;
  /** Aborting it stops the download in flight with the signal's reason (the engine's Cancelled). */
  signal?: AbortSignal;
}

/** A pack server that sends nothing for this long is taken to be gone (a slow link still sends something). */
export const STALL_TIMEOUT_MS = 30_000;

/** `baseUrl` is the pack folder ("https://example.com/packs/ffhq-1024/"); relative URLs resolve against the page or worker. */
export async function packFromUrl(baseUrl: string | URL, { onProgress, fetch: fetchFn = globalThis.fetch, stallTimeoutMs = STALL_TIMEOUT_MS, store = null, signal }: PackFromUrlOptions = {}): Promise<LoadedPack> {
  const source = urlSource(folderUrl(baseUrl), fetchFn, stallTimeoutMs, signal);
  return loadPack(store === null ? source : storedSource(source, store), { onProgress });
}

/**
 * `source` with a persistent copy in front: a file pack.json lists is answered from `store` when it holds
 * one of the listed size (load-pack.ts still checks its sha256), else downloaded; load-pack.ts keeps each
 * verified download and discards a stored copy that fails its checks. Re-reading a stored file costs no
 * download, so the engine may release graphs it no longer needs.
 */
function storedSource(source: PackSource, store: PackStore): PackSource {
  const fromStore = new Set<string>(); // files whose last read came from the store
  return {
    ...source,
    cheapRereads: true,
    async read(name: string, options: ReadOptions) {
      if (options.sha256 !== undefined) {
        const stored = await store.get(source.where(name), options.sha256, options.maxBytes).catch(() => null);
        if (stored !== null) {
          fromStore.add(name);
          return stored;
        }
      }
      fromStore.delete(name);
      return source.read(name, options);
    },
    storage: {
      stored: (name, sha256, bytes) => store.has(source.where(name), sha256, bytes).catch(() => false),
      async keep(name, sha256, bytes) {
        if (!fromStore.has(name)) await store.put(source.where(name), sha256, bytes);
      },
      async discard(name, sha256) {
        if (!fromStore.delete(name)) return false;
        await store.delete(source.where(name), sha256).catch(() => undefined);
        return true;
      },
    },
  };
}

function folderUrl(baseUrl: string | URL): URL {
  const base = typeof location === 'undefined' ? undefined : location.href;
  let url: URL;
  try {
    url = new URL(String(baseUrl), base);
  } catch {
    throw new EngineError('BadArgument', `"${String(baseUrl)}" is not a URL. Give the address of the pack folder, e.g. https://example.com/packs/ffhq-1024/`);
  }
  if (url.pathname.endsWith(`/${PACK_JSON}`)) url.pathname = url.pathname.slice(0, -PACK_JSON.length); // the file, not its folder
  if (!url.pathname.endsWith('/')) url.pathname += '/';
  url.search = '';
  url.hash = '';
  return url;
}

function urlSource(base: URL, fetchFn: typeof fetch, stallTimeoutMs: number, signal: AbortSignal | undefined): PackSource {
  const where = (name: string) => new URL(encodeURIComponent(name), base).href;
  return {
    location: base.href,
    hints: {
      reload: 'load the pack again',
      shortFile: 'The download was cut short',
      missingFile: 'The server does not have the complete pack folder: upload every file pack.json lists, then load the pack again.',
      missingPackJson: 'Check that the address is the pack folder, the one that holds pack.json.',
    },
    where,
    async read(name, { maxBytes, oversize, onBytes }) {
      const url = where(name);
      signal?.throwIfAborted();
      const watchdog = new Watchdog(stallTimeoutMs, signal);
      let response: Response;
      try {
        response = await Promise.race([fetchFn(url, { signal: watchdog.signal }), watchdog.expired]);
      } catch (error) {
        watchdog.stop();
        signal?.throwIfAborted();
        // A browser says only "Failed to fetch", for a server that is down and for an answer it may not show us.
        const cause = watchdog.reason ?? (error as Error).message;
        const unreadable = watchdog.reason === null && error instanceof TypeError ? ': the server did not answer, or, in a browser, answered without the Access-Control-Allow-Origin header that lets the page read it' : '';
        throw unreachable(`Could not download ${name} from ${url} (${cause})${unreadable}. Check the address and the network connection, then load the pack again.`);
      }
      try {
        if (response.status === 404 || response.status === 410) {
          await response.body?.cancel();
          // No pack.json means a wrong address rather than an incomplete pack: say what the server answered.
          if (name === PACK_JSON) throw new EngineError('PackFileMissing', `The server answered ${statusWords(response)} for ${url}. Check that the address is the pack folder, the one that holds pack.json.`);
          return null;
        }
        if (!response.ok) {
          await response.body?.cancel();
          throw unreachable(
            `${url} answered HTTP ${statusWords(response)} when asked for ${name}. Check that the server is up and serves the pack folder, then load the pack again.`,
          );
        }
        const declared = contentLength(response);
        if (declared !== null && declared > maxBytes) {
          await response.body?.cancel();
          throw oversize(declared);
        }
        try {
          return await readBody(response, { maxBytes: declared ?? maxBytes, limit: maxBytes, oversize, onBytes, watchdog });
        } catch (error) {
          if (error instanceof EngineError) throw error;
          signal?.throwIfAborted();
          throw unreachable(`The download of ${name} from ${url} broke off (${watchdog.reason ?? (error as Error).message}). Check the network connection, then load the pack again.`);
        }
      } finally {
        watchdog.stop();
      }
    },
  };
}

/**
 * Aborts the request when `ms` pass without a sign of life (`alive()`): through the fetch's signal, and by
 * rejecting `expired`, which every wait races against (a fetch that ignores its signal cannot hang a read).
 */
class Watchdog {
  private readonly controller = new AbortController();
  private timer: ReturnType<typeof setTimeout> | undefined;
  private expire!: (error: Error) => void;
  readonly expired = new Promise<never>((_, reject) => (this.expire = reject));
  reason: string | null = null;

  constructor(
    private readonly ms: number,
    private readonly cancel: AbortSignal | undefined,
  ) {
    this.expired.catch(() => undefined); // observed by the races; no unhandled rejection when nothing waits
    cancel?.addEventListener('abort', this.onCancel);
    this.alive();
  }

  private readonly onCancel = () => {
    this.controller.abort(this.cancel!.reason);
    this.expire(this.cancel!.reason as Error);
  };

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  alive(): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.reason = `no data for ${Math.round(this.ms / 1000)} s`;
      const error = new Error(this.reason);
      this.controller.abort(error);
      this.expire(error);
    }, this.ms);
  }

  stop(): void {
    clearTimeout(this.timer);
    this.cancel?.removeEventListener('abort', this.onCancel);
  }
}

/** Content-Length as a number, or null when absent or not a plain integer (then the stream is counted). */
function contentLength(response: Response): number | null {
  const text = response.headers.get('content-length');
  return text !== null && /^\d{1,16}$/.test(text.trim()) ? Number(text.trim()) : null;
}

/** Reads the body chunk by chunk into one buffer, stopping (oversize) as soon as it passes `limit` bytes. */
async function readBody(
  response: Response,
  { maxBytes, limit, oversize, onBytes, watchdog }: { maxBytes: number; limit: number; oversize: (bytes: number | null) => EngineError; onBytes?: (loaded: number) => void; watchdog: Watchdog },
): Promise<Uint8Array> {
  onBytes?.(0);
  if (response.body === null) return new Uint8Array(0);
  const reader = response.body.getReader();
  let buffer = new Uint8Array(Math.min(maxBytes, limit));
  let loaded = 0;
  for (;;) {
    let chunk: ReadableStreamReadResult<Uint8Array>;
    try {
      chunk = await Promise.race([reader.read(), watchdog.expired]);
    } catch (error) {
      reader.cancel().catch(() => undefined);
      throw error;
    }
    const { done, value } = chunk;
    watchdog.alive();
    if (done) break;
    if (loaded + value.byteLength > limit) {
      await reader.cancel();
      throw oversize(null);
    }
    if (loaded + value.byteLength > buffer.byteLength) {
      // Content-Length was absent or too small: grow, never past the limit.
      const grown = new Uint8Array(Math.min(limit, Math.max(buffer.byteLength * 2, loaded + value.byteLength)));
      grown.set(buffer.subarray(0, loaded));
      buffer = grown;
    }
    buffer.set(value, loaded);
    loaded += value.byteLength;
    onBytes?.(loaded);
  }
  return loaded === buffer.byteLength ? buffer : buffer.slice(0, loaded);
}

/** "404 Not Found": HTTP/2 and some servers send no reason phrase, so the common ones have a default. */
function statusWords(response: Response): string {
  const reason = response.statusText || STATUS_REASONS[response.status];
  return reason ? `${response.status} ${reason}` : String(response.status);
}

const STATUS_REASONS: Record<number, string> = { 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found', 410: 'Gone', 500: 'Internal Server Error', 502: 'Bad Gateway', 503: 'Service Unavailable' };

function unreachable(message: string): EngineError {
  return new EngineError('PackUnreachable', message);
}
