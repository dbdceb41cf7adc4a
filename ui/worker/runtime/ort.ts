// The only importer of onnxruntime-web. It picks the backend (WebGPU, falling back to wasm) and reports
// it, decides every session option, and serialises run() calls: onnxruntime-web sessions share one wasm
// instance, and concurrent runs fail with "Session already started".
//
// 'onnxruntime-web/webgpu' is the native C++ WebGPU EP (it has PRelu, which the e4e encoder needs; the
// default JSEP build would run PRelu on the CPU). Under Node it runs the wasm EP. See spec/runtime.md §1–2.
import * as ort from 'onnxruntime-web/webgpu';
import type { Tensor } from 'onnxruntime-web/webgpu';
import { defaultWasmThreads, wasmThreadsProblem } from './threads';

export type Backend = 'webgpu' | 'wasm';
export type OrtTensor = Tensor;

export const BACKENDS: readonly Backend[] = ['webgpu', 'wasm'];

export interface RuntimeOptions {
  /**
   * Order of preference. Default: ['webgpu', 'wasm'] where navigator.gpu exists, else ['wasm']. A software or
   * fallback WebGPU adapter (SwiftShader, llvmpipe) is passed over while a later backend remains, because
   * wasm is faster than a CPU rasterizer; `['webgpu']` alone uses whatever adapter there is (tests force it so).
   */
  backends?: Backend[];
  /** ORT's .wasm bytes when they are not fetched by URL (the plugin inlines them). */
  wasmBinary?: ArrayBuffer;
  /**
   * wasm threads. Default: threads.ts's policy (1 unless crossOriginIsolated: the inline panel and Node get 1; a
   * hosted page with Document-Isolation-Policy gets ORT's min(4, ceil(cores / 2))). Where the context is not
   * cross-origin isolated ORT runs 1 whatever is asked; `wasmThreads()` reports what it runs.
   */
  numThreads?: number;
}

export interface GraphSession {
  readonly name: string;
  /** The backend this session runs on (a WebGPU session that failed to build, or one opened with `wasm`, runs on wasm). */
  readonly backend: Backend;
  readonly inputNames: readonly string[];
  readonly outputNames: readonly string[];
  /**
   * Runs the graph. On WebGPU the outputs named in `deviceOutputs` come back as 'gpu-buffer' tensors that the caller
   * owns (dispose() them); any other output, and every output on wasm, comes back on the CPU.
   */
  run(feeds: Record<string, OrtTensor>): Promise<Record<string, OrtTensor>>;
  release(): Promise<void>;
}

export interface SessionOptions {
  /**
   * Outputs that feed another graph rather than the CPU: on WebGPU they stay in GPU buffers (onnxruntime-web's
   * `preferredOutputLocation`, per output name), so the next graph reads them without a round trip. Ignored on wasm.
   */
  deviceOutputs?: readonly string[];
  /**
   * Opens the graph on the wasm EP even when the runtime is on WebGPU, without changing the runtime's backend or
   * fallback reason: for a graph that computes in int8 (QDQ), which only the CPU EP fuses into int8 kernels; the
   * WebGPU EP runs its convs in float32 and each QuantizeLinear on the CPU (bench/README.md, "int8 execution").
   */
  wasm?: boolean;
}

// ORT's env is process-wide and read once, when the first session initialises the wasm backend.
let configuredEnv: { wasmBinary: ArrayBuffer | undefined; numThreads: number } | undefined;

/** What the WebGPU adapter says about itself (GPUAdapter.info), and whether that makes it a software one. */
export interface GpuAdapterReport {
  vendor: string;
  architecture: string;
  device: string;
  description: string;
  /** isFallbackAdapter, or a software rasterizer named in the info (SwiftShader, llvmpipe, lavapipe, WARP). */
  software: boolean;
  /** False when the adapter exposed no info at all (then `software` only reflects isFallbackAdapter). */
  infoAvailable: boolean;
  /**
   * The adapter offers 'shader-f16' (float16 arithmetic in shaders), which ORT requests when present. Only a graph
   * that computes in float16 would use it: today's packs store float16 weights but compute in float32 (bench/README.md).
   */
  shaderF16: boolean;
}

export class OrtRuntime {
  private queue: Promise<unknown> = Promise.resolve();
  private currentBackend: Backend;
  private fallback: string | undefined;

