// The benchmark's stages, host-agnostic (Node child process or a Chromium page): each group opens what it
// needs, times `repeats` runs after `warmup` untimed ones, and releases its sessions before the next group,
// so only one large graph (e4e: 1.07 GB) lives in ORT's wasm memory at a time (4 GB cap, runtime.md §1.2).
import { alignFace } from '../ui/worker/face/align';
import { pasteBack } from '../ui/worker/face/paste-back';
import { ClipTokenizer } from '../ui/worker/clip/tokenizer';
import { TextDirectionCache, textDirection } from '../ui/worker/clip/text-direction';
import { relevanceScores, deltaSFromScores, applyDeltaS } from '../ui/worker/edit/global-direction';
import { Engine } from '../ui/worker/engine';
import { graphSessionOptions } from '../ui/worker/pack/graph-contract';
import type { LoadedPack } from '../ui/worker/pack/load-pack';
import { previewRole, type GraphRole } from '../ui/worker/pack/pack-schema';
import { renderThroughChain, sessionStageRunner, StageCache, synthesisChain, type StageRunner } from '../ui/worker/render/synthesis-chain';
import { encoderInput, toRgba } from '../ui/worker/render/to-rgba';
import { OrtRuntime, float32Tensor, int32Tensor, type GraphSession, type RuntimeOptions } from '../ui/worker/runtime/ort';
// The profile group needs enableProfiling, which the engine's runtime never sets: it opens its sessions on the same
// ORT module directly (env already configured by OrtRuntime.create), with the engine's other options.
import * as ort from 'onnxruntime-web/webgpu';
import { parseProfileEvents, summariseLastRun } from './ort-profile';
import type { RgbaImage } from '../ui/worker/image';

export const GROUPS = ['load', 'synthesis', 'preview', 'inversion', 'text', 'edit', 'preset', 'matmul', 'profile'] as const;
export type Group = (typeof GROUPS)[number];

export interface StageResult {
  group: Group;
  stage: string;
  /** The graph whose multiply-adds this stage runs (for GFLOP/s), if one. */
  role?: string;
  /** Timed runs, ms. */
  ms: number[];
  /** The first (warm-up) run, ms, when there was one. */
  firstMs?: number;
  info?: Record<string, unknown>;
}

export interface BenchStagesOptions {
  openPack: () => Promise<LoadedPack>;
  runtime: RuntimeOptions;
  groups: readonly Group[];
  repeats: number;
  warmup: number;
  /** A [n, n] × [n, n] float32 MatMul graph (input a, b; output c), for the wasm GEMM rate. */
  matmul?: { model: Uint8Array; n: number };
  /** Prompt for the text stages; a new one per run defeats every cache ("{} #k" is appended). */
  prompt?: string;
  /** What the host printed on stdout from calling `work` until `done(text)` (ORT's profiler output); Node only. */
  captureStdout?: (work: () => void, done: (text: string) => boolean) => Promise<string>;
  log?: (line: string) => void;
}

const DEFAULT_PROMPT = 'face with red curly hair';
const PHOTO = { width: 1600, height: 1200 }; // a typical photo; the face spans about 500 px
const BETA = 0.1; // a mid-range β (the UI slider spans 0.08…0.30)
const A_WORD_TOKEN = 320; // "a</w>": the profile's prompts are SOT, 75 × "a", EOT (the cost does not depend on the words)

export async function benchStages(options: BenchStagesOptions): Promise<StageResult[]> {
  const { groups, log = () => undefined } = options;
  const runtime = await OrtRuntime.create(options.runtime);
  const results: StageResult[] = [];
  const loaded = await options.openPack();
  for (const group of groups) {
    log(`${group} …`);
    const run = GROUP_RUNNERS[group];
    results.push(...(await run({ ...options, runtime, runtimeOptions: options.runtime, loaded })));
  }
  return results;
}

interface GroupContext extends Omit<BenchStagesOptions, 'runtime'> {
  runtime: OrtRuntime;
  runtimeOptions: RuntimeOptions;
  loaded: LoadedPack;
}

