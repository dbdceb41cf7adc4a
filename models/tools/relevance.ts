// `pack relevance`: the channel-relevance matrix (upstream fs3, spec/styleclip.md §1.3). For each of N
// random S codes and each conv S channel c: set s_c to mean_c − kσ_c and to mean_c + kσ_c, every other
// channel fixed; render both; CLIP-encode both (clipImage after clip-preprocess.ts); L2-normalise each
// feature, take f(+) − f(−) and normalise it; average over the N images; normalise each row.
//
// A channel that does not move the CLIP feature at all has a zero difference, which upstream divides by
// zero (NaN); here it adds nothing, and a channel that never moves it keeps a zero row (relevance 0 to
// every text). Rendering with a preview graph (`resolution` below the generator's) is faster, but conv
// layers above that resolution do not reach the preview image: their rows are all zero (`zeroRows`).
//
// Deterministic for a seed: the S codes come from one seeded stream, renders and CLIP batches are formed
// the same way on every run, and sums are float64 in a fixed order. Resumable: the sums are saved after
// whole images (relevance-checkpoint.ts), and a resumed run ends with the same bytes.
import { EngineError } from '../../ui/worker/errors';
import type { LoadedPack } from '../../ui/worker/pack/load-pack';
import { previewRole, type GraphRole, type Pack } from '../../ui/worker/pack/pack-schema';
import { renderThroughChain, sessionStageRunner, synthesisChain } from '../../ui/worker/render/synthesis-chain';
import { styleLayout } from '../../ui/worker/edit/style-layout';
import { clipImageInput } from './clip-preprocess';
import { LatentCodes, runFloat32, type BuilderRuntime } from './latent-codes';
import { decodeCheckpoint, encodeCheckpoint, type CheckpointStore } from './relevance-checkpoint';

export const DEFAULT_RELEVANCE_IMAGES = 100; // upstream GetFs: the first 100 S codes
export const DEFAULT_SIGMA = 5; // upstream SingleChannel: alpha = [−5, 5]
export const DEFAULT_CLIP_BATCH = 16; // renders per clipImage run

export interface RelevanceProgress {
  readonly imagesDone: number;
  readonly images: number;
  /** Renders done in this run, of `rendersLeft` when it started (a resumed run starts after the checkpoint). */
  readonly renders: number;
  readonly rendersLeft: number;
  readonly elapsedMs: number;
  /** Estimated time left, from this run's measured rate; undefined before the first measurement. */
  readonly etaMs: number | undefined;
  /** The run resumed from a checkpoint holding this many images (0 for a fresh run). */
  readonly resumedFrom: number;
}

export interface RelevanceOptions {
  loaded: LoadedPack;
  runtime: BuilderRuntime;
  images?: number;
  /** k in mean ± kσ. */
  sigma?: number;
  /** Render size: generator.resolution (default) or one of generator.previewResolutions (faster, coarser). */
  resolution?: number;
  /** Renders per clipImage run (rounded down to an even number, at least 2: both renders of a channel go together). */
  batch?: number;
  seed?: number;
  /** ψ for the S codes; upstream 0.7. */
  truncation?: number;
  /** S statistics; the pack's own files when left out. */
  sMean?: Float32Array;
  sStd?: Float32Array;
  checkpoint?: CheckpointStore;
  /** Save the checkpoint after every this many images. */
  checkpointEvery?: number;
  onProgress?: (progress: RelevanceProgress) => void;
  /** Tells why a checkpoint was found but not used. */
  onNotice?: (message: string) => void;
  /** Stops at the next channel; the work since the last checkpoint is lost. */
  signal?: AbortSignal;
  /** The clock for progress (ms); performance.now by default. */
  now?: () => number;
}

export interface Relevance {
  /** [rows, dims] row-major, each row unit-norm (or zero, see above). */
  readonly matrix: Float32Array;
  readonly rows: number;
  readonly dims: number;
  readonly resumedFrom: number;
  /** Rows left at zero: channels that never changed the CLIP feature (e.g. layers above a preview resolution). */
  readonly zeroRows: number;
}

