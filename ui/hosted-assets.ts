// The hosted page's assets (dist/hosted/, scripts/hosted-loader.mjs names them): the engine Worker's script,
// ORT's wasm and the face models, fetched from beside the page instead of being inlined in ui.html.
import type { StartEngineOptions } from './engine-client';
import { parseFaceModelBlob } from './face-model-assets';
import type { FaceModelsInput } from './worker/photo-api';
import { threadsParam } from './worker/runtime/threads';

const WORKER_FILE = 'engine-worker.js';
const ORT_WASM_FILE = 'ort-wasm-simd-threaded.asyncify.wasm';
const FACE_MODELS_FILE = 'face-models.bin';
/** Far above today's largest asset (ORT's wasm, 27 MB): a bound, so a wrong response is not read forever. */
const MAX_ASSET_BYTES = 128 * 1024 * 1024;

/**
 * startEngine's options for a hosted page at `base` (its own URL). Its `?threads=N` sets the engine's wasm threads
 * (checked; absent: the policy of ui/worker/runtime/threads.ts), so that a run with another count can be measured.
 */
export function hostedEngineAssets(base: string = location.href): NonNullable<StartEngineOptions['hosted']> {
  const numThreads = threadsParam(new URL(base).search);
  return { workerUrl: new URL(WORKER_FILE, base).href, wasm: () => fetchAsset(new URL(ORT_WASM_FILE, base).href), ...(numThreads === undefined ? {} : { numThreads }) };
}

export async function fetchFaceModelAssets(base: string = location.href): Promise<FaceModelsInput> {
  const url = new URL(FACE_MODELS_FILE, base).href;
  return parseFaceModelBlob(new Uint8Array(await fetchAsset(url)), url);
}

async function fetchAsset(url: string): Promise<ArrayBuffer> {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`${url} answered HTTP ${response.status}: the hosted panel's files are incomplete; upload all of dist/hosted/.`);
  const declared = Number(response.headers.get('content-length'));
  if (declared > MAX_ASSET_BYTES) {
    await response.body?.cancel();
    throw new Error(`${url} is ${declared} bytes, more than any facetext asset: check what the host serves there.`);
  }
  const bytes = await response.arrayBuffer();
  if (bytes.byteLength > MAX_ASSET_BYTES) throw new Error(`${url} is ${bytes.byteLength} bytes, more than any facetext asset: check what the host serves there.`);
  return bytes;
}