  private constructor(
    backend: Backend,
    fallbackReason: string | undefined,
    /** The WebGPU adapter that was looked at (undefined when WebGPU was not tried or had none). */
    readonly gpuAdapter: GpuAdapterReport | undefined,
  ) {
    this.currentBackend = backend;
    this.fallback = fallbackReason;
  }

  /** Configures ort.env (once per process), probes WebGPU and falls back to wasm when it is unusable. */
  static async create(options: RuntimeOptions = {}): Promise<OrtRuntime> {
    const { backends = defaultBackends(), wasmBinary, numThreads = defaultNumThreads() } = options;
    if (backends.length === 0) throw new Error('`backends` must name at least one backend. Must be one of: webgpu, wasm');
    for (const backend of backends) {
      if (!BACKENDS.includes(backend)) throw new Error(`Unknown backend "${String(backend)}". Must be one of: ${BACKENDS.join(', ')}`);
    }
    const threadsProblem = wasmThreadsProblem(numThreads);
    if (threadsProblem !== undefined) throw new Error(threadsProblem);
    configureEnv(wasmBinary, numThreads);

    const reasons: string[] = [];
    let gpuAdapter: GpuAdapterReport | undefined;
    for (const [index, backend] of backends.entries()) {
      let problem: string | undefined;
      if (backend === 'webgpu') {
        const probe = await probeWebGpu();
        gpuAdapter = probe.adapter;
        problem = probe.problem;
        const later = backends.slice(index + 1);
        if (problem === undefined && probe.adapter?.software === true && later.length > 0) {
          problem = `WebGPU adapter is a software renderer (${rendererName(probe.adapter)}): running on ${later.includes('wasm') ? 'WebAssembly' : later[0]}, which is faster here`;
        }
      }
      // A backend counts as usable only once it has run a graph: this also loads ORT's wasm.
      const failure = problem ?? (await smokeTest(backend));
      if (failure === undefined) return new OrtRuntime(backend, reasons.length > 0 ? reasons.join('; ') : undefined, gpuAdapter);
      reasons.push(failure);
    }
    throw new Error(`No usable backend among ${backends.join(', ')}: ${reasons.join('; ')}`);
  }

  /** The backend new sessions use; 'wasm' once any WebGPU session had to fall back. */
  get backend(): Backend {
    return this.currentBackend;
  }

  /** Why the runtime is not on its first choice of backend, or undefined when it is. */
  get fallbackReason(): string | undefined {
    return this.fallback;
  }

  async createSession(name: string, model: Uint8Array, options: SessionOptions = {}): Promise<GraphSession> {
    if (this.currentBackend === 'webgpu' && options.wasm !== true) {
      try {
        return await this.serialised(() => this.open(name, model, 'webgpu', options));
      } catch (error) {
        this.currentBackend = 'wasm';
        this.fallback = `WebGPU could not build ${name}: ${error instanceof Error ? error.message : String(error)}`;
      }
    }
    return this.serialised(() => this.open(name, model, 'wasm', options));
  }

  private async open(name: string, model: Uint8Array, backend: Backend, { deviceOutputs = [] }: SessionOptions): Promise<GraphSession> {
    const session = await ort.InferenceSession.create(model, sessionOptions(backend, deviceOutputs));
    let released = false;
    return {
      name,
      backend,
      inputNames: session.inputNames,
      outputNames: session.outputNames,
      run: (feeds) => {
        if (released) return Promise.reject(new Error(`Session ${name} was released; create it again before running it`));
        // A wasm session (one that fell back from WebGPU or asked for wasm, in a chain whose other graphs kept their
        // outputs on the GPU) is fed CPU copies: only the WebGPU EP can bind a GPU buffer as an input.
        return this.serialised(async () => (await session.run(backend === 'wasm' ? await onCpu(feeds) : feeds)) as Record<string, OrtTensor>);
      },
      release: () => {
        if (released) return Promise.resolve();
        released = true;
        return this.serialised(() => session.release());
      },
    };
  }

  /** Runs `task` after every task queued before it, whatever their outcome. */
  private serialised<T>(task: () => Promise<T>): Promise<T> {
    const result = this.queue.then(task, task);
    this.queue = result.catch(() => undefined);
    return result;
  }
}

export function float32Tensor(data: Float32Array, dims: readonly number[]): OrtTensor {
  return new ort.Tensor('float32', data, dims);
}

export function int32Tensor(data: Int32Array, dims: readonly number[]): OrtTensor {
  return new ort.Tensor('int32', data, dims);
}