export async function computeRelevance(options: RelevanceOptions): Promise<Relevance> {
  const {
    loaded, runtime, images = DEFAULT_RELEVANCE_IMAGES, sigma = DEFAULT_SIGMA, batch = DEFAULT_CLIP_BATCH, seed = 0,
    truncation, checkpoint, checkpointEvery = 1, onProgress, onNotice, signal, now = () => performance.now(),
  } = options;
  const { pack } = loaded;
  const { generator, clip } = pack;
  if (!Number.isInteger(images) || images < 1) throw new EngineError('BadArgument', `--images must be a whole number ≥ 1, got ${images}.`);
  if (!(sigma > 0) || !Number.isFinite(sigma)) throw new EngineError('BadArgument', `--sigma must be a number > 0, got ${sigma}. Upstream uses 5.`);
  if (!Number.isInteger(batch) || batch < 1) throw new EngineError('BadArgument', `--batch must be a whole number ≥ 1, got ${batch}.`);
  if (!Number.isInteger(checkpointEvery) || checkpointEvery < 1) throw new Error(`\`checkpointEvery\` must be a positive integer, got ${checkpointEvery}`);
  const resolution = options.resolution ?? generator.resolution;
  const role = renderRole(resolution, generator.resolution, generator.previewResolutions);

  if (pack.graphs.clipImage === undefined) {
    throw new EngineError('PackInvalid', `Pack ${pack.id} has no clipImage graph (edit-time packs leave it out), so relevance cannot be computed with it. Build the pack with --keep-clip-image (python3 -m models.export build), or give the exporter StyleCLIP's fs3.npy.`);
  }
  const { totalS, convChannels, convIndex } = styleLayout(generator.styleLayers);
  const dims = clip.embedDim;
  const sMean = options.sMean ?? (await loaded.readFloat32(pack.globalDirection.sMean.file));
  const sStd = options.sStd ?? (await loaded.readFloat32(pack.globalDirection.sStd.file));
  if (sMean.length !== totalS || sStd.length !== totalS) throw new Error(`\`sMean\`/\`sStd\` must hold ${totalS} values`);

  const codes = new LatentCodes({ loaded, runtime, truncation, seed });
  const key = JSON.stringify({
    pack: pack.id,
    files: [pack.graphs.mapping!, pack.graphs.affine!, ...stageFiles(pack, role), pack.graphs.clipImage].map((f) => pack.files.get(f)?.sha256),
    sMean: hash32(sMean),
    sStd: hash32(sStd),
    images, sigma, resolution, batch, seed, truncation: codes.truncation,
  });
  const sums = new Float64Array(convChannels * dims);
  let start = 0;
  const saved = checkpoint ? await checkpoint.read() : null;
  if (saved !== null) {
    const decoded = decodeCheckpoint(saved, { key, length: sums.length });
    if (typeof decoded === 'string') onNotice?.(`Starting afresh: the checkpoint cannot be used because ${decoded}.`);
    else if (decoded.imagesDone > images) onNotice?.(`Starting afresh: the checkpoint holds ${decoded.imagesDone} images, more than ${images}.`);
    else {
      sums.set(decoded.sums);
      start = decoded.imagesDone;
    }
  }

  try {
    // Each render runs the synthesis chain up to `resolution` (models/README.md, "The synthesis chain").
    const run = sessionStageRunner((stage) => codes.session(stage));
    const encode = await codes.session('clipImage');
    const allS = await codes.nextS(images); // all codes from one stream: code i does not depend on where a run starts
    const rendersLeft = (images - start) * convChannels * 2;
    const began = now();
    let renders = 0;
    const report = (imagesDone: number) => {
      const elapsedMs = now() - began;
      const etaMs = renders > 0 ? ((rendersLeft - renders) * elapsedMs) / renders : undefined;
      onProgress?.({ imagesDone, images, renders, rendersLeft, elapsedMs, etaMs, resumedFrom: start });
    };
    report(start);

    const imageSize = clip.imageSize;
    const perImage = 3 * imageSize * imageSize;
    for (let image = start; image < images; image++) {
      const s = allS.subarray(image * totalS, (image + 1) * totalS);
      // Renders of one image in a fixed order (c−, c+ for each channel), encoded in fixed batches.
      for (let firstRow = 0; firstRow < convChannels; firstRow += Math.max(1, batch >> 1)) {
        signal?.throwIfAborted();
        const rows = Math.min(Math.max(1, batch >> 1), convChannels - firstRow);
        const clipInput = new Float32Array(2 * rows * perImage);
        for (let k = 0; k < rows; k++) {
          const c = convIndex[firstRow + k];
          for (let sign = 0; sign < 2; sign++) {
            const edited = Float32Array.from(s);
            edited[c] = Math.fround(sMean[c] + (sign === 0 ? -1 : 1) * Math.fround(sigma * sStd[c]));
            const picture = await renderThroughChain({ run, pack, s: edited, size: resolution });
            clipInput.set(clipImageInput(picture, resolution, clip), (2 * k + sign) * perImage);
          }
        }
        const features = await runFloat32(encode, clipInput, [2 * rows, 3, imageSize, imageSize]);
        for (let k = 0; k < rows; k++) {
          addUnitDifference(sums, (firstRow + k) * dims, features.subarray(2 * k * dims, (2 * k + 1) * dims), features.subarray((2 * k + 1) * dims, (2 * k + 2) * dims));
        }
        renders += 2 * rows;
        report(image);
      }
      const imagesDone = image + 1;
      if (checkpoint && (imagesDone % checkpointEvery === 0 || imagesDone === images)) {
        await checkpoint.write(encodeCheckpoint({ key, imagesDone, sums }));
      }
      report(imagesDone);
    }
  } finally {
    await codes.release();
  }

  const matrix = new Float32Array(sums.length);
  let zeroRows = 0;
  for (let row = 0; row < convChannels; row++) {
    // The average over images is sum / N; normalised, N cancels.
    const sum = sums.subarray(row * dims, (row + 1) * dims);
    const norm = Math.hypot(...sum);
    if (norm > 0) for (let d = 0; d < dims; d++) matrix[row * dims + d] = sum[d] / norm;
    else zeroRows++;
  }
  return { matrix, rows: convChannels, dims, resumedFrom: start, zeroRows };
}

