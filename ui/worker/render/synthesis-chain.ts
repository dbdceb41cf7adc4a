// The synthesis chain (models/README.md, "The synthesis chain"): the synthesis is split at the pack's preview
// resolutions into stage graphs, so no weight is stored twice. A preview at r runs the stages up to r; a full
// render runs them all. Each stage continues from the previous one's features and image, so a render that
// follows another at the same S (a refine 64 → 128 → 256, or Apply after a preview) starts from the deepest
// stage already computed: exactly the numbers a cold run gives, without recomputing them.
//
// Stage outputs are onnxruntime tensors wherever their session left them: on WebGPU a preview stage's features
// and image stay in GPU buffers (graph-contract.ts, deviceOutputs) and are fed to the next stage as they are;
// only the image that is displayed is read back. Whoever holds a stage's tensors disposes them: the StageCache
// when it drops them, else the render that made them, once the next stage has read them.
import { EngineError } from '../errors';
import { takeFloat32Outputs } from '../graph-sessions';
import { previewRole, type GeneratorSpec, type GraphRole, type Pack } from '../pack/pack-schema';
import { float32Tensor, type GraphSession, type OrtTensor } from '../runtime/ort';

export interface ChainStage {
  readonly role: GraphRole;
  readonly size: number; // the image this stage ends with is [1, 3, size, size]
  readonly last: boolean; // the synthesis graph: no features out
}

/** What a stage hands to the next one: tensors, in GPU buffers on WebGPU. */
export interface StageOutput {
  readonly image: OrtTensor; // [1, 3, size, size]
  readonly features: OrtTensor; // [1, C, size, size]
}

/**
 * Runs one stage graph and returns the named float32 outputs as tensors the caller owns (GraphSessions.runTensors,
 * or a builder's session through sessionStageRunner).
 */
export type StageRunner = (role: GraphRole, feeds: Record<string, OrtTensor>, outputs: readonly string[]) => Promise<Record<string, OrtTensor>>;

/** A StageRunner over plain sessions (the builders' and the tests' own, without GraphSessions' bookkeeping). */
export function sessionStageRunner(open: (role: GraphRole) => Promise<GraphSession>): StageRunner {
  return async (role, feeds, names) =>
    takeFloat32Outputs(
      await (await open(role)).run(feeds),
      names,
      (what) => new EngineError('GraphInvalid', `The ${role} graph ${what} (models/README.md, "The synthesis chain"). Export the pack again with python3 -m models.export.`),
    );
}

/** The pack's stages in order: one per preview resolution (ascending), then the full synthesis. */
export function synthesisChain(generator: GeneratorSpec): ChainStage[] {
  return [
    ...generator.previewResolutions.map((size) => ({ role: previewRole(size), size, last: false })),
    { role: 'synthesis', size: generator.resolution, last: true },
  ];
}

/** Where the StageCache's tensors are (ORT's Tensor.location: 'cpu' on wasm, 'gpu-buffer' on WebGPU). */
export interface StageTensorReport {
  /** The cached stages, by chain index, and where each one's tensors are. */
  readonly held: ReadonlyArray<{ readonly index: number; readonly features: string; readonly image: string }>;
  /** Tensors disposed so far (two per dropped stage: features and image). */
  readonly disposed: number;
  /** Stage images read back from the GPU (the first display of each; the other stages' images never are). */
  readonly readBack: number;
}

/**
 * The chain stages' outputs for one S (the face being edited), so the next render at the same S continues from
 * them. Keyed by S's exact bits; one S at a time (a new S replaces it), at most one output per stage. It owns the
 * tensors it holds and disposes them when it drops them (a new S, a replaced stage, clear(), close()): on WebGPU
 * they are GPU buffers that nothing else frees.
 */
export class StageCache {
  private s: Uint32Array | undefined;
  private readonly outputs = new Map<number, StageOutput>();
  private closed = false;
  private disposedCount = 0;
  private readBackCount = 0;
  private turn: Promise<unknown> = Promise.resolve();

  /** The deepest cached stage at or before `upTo` for exactly this S. */
  deepest(s: Float32Array, upTo: number): { index: number; output: StageOutput } | undefined {
    if (!this.holds(s)) return undefined;
    for (let index = upTo; index >= 0; index--) {
      const output = this.outputs.get(index);
      if (output !== undefined) return { index, output };
    }
    return undefined;
  }

  /** Takes ownership of `output` as stage `index` of S (disposing what a new S or the same stage replaces). */
  store(s: Float32Array, index: number, output: StageOutput): void {
    if (!this.holds(s)) {
      this.clear();
      this.s = new Uint32Array(Float32Array.from(s).buffer); // a copy: the caller may reuse its array
    }
    const replaced = this.outputs.get(index);
    if (replaced !== undefined && replaced !== output) this.dispose(replaced);
    this.outputs.set(index, output);
  }

  /**
   * A copy of stage `index`'s image, for display: the caller may transfer or change it. The first call reads a GPU
   * image back and frees its GPU buffer (getData's releaseData): ORT then keeps it as a CPU tensor, which the next
   * stage is fed from.
   */
  async image(s: Float32Array, index: number): Promise<Float32Array> {
    const output = this.holds(s) ? this.outputs.get(index) : undefined;
    if (output === undefined) throw new Error(`The stage cache holds no stage ${index} for this S`);
    if (output.image.location === 'gpu-buffer') this.readBackCount++;
    return Float32Array.from((await output.image.getData(true)) as Float32Array);
  }