const GROUP_RUNNERS: Record<Group, (c: GroupContext) => Promise<StageResult[]>> = {
  load: benchLoad,
  synthesis: (c) => benchSynthesis(c, ['synthesis']),
  preview: (c) => benchSynthesis(c, c.loaded.pack.generator.previewResolutions.map(previewRole)),
  inversion: benchInversion,
  text: benchText,
  edit: benchEdit,
  preset: benchPreset,
  matmul: benchMatmul,
  profile: benchProfile,
};

async function measure(repeats: number, warmup: number, work: () => Promise<unknown> | unknown): Promise<{ ms: number[]; firstMs?: number }> {
  let firstMs: number | undefined;
  for (let i = 0; i < warmup; i++) {
    const t = performance.now();
    await work();
    if (i === 0) firstMs = performance.now() - t;
  }
  const ms: number[] = [];
  for (let i = 0; i < repeats; i++) {
    const t = performance.now();
    await work();
    ms.push(performance.now() - t);
  }
  return { ms, firstMs };
}

async function timeOnce<T>(work: () => Promise<T>): Promise<{ value: T; ms: number }> {
  const t = performance.now();
  const value = await work();
  return { value, ms: performance.now() - t };
}

/** Reads and sha256-checks every file of the pack (a fresh open each run, so nothing is cached). */
async function benchLoad({ openPack, repeats, warmup, loaded }: GroupContext): Promise<StageResult[]> {
  const files = [...loaded.pack.files.keys()];
  const bytes = [...loaded.pack.files.values()].reduce((sum, f) => sum + f.bytes, 0);
  // Timed here, not at the process's first open: Node compiles ORT's wasm in the background at start-up,
  // which stalled that first open for 45 s in one run.
  const packJson = await measure(repeats, warmup, openPack);
  const { ms, firstMs } = await measure(repeats, warmup, async () => {
    const fresh = await openPack();
    for (const file of files) await fresh.readFile(file);
  });
  return [
    { group: 'load', stage: 'pack.json read + parse + validate', ...packJson },
    { group: 'load', stage: 'pack load + hash check (all files)', ms, firstMs, info: { files: files.length, bytes } },
  ];
}

async function openTimed(runtime: OrtRuntime, loaded: LoadedPack, role: GraphRole): Promise<{ session: GraphSession; result: StageResult }> {
  const file = loaded.pack.graphs[role];
  if (file === undefined) throw new Error(`pack ${loaded.pack.id} has no ${role} graph`);
  const bytes = await loaded.readFile(file);
  // As the engine opens it (graph-contract.ts): on WebGPU a preview stage keeps its outputs in GPU buffers, and an
  // int8-executing encoder opens on wasm.
  const { value: session, ms } = await timeOnce(() => runtime.createSession(role, bytes, graphSessionOptions(loaded.pack, role)));
  return { session, result: { group: 'load', stage: `session creation ${role}`, ms: [ms], info: { bytes: bytes.byteLength, backend: session.backend } } };
}

async function runFloat(session: GraphSession, feeds: Parameters<GraphSession['run']>[0], output: string): Promise<Float32Array> {
  const outputs = await session.run(feeds);
  return (await outputs[output]!.getData()) as Float32Array;
}

/** A plausible S: the pack's per-channel means. */
async function meanS(loaded: LoadedPack): Promise<Float32Array> {
  return loaded.readFloat32(loaded.pack.globalDirection.sMean.file);
}

