// `pack stats`: the per-channel S mean and std of a generator (upstream S_mean_std, spec/styleclip.md §1.4):
// N random z, mapped, truncated, one w tiled over W+, affine → S; population mean and std per channel.
import type { LoadedPack } from '../../ui/worker/pack/load-pack';
import { LatentCodes, type BuilderRuntime } from './latent-codes';

export const DEFAULT_STATS_SAMPLES = 10_000; // upstream uses 100,000; 10k already fixes σ to ~0.7 %
const CHUNK = 256; // S codes per round of progress

export interface SStatsProgress {
  readonly done: number;
  readonly total: number;
}

export interface SStatsOptions {
  loaded: LoadedPack;
  runtime: BuilderRuntime;
  samples?: number;
  /** ψ; upstream 0.7. */
  truncation?: number;
  seed?: number;
  onProgress?: (progress: SStatsProgress) => void;
  signal?: AbortSignal;
}

export interface SStats {
  /** Per S channel, all layers (length totalS). */
  readonly mean: Float32Array;
  /** Population std (divides by N, as numpy's std). */
  readonly std: Float32Array;
  readonly samples: number;
}

export async function computeSStats(options: SStatsOptions): Promise<SStats> {
  const { loaded, runtime, samples = DEFAULT_STATS_SAMPLES, truncation, seed = 0, onProgress, signal } = options;
  if (!Number.isInteger(samples) || samples < 2) throw new Error(`\`samples\` must be an integer ≥ 2, got ${samples}`);
  const { totalS } = loaded.pack.generator;
  const codes = new LatentCodes({ loaded, runtime, truncation, seed });
  // Welford's update in float64: stable for any mean/std ratio, and the same order on every run.
  const mean = new Float64Array(totalS);
  const m2 = new Float64Array(totalS);
  let n = 0;
  try {
    while (n < samples) {
      signal?.throwIfAborted();
      const count = Math.min(CHUNK, samples - n);
      const s = await codes.nextS(count);
      for (let i = 0; i < count; i++) {
        n++;
        const row = i * totalS;
        for (let c = 0; c < totalS; c++) {
          const x = s[row + c];
          const delta = x - mean[c];
          mean[c] += delta / n;
          m2[c] += delta * (x - mean[c]);
        }
      }
      onProgress?.({ done: n, total: samples });
    }
  } finally {
    await codes.release();
  }
  return {
    mean: Float32Array.from(mean),
    std: Float32Array.from(m2, (v) => Math.sqrt(v / n)),
    samples,
  };
}