  /** Drops (and disposes) every stage. */
  clear(): void {
    for (const output of this.outputs.values()) this.dispose(output);
    this.outputs.clear();
    this.s = undefined;
  }

  /**
   * Drops every stage once the render in flight, if any, has finished (call it before the sessions that made the
   * tensors are released). A render queued after it is Cancelled; the cache stays empty from then on.
   */
  close(): Promise<void> {
    return this.inTurn(async () => {
      this.closed = true;
      this.clear();
    });
  }

  /**
   * Runs `work` after every render queued before it: a render feeds cached tensors to its stages, so another render
   * must not drop (dispose) them meanwhile. ORT runs one graph at a time anyway, so this costs no throughput.
   */
  exclusive<T>(work: () => Promise<T>): Promise<T> {
    return this.inTurn(async () => {
      if (this.closed) throw new EngineError('Cancelled', 'Another model pack was loaded before this render started, so it was not rendered. Render again.');
      return work();
    });
  }

  private inTurn<T>(task: () => Promise<T>): Promise<T> {
    const result = this.turn.then(task, task);
    this.turn = result.catch(() => undefined);
    return result;
  }

  /** Cached stages (for tests and stats). */
  get size(): number {
    return this.outputs.size;
  }

  report(): StageTensorReport {
    const held = [...this.outputs.entries()].map(([index, output]) => ({ index, features: output.features.location, image: output.image.location }));
    return { held: held.sort((a, b) => a.index - b.index), disposed: this.disposedCount, readBack: this.readBackCount };
  }

  private dispose({ image, features }: StageOutput): void {
    image.dispose();
    features.dispose();
    this.disposedCount += 2;
  }

  private holds(s: Float32Array): boolean {
    const key = this.s;
    if (key === undefined || key.length !== s.length) return false;
    const bits = new Uint32Array(s.buffer, s.byteOffset, s.length); // bits, so −0 ≠ 0 and a NaN equals itself
    for (let i = 0; i < key.length; i++) if (key[i] !== bits[i]) return false;
    return true;
  }
}

/**
 * Renders S at `size` (the full resolution or a preview's) through the chain, continuing from `cache` when it
 * holds a stage for this S, and returns the image on the CPU, the caller's own. Throws GraphInvalid when a stage's
 * outputs do not have the contract's shapes. With a cache, renders over it run one after another (exclusive).
 */
export function renderThroughChain(
  { run, pack, s, size, cache }: { run: StageRunner; pack: Pack; s: Float32Array; size: number; cache?: StageCache },
): Promise<Float32Array> {
  const chain = synthesisChain(pack.generator);
  const target = chain.findIndex((stage) => stage.size === size);
  if (target < 0) return Promise.reject(new Error(`${size} px is not a stage of pack ${pack.id}'s synthesis chain`));
  const render = () => renderStages({ run, pack, s, chain, target, cache });
  return cache === undefined ? render() : cache.exclusive(render);
}

async function renderStages(
  { run, pack, s, chain, target, cache }: { run: StageRunner; pack: Pack; s: Float32Array; chain: ChainStage[]; target: number; cache?: StageCache },
): Promise<Float32Array> {
  const resumed = cache?.deepest(s, target);
  if (resumed?.index === target) return cache!.image(s, target);
  let previous = resumed?.output;
  let owned: StageOutput | undefined; // stage outputs this render made and no cache holds: disposed here
  try {
    for (let index = (resumed?.index ?? -1) + 1; index <= target; index++) {
      const stage = chain[index];
      const feeds: Record<string, OrtTensor> = { s: float32Tensor(s, [1, pack.generator.totalS]) };
      if (previous !== undefined) {
        feeds.featuresIn = previous.features;
        feeds.imageIn = previous.image;
      }
      const outputs = await run(stage.role, feeds, stage.last ? ['image'] : ['image', 'features']);
      if (owned !== undefined) disposeStage(owned); // the stage just run has read them
      owned = undefined;
      const { image } = outputs;
      const file = pack.graphs[stage.role];
      if (image.size !== 3 * stage.size * stage.size) {
        disposeAll(outputs);
        throw stageInvalid(file, stage, `gave ${image.size} numbers as "image"; this pack.json needs 3 × ${stage.size} × ${stage.size}`);
      }
      if (stage.last) return (await image.getData(true)) as Float32Array;
      const features = outputs.features;
      const [batch, channels, height, width] = features.dims;
      if (features.dims.length !== 4 || batch !== 1 || !(channels >= 1) || height !== stage.size || width !== stage.size) {
        disposeAll(outputs);
        throw stageInvalid(file, stage, `gave "features" of shape [${features.dims.join(', ')}]; the contract is [1, C, ${stage.size}, ${stage.size}]`);
      }
      previous = { image, features };
      if (cache === undefined) owned = previous;
      else cache.store(s, index, previous);
    }
    // target < chain.length − 1: the loop ended on a preview stage, whose image is displayed
    if (cache !== undefined) return await cache.image(s, target);
    return (await previous!.image.getData()) as Float32Array;
  } finally {
    if (owned !== undefined) disposeStage(owned);
  }
}

function disposeStage({ image, features }: StageOutput): void {
  image.dispose();
  features.dispose();
}

function disposeAll(outputs: Record<string, OrtTensor>): void {
  for (const tensor of Object.values(outputs)) tensor.dispose();
}

function stageInvalid(file: string | undefined, stage: ChainStage, what: string): EngineError {
  return new EngineError(
    'GraphInvalid',
    `${file} (the ${stage.role} graph) ${what} (models/README.md, "The synthesis chain"). Export the pack again with python3 -m models.export.`,
  );
}