async function benchSynthesis({ runtime, loaded, repeats, warmup }: GroupContext, roles: GraphRole[]): Promise<StageResult[]> {
  const s = await meanS(loaded);
  const results: StageResult[] = [];
  const chain = synthesisChain(loaded.pack.generator);
  const sessions = new Map<GraphRole, GraphSession>();
  // A render at a role runs the synthesis chain's stages up to it (models/README.md, "The synthesis chain"), cold:
  // no stage cache, so each run does the whole work from S, as a render at a new S does.
  const run = sessionStageRunner(async (role) => sessions.get(role)!);
  try {
    for (const role of roles) {
      const stages = chain.slice(0, chain.findIndex((stage) => stage.role === role) + 1);
      for (const stage of stages) {
        if (sessions.has(stage.role)) continue;
        const { session, result } = await openTimed(runtime, loaded, stage.role);
        sessions.set(stage.role, session);
        results.push(result);
      }
      const size = stages[stages.length - 1].size;
      let image: Float32Array | undefined;
      const timing = await measure(repeats, warmup, async () => {
        image = await renderThroughChain({ run, pack: loaded.pack, s, size });
      });
      const label = role === 'synthesis' ? `synthesis ${size}px (full)` : `synthesis preview ${size}px`;
      results.push({ group: role === 'synthesis' ? 'synthesis' : 'preview', stage: label, role, ...timing, info: { stages: stages.map((stage) => stage.role) } });
      const rgba = await measure(repeats, 0, () => toRgba({ width: size, height: size, data: image! }));
      results.push({ group: role === 'synthesis' ? 'synthesis' : 'preview', stage: `to RGBA ${size}px`, ...rgba });
    }
  } finally {
    for (const session of sessions.values()) await session.release();
  }
  return results;
}

/** A deterministic noise image (xorshift), so every host feeds the same pixels. */
function noiseImage(width: number, height: number, seed = 20240611): RgbaImage {
  const data = new Uint8ClampedArray(width * height * 4);
  let x = seed >>> 0;
  for (let i = 0; i < data.length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    data[i] = (i & 3) === 3 ? 255 : (x >>> 0) & 255;
  }
  return { width, height, data };
}

async function benchInversion({ runtime, loaded, repeats, warmup }: GroupContext): Promise<StageResult[]> {
  const { pack } = loaded;
  const size = pack.encoder.size;
  const aligned = noiseImage(size, size);
  const encoder = await openTimed(runtime, loaded, 'encoder');
  const affine = await openTimed(runtime, loaded, 'affine');
  const parts = { encoderInput: [] as number[], encoder: [] as number[], affine: [] as number[] };
  let firstMs: number | undefined;
  try {
    const total = await measure(repeats, warmup, async () => {
      const t0 = performance.now();
      const input = encoderInput(aligned, pack.encoder);
      const t1 = performance.now();
      const wPlus = await runFloat(encoder.session, { image: float32Tensor(input, [1, 3, size, size]) }, 'wplus');
      const t2 = performance.now();
      await runFloat(affine.session, { wplus: float32Tensor(wPlus, [1, pack.generator.numWs, pack.generator.wDim]) }, 's');
      const t3 = performance.now();
      parts.encoderInput.push(t1 - t0);
      parts.encoder.push(t2 - t1);
      parts.affine.push(t3 - t2);
    });
    firstMs = total.firstMs;
    const timed = (values: number[]) => values.slice(warmup);
    return [
      encoder.result,
      affine.result,
      { group: 'inversion', stage: 'inversion (input + e4e + affine)', role: 'encoder', ms: total.ms, firstMs },
      { group: 'inversion', stage: 'e4e encoder graph', role: 'encoder', ms: timed(parts.encoder) },
      { group: 'inversion', stage: 'affine graph (W+ → S)', role: 'affine', ms: timed(parts.affine) },
      { group: 'inversion', stage: 'encoder input (RGBA → f32)', ms: timed(parts.encoderInput) },
    ];
  } finally {
    await encoder.session.release();
    await affine.session.release();
  }
}

/**
 * A new prompt's Δt: with causal truncation (one clipText call per prompt length, each cut to that length) and
 * at the full context, both encoding the neutral's prompts too; then as in a session, where the neutral's class
 * embedding is already cached (TextDirectionCache) and only the target's prompts are encoded.
 */
