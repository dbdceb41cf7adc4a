// The engine: one loaded pack, its graph sessions and caches, and the public API the panel (through
// worker.ts), the CLI and the tests call. Host-agnostic: no DOM, no Node, no comlink.
//
//   invert(aligned face) ─encoder→ W+ ─affine→ S                       cached per face (sha256 of the pixels)
//   mapper edits:  W+' = W+ + strength·0.1·M(W+) ─affine→ S'           M(W+) cached per face and mapper
//   global edits:  S'' = S' + Σ α·Δs(Δt, β)                            CLIP class embedding per text (→ Δt), r(Δt), Δs(Δt, β) cached
//   render:        S'' ─synthesis chain (stages up to r, or all)→ image → RGBA   the last S's stages cached
//
// Changing α or β therefore re-runs only the synthesis; changing β re-thresholds cached scores. A render at the
// S of the previous one (a refine to a larger preview, or the full render after a preview) continues from the
// cached stages of the synthesis chain (render/synthesis-chain.ts) instead of starting again.
import { problemsOf } from '../../contract/edit-problems';
import type { EditStack, GlobalEditSpec, MapperEditSpec } from '../../contract/edit-spec';
import type { JobStep, ProgressCallback } from '../../contract/progress';
import { relevanceScores, deltaSFromScores, applyDeltaS, type GlobalDeltaS } from './edit/global-direction';
import { applyMapperDelta } from './edit/mapper-edit';
import type {
  EditedLatents, EditOptions, EngineOptions, EngineStats, FloatImage, InvertResult, PackSourceSpec, PackSummary, RenderOptions,
  RenderResolution, RenderResult, RuntimeReport, Timings,
} from './engine-api';
import { EngineError } from './errors';
import { GraphSessions } from './graph-sessions';
import type { RgbaImage } from './image';
import { LruCache } from './cache';
import { sha256Hex, type LoadedPack } from './pack/load-pack';
import { packFromFiles } from './pack/pack-from-files';
import { openPackStore } from './pack/pack-cache';
import { packFromUrl } from './pack/pack-from-url';
import { mapperRole, type GraphRole, type Pack } from './pack/pack-schema';
import { draftSize, renderThroughChain, StageCache } from './render/synthesis-chain';
import { encoderInput, toRgba } from './render/to-rgba';
import { OrtRuntime, wasmThreads, float32Tensor, type Backend, type GpuAdapterReport, type OrtTensor } from './runtime/ort';
import { DirectionSource } from './edit/direction-source';

const DEFAULT_MAX_FACES = 8; // a batch edit of a few images, plus the one being previewed
const MAX_DIRECTIONS = 64; // relevance scores kept (one per prompt pair)
const MAX_DELTA_S = 256; // Δs kept, one per (prompt pair, β): a β slider visits ~23 values (0.08…0.30 step 0.01)
const MAX_MAPPED_PER_FACE = 8; // (mapper, strength) combinations kept per face

interface InvertedFace {
  readonly wPlus: Float32Array;
  readonly s: Promise<Float32Array>;
  readonly mapperDeltas: Map<string, Promise<Float32Array>>;
  readonly mapped: LruCache<string, Promise<{ wPlus: Float32Array; s: Float32Array }>>;
}

class PackState {
  readonly faces: LruCache<string, Promise<InvertedFace>>;
  readonly scores = new LruCache<string, Float32Array>(MAX_DIRECTIONS);
  readonly deltaS = new LruCache<string, GlobalDeltaS>(MAX_DELTA_S);
  readonly directions: DirectionSource;
  readonly stages = new StageCache(); // the synthesis chain's stages, each for the S entries it read
  private globals: Promise<{ relevance: Float32Array; sStd: Float32Array }> | undefined;

  constructor(
    readonly loaded: LoadedPack,
    readonly sessions: GraphSessions,
    maxFaces: number,
  ) {
    this.faces = new LruCache(maxFaces);
    this.directions = new DirectionSource(loaded, sessions);
  }

  get pack(): Pack {
    return this.loaded.pack;
  }