/** The files of the chain's stages up to `role` (every one of them shapes the render). */
function stageFiles(pack: Pack, role: GraphRole): string[] {
  const chain = synthesisChain(pack.generator);
  return chain.slice(0, chain.findIndex((stage) => stage.role === role) + 1).map((stage) => pack.graphs[stage.role]!);
}

/** The graph role that renders at `resolution`, or a BadArgument listing the valid sizes. */
export function renderRole(resolution: number, full: number, previews: readonly number[]): GraphRole {
  if (resolution === full) return 'synthesis';
  if (previews.includes(resolution)) return previewRole(resolution);
  throw new EngineError(
    'BadArgument',
    `--resolution ${resolution}: this pack renders at ${[...previews, full].join(', ')} (the full ${full}, or a preview graph). Must be one of: ${[...previews, full].join(', ')}.`,
  );
}

/** sums[at…] += unit(unit(plus) − unit(minus)); nothing when the two features point the same way. */
function addUnitDifference(sums: Float64Array, at: number, minus: Float32Array, plus: Float32Array): void {
  const dims = minus.length;
  const nMinus = Math.hypot(...minus);
  const nPlus = Math.hypot(...plus);
  if (!(nMinus > 0 && nPlus > 0)) throw new EngineError('GraphInvalid', `clipImage returned a feature of norm ${nMinus > 0 ? nPlus : nMinus}; CLIP features are never zero.`);
  const difference = new Float64Array(dims);
  for (let d = 0; d < dims; d++) difference[d] = Math.fround(plus[d] / nPlus) - Math.fround(minus[d] / nMinus);
  const norm = Math.hypot(...difference);
  if (!(norm > 0)) return;
  for (let d = 0; d < dims; d++) sums[at + d] += difference[d] / norm;
}

/** FNV-1a over the float32 bytes: enough to tell statistics apart in a checkpoint key. */
function hash32(values: Float32Array): string {
  const bytes = new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
  let h = 0x811c9dc5;
  for (let i = 0; i < bytes.length; i++) h = Math.imul(h ^ bytes[i], 0x01000193) >>> 0;
  return h.toString(16).padStart(8, '0');
}
