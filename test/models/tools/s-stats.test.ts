// `pack stats` on golden-tiny: the S statistics it computes agree with upstream's (GetCodeMS over 10,000
// RandomState(5) samples at ψ 0.7, ../shared/golden/global-direction) within sampling error, and the
// same seed gives the same bytes.
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { packFromDirectory } from '../../../cli/read-pack-dir';
import type { LoadedPack } from '../../../ui/worker/pack/load-pack';
import { OrtRuntime } from '../../../ui/worker/runtime/ort';
import { computeSStats, type SStats } from '../../../models/tools/s-stats';
import { GOLDEN_TINY_PACK, goldenPath } from '../../helpers/golden';
import { parseNpy } from '../../helpers/npy';

const SAMPLES = 10_000; // as upstream's golden statistics
const readNpy = (relative: string) => parseNpy(new Uint8Array(readFileSync(goldenPath(relative)))).data as Float32Array;

let loaded: LoadedPack;
let runtime: OrtRuntime;
let stats: SStats;

beforeAll(async () => {
  loaded = await packFromDirectory(GOLDEN_TINY_PACK);
  runtime = await OrtRuntime.create();
  stats = await computeSStats({ loaded, runtime, samples: SAMPLES, seed: 1 });
});

describe('computeSStats on golden-tiny', () => {
  it('matches upstream S_mean within 4.5 standard errors on every channel', () => {
    const mean = readNpy('global-direction/s_mean.npy');
    const std = readNpy('global-direction/s_std.npy');
    let worst = 0;
    let worstIndex = -1;
    for (let c = 0; c < mean.length; c++) {
      // Two independent estimates of the same mean: their difference has std σ·√(2/N).
      const z = Math.abs(stats.mean[c] - mean[c]) / (std[c] * Math.sqrt(2 / SAMPLES));
      if (z > worst) [worst, worstIndex] = [z, c];
    }
    expect(worst, `channel ${worstIndex}: ${stats.mean[worstIndex]} vs ${mean[worstIndex]}`).toBeLessThan(4.5);
  });

  it('matches upstream S_std within 6 % on every channel and 1.5 % on average', () => {
    const std = readNpy('global-direction/s_std.npy');
    let worst = 0;
    let sum = 0;
    for (let c = 0; c < std.length; c++) {
      const ratio = Math.abs(stats.std[c] / std[c] - 1);
      worst = Math.max(worst, ratio);
      sum += ratio;
    }
    expect(worst).toBeLessThan(0.06);
    expect(sum / std.length).toBeLessThan(0.015); // two estimates, each ±1/√(2N) ≈ 0.7 %
  });

  it('gives the same bytes for the same seed and different ones for another seed', async () => {
    const again = await computeSStats({ loaded, runtime, samples: 300, seed: 7 });
    const same = await computeSStats({ loaded, runtime, samples: 300, seed: 7 });
    const other = await computeSStats({ loaded, runtime, samples: 300, seed: 8 });
    expect(Buffer.from(same.mean.buffer).equals(Buffer.from(again.mean.buffer))).toBe(true);
    expect(Buffer.from(same.std.buffer).equals(Buffer.from(again.std.buffer))).toBe(true);
    expect(Buffer.from(other.mean.buffer).equals(Buffer.from(again.mean.buffer))).toBe(false);
  });

  it('refuses an edit-time pack without the mapping graph with a PackInvalid that names the profile to build', async () => {
    const { mapping: _dropped, ...graphs } = loaded.pack.graphs;
    const editTime: LoadedPack = Object.assign(Object.create(loaded) as LoadedPack, { pack: { ...loaded.pack, graphs } });
    const error = await computeSStats({ loaded: editTime, runtime, samples: 2 }).catch((e: Error) => e);
    expect([(error as Error).name, (error as Error).message]).toEqual([
      'PackInvalid',
      'Pack golden-tiny has no mapping graph (edit-time packs leave it out), so it cannot draw random faces. Use a pack built with --profile full (python3 -m models.export build).',
    ]);
  });

  it('shrinks the std by ψ: truncation 0.35 gives half the std of 0.7', async () => {
    const half = await computeSStats({ loaded, runtime, samples: 2000, seed: 3, truncation: 0.35 });
    const full = await computeSStats({ loaded, runtime, samples: 2000, seed: 3, truncation: 0.7 });
    // The affine is linear in w, and the same z stream is used: S − mean scales exactly by ψ.
    for (let c = 0; c < full.std.length; c++) expect(half.std[c] / full.std[c]).toBeCloseTo(0.5, 4);
  });

  it('reports progress that never decreases and ends at the sample count', async () => {
    const seen: number[] = [];
    await computeSStats({ loaded, runtime, samples: 600, onProgress: ({ done, total }) => { expect(total).toBe(600); seen.push(done); } });
    expect(seen).toEqual([...seen].sort((a, b) => a - b));
    expect(seen.at(-1)).toBe(600);
  });
});
