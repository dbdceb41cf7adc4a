// The only UI file that imports comlink: starts the engine Worker from the source inlined by
// scripts/build.mjs, hands it ORT's wasm (inline-assets.ts), and wraps the remote as a PanelEngine: progress
// callbacks go through proxy(), pixels are transferred.
import { proxy, transfer, wrap, type Remote } from 'comlink';
import { faceModelBuffers } from './face-model-assets';
import { readInlinedAsset } from './inline-assets';
import type { InvertResult, PackSourceSpec, PackSummary, RenderOptions, RenderResult, WorkerEnvironment } from './worker/engine-api';
import type { RgbaImage } from './worker/image';
import type {
  ComposePhotoOptions, ComposePhotoResult, FaceIdentityOptions, FaceModelsInput, IdentityScore, OpenPhotoResult, PreviewCropOptions, PreviewCropResult,
  PreviewPhotoOptions, PreviewPhotoResult, ReconstructionOptions, SelectFaceOptions, SelectFaceResult,
} from './worker/photo-api';
import type { ProgressCallback } from '../contract/progress';
import type { GraphPlacement } from './graph-backends-note';
import type { Backend } from './worker/runtime/ort';
import type { EngineWorker } from './worker/worker';

declare const __ENGINE_WORKER_SOURCE__: string; // the worker bundle (a classic script), injected by scripts/build.mjs
// esbuild's define pastes the (1.6 MB) string at every use: read it once.
const ENGINE_WORKER_SOURCE: string = __ENGINE_WORKER_SOURCE__;
export const ORT_WASM_ELEMENT_ID = 'ort-wasm-gz-base64';

/** What the panel asks of the engine (the Worker's API, minus comlink). Tests pass a fake. */
export interface PanelEngine {
  /** `onProgress` stays subscribed: pack files download when a graph is first used, long after loadPack returns. */
  loadPack(source: PackSourceSpec, onProgress: ProgressCallback): Promise<PackSummary>;
  /** Stops the loadPack in flight (it rejects with Cancelled; the pack loaded before stays). */
  cancelPackLoad(): Promise<void>;
  openPhoto(image: RgbaImage, options: { name: string }): Promise<OpenPhotoResult>;
  selectFace(options: SelectFaceOptions, onProgress: ProgressCallback): Promise<SelectFaceResult>;
  /** A face from a given W+ (a latent file) instead of a photo. */
  faceFromWPlus(wPlus: Float32Array): Promise<InvertResult>;
  /** The aligned face rendered with the edits (no photo needed: a face from a W+). */
  render(options: RenderOptions, onProgress: ProgressCallback): Promise<RenderResult>;
  /** A preview render pasted into the crop around the face, as Apply will paste it (the preview in place). */
  previewPhoto(options: PreviewPhotoOptions, onProgress: ProgressCallback): Promise<PreviewPhotoResult>;
  /** The photo around the face as it is, at the preview's size: the "before". */
  previewCrop(options: PreviewCropOptions): Promise<PreviewCropResult>;
  composePhoto(options: ComposePhotoOptions, onProgress: ProgressCallback): Promise<ComposePhotoResult>;
  /** The original face vs an edited render of it (null: nothing to score, photo-editor.ts `scores`). */
  faceIdentity(options: FaceIdentityOptions): Promise<IdentityScore | null>;
  /** The original face vs its unedited render, once per face (null: nothing to score). */
  faceReconstruction(options: ReconstructionOptions): Promise<IdentityScore | null>;
  /** The engine's backend now and where each graph opened so far runs (needs a loaded pack); absent in tests' fakes. */
  graphPlacement?(): Promise<GraphPlacement>;
}

/** How the engine Worker was started: from a data: or blob: URL (inline panel), or a file URL (hosted panel). */
export type WorkerKind = 'data:' | 'blob:' | 'url';

export interface EngineClient {
  engine: PanelEngine;
  backend: Backend;
  fallbackReason: string | null;
  /** Absent in tests' fakes. */
  workerKind?: WorkerKind;
  /** The Worker's own context and runtime (Diagnostics); absent in tests' fakes. */
  environment?: () => Promise<WorkerEnvironment>;
}

export interface StartEngineOptions {
  doc?: Document;
  /**
   * The hosted page's engine: the Worker script's URL and ORT's wasm, instead of the inlined ones, and an explicit
   * wasm thread count (else the runtime's policy, ui/worker/runtime/threads.ts).
   */
  hosted?: { workerUrl: string; wasm: () => Promise<ArrayBuffer>; numThreads?: number };
  /** The face detector's bytes (inlined by the build); read on the first openPhoto. */
  faceModels?: () => Promise<FaceModelsInput> | FaceModelsInput;
}