  /** Frees the pack's GPU stage tensors, then its sessions (the tensors belong to the sessions' device). */
  async release(): Promise<void> {
    await this.stages.close();
    await this.sessions.releaseAll();
  }

  /** fs3 and the S standard deviations, read on the first global edit. */
  globalData(): Promise<{ relevance: Float32Array; sStd: Float32Array }> {
    if (this.globals === undefined) {
      const { relevance, sStd } = this.pack.globalDirection;
      const data = Promise.all([this.loaded.readFloat32(relevance.file), this.loaded.readFloat32(sStd.file)]).then(([r, s]) => ({ relevance: r, sStd: s }));
      this.globals = data;
      data.catch(() => {
        if (this.globals === data) this.globals = undefined;
      });
    }
    return this.globals;
  }
}

export class Engine {
  private runtime: Promise<OrtRuntime> | undefined;
  private state: PackState | undefined;
  private previewTicket = 0;
  /** The pack load in flight: cancelPackLoad() aborts its download and keeps the current pack. */
  private packLoad: AbortController | undefined;
  private readonly maxFaces: number;

  constructor(private readonly options: EngineOptions = {}) {
    const { maxFaces = DEFAULT_MAX_FACES } = options;
    if (!Number.isInteger(maxFaces) || maxFaces < 1) throw new Error(`\`maxFaces\` must be a positive integer, got ${maxFaces}`);
    this.maxFaces = maxFaces;
  }

  /** Starts onnxruntime-web (probing WebGPU, falling back to wasm) once; later calls report the same runtime. */
  async start(): Promise<RuntimeReport> {
    const runtime = await this.ortRuntime();
    return { backend: runtime.backend, fallbackReason: runtime.fallbackReason ?? null };
  }

  /** The runtime as Diagnostics reports it: backend, why not the first choice, the adapter, wasm threads. */
  async runtimeDetails(): Promise<RuntimeReport & { gpuAdapter: GpuAdapterReport | null; numThreads: number | null }> {
    const runtime = await this.ortRuntime();
    return { backend: runtime.backend, fallbackReason: runtime.fallbackReason ?? null, gpuAdapter: runtime.gpuAdapter ?? null, numThreads: wasmThreads() };
  }

  /** The backend new sessions run on ('wasm' once a WebGPU session had to fall back). */
  async backend(): Promise<Backend> {
    return (await this.ortRuntime()).backend;
  }

  /** Opens a pack (reads and validates pack.json only; graphs load on first use). Drops the previous pack. */
  async loadPack(source: PackSourceSpec, onProgress?: ProgressCallback): Promise<PackSummary> {
    this.packLoad?.abort(); // a newer load replaces one still in flight
    const load = new AbortController();
    this.packLoad = load;
    let loaded: LoadedPack;
    try {
      // Verified files are kept where this context has storage (a hosted panel), else downloaded each run.
      if (source.kind === 'url') loaded = await packFromUrl(source.url, { onProgress, store: await openPackStore(), signal: load.signal });
      else if (source.kind === 'files') loaded = await packFromFiles(source.files, { onProgress });
      else throw new Error(`Unknown pack source kind "${(source as { kind: unknown }).kind}". Must be one of: url, files`);
    } finally {
      if (this.packLoad === load) this.packLoad = undefined;
    }
    if (load.signal.aborted) throw packLoadCancelled();
    return this.useLoadedPack(loaded);
  }

  /** Stops the pack load in flight, if any: it rejects with Cancelled and the pack loaded before stays. */
  cancelPackLoad(): void {
    this.packLoad?.abort(packLoadCancelled());
  }

  /** Uses a pack opened elsewhere (Node: packFromDirectory). */
  async useLoadedPack(loaded: LoadedPack): Promise<PackSummary> {
    const runtime = await this.ortRuntime();
    const previous = this.state;
    this.state = new PackState(loaded, new GraphSessions(runtime, loaded), this.maxFaces);
    await previous?.release();
    return this.summary();
  }

  /** Whether a pack is loaded (summary() and every edit need one). */
  hasPack(): boolean {
    return this.state !== undefined;
  }

