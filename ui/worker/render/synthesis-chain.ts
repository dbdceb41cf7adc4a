// The synthesis chain (models/README.md, "The synthesis chain"): the synthesis is split at the pack's preview
// resolutions into stage graphs, so no weight is stored twice. A preview at r runs the stages up to r; a full
// render runs them all. Each stage continues from the previous one's features and image, so a render that
// follows another at the same S (a refine 64 → 128 → 256, or Apply after a preview) starts from the deepest
// stage already computed: exactly the numbers a cold run gives, without recomputing them.
import { EngineError } from '../errors';
import type { Float32Output } from '../graph-sessions';
import { previewRole, type GeneratorSpec, type GraphRole, type Pack } from '../pack/pack-schema';
import { float32Tensor, type GraphSession, type OrtTensor } from '../runtime/ort';

export interface ChainStage {
  readonly role: GraphRole;
  readonly size: number; // the image this stage ends with is [1, 3, size, size]
  readonly last: boolean; // the synthesis graph: no features out
}

/** What a stage hands to the next one. */
export interface StageOutput {
  readonly image: Float32Array;
  readonly features: Float32Output; // [1, C, size, size]
}

/** Runs one stage graph and returns the named float32 outputs (GraphSessions.runOutputs, or a builder's session). */
export type StageRunner = (role: GraphRole, feeds: Record<string, OrtTensor>, outputs: readonly string[]) => Promise<Record<string, Float32Output>>;

/** A StageRunner over plain sessions (the builders' and the tests' own, without GraphSessions' bookkeeping). */
export function sessionStageRunner(open: (role: GraphRole) => Promise<GraphSession>): StageRunner {
  return async (role, feeds, names) => {
    const outputs = await (await open(role)).run(feeds);
    const result: Record<string, Float32Output> = {};
    for (const name of names) {
      const tensor = outputs[name];
      const data = tensor === undefined ? undefined : await tensor.getData();
      if (!(data instanceof Float32Array)) throw new EngineError('GraphInvalid', `The ${role} graph gave no float32 "${name}" (models/README.md, "The synthesis chain"). Export the pack again with python3 -m models.export.`);
      result[name] = { data, dims: [...tensor.dims] };
    }
    return result;
  };
}

/** The pack's stages in order: one per preview resolution (ascending), then the full synthesis. */
export function synthesisChain(generator: GeneratorSpec): ChainStage[] {
  return [
    ...generator.previewResolutions.map((size) => ({ role: previewRole(size), size, last: false })),
    { role: 'synthesis', size: generator.resolution, last: true },
  ];
}

/**
 * The last chain stage's outputs for one S (the face being edited), so the next render at the same S continues
 * from them. Keyed by S's exact bits; one S at a time (a new S replaces it), at most one output per stage.
 */
export class StageCache {
  private s: Uint32Array | undefined;
  private readonly outputs = new Map<number, StageOutput>();

  /** The deepest cached stage at or before `upTo` for exactly this S. */
  deepest(s: Float32Array, upTo: number): { index: number; output: StageOutput } | undefined {
    if (!this.holds(s)) return undefined;
    for (let index = upTo; index >= 0; index--) {
      const output = this.outputs.get(index);
      if (output !== undefined) return { index, output };
    }
    return undefined;
  }

  store(s: Float32Array, index: number, output: StageOutput): void {
    if (!this.holds(s)) {
      this.outputs.clear();
      this.s = new Uint32Array(Float32Array.from(s).buffer); // a copy: the caller may reuse its array
    }
    this.outputs.set(index, output);
  }

  clear(): void {
    this.s = undefined;
    this.outputs.clear();
  }

  /** Cached stages (for tests and stats). */
  get size(): number {
    return this.outputs.size;
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
 * holds a stage for this S. Throws GraphInvalid when a stage's outputs do not have the contract's shapes.
 */
export async function renderThroughChain(
  { run, pack, s, size, cache }: { run: StageRunner; pack: Pack; s: Float32Array; size: number; cache?: StageCache },
): Promise<Float32Array> {
  const chain = synthesisChain(pack.generator);
  const target = chain.findIndex((stage) => stage.size === size);
  if (target < 0) throw new Error(`${size} px is not a stage of pack ${pack.id}'s synthesis chain`);
  const { totalS } = pack.generator;
  const resumed = cache?.deepest(s, target);
  if (resumed?.index === target) return resumed.output.image;
  let previous = resumed?.output;
  let previousSize = resumed === undefined ? 0 : chain[resumed.index].size;
  for (let index = (resumed?.index ?? -1) + 1; index <= target; index++) {
    const stage = chain[index];
    const feeds: Record<string, OrtTensor> = { s: float32Tensor(s, [1, totalS]) };
    if (previous !== undefined) {
      feeds.featuresIn = float32Tensor(previous.features.data, previous.features.dims);
      feeds.imageIn = float32Tensor(previous.image, [1, 3, previousSize, previousSize]);
    }
    const outputs = await run(stage.role, feeds, stage.last ? ['image'] : ['image', 'features']);
    const image = outputs.image.data;
    const file = pack.graphs[stage.role];
    if (image.length !== 3 * stage.size * stage.size) {
      throw stageInvalid(file, stage, `gave ${image.length} numbers as "image"; this pack.json needs 3 × ${stage.size} × ${stage.size}`);
    }
    if (stage.last) return image;
    const features = outputs.features;
    const [batch, channels, height, width] = features.dims;
    if (features.dims.length !== 4 || batch !== 1 || !(channels >= 1) || height !== stage.size || width !== stage.size) {
      throw stageInvalid(file, stage, `gave "features" of shape [${features.dims.join(', ')}]; the contract is [1, C, ${stage.size}, ${stage.size}]`);
    }
    previous = { image, features };
    previousSize = stage.size;
    cache?.store(s, index, previous);
  }
  return previous!.image; // target < chain.length − 1: the loop ended on a preview stage
}

function stageInvalid(file: string | undefined, stage: ChainStage, what: string): EngineError {
  return new EngineError(
    'GraphInvalid',
    `${file} (the ${stage.role} graph) ${what} (models/README.md, "The synthesis chain"). Export the pack again with python3 -m models.export.`,
  );
}
