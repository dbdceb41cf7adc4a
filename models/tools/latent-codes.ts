// Random S codes the way upstream GetCode makes them (spec/styleclip.md §1.4): z ~ N(0, I) from a seeded
// sampler, mapping → w, truncation towards the generator's w_avg, only that one w tiled to every W+ row,
// affine → S. Shared by the S statistics and the relevance builders.
import { EngineError } from '../../ui/worker/errors';
import { openGraph, type SessionFactory } from '../../ui/worker/pack/graph-contract';
import type { LoadedPack } from '../../ui/worker/pack/load-pack';
import type { GraphRole } from '../../ui/worker/pack/pack-schema';
import { float32Tensor, type GraphSession } from '../../ui/worker/runtime/ort';
import { NormalSampler } from './seeded-random';

export type BuilderRuntime = SessionFactory<GraphSession>;

export const DEFAULT_TRUNCATION = 0.7; // upstream GetCode / S_mean_std (spec/styleclip.md §1.4)
export const MAPPING_BATCH = 256; // z rows per mapping run: the mapping graph has a dynamic batch

/** Runs a one-input, one-output graph on float32 data and returns the output's values. */
export async function runFloat32(session: GraphSession, input: Float32Array, dims: readonly number[]): Promise<Float32Array> {
  const [inputName] = session.inputNames;
  const [outputName] = session.outputNames;
  const outputs = await session.run({ [inputName]: float32Tensor(input, dims) });
  const output = outputs[outputName];
  if (output === undefined) throw new Error(`${session.name} returned no ${outputName}`);
  return (await output.getData()) as Float32Array;
}

export interface LatentCodeOptions {
  loaded: LoadedPack;
  runtime: BuilderRuntime;
  /** ψ in w' = w_avg + ψ(w − w_avg); 1 keeps w as mapped. */
  truncation?: number;
  seed?: number;
}

/** Draws z from one seeded stream and turns it into S codes, in order: code i is the same on every run. */
export class LatentCodes {
  private readonly sampler: NormalSampler;
  private readonly sessions = new Map<GraphRole, Promise<GraphSession>>();
  readonly truncation: number;

  constructor(private readonly options: LatentCodeOptions) {
    const { truncation = DEFAULT_TRUNCATION, seed = 0 } = options;
    if (!(truncation > 0 && truncation <= 1)) throw new Error(`\`truncation\` must be in (0, 1], got ${truncation}`);
    this.truncation = truncation;
    this.sampler = new NormalSampler(seed);
  }

  /** The session of a pack graph, opened (and contract-checked) once. */
  session(role: GraphRole): Promise<GraphSession> {
    let session = this.sessions.get(role);
    if (session === undefined) {
      session = openGraph(this.options.runtime, this.options.loaded, role);
      this.sessions.set(role, session);
    }
    return session;
  }

  /** The next `count` S codes, [count, totalS] row-major. */
  async nextS(count: number): Promise<Float32Array> {
    const { generator, graphs, id } = this.options.loaded.pack;
    const { zDim, wDim, numWs, totalS, wAvg } = generator;
    if (graphs.mapping === undefined) {
      throw new EngineError('PackInvalid', `Pack ${id} has no mapping graph (edit-time packs leave it out), so it cannot draw random faces. Use a pack built with --profile full (python3 -m models.export build).`);
    }
    const mapping = await this.session('mapping');
    const affine = await this.session('affine');
    const codes = new Float32Array(count * totalS);
    const psi = Math.fround(this.truncation);
    for (let first = 0; first < count; first += MAPPING_BATCH) {
      const n = Math.min(MAPPING_BATCH, count - first);
      const w = await runFloat32(mapping, this.sampler.normals(n * zDim), [n, zDim]);
      for (let i = 0; i < n; i++) {
        const wPlus = new Float32Array(numWs * wDim);
        for (let d = 0; d < wDim; d++) {
          // float32 as upstream's numpy: w_avg + ψ·(w − w_avg)
          const truncated = Math.fround(wAvg[d] + Math.fround(psi * Math.fround(w[i * wDim + d] - wAvg[d])));
          for (let row = 0; row < numWs; row++) wPlus[row * wDim + d] = truncated;
        }
        codes.set(await runFloat32(affine, wPlus, [1, numWs, wDim]), (first + i) * totalS);
      }
    }
    return codes;
  }

  async release(): Promise<void> {
    const sessions = [...this.sessions.values()];
    this.sessions.clear();
    for (const session of sessions) await (await session).release();
  }
}
