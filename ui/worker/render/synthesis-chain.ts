// The synthesis chain (models/README.md, "The synthesis chain"): the synthesis is split at the pack's preview
// resolutions into stage graphs, so no weight is stored twice. A preview at r runs the stages up to r; a full
// render runs them all. Each stage continues from the previous one's features and image, and the stages up to r
// read only the S entries of the style layers up to r. So a render starts from the deepest stage already computed
// for the same S entries up to that stage (a refine 64 → 128 → 256, Apply after a preview, or an α change that
// touches only later layers): exactly the numbers a cold run gives, without recomputing them.
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
  /**
   * S entries [0, styleEnd) hold every style layer this stage and the ones before it read (the layers of
   * resolution ≤ size): its output depends on S only through them.
   */
  readonly styleEnd: number;
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
  // The end of the last layer a stage reads, not a count of them: exact (if wider than needed) in any layer order.
  const styleEnd = (size: number) => Math.max(0, ...generator.styleLayers.filter((layer) => layer.resolution <= size).map((layer) => layer.offset + layer.channels));
  return [
    ...generator.previewResolutions.map((size) => ({ role: previewRole(size), size, last: false, styleEnd: styleEnd(size) })),
    { role: 'synthesis', size: generator.resolution, last: true, styleEnd: generator.totalS },
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
 * The chain stages' outputs for one S (the face being edited), at most one per stage, each keyed by the exact bits
 * of the S entries it depends on (its stage's styleEnd prefix): the next render continues from the deepest stage
 * whose entries are unchanged, whatever changed above them. Storing a stage of another S drops every stage whose
 * entries differ from that S (the stages below its changed layers stay: they are this S's too). It owns the
 * tensors it holds and disposes them when it drops them (a changed S, a replaced stage, clear(), close()): on
 * WebGPU they are GPU buffers that nothing else frees. It also remembers the last S rendered, against which a drag
 * frame measures what changed (draftSize).
 */
export class StageCache {
  private readonly outputs = new Map<number, { key: Uint32Array; output: StageOutput }>();
  private lastS: Uint32Array | undefined;
  private closed = false;
  private disposedCount = 0;
  private readBackCount = 0;
  private turn: Promise<unknown> = Promise.resolve();

  /** The deepest cached stage at or before `upTo` whose S entries equal this S's. */
  deepest(s: Float32Array, upTo: number): { index: number; output: StageOutput } | undefined {
    for (let index = upTo; index >= 0; index--) {
      const output = this.held(s, index);
      if (output !== undefined) return { index, output };
    }
    return undefined;
  }

  /**
   * Takes ownership of `output` as stage `index` of S, computed from S entries [0, styleEnd). Disposes the stage it
   * replaces and every stage whose entries differ from this S's.
   */
  store(s: Float32Array, index: number, styleEnd: number, output: StageOutput): void {
    const bits = bitsOf(s);
    for (const [other, entry] of this.outputs) {
      if (other === index || !startsWith(bits, entry.key)) {
        if (entry.output !== output) this.dispose(entry.output);
        this.outputs.delete(other);
      }
    }
    this.outputs.set(index, { key: bits.slice(0, styleEnd), output }); // a copy: the caller may reuse its array
  }

  /** Notes the S a render has just finished (copied). */
  rendered(s: Float32Array): void {
    this.lastS = bitsOf(s).slice();
  }

  /** The bits of the last S rendered, if any. */
  get last(): Uint32Array | undefined {
    return this.lastS;
  }

  /**
   * A copy of stage `index`'s image, for display: the caller may transfer or change it. The first call reads a GPU
   * image back and frees its GPU buffer (getData's releaseData): ORT then keeps it as a CPU tensor, which the next
   * stage is fed from.
   */
  async image(s: Float32Array, index: number): Promise<Float32Array> {
    const output = this.held(s, index);
    if (output === undefined) throw new Error(`The stage cache holds no stage ${index} for this S`);
    if (output.image.location === 'gpu-buffer') this.readBackCount++;
    return Float32Array.from((await output.image.getData(true)) as Float32Array);
  }

  /** Drops (and disposes) every stage. */
  clear(): void {
    for (const { output } of this.outputs.values()) this.dispose(output);
    this.outputs.clear();
    this.lastS = undefined;
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
    const held = [...this.outputs.entries()].map(([index, { output }]) => ({ index, features: output.features.location, image: output.image.location }));
    return { held: held.sort((a, b) => a.index - b.index), disposed: this.disposedCount, readBack: this.readBackCount };
  }

  private dispose({ image, features }: StageOutput): void {
    image.dispose();
    features.dispose();
    this.disposedCount += 2;
  }

  /** Stage `index`'s output when it was computed from this S's entries. */
  private held(s: Float32Array, index: number): StageOutput | undefined {
    const entry = this.outputs.get(index);
    return entry !== undefined && startsWith(bitsOf(s), entry.key) ? entry.output : undefined;
  }
}

/** S as bits, so −0 ≠ 0 and a NaN equals itself. */
function bitsOf(s: Float32Array): Uint32Array {
  return new Uint32Array(s.buffer, s.byteOffset, s.length);
}

function startsWith(bits: Uint32Array, prefix: Uint32Array): boolean {
  if (prefix.length > bits.length) return false;
  for (let i = 0; i < prefix.length; i++) if (bits[i] !== prefix[i]) return false;
  return true;
}

/**
 * The size a drag frame renders at, for a render asked at `size`. The image at an exit depends only on the
 * style layers up to it, so an exit below every layer changed since the last render would show no change at all:
 * the frame renders at the smallest exit that reaches the lowest-resolution layer whose S entries differ (bit for
 * bit) from the last render's, reusing the stages below it, or at `size` when that exit is not smaller. (The
 * highest changed layer's exit would show the whole change, but every demo chip moves a 256 px layer and every
 * FFHQ direction a 128 px one, so the drag would cost the preview itself, or 128 px instead of 64, on each frame.)
 * When nothing changed, at the deepest stage cached for this S up to `size` (free); with no earlier render, at
 * `size`.
 */
export function draftSize({ pack, s, size, cache }: { pack: Pack; s: Float32Array; size: number; cache: StageCache }): number {
  const chain = synthesisChain(pack.generator);
  const target = stageIndex(chain, pack, size);
  const last = cache.last;
  if (last === undefined || last.length !== s.length) return size;
  const bits = bitsOf(s);
  let lowest = Infinity; // the lowest resolution among the changed layers
  for (const { offset, channels, resolution } of pack.generator.styleLayers) {
    if (resolution >= lowest) continue;
    for (let i = offset; i < offset + channels; i++) {
      if (bits[i] !== last[i]) {
        lowest = resolution;
        break;
      }
    }
  }
  if (lowest === Infinity) {
    const cached = cache.deepest(s, target);
    return cached === undefined ? size : chain[cached.index].size;
  }
  return Math.min(size, chain.find((stage) => stage.size >= lowest)!.size); // the last stage is R ≥ every layer
}

function stageIndex(chain: readonly ChainStage[], pack: Pack, size: number): number {
  const index = chain.findIndex((stage) => stage.size === size);
  if (index < 0) throw new Error(`${size} px is not a stage of pack ${pack.id}'s synthesis chain`);
  return index;
}

/**
 * Renders S at `size` (the full resolution or a preview's) through the chain, continuing from the deepest stage
 * `cache` holds for this S's entries up to that stage, and returns the image on the CPU, the caller's own. Throws GraphInvalid when a stage's
 * outputs do not have the contract's shapes. With a cache, renders over it run one after another (exclusive).
 */
export function renderThroughChain(
  { run, pack, s, size, cache }: { run: StageRunner; pack: Pack; s: Float32Array; size: number; cache?: StageCache },
): Promise<Float32Array> {
  const chain = synthesisChain(pack.generator);
  const target = chain.findIndex((stage) => stage.size === size);
  if (target < 0) return Promise.reject(new Error(`${size} px is not a stage of pack ${pack.id}'s synthesis chain`));
  if (cache === undefined) return renderStages({ run, pack, s, chain, target });
  return cache.exclusive(async () => {
    const image = await renderStages({ run, pack, s, chain, target, cache });
    cache.rendered(s);
    return image;
  });
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
      else cache.store(s, index, stage.styleEnd, previous);
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