  /** The loaded pack, as loadPack reported it. */
  async summary(): Promise<PackSummary> {
    const { pack, loaded } = this.requireState();
    const runtime = await this.ortRuntime();
    return {
      id: pack.id,
      description: pack.description,
      demo: pack.demo,
      resolution: pack.generator.resolution,
      previewResolutions: [...pack.generator.previewResolutions],
      encoderSize: pack.encoder.size,
      numWs: pack.generator.numWs,
      wDim: pack.generator.wDim,
      mappers: pack.mappers.map(({ name, description }) => ({ name, description })),
      presets: pack.presets ? pack.presets.entries.map((e) => ({ ...e })) : [],
      knownWords: pack.knownWords ? [...pack.knownWords] : null,
      backend: runtime.backend,
      download: await loaded.downloadPlan(),
    };
  }

  /** Encodes an aligned face (encoder.size square RGBA) to W+ and S. Cached by the sha256 of its pixels. */
  async invert(aligned: RgbaImage, onProgress?: ProgressCallback): Promise<InvertResult> {
    const state = this.requireState();
    const timings: Timings = {};
    const input = timed(timings, 'encoderInput', () => encoderInput(aligned, state.pack.encoder));
    const { data } = aligned;
    const hash = await timedAsync(timings, 'hash', () => sha256Hex(new Uint8Array(data.buffer, data.byteOffset, data.byteLength)));
    const faceKey = `rgba:${aligned.width}x${aligned.height}:${hash}`;
    const cached = state.faces.get(faceKey) !== undefined;
    const face = state.faces.getOrCreate(faceKey, async () => {
      const size = state.pack.encoder.size;
      onProgress?.({ stage: 'encode-face', step: 1, of: INVERT_STEPS });
      // `using`: the encoder is released once no inversion is in flight (re-opened for the next face).
      const wPlus = await timedAsync(timings, 'encoder', () =>
        state.sessions.using('encoder', () =>
          state.sessions.runFloat32('encoder', { image: float32Tensor(input, [1, 3, size, size]) }, { output: 'wplus', length: wPlusLength(state.pack), onProgress }),
        ),
      );
      onProgress?.({ stage: 'styles', step: 2, of: INVERT_STEPS });
      return this.newFace(state, checkWPlus(state.pack, wPlus, 'the encoder output'));
    });
    const { s } = await face;
    await timedAsync(timings, 'affine', () => s);
    return { faceKey, cached, timings };
  }

  /** A face from a known W+ ([numWs × wDim], e.g. a saved recipe or a golden latent) instead of a photo. */
  async faceFromWPlus(wPlus: Float32Array): Promise<InvertResult> {
    const state = this.requireState();
    const timings: Timings = {};
    const own = Float32Array.from(checkWPlus(state.pack, wPlus, '`wPlus`'));
    const faceKey = `wplus:${await sha256Hex(new Uint8Array(own.buffer))}`;
    const cached = state.faces.get(faceKey) !== undefined;
    const face = state.faces.getOrCreate(faceKey, async () => this.newFace(state, own));
    const { s } = await face;
    await timedAsync(timings, 'affine', () => s);
    return { faceKey, cached, timings };
  }

  /** The inverted W+ and S of a face (copies). */
  async latents(faceKey: string): Promise<{ wPlus: Float32Array; s: Float32Array }> {
    const face = await this.face(this.requireState(), faceKey);
    return { wPlus: Float32Array.from(face.wPlus), s: Float32Array.from(await face.s) };
  }

  /** W+ and S after the edits, without rendering (for tools, tests and recipes). */
  async editLatents({ faceKey, edits }: EditOptions, onProgress?: ProgressCallback): Promise<EditedLatents> {
    return this.edit({ faceKey, edits, extraStages: 0 }, onProgress);
  }

  /** Runs the synthesis graph on an S vector: the generator's float output. */
  async synthesize({ s, resolution }: { s: Float32Array; resolution: RenderResolution }, onProgress?: ProgressCallback): Promise<FloatImage> {
    return synthesizeWith(this.requireState(), { s, resolution }, onProgress);
  }