async function benchText({ runtime, loaded, repeats, warmup, prompt = DEFAULT_PROMPT }: GroupContext): Promise<StageResult[]> {
  const { pack } = loaded;
  const vocab = await loaded.readFile(pack.clip.vocab);
  const { value: tokenizer, ms: vocabMs } = await timeOnce(() => ClipTokenizer.fromVocabGz(vocab));
  const clip = await openTimed(runtime, loaded, 'clipText');
  const results: StageResult[] = [{ group: 'text', stage: 'tokenizer from vocabulary', ms: [vocabMs] }, clip.result];
  try {
    let k = 0;
    let calls: Array<[number, number]> = []; // [prompts, token length] of each clipText run
    let encodeMs = 0;
    const options = (target: string, truncate: boolean) => ({
      neutral: 'face', target, templates: pack.templates, contextLength: pack.clip.contextLength, tokenizer, truncate,
      encodeText: async (tokens: Int32Array, n: number, l: number) => {
        calls.push([n, l]);
        const e = performance.now();
        const out = await runFloat(clip.session, { tokens: int32Tensor(tokens, [n, l]) }, 'features');
        encodeMs += performance.now() - e;
        return out;
      },
    });
    const timeDirections = async (name: string, direction: (target: string) => Promise<unknown>, role?: string) => {
      const encode: number[] = [];
      const run = await measure(repeats, warmup, async () => {
        calls = [];
        encodeMs = 0;
        await direction(`${prompt} #${++k}`);
        encode.push(encodeMs);
      });
      const prompts = calls.reduce((sum, [n]) => sum + n, 0);
      const promptTokens = calls.reduce((sum, [n, l]) => sum + n * l, 0);
      const tokens = calls.length === 1 ? calls[0]![1] : undefined; // one call at one L: comparable with torch's clipText@L
      const info = { prompts, promptTokens, calls: [...calls], ...(tokens === undefined ? {} : { tokens }) };
      results.push({ group: 'text', stage: `new prompt Δt, ${name} (tokenize + encode)`, ...run, info });
      results.push({ group: 'text', stage: `text encode, ${name} (${prompts} prompts, ${promptTokens} prompt-tokens)`, role, ms: encode.slice(warmup), info });
    };
    await timeDirections('causal truncation', (target) => textDirection(options(target, true)));
    await timeDirections('full context', (target) => textDirection(options(target, false)), 'clipText');
    const inSession = new TextDirectionCache();
    await inSession.get(options(prompt, true)); // the session's first prompt caches the neutral "face"
    await timeDirections('causal truncation, neutral cached', (target) => inSession.get(options(target, true)));
    // Same prompt both ways: truncation must not change Δt.
    const a = await textDirection(options(prompt, true));
    const b = await textDirection(options(prompt, false));
    let maxDiff = 0;
    a.deltaT.forEach((v, i) => (maxDiff = Math.max(maxDiff, Math.abs(v - b.deltaT[i]!))));
    results.push({ group: 'text', stage: 'Δt truncated vs full: max |diff|', ms: [], info: { maxAbsDiff: maxDiff } });
  } finally {
    await clip.session.release();
  }
  return results;
}

/** Δs from a Δt, α applied to S, and paste-back of a full-resolution face into a photo. */
async function benchEdit({ loaded, repeats, warmup }: GroupContext): Promise<StageResult[]> {
  const { pack } = loaded;
  const relevance = await loaded.readFloat32(pack.globalDirection.relevance.file);
  const sStd = await loaded.readFloat32(pack.globalDirection.sStd.file);
  const s = await meanS(loaded);
  const deltaT = new Float32Array(pack.clip.embedDim).fill(1 / Math.sqrt(pack.clip.embedDim));
  let deltaS: Float32Array | undefined;
  const ds = await measure(repeats, warmup, () => {
    const scores = relevanceScores({ relevance, dims: pack.clip.embedDim, deltaT });
    deltaS = deltaSFromScores({ scores, beta: BETA, sStd, layers: pack.generator.styleLayers }).deltaS;
  });
  const apply = await measure(repeats, warmup, () => applyDeltaS(s, [{ deltaS: deltaS!, alpha: 3 }]));

  const photo = noiseImage(PHOTO.width, PHOTO.height, 7);
  const landmarks = syntheticLandmarks(PHOTO.width / 2, PHOTO.height / 2, 180);
  const size = pack.generator.resolution;
  let transform: ReturnType<typeof alignFace>['transform'] | undefined;
  const align = await measure(repeats, warmup, () => {
    transform = alignFace(photo, landmarks, { outputSize: pack.encoder.size }).transform;
  });
  const face = noiseImage(size, size, 11);
  const paste = await measure(repeats, warmup, () => pasteBack(photo, face, transform!));
  return [
    { group: 'edit', stage: 'Δs (relevance · Δt, threshold, × std)', ...ds },
    { group: 'edit', stage: 'apply α·Δs to S', ...apply },
    { group: 'edit', stage: `align face (${PHOTO.width}×${PHOTO.height} photo → ${pack.encoder.size}px)`, ...align },
    { group: 'edit', stage: `paste-back (${size}px face → ${PHOTO.width}×${PHOTO.height} photo)`, ...paste },
  ];
}

