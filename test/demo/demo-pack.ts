// The demo pack opened for tests, with the few operations the proofs need: random faces, renders, the
// attributes the demo's CLIP image encoder measures, text directions and global edits. Ground truth (which
// channel draws what) comes from models/demo/design.json, written by the pack's generator.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { ClipTokenizer } from '../../ui/worker/clip/tokenizer';
import { textDirection } from '../../ui/worker/clip/text-direction';
import { applyDeltaS, deltaSFromScores, relevanceScores } from '../../ui/worker/edit/global-direction';
import { packFromDirectory } from '../../cli/read-pack-dir';
import { openGraph } from '../../ui/worker/pack/graph-contract';
import type { LoadedPack } from '../../ui/worker/pack/load-pack';
import type { GraphRole } from '../../ui/worker/pack/pack-schema';
import { OrtRuntime, int32Tensor, type GraphSession } from '../../ui/worker/runtime/ort';
import { encoderInput } from '../../ui/worker/render/to-rgba';
import type { RgbaImage } from '../../ui/worker/image';
import { clipImageInput } from '../../models/tools/clip-preprocess';
import { LatentCodes, runFloat32 } from '../../models/tools/latent-codes';
import { renderThroughChain, sessionStageRunner } from '../../ui/worker/render/synthesis-chain';
import { REPO_ROOT, VOCAB_PATH } from '../helpers/golden';

export const DEMO_PACK = resolve(REPO_ROOT, 'models/packs/demo');
export const SAMPLES = resolve(REPO_ROOT, 'playground/samples');

export interface DemoDesign {
  attributes: string[];
  base: number;
  /** Per relevance row: the weight of each attribute in what that channel draws. */
  convChannels: number[][];
  conceptWords: Record<string, Record<string, number>>;
  /** The demo pack's own preset chips, each with the attribute it moves and the sign of that move. */
  presets: Array<{ label: string; neutral: string; target: string; attribute: string; sign: 1 | -1 }>;
  /** The playground's sample portraits, in playground/samples/. */
  portraits: string[];
}

export const DESIGN: DemoDesign = JSON.parse(readFileSync(resolve(REPO_ROOT, 'models/demo/design.json'), 'utf8'));

export type Attributes = Record<string, number>;

export class DemoPack {
  private readonly sessions = new Map<GraphRole, Promise<GraphSession>>();
  private constructor(
    readonly loaded: LoadedPack,
    readonly runtime: OrtRuntime,
    readonly tokenizer: ClipTokenizer,
    readonly relevance: Float32Array,
    readonly sStd: Float32Array,
  ) {}

  static async open(): Promise<DemoPack> {
    const loaded = await packFromDirectory(DEMO_PACK);
    const runtime = await OrtRuntime.create();
    const tokenizer = await ClipTokenizer.fromVocabGz(new Uint8Array(readFileSync(VOCAB_PATH)));
    const { globalDirection } = loaded.pack;
    return new DemoPack(loaded, runtime, tokenizer, await loaded.readFloat32(globalDirection.relevance.file), await loaded.readFloat32(globalDirection.sStd.file));
  }

  session(role: GraphRole): Promise<GraphSession> {
    let session = this.sessions.get(role);
    if (!session) {
      session = openGraph(this.runtime, this.loaded, role);
      this.sessions.set(role, session);
    }
    return session;
  }

  /** `count` random S codes (ψ 0.7), as the builders draw them. */
  async randomS(count: number, seed: number): Promise<Float32Array[]> {
    const codes = new LatentCodes({ loaded: this.loaded, runtime: this.runtime, seed });
    const all = await codes.nextS(count);
    await codes.release();
    const { totalS } = this.loaded.pack.generator;
    return Array.from({ length: count }, (_, i) => all.slice(i * totalS, (i + 1) * totalS));
  }

  /** S → image [3, R, R] in [−1, 1], through the synthesis chain. */
  async render(s: Float32Array): Promise<Float32Array> {
    const { pack } = this.loaded;
    return renderThroughChain({ run: sessionStageRunner((role) => this.session(role)), pack, s, size: pack.generator.resolution });
  }

  /** S of an image as the plugin gets it: 8-bit RGBA at the encoder's size → encoder → affine. */
  async invert(image: RgbaImage): Promise<Float32Array> {
    const { encoder, generator } = this.loaded.pack;
    const wPlus = await runFloat32(await this.session('encoder'), encoderInput(image, encoder), [1, 3, encoder.size, encoder.size]);
    return runFloat32(await this.session('affine'), wPlus, [1, generator.numWs, generator.wDim]);
  }

  /** Unit Δt the pack stores for one of its presets (what a chip applies). */
  async presetDeltaT(index: number): Promise<Float32Array> {
    const presets = this.loaded.pack.presets!;
    const rows = await this.loaded.readFloat32(presets.file);
    return rows.slice(index * presets.dims, (index + 1) * presets.dims);
  }

  /** What the demo's CLIP image encoder reads from an image: one value in (−1, 1) per attribute. */
  async attributes(image: Float32Array): Promise<Attributes> {
    const { clip, generator } = this.loaded.pack;
    const input = clipImageInput(image, generator.resolution, clip);
    const features = await runFloat32(await this.session('clipImage'), input, [1, 3, clip.imageSize, clip.imageSize]);
    return Object.fromEntries(DESIGN.attributes.map((name, k) => [name, features[1 + k]]));
  }

  async encodeText(texts: string[]): Promise<Float32Array[]> {
    const ids = texts.map((t) => this.tokenizer.tokenize(t).ids);
    const length = ids[0].length;
    const tokens = new Int32Array(texts.length * length);
    ids.forEach((row, i) => tokens.set(row, i * length));
    const session = await this.session('clipText');
    const out = await session.run({ tokens: int32Tensor(tokens, [texts.length, length]) });
    const features = (await out.features.getData()) as Float32Array;
    const dims = features.length / texts.length;
    return texts.map((_, i) => features.slice(i * dims, (i + 1) * dims));
  }

  /** Unit Δt for neutral → target with the pack's templates and the real CLIP tokenizer. */
  async deltaT(neutral: string, target: string): Promise<Float32Array> {
    const session = await this.session('clipText');
    const { deltaT } = await textDirection({
      neutral, target, templates: this.loaded.pack.templates, tokenizer: this.tokenizer,
      encodeText: async (tokens, n, l) => (await (await session.run({ tokens: int32Tensor(tokens, [n, l]) })).features.getData()) as Float32Array,
    });
    return deltaT;
  }

  scores(deltaT: Float32Array): Float32Array {
    return relevanceScores({ relevance: this.relevance, dims: this.loaded.pack.clip.embedDim, deltaT });
  }

  /** s + α·Δs(Δt, β), as the engine's global edit does. */
  edit(s: Float32Array, deltaT: Float32Array, { alpha, beta }: { alpha: number; beta: number }): { s: Float32Array; channelsKept: number } {
    const { deltaS, channelsKept } = deltaSFromScores({ scores: this.scores(deltaT), beta, sStd: this.sStd, layers: this.loaded.pack.generator.styleLayers });
    return { s: applyDeltaS(s, [{ deltaS, alpha }]), channelsKept };
  }
}

/** The attribute a relevance row mostly draws (largest |weight|). */
export function primaryAttribute(row: number): string {
  const weights = DESIGN.convChannels[row];
  let best = 0;
  weights.forEach((w, k) => {
    if (Math.abs(w) > Math.abs(weights[best])) best = k;
  });
  return DESIGN.attributes[best];
}