  /**
   * Edits and renders a face. Preview renders (a numeric resolution) are latest-wins: one overtaken by a
   * newer preview before its synthesis starts rejects with Cancelled instead of running.
   */
  async render({ faceKey, edits, resolution, draft = false }: RenderOptions, onProgress?: ProgressCallback): Promise<RenderResult> {
    const state = this.requireState();
    const asked = renderSize(state.pack, resolution); // a bad resolution fails before any work
    const ticket = typeof resolution === 'number' ? ++this.previewTicket : undefined;
    const edited = await this.edit({ faceKey, edits, extraStages: 1 }, onProgress);
    if (ticket !== undefined && ticket !== this.previewTicket) {
      throw new EngineError('Cancelled', 'A newer preview replaced this one before it was rendered.');
    }
    if (this.state !== state) throw new EngineError('Cancelled', 'Another model pack was loaded while this edit ran, so it was not rendered. Edit again.');
    const { timings } = edited;
    const of = renderSteps(edits);
    const size = draft === true ? draftSize({ pack: state.pack, s: edited.s, size: asked, cache: state.stages }) : asked;
    const full = size === state.pack.generator.resolution;
    onProgress?.({ stage: 'render', size, full, step: of, of });
    const pixels = await timedAsync(timings, 'synthesis', () => synthesizeWith(state, { s: edited.s, resolution: full ? 'full' : size }, onProgress));
    const image = timed(timings, 'toRgba', () => toRgba(pixels));
    return { image, channelsKept: edited.channelsKept, warnings: edited.warnings, timings };
  }

  /** Unit Δt for neutral → target: the pack's stored preset when it has the pair, else CLIP's text encoder. */
  async textDirection(neutral: string, target: string, onProgress?: ProgressCallback): Promise<Float32Array> {
    const state = this.requireState();
    const { deltaT } = await state.sessions.using('clipText', () => state.directions.get({ neutral, target, onProgress }));
    return Float32Array.from(deltaT);
  }

  /** Throws the BadArgument render() would throw for these edits, without running anything (check before invert). */
  checkEdits(edits: EditStack): void {
    checkEdits(this.requireState().pack, edits);
  }

  /**
   * Runs `work` with the encoder kept open throughout (a photo's faces, inverted one after another, share one
   * session instead of re-reading the graph for each).
   */
  withEncoderOpen<T>(work: () => Promise<T>): Promise<T> {
    return this.requireState().sessions.using('encoder', work);
  }

  /** What has run and loaded since the pack was loaded. */
  stats(): EngineStats {
    const state = this.requireState();
    return {
      runs: state.sessions.runCounts(),
      graphsLoaded: state.sessions.loadedRoles(),
      graphsOpen: state.sessions.openRoles(),
      graphOpens: state.sessions.openCounts(),
      sessionBackends: state.sessions.sessionBackends(),
      tokenizerLoaded: state.directions.tokenizerLoaded,
      faces: state.faces.size,
      stageTensors: state.stages.report(),
    };
  }

  /** Releases every session. The engine can load a pack again afterwards. */
  async dispose(): Promise<void> {
    const state = this.state;
    this.state = undefined;
    await state?.release();
  }

  // ------------------------------------------------------------------ internals
  private ortRuntime(): Promise<OrtRuntime> {
    if (this.runtime === undefined) {
      const runtime = OrtRuntime.create(this.options.runtime);
      this.runtime = runtime;
      runtime.catch(() => {
        if (this.runtime === runtime) this.runtime = undefined;
      });
    }
    return this.runtime;
  }

  private requireState(): PackState {
    if (this.state === undefined) throw new Error('No pack is loaded: call loadPack() (or useLoadedPack()) first');
    return this.state;
  }

  private newFace(state: PackState, wPlus: Float32Array): InvertedFace {
    const s = this.affine(state, wPlus);
    s.catch(() => undefined); // observed by whoever awaits the face's S
    return { wPlus, s, mapperDeltas: new Map(), mapped: new LruCache(MAX_MAPPED_PER_FACE) };
  }

  private affine(state: PackState, wPlus: Float32Array, onProgress?: ProgressCallback): Promise<Float32Array> {
    const { numWs, wDim } = state.pack.generator;
    return state.sessions.runFloat32('affine', { wplus: float32Tensor(wPlus, [1, numWs, wDim]) }, { output: 's', length: state.pack.generator.totalS, onProgress });
  }