/** 68 landmarks of an upright face centred at (cx, cy) with eyes `eyes` px apart (only eyes and mouth matter). */
function syntheticLandmarks(cx: number, cy: number, eyes: number): number[][] {
  const points: number[][] = Array.from({ length: 68 }, (_, i) => [cx + ((i % 9) - 4) * eyes * 0.1, cy + eyes * 0.4]);
  for (let i = 36; i < 42; i++) points[i] = [cx - eyes / 2 + ((i - 38.5) * eyes) / 30, cy - eyes * 0.25];
  for (let i = 42; i < 48; i++) points[i] = [cx + eyes / 2 + ((i - 44.5) * eyes) / 30, cy - eyes * 0.25];
  for (let i = 48; i < 60; i++) points[i] = [cx + ((i - 51) * eyes) / 12, cy + eyes * 0.55];
  points[48] = [cx - eyes * 0.4, cy + eyes * 0.55];
  points[54] = [cx + eyes * 0.4, cy + eyes * 0.55];
  return points;
}

/**
 * Through the Engine, as the panel does: a preset edit (Δt stored in the pack) rendered at the default
 * preview resolution, then α changes (the α-drag: Δs cached, only applyDeltaS + the synthesis chain up to the preview run).
 * Records which graphs the engine opened: a preset must need neither CLIP graph.
 */
async function benchPreset({ loaded, repeats, warmup, runtimeOptions }: GroupContext): Promise<StageResult[]> {
  const { pack } = loaded;
  const preset = pack.presets?.entries[0];
  if (preset === undefined) {
    return [{ group: 'preset', stage: 'preset edit (no presets in this pack)', ms: [], info: { skipped: 'pack.json has no presets' } }];
  }
  const engine = new Engine({ runtime: runtimeOptions });
  try {
    await engine.useLoadedPack(loaded);
    const wPlus = new Float32Array(pack.generator.numWs * pack.generator.wDim);
    for (let r = 0; r < pack.generator.numWs; r++) wPlus.set(pack.generator.wAvg, r * pack.generator.wDim);
    const { faceKey } = await engine.faceFromWPlus(wPlus);
    const resolution = pack.generator.previewResolutions[0] ?? 'full';
    const edit = (alpha: number) => engine.render({ faceKey, resolution, edits: [{ kind: 'global', neutral: preset.neutral, target: preset.target, alpha, beta: BETA }] });
    const first = await timeOnce(() => edit(1));
    let alpha = 1;
    const drag = await measure(repeats, warmup, () => edit((alpha += 0.5)));
    const stats = engine.stats();
    const clipLoaded = stats.graphsLoaded.filter((role) => role === 'clipText' || role === 'clipImage');
    return [
      { group: 'preset', stage: `preset "${preset.label}" first preview ${resolution}px (opens graphs)`, ms: [first.ms] },
      {
        group: 'preset', stage: `α-drag preview ${resolution}px (engine.render)`, role: typeof resolution === 'number' ? previewRole(resolution) : 'synthesis', ...drag,
        info: { graphsLoaded: stats.graphsLoaded, tokenizerLoaded: stats.tokenizerLoaded, clipGraphsLoaded: clipLoaded },
      },
    ];
  } finally {
    await engine.dispose();
  }
}