/** `feeds` with every 'gpu-buffer' tensor replaced by a CPU copy of its data (the GPU tensor stays valid). */
async function onCpu(feeds: Record<string, OrtTensor>): Promise<Record<string, OrtTensor>> {
  const entries = await Promise.all(
    Object.entries(feeds).map(async ([name, tensor]) => {
      if (tensor.location !== 'gpu-buffer') return [name, tensor] as const;
      // No releaseData: the tensor's owner disposes it. GPU tensors hold numbers, never strings.
      return [name, new ort.Tensor(tensor.type, (await tensor.getData()) as Exclude<Tensor['data'], string[]>, tensor.dims)] as const;
    }),
  );
  return Object.fromEntries(entries);
}

function sessionOptions(backend: Backend, deviceOutputs: readonly string[] = []): ort.InferenceSession.SessionOptions {
  return {
    // Only the chosen EP: ['webgpu', 'wasm'] would silently drop WebGPU and misreport the backend.
    // Nodes the WebGPU EP lacks still run on ORT's CPU EP inside the same session.
    executionProviders: [backend],
    graphOptimizationLevel: 'all',
    logSeverityLevel: 3, // error
    // IO binding (ORT docs, tutorials/web/ep-webgpu "Keep tensor data on GPU"): these outputs come back as
    // 'gpu-buffer' tensors that the caller owns and must dispose().
    ...(backend === 'webgpu' && deviceOutputs.length > 0
      ? { preferredOutputLocation: Object.fromEntries(deviceOutputs.map((name) => [name, 'gpu-buffer' as const])) }
      : {}),
  };
}

// y = x * x, x float32 [4], opset 17; encoded by test/helpers/onnx-builder.ts (94 bytes).
const SMOKE_MODEL = 'CAgSDWZhY2V0ZXh0LXRlc3Q6RQoVCgF4CgF4EgF5GgVNdWxfMCIDTXVsEgp0ZXN0LWdyYXBoWg8KAXgSCgoICAESBAoCCARiDwoBeRIKCggIARIECgIIBEIECgAQEQ==';
const SMOKE_INPUT = [1, -2, 3, 0.5];
const SMOKE_OUTPUT = [1, 4, 9, 0.25];

// Smoke tests run before any runtime exists, so a process-wide chain keeps them from overlapping.
let smokeQueue: Promise<unknown> = Promise.resolve();

/** undefined when `backend` runs the smoke graph correctly, otherwise what went wrong. */
function smokeTest(backend: Backend): Promise<string | undefined> {
  const attempt = async (): Promise<string | undefined> => {
    let session: ort.InferenceSession | undefined;
    try {
      const model = Uint8Array.from(atob(SMOKE_MODEL), (c) => c.charCodeAt(0));
      session = await ort.InferenceSession.create(model, sessionOptions(backend));
      const { y } = await session.run({ x: new ort.Tensor('float32', Float32Array.from(SMOKE_INPUT), [4]) });
      const got = Array.from((await y!.getData()) as Float32Array);
      if (got.some((v, i) => Math.abs(v - SMOKE_OUTPUT[i]!) > 1e-6)) {
        return `${backend} computed [${got.join(', ')}] for x*x of [${SMOKE_INPUT.join(', ')}]`;
      }
      return undefined;
    } catch (error) {
      return `${backend} failed to start: ${error instanceof Error ? error.message : String(error)}`;
    } finally {
      await session?.release();
    }
  };
  const result = smokeQueue.then(attempt, attempt);
  smokeQueue = result.catch(() => undefined);
  return result;
}

/**
 * The wasm thread count ORT runs with, or null before the first runtime (Diagnostics reports it). Not the count
 * asked for: where threads are impossible (no crossOriginIsolated) ORT falls back to 1 with only a console
 * warning and writes that 1 back into env.wasm.numThreads when it starts (onnxruntime-web 1.30 `wasm-factory.ts`).
 */
export function wasmThreads(): number | null {
  return configuredEnv === undefined ? null : (ort.env.wasm.numThreads ?? null);
}

