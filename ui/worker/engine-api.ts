// The engine's public types: what crosses the comlink boundary (plain records, typed arrays, no class
// instances) and what Node callers pass to Engine directly. spec/style.md §3: pixels cross as
// { width, height, data } with their buffer transferred; progress callbacks go through proxy().
import type { EditSpec, EditStack, GlobalEditSpec, MapperEditSpec } from '../../contract/edit-spec';
import type { DownloadPlan } from './pack/load-pack';
import type { PackFileLike } from './pack/pack-from-files';
import type { GraphRole, PresetEntry } from './pack/pack-schema';
import type { StageTensorReport } from './render/synthesis-chain';
import type { Backend, GpuAdapterReport, RuntimeOptions } from './runtime/ort';
import type { StorageReport } from './storage-probe';

export type { Backend, DownloadPlan, RuntimeOptions, PackFileLike, PresetEntry, EditSpec, EditStack, GlobalEditSpec, MapperEditSpec };

export interface EngineOptions {
  /** Backend preference, ORT's wasm bytes, thread count (runtime/ort.ts). */
  runtime?: RuntimeOptions;
  /** Inverted faces kept (W+, S, mapper deltas). Default 8. */
  maxFaces?: number;
}

/** Where a pack comes from, as data a Worker can receive. Node code uses Engine.useLoadedPack instead. */
export type PackSourceSpec =
  | { kind: 'url'; url: string }
  | { kind: 'files'; files: PackFileLike[] };

/** 'full' = generator.resolution; a number must be one of the pack's previewResolutions. */
export type RenderResolution = 'full' | number;

export interface EditOptions {
  /** From invert() or faceFromWPlus(). */
  faceKey: string;
  /** Mapper edits change W+ first (each delta from the inverted W+), then every global edit adds α·Δs to S. */
  edits: EditStack;
}

export interface RenderOptions extends EditOptions {
  resolution: RenderResolution;
  /**
   * A slider being dragged: render at the smallest exit ≤ `resolution` that reaches the lowest style layer changed
   * since the last render (an exit below every changed layer would show no change; render/synthesis-chain.ts
   * draftSize), reusing the stages below it. The image's width says which exit it was.
   */
  draft?: boolean;
}

/** Pipeline stage → milliseconds, for the stages that ran (a cached stage reports its lookup time). */
export type Timings = Record<string, number>;

export interface InvertResult {
  faceKey: string;
  /** true when the face was already in the cache (nothing ran). */
  cached: boolean;
  timings: Timings;
}

export interface EditedLatents {
  /** W+ after the mapper edits, [numWs × wDim]. */
  wPlus: Float32Array;
  /** S after every edit, [totalS]. */
  s: Float32Array;
  /** Channels kept by each global edit, in edit order (upstream num_c). */
  channelsKept: number[];
  /** Things the user should know, e.g. a prompt cut to CLIP's context length. */
  warnings: string[];
  timings: Timings;
}

/** A generator output as it leaves the graph: float32 planes R, G, B of height × width, ≈[−1, 1]. */
export interface FloatImage {
  width: number;
  height: number;
  data: Float32Array; // 3 × height × width, channel-major (NCHW without the N)
}

export interface RenderResult {
  /** 8-bit RGBA, alpha 255 (render/to-rgba.ts). */
  image: { width: number; height: number; data: Uint8ClampedArray };
  channelsKept: number[];
  warnings: string[];
  timings: Timings;
}

export interface PackSummary {
  id: string;
  description: string;
  demo: boolean;
  /** Full output size R. */
  resolution: number;
  previewResolutions: number[];
  /** Side of the aligned face invert() expects. */
  encoderSize: number;
  /** W+ shape: rows and the width of each (a latent file must have it). */
  numWs: number;
  wDim: number;
  mappers: Array<{ name: string; description: string }>;
  /** Prompt pairs whose Δt the pack stores (no CLIP text model needed for them). */
  presets: PresetEntry[];
  /** The only words the pack's text encoder knows (pack.json `knownWords`), or null when it knows every word. */
  knownWords: string[] | null;
  backend: Backend;
  /** What the pack's files cost over the network this run; null for a folder (absent in tests' fakes). */
  download?: DownloadPlan | null;
}

export interface RuntimeReport {
  backend: Backend;
  /** Why the engine is not on its first choice of backend, or null. */
  fallbackReason: string | null;
}

/** What the engine's own context is and has (Diagnostics): the Worker's, which can differ from the panel's. */
export interface WorkerEnvironment {
  isSecureContext: boolean;
  crossOriginIsolated: boolean;
  hardwareConcurrency: number | null;
  /** Whether navigator.gpu exists here (a blob: worker in a null-origin frame has none). */
  navigatorGpu: boolean;
  /** Whether crypto.subtle exists (else packs are hashed by ui/worker/pack/sha256.ts). */
  cryptoSubtle: boolean;
  backend: Backend;
  fallbackReason: string | null;
  /** The WebGPU adapter the runtime looked at, with its software verdict; null when none was looked at. */
  gpuAdapter: GpuAdapterReport | null;
  /** The wasm threads ORT runs with (1 where the context is not cross-origin isolated, whatever was asked). */
  numThreads: number | null;
  storage: StorageReport;
}

export interface EngineStats {
  /** run() calls per graph role since the pack was loaded. */
  runs: Partial<Record<GraphRole, number>>;
  /** Graph roles that have had a session, each once, in the order they were first opened. */
  graphsLoaded: GraphRole[];
  /** Graph roles with a session now (the encoder and clipText are released between uses where the pack re-reads cheaply). */
  graphsOpen: GraphRole[];
  /** Sessions created per role (more than 1: released and opened again). */
  graphOpens: Partial<Record<GraphRole, number>>;
  /** The backend each loaded graph runs on. */
  sessionBackends: Partial<Record<GraphRole, Backend>>;
  /** Whether the CLIP vocabulary has been read (only a text direction needs it). */
  tokenizerLoaded: boolean;
  faces: number;
  /** The synthesis chain's cached stage tensors: where they are ('gpu-buffer' on WebGPU), how many were disposed and read back. */
  stageTensors: StageTensorReport;
}
