// Pack source: a folder served over HTTP(S). pack.json is fetched at once; every other file when the
// engine first asks for it, streamed so `download` progress can be reported.
import { EngineError } from '../errors';
import type { ProgressCallback } from '../../../contract/progress';
import { loadPack, type LoadedPack, type PackSource } from './load-pack';

export interface PackFromUrlOptions {
  onProgress?: ProgressCallback;
  /** Defaults to globalThis.fetch; tests and hosts with their own networking pass one. */
  fetch?: typeof fetch;
}

/** `baseUrl` is the pack folder ("https://example.com/packs/ffhq-1024/"); relative URLs resolve against the page or worker. */
export async function packFromUrl(baseUrl: string | URL, { onProgress, fetch: fetchFn = globalThis.fetch }: PackFromUrlOptions = {}): Promise<LoadedPack> {
  return loadPack(urlSource(folderUrl(baseUrl), fetchFn), { onProgress });
}

function folderUrl(baseUrl: string | URL): URL {
  const base = typeof location === 'undefined' ? undefined : location.href;
  let url: URL;
  try {
    url = new URL(String(baseUrl), base);
  } catch {
    throw new EngineError('BadArgument', `"${String(baseUrl)}" is not a URL. Give the address of the pack folder, e.g. https://example.com/packs/ffhq-1024/`);
  }
  if (!url.pathname.endsWith('/')) url.pathname += '/';
  url.search = '';
  url.hash = '';
  return url;
}

function urlSource(base: URL, fetchFn: typeof fetch): PackSource {
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
    async read(name, { expectedBytes, onBytes } = {}) {
      const url = where(name);
      let response: Response;
      try {
        response = await fetchFn(url);
      } catch (error) {
        throw unreachable(`Could not download ${name} from ${url} (${(error as Error).message}). Check the network connection, then load the pack again.`);
      }
      if (response.status === 404 || response.status === 410) {
        await response.body?.cancel();
        return null;
      }
      if (!response.ok) {
        await response.body?.cancel();
        throw unreachable(
          `${url} answered HTTP ${response.status}${response.statusText ? ` ${response.statusText}` : ''} when asked for ${name}. Check that the server is up and serves the pack folder, then load the pack again.`,
        );
      }
      try {
        return await readBody(response, expectedBytes, onBytes);
      } catch (error) {
        throw unreachable(`The download of ${name} from ${url} broke off (${(error as Error).message}). Check the network connection, then load the pack again.`);
      }
    },
  };
}

/** Reads the body chunk by chunk into one buffer, reporting the bytes received so far. */
async function readBody(response: Response, expectedBytes = 0, onBytes?: (loaded: number) => void): Promise<Uint8Array> {
  onBytes?.(0);
  if (response.body === null) {
    const bytes = new Uint8Array(await response.arrayBuffer());
    onBytes?.(bytes.byteLength);
    return bytes;
  }
  const reader = response.body.getReader();
  let buffer = new Uint8Array(expectedBytes);
  let loaded = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    if (loaded + value.byteLength > buffer.byteLength) {
      // More than pack.json says: keep reading, the size check names the file afterwards.
      const grown = new Uint8Array(Math.max(buffer.byteLength * 2, loaded + value.byteLength));
      grown.set(buffer.subarray(0, loaded));
      buffer = grown;
    }
    buffer.set(value, loaded);
    loaded += value.byteLength;
    onBytes?.(loaded);
  }
  return loaded === buffer.byteLength ? buffer : buffer.slice(0, loaded);
}

function unreachable(message: string): EngineError {
  return new EngineError('PackUnreachable', message);
}