function configureEnv(wasmBinary: ArrayBuffer | undefined, numThreads: number): void {
  if (configuredEnv !== undefined) {
    // ORT ignores changes after its first session; say so instead of silently running another setup.
    if (configuredEnv.numThreads !== numThreads) {
      throw new Error(`onnxruntime-web is already set up with numThreads ${configuredEnv.numThreads}; cannot switch to ${numThreads}`);
    }
    if (wasmBinary !== undefined && configuredEnv.wasmBinary === undefined) {
      ort.env.wasm.wasmBinary = wasmBinary;
      configuredEnv.wasmBinary = wasmBinary;
    }
    return;
  }
  ort.env.logLevel = 'error';
  ort.env.wasm.numThreads = numThreads;
  ort.env.wasm.proxy = false; // a proxy worker cannot share GPU buffers (runtime.md §1.2)
  if (wasmBinary !== undefined) ort.env.wasm.wasmBinary = wasmBinary;
  configuredEnv = { wasmBinary, numThreads };
}

interface AdapterInfoLike {
  vendor?: string;
  architecture?: string;
  device?: string;
  description?: string;
  isFallbackAdapter?: boolean;
}

interface AdapterLike {
  info?: AdapterInfoLike;
  features?: { has(feature: string): boolean };
  isFallbackAdapter?: boolean;
  requestAdapterInfo?: () => Promise<AdapterInfoLike>;
}

interface GpuLike {
  requestAdapter(): Promise<AdapterLike | null>;
}

function navigatorGpu(): GpuLike | undefined {
  const nav = (globalThis as { navigator?: { gpu?: GpuLike } }).navigator;
  return nav?.gpu;
}

function defaultBackends(): Backend[] {
  return navigatorGpu() !== undefined ? ['webgpu', 'wasm'] : ['wasm'];
}

function defaultNumThreads(): number {
  const g = globalThis as { crossOriginIsolated?: boolean; navigator?: { hardwareConcurrency?: number } };
  return defaultWasmThreads({ crossOriginIsolated: g.crossOriginIsolated, hardwareConcurrency: g.navigator?.hardwareConcurrency });
}

/** Software rasterizers as adapters name themselves in vendor / architecture / device / description. */
const SOFTWARE_RENDERER = /swiftshader|llvmpipe|lavapipe|softpipe|software|microsoft basic render|\bwarp\b/i;

/** The adapter's own account of itself: GPUAdapter.info (Chromium ≥ 127), else the older requestAdapterInfo(). */
export async function describeAdapter(adapter: AdapterLike): Promise<GpuAdapterReport> {
  let info = adapter.info;
  if (info === undefined && typeof adapter.requestAdapterInfo === 'function') {
    info = await adapter.requestAdapterInfo().catch(() => undefined);
  }
  const text = (value: unknown) => (typeof value === 'string' ? value : '');
  const report = {
    vendor: text(info?.vendor),
    architecture: text(info?.architecture),
    device: text(info?.device),
    description: text(info?.description),
  };
  const named = SOFTWARE_RENDERER.test([report.vendor, report.architecture, report.device, report.description].join(' '));
  const fallback = info?.isFallbackAdapter === true || adapter.isFallbackAdapter === true;
  return { ...report, software: named || fallback, infoAvailable: info !== undefined, shaderF16: adapter.features?.has('shader-f16') === true };
}

/** "SwiftShader", "llvmpipe", …: what to call a software adapter in a message. */
function rendererName(adapter: GpuAdapterReport): string {
  const all = [adapter.architecture, adapter.description, adapter.device, adapter.vendor].join(' ');
  const known = /swiftshader/i.test(all) ? 'SwiftShader' : (/llvmpipe|lavapipe|softpipe|warp|microsoft basic render/i.exec(all)?.[0] ?? undefined);
  return known ?? (([adapter.description, adapter.architecture, adapter.vendor].find((s) => s !== '') ?? 'a fallback adapter') + ', a fallback adapter');
}

/** `problem` is undefined when WebGPU can be used, otherwise why not; `adapter` is what the adapter said about itself. */
async function probeWebGpu(): Promise<{ problem?: string; adapter?: GpuAdapterReport }> {
  const gpu = navigatorGpu();
  if (gpu === undefined) return { problem: 'WebGPU is not available here (no navigator.gpu)' };
  try {
    const adapter = await gpu.requestAdapter();
    if (adapter === null || adapter === undefined) return { problem: 'WebGPU has no adapter (navigator.gpu.requestAdapter() returned null)' };
    return { adapter: await describeAdapter(adapter) };
  } catch (error) {
    return { problem: `WebGPU adapter request failed: ${error instanceof Error ? error.message : String(error)}` };
  }
}
