// The only UI file that imports comlink: starts the engine Worker from the source inlined by
// scripts/build.mjs and hands it ORT's wasm, which travels gzip-compressed and base64-encoded in ui.html.
import { transfer, wrap, type Remote } from 'comlink';
import type { Backend } from './worker/runtime/ort';
import type { Engine } from './worker/worker';

declare const __ENGINE_WORKER_SOURCE__: string; // the worker bundle (a classic script), injected by scripts/build.mjs
export const ORT_WASM_ELEMENT_ID = 'ort-wasm-gz-base64';

export interface EngineClient {
  engine: Remote<Engine>;
  backend: Backend;
  fallbackReason: string | null;
}

// Figma's iframe has origin null, and Chromium treats its workers differently by URL scheme [measured,
// test/e2e/ui-boots.e2e.test.ts]: a data: worker is a secure context (navigator.gpu, so WebGPU); a blob:null
// worker is not (wasm only); a blob:null *module* worker does not start at all. Hence classic workers,
// data: first, blob: as the fallback where a host's CSP refuses data: workers.
const WORKER_URLS: readonly { scheme: string; url: (source: string) => string }[] = [
  { scheme: 'data:', url: (source) => `data:text/javascript;charset=utf-8,${encodeURIComponent(source)}` },
  { scheme: 'blob:', url: (source) => URL.createObjectURL(new Blob([source], { type: 'text/javascript' })) },
];

export async function startEngine(doc: Document = document): Promise<EngineClient> {
  const failures: string[] = [];
  for (const { scheme, url } of WORKER_URLS) {
    let worker: Worker | undefined;
    try {
      worker = new Worker(url(__ENGINE_WORKER_SOURCE__), { name: 'facetext-engine' }); // CSP may throw here…
      const failed = new Promise<never>((_, reject) => {
        worker!.addEventListener('error', (event) => reject(new Error(`the ${scheme} worker failed to start: ${event.message || 'script error'}`)));
      }); // …or report it as an error event
      failed.catch(() => undefined); // handled through Promise.race below; no unhandled-rejection noise
      const engine = wrap<Engine>(worker);
      // Read the wasm per attempt: transferring it detaches the buffer even when the worker never starts.
      const wasmBinary = await readInlinedWasm(doc);
      const { backend, fallbackReason } = await Promise.race([engine.init(transfer({ wasmBinary }, [wasmBinary])), failed]);
      const reasons = [...(failures.length > 0 ? [`${failures.join('; ')}; started a ${scheme} worker instead`] : []), ...(fallbackReason === null ? [] : [fallbackReason])];
      return { engine, backend, fallbackReason: reasons.length > 0 ? reasons.join('; ') : null };
    } catch (error) {
      worker?.terminate();
      failures.push(error instanceof Error ? error.message : String(error));
    }
  }
  throw new Error(`The engine could not start: ${failures.join('; ')}`);
}

async function readInlinedWasm(doc: Document): Promise<ArrayBuffer> {
  const text = doc.getElementById(ORT_WASM_ELEMENT_ID)?.textContent;
  if (!text) throw new Error(`ui.html has no #${ORT_WASM_ELEMENT_ID} element: rebuild the plugin with npm run build`);
  const binary = atob(text.trim());
  const gzipped = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) gzipped[i] = binary.charCodeAt(i);
  const stream = new Blob([gzipped]).stream().pipeThrough(new DecompressionStream('gzip'));
  return new Response(stream).arrayBuffer();
}