  private async face(state: PackState, faceKey: string): Promise<InvertedFace> {
    const face = state.faces.get(faceKey);
    if (face === undefined) {
      throw new EngineError(
        'BadArgument',
        `No face has the key "${faceKey}" in pack ${state.pack.id} (faces are kept for the last ${this.maxFaces} images, and loading a pack forgets them). Invert the face again.`,
      );
    }
    return face;
  }

  private async edit(
    { faceKey, edits, extraStages }: EditOptions & { extraStages: number },
    onProgress?: ProgressCallback,
  ): Promise<EditedLatents> {
    const state = this.requireState();
    const mappers = edits.filter((e): e is MapperEditSpec => e.kind === 'mapper');
    const globals = edits.filter((e): e is GlobalEditSpec => e.kind === 'global');
    checkEdits(state.pack, edits);
    const face = await this.face(state, faceKey);
    const timings: Timings = {};
    const of = stageCount(edits) + extraStages;
    let step = 0;
    const next = (): JobStep => ({ step: ++step, of });

    // W+ and S after the mapper edits: each delta comes from the inverted W+, so mappers stack additively.
    let latents: { wPlus: Float32Array; s: Float32Array };
    if (mappers.length === 0) {
      onProgress?.({ stage: 'styles', ...next() });
      latents = { wPlus: face.wPlus, s: await timedAsync(timings, 'affine', () => face.s) };
    } else {
      const key = JSON.stringify(mappers.map((m) => [m.mapper, m.strength]));
      latents = await face.mapped.getOrCreate(key, async () => {
        let wPlus = face.wPlus;
        for (const { mapper, strength } of mappers) {
          onProgress?.({ stage: 'map-latent', mapper, ...next() });
          const delta = await timedAsync(timings, 'mapper', () => this.mapperDelta(state, face, mapper, onProgress));
          wPlus = applyMapperDelta(wPlus, delta, strength);
        }
        onProgress?.({ stage: 'styles', ...next() });
        return { wPlus, s: await timedAsync(timings, 'affine', () => this.affine(state, wPlus, onProgress)) };
      });
      step = mappers.length + 1; // a cache hit reported nothing; keep the stream's step count right
    }

    // Global directions: Δt → relevance scores (per prompt pair) → Δs (per pair and β).
    const deltas: Array<{ deltaS: Float32Array; alpha: number }> = [];
    const channelsKept: number[] = [];
    const warnings: string[] = [];
    if (globals.length > 0) {
      const { relevance, sStd } = await state.globalData();
      const { clip, generator } = state.pack;
      for (const { target, neutral, alpha, beta } of globals) {
        onProgress?.({ stage: 'text-direction', neutral, target, ...next() });
        // `using`: clipText is released once Δt is cached and no other direction is being computed.
        const direction = await timedAsync(timings, 'textDirection', () => state.sessions.using('clipText', () => state.directions.get({ neutral, target, onProgress })));
        if (direction.truncatedPrompts.length > 0) warnings.push(truncationWarning(direction.truncatedPrompts, clip.contextLength));
        const ds = timed(timings, 'deltaS', () => {
          const scores = state.scores.getOrCreate(direction.key, () => relevanceScores({ relevance, dims: clip.embedDim, deltaT: direction.deltaT }));
          return state.deltaS.getOrCreate(`${direction.key}|${beta}`, () => deltaSFromScores({ scores, beta, sStd, layers: generator.styleLayers }));
        });
        deltas.push({ deltaS: ds.deltaS, alpha });
        channelsKept.push(ds.channelsKept);
      }
    }
    const s = timed(timings, 'applyDeltaS', () => applyDeltaS(latents.s, deltas)); // always a fresh copy
    return { wPlus: Float32Array.from(latents.wPlus), s, channelsKept, warnings: [...new Set(warnings)], timings };
  }