// Figma's iframe has origin null, and Chromium treats its workers differently by URL scheme [measured,
// test/e2e/ui-boots.e2e.test.ts]: a data: worker is a secure context (navigator.gpu, so WebGPU); a blob:null
// worker is not (wasm only); a blob:null *module* worker does not start at all. Hence classic workers,
// data: first, blob: as the fallback where a host's CSP refuses data: workers.
// Chromium caps URLs at 2 MB, which the engine bundle outgrew (face-api + tfjs), so the data: worker is a small
// loader: it receives the bundle as its first message and runs it from a blob: URL of its own (still in the
// data: worker's secure context).
const DATA_WORKER_LOADER = `self.onmessage=function(e){self.onmessage=null;var u=URL.createObjectURL(new Blob([e.data],{type:'text/javascript'}));importScripts(u);URL.revokeObjectURL(u)}`;
const WORKER_URLS: readonly { scheme: WorkerKind; url: (source: string) => string; loader: boolean }[] = [
  { scheme: 'data:', url: () => `data:text/javascript;charset=utf-8,${encodeURIComponent(DATA_WORKER_LOADER)}`, loader: true },
  { scheme: 'blob:', url: (source) => URL.createObjectURL(new Blob([source], { type: 'text/javascript' })), loader: false },
];

export async function startEngine({ doc = document, faceModels, hosted }: StartEngineOptions = {}): Promise<EngineClient> {
  const failures: string[] = [];
  // A hosted page has an origin: its own worker file is a secure context with WebGPU, like the data: worker.
  const candidates = hosted === undefined ? WORKER_URLS : [{ scheme: 'url' as const, url: () => hosted.workerUrl, loader: false }];
  for (const { scheme, url, loader } of candidates) {
    let worker: Worker | undefined;
    try {
      worker = new Worker(url(ENGINE_WORKER_SOURCE), { name: 'facetext-engine' }); // CSP may throw here…
      if (loader) worker.postMessage(ENGINE_WORKER_SOURCE);
      const failed = new Promise<never>((_, reject) => {
        worker!.addEventListener('error', (event) => reject(new Error(`the ${scheme} worker failed to start: ${event.message || 'script error'}`)));
      }); // …or report it as an error event
      failed.catch(() => undefined); // handled through Promise.race below; no unhandled-rejection noise
      const remote = wrap<EngineWorker>(worker);
      // Read the wasm per attempt: transferring it detaches the buffer even when the worker never starts.
      const wasmBinary = hosted === undefined ? await readInlinedAsset(doc, ORT_WASM_ELEMENT_ID) : await hosted.wasm();
      const { backend, fallbackReason } = await Promise.race([remote.init(transfer({ wasmBinary, ...(hosted?.numThreads === undefined ? {} : { numThreads: hosted.numThreads }) }, [wasmBinary])), failed]);
      const reasons = [...(failures.length > 0 ? [`${failures.join('; ')}; started a ${scheme} worker instead`] : []), ...(fallbackReason === null ? [] : [fallbackReason])];
      performance.mark('facetext-engine-ready');
      return { engine: panelEngine(remote, faceModels), backend, fallbackReason: reasons.length > 0 ? reasons.join('; ') : null, workerKind: scheme, environment: () => remote.environment() };
    } catch (error) {
      worker?.terminate();
      failures.push(error instanceof Error ? error.message : String(error));
    }
  }
  throw new Error(`The engine could not start: ${failures.join('; ')}`);
}

function panelEngine(remote: Remote<EngineWorker>, faceModels: StartEngineOptions['faceModels']): PanelEngine {
  let faceModelsLoaded: Promise<void> | null = null;
  const ensureFaceModels = () => {
    faceModelsLoaded ??= (async () => {
      if (faceModels === undefined) throw new Error('This build has no face detector: rebuild the plugin with npm run build.');
      const models = await faceModels();
      await remote.loadFaceModels(transfer(models, faceModelBuffers(models)));
    })().catch((error: unknown) => {
      faceModelsLoaded = null;
      throw error;
    });
    return faceModelsLoaded;
  };
  return {
    loadPack: (source, onProgress) => remote.loadPack(source, proxy(onProgress)),
    cancelPackLoad: () => remote.cancelPackLoad(),
    async openPhoto(image, options) {
      await ensureFaceModels();
      return remote.openPhoto(transfer(image, [image.data.buffer]), options);
    },
    selectFace: (options, onProgress) => remote.selectFace(options, proxy(onProgress)),
    faceFromWPlus: (wPlus) => remote.faceFromWPlus(wPlus),
    render: (options, onProgress) => remote.render(options, proxy(onProgress)),
    previewPhoto: (options, onProgress) => remote.previewPhoto(options, proxy(onProgress)),
    previewCrop: (options) => remote.previewCrop(options),
    composePhoto: (options, onProgress) => remote.composePhoto(options, proxy(onProgress)),
    faceIdentity: (options) => remote.faceIdentity(options),
    faceReconstruction: (options) => remote.faceReconstruction(options),
    async graphPlacement() {
      const [backend, stats] = await Promise.all([remote.backend(), remote.stats()]);
      return { backend, sessionBackends: stats.sessionBackends };
    },
  };
}