async function benchMatmul({ runtime, matmul, repeats, warmup }: GroupContext): Promise<StageResult[]> {
  if (matmul === undefined) return [];
  const session = await runtime.createSession('matmul', matmul.model);
  try {
    const { n } = matmul;
    const a = new Float32Array(n * n).map((_, i) => ((i * 7919) % 1000) / 1000 - 0.5);
    const run = await measure(repeats, warmup, () => runFloat(session, { a: float32Tensor(a, [n, n]), b: float32Tensor(a, [n, n]) }, 'c'));
    return [{ group: 'matmul', stage: `f32 MatMul ${n}×${n}×${n}`, role: 'matmul', ...run, info: { macs: n * n * n } }];
  } finally {
    await session.release();
  }
}

/** Per node type: where one warm run of each graph on the edit path spends its time (ORT's profiler). */
async function benchProfile({ loaded, captureStdout, warmup, runtimeOptions }: GroupContext): Promise<StageResult[]> {
  if (captureStdout === undefined) return [{ group: 'profile', stage: 'per-node profile', ms: [], info: { skipped: 'Node backends only' } }];
  const { pack } = loaded;
  const preview = pack.generator.previewResolutions[0];
  const roles: GraphRole[] = ['synthesis', ...(preview === undefined ? [] : [previewRole(preview)]), 'encoder', 'clipText'];
  const results: StageResult[] = [];
  for (const role of roles) {
    const file = pack.graphs[role];
    if (file === undefined) continue;
    const session = await ort.InferenceSession.create(await loaded.readFile(file), {
      executionProviders: runtimeOptions.backends ?? ['wasm'], graphOptimizationLevel: 'all', logSeverityLevel: 3, enableProfiling: true,
    });
    try {
      const feeds = await profileFeeds(role, loaded);
      let lastMs = 0;
      for (let i = 0; i < Math.max(1, warmup) + 1; i++) {
        const t = performance.now();
        await session.run(feeds);
        lastMs = performance.now() - t;
      }
      const printed = await captureStdout(() => session.endProfiling(), (text) => /^\]\s*$/m.test(text));
      const profile = summariseLastRun(parseProfileEvents(printed));
      results.push({ group: 'profile', stage: `profile ${role}`, role, ms: [lastMs], info: { ...profile } });
    } finally {
      await session.release();
    }
  }
  return results;
}

/** One input per graph: the mean S, a noise face, 2 × templates prompts at the full context length. */
async function profileFeeds(role: GraphRole, loaded: LoadedPack): Promise<Record<string, ort.Tensor>> {
  const { pack } = loaded;
  if (role === 'encoder') {
    const size = pack.encoder.size;
    return { image: float32Tensor(encoderInput(noiseImage(size, size), pack.encoder), [1, 3, size, size]) };
  }
  if (role === 'clipText') {
    const prompts = 2 * pack.templates.length;
    const length = pack.clip.contextLength;
    const tokenizer = await ClipTokenizer.fromVocabGz(await loaded.readFile(pack.clip.vocab));
    const tokens = new Int32Array(prompts * length).fill(A_WORD_TOKEN);
    for (let p = 0; p < prompts; p++) {
      tokens[p * length] = tokenizer.startId;
      tokens[p * length + length - 1] = tokenizer.endId; // the features are read at the end token (the largest id)
    }
    return { tokens: int32Tensor(tokens, [prompts, length]) };
  }
  const s = await meanS(loaded);
  const chain = synthesisChain(pack.generator);
  const index = chain.findIndex((stage) => stage.role === role);
  if (index <= 0) return { s: float32Tensor(s, [1, s.length]) };
  // A later stage of the synthesis chain continues from the previous stage's outputs: compute them first.
  const cache = new StageCache();
  const run: StageRunner = async (stage, feeds, names) => {
    const session = await ort.InferenceSession.create(await loaded.readFile(pack.graphs[stage]!), { executionProviders: ['wasm'] });
    try {
      const outputs = await session.run(feeds); // wasm: CPU tensors, valid after the session is released
      return Object.fromEntries(names.map((name) => [name, outputs[name]!]));
    } finally {
      await session.release();
    }
  };
  await renderThroughChain({ run, pack, s, size: chain[index - 1].size, cache });
  const { image, features } = cache.deepest(s, index - 1)!.output;
  return { s: float32Tensor(s, [1, s.length]), featuresIn: features, imageIn: image };
}