  private mapperDelta(state: PackState, face: InvertedFace, mapper: string, onProgress?: ProgressCallback): Promise<Float32Array> {
    let delta = face.mapperDeltas.get(mapper);
    if (delta === undefined) {
      const { numWs, wDim } = state.pack.generator;
      const pending = state.sessions.runFloat32(mapperRole(mapper), { wplus: float32Tensor(face.wPlus, [1, numWs, wDim]) }, { output: 'delta', length: numWs * wDim, onProgress });
      face.mapperDeltas.set(mapper, pending);
      pending.catch(() => face.mapperDeltas.delete(mapper));
      delta = pending;
    }
    return delta;
  }
}

// ------------------------------------------------------------------ helpers
/** The synthesis chain of `state`'s pack on an S vector (a render keeps the pack it started with). */
async function synthesizeWith(state: PackState, { s, resolution }: { s: Float32Array; resolution: RenderResolution }, onProgress?: ProgressCallback): Promise<FloatImage> {
  const { pack } = state;
  const { totalS } = pack.generator;
  if (s.length !== totalS) throw new EngineError('BadArgument', `S has ${s.length} values; pack ${pack.id} needs ${totalS} (generator.totalS).`);
  const size = renderSize(pack, resolution);
  const run = (role: GraphRole, feeds: Record<string, OrtTensor>, outputs: readonly string[]) => state.sessions.runTensors(role, feeds, outputs, onProgress);
  const data = await renderThroughChain({ run, pack, s, size, cache: state.stages });
  return { width: size, height: size, data };
}

function renderSize(pack: Pack, resolution: RenderResolution): number {
  if (resolution === 'full') return pack.generator.resolution;
  if (!pack.generator.previewResolutions.includes(resolution)) {
    throw new EngineError(
      'BadArgument',
      `Resolution ${String(resolution)} is not one pack ${pack.id} can render. Must be one of: full, ${pack.generator.previewResolutions.join(', ')}`,
    );
  }
  return resolution;
}

function wPlusLength(pack: Pack): number {
  return pack.generator.numWs * pack.generator.wDim;
}

function checkWPlus(pack: Pack, wPlus: Float32Array, what: string): Float32Array {
  const { numWs, wDim } = pack.generator;
  if (!(wPlus instanceof Float32Array) || wPlus.length !== numWs * wDim) {
    throw new EngineError('BadArgument', `${what} has ${wPlus?.length} values; W+ of pack ${pack.id} is ${numWs} × ${wDim} = ${numWs * wDim}.`);
  }
  return wPlus;
}

/** Throws BadArgument with the contract's first problem (contract/edit-problems.ts) when the edits cannot run. */
function checkEdits(pack: Pack, edits: EditStack): void {
  const problems = problemsOf(edits, pack);
  if (problems.length > 0) throw new EngineError('BadArgument', problems[0]!.message);
}

/** Job steps of an inversion that runs: the encoder, then the affine (none when the face is cached). */
export const INVERT_STEPS = 2;

/** Job steps of an edit: one per mapper, the affine, one per global edit. */
function stageCount(edits: EditStack): number {
  return edits.length + 1;
}

/** Job steps of a render: the edit's, then the synthesis. */
export function renderSteps(edits: EditStack): number {
  return stageCount(edits) + 1;
}

function truncationWarning(prompts: readonly string[], contextLength: number): string {
  const example = prompts[0].length > 80 ? `${prompts[0].slice(0, 77)}…` : prompts[0];
  return `The prompt is too long for CLIP (${contextLength} tokens including the template): ${prompts.length} templated prompt(s) were cut, e.g. "${example}". Shorten it.`;
}

function timed<T>(timings: Timings, stage: string, work: () => T): T {
  const started = performance.now();
  try {
    return work();
  } finally {
    timings[stage] = (timings[stage] ?? 0) + (performance.now() - started);
  }
}

async function timedAsync<T>(timings: Timings, stage: string, work: () => Promise<T>): Promise<T> {
  const started = performance.now();
  try {
    return await work();
  } finally {
    timings[stage] = (timings[stage] ?? 0) + (performance.now() - started);
  }
}

function packLoadCancelled(): EngineError {
  return new EngineError('Cancelled', 'The model pack load was cancelled; the pack loaded before stays in use.');
}
