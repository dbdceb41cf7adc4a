import { describe, expect, it } from 'vitest';
import {
  applyDeltaS,
  deltaSFromScores,
  relevanceScores,
  thresholdScores,
} from '../../../ui/worker/edit/global-direction';
import type { StyleLayerLayout } from '../../../ui/worker/edit/style-layout';
import { isEngineError } from '../../../ui/worker/errors';
import { packFromDirectory } from '../../../cli/read-pack-dir';
import { GOLDEN_TINY_PACK, readGoldenJson, readGoldenNpy } from '../../helpers/golden';
import { expectClose, maxAbsDiff } from '../../helpers/tolerance';

interface GoldenConfig {
  pairs: { neutral: string; target: string }[];
  betas: number[];
  alphas: number[];
  s_layout: { channels: number; offset: number; is_torgb: boolean }[];
}

const config = readGoldenJson<GoldenConfig>('global-direction/config.json');
const layers: StyleLayerLayout[] = config.s_layout.map((l) => ({ channels: l.channels, offset: l.offset, kind: l.is_torgb ? 'torgb' : 'conv' }));
const fs3 = readGoldenNpy('global-direction/fs3.npy');
const [rows, dims] = fs3.shape;
const relevance = fs3.data as Float32Array;
const sStd = readGoldenNpy('global-direction/s_std.npy').data as Float32Array;
const deltaTs = readGoldenNpy('global-direction/delta_t.npy').data as Float32Array;
const dsImp = readGoldenNpy('global-direction/ds_imp.npy').data as Float32Array;
const numChannels = readGoldenNpy('global-direction/num_channels.npy').data as Int32Array;
const goldenDeltaS = readGoldenNpy('global-direction/delta_s.npy');
const totalS = goldenDeltaS.shape[2];
const sInput = readGoldenNpy('global-direction/s_input.npy');
const samples = sInput.shape[0];
const sEdited = readGoldenNpy('global-direction/s_edited.npy').data as Float32Array;

const deltaTOf = (pair: number) => deltaTs.subarray(pair * dims, (pair + 1) * dims);
const sampleOf = (i: number) => (sInput.data as Float32Array).subarray(i * totalS, (i + 1) * totalS);

const cases = config.pairs.flatMap((pair, p) =>
  config.betas.map((beta, b) => ({ name: `${pair.neutral} → ${pair.target}, β ${beta}`, p, b, beta })),
);

describe('global direction against upstream GetBoundary/SplitS/MSCode (golden)', () => {
  it.each(cases)('$name: keeps exactly upstream num_c channels and reproduces ds_imp', ({ p, b, beta }) => {
    const scores = relevanceScores({ relevance, dims, deltaT: deltaTOf(p) });
    expect(scores.length).toBe(rows);
    const { direction, channelsKept } = thresholdScores(scores, beta);
    expect(channelsKept).toBe(numChannels[p * config.betas.length + b]);
    const offset = (p * config.betas.length + b) * rows;
    const expected = dsImp.subarray(offset, offset + rows);
    // The mask itself must match exactly (the closest channel is 4.9e-5 from its threshold).
    expect(Array.from(direction, (v) => v !== 0)).toEqual(Array.from(expected, (v) => v !== 0));
    expectClose(direction, expected, 1e-4, 'ds_imp');
  });

  it.each(cases)('$name: Δs matches delta_s within 1e-4', ({ p, b, beta }) => {
    const { deltaS, channelsKept } = deltaSFromScores({ scores: relevanceScores({ relevance, dims, deltaT: deltaTOf(p) }), beta, sStd, layers });
    expect(channelsKept).toBe(numChannels[p * config.betas.length + b]);
    const offset = (p * config.betas.length + b) * totalS;
    expectClose(deltaS, (goldenDeltaS.data as Float32Array).subarray(offset, offset + totalS), 1e-4, 'delta_s');
  });

  it.each(cases)('$name: edited S matches s_edited for every α and sample within 1e-4', ({ p, b, beta }) => {
    const { deltaS } = deltaSFromScores({ scores: relevanceScores({ relevance, dims, deltaT: deltaTOf(p) }), beta, sStd, layers });
    config.alphas.forEach((alpha, a) => {
      for (let i = 0; i < samples; i++) {
        const index = (((p * config.betas.length + b) * config.alphas.length + a) * samples + i) * totalS;
        const edited = applyDeltaS(sampleOf(i), [{ deltaS, alpha }]);
        expectClose(edited, sEdited.subarray(index, index + totalS), 1e-4, `s_edited α ${alpha} sample ${i}`);
      }
    });
  });

  it('leaves every ToRGB channel of Δs at zero', () => {
    const { deltaS } = deltaSFromScores({ scores: relevanceScores({ relevance, dims, deltaT: deltaTOf(0) }), beta: 0, sStd, layers });
    for (const layer of layers) {
      const slice = Array.from(deltaS.subarray(layer.offset, layer.offset + layer.channels));
      if (layer.kind === 'torgb') expect(slice.every((v) => v === 0)).toBe(true);
      else expect(slice.some((v) => v !== 0)).toBe(true);
    }
  });
});

describe('global direction from the golden-tiny pack data', () => {
  it("reproduces delta_s for every pair and β from the pack's relevance, S std and style layers", async () => {
    const loaded = await packFromDirectory(GOLDEN_TINY_PACK);
    const { generator, globalDirection } = loaded.pack;
    const packRelevance = await loaded.readFloat32(globalDirection.relevance.file);
    const packStd = await loaded.readFloat32(globalDirection.sStd.file);
    for (const { p, b, beta } of cases) {
      const scores = relevanceScores({ relevance: packRelevance, dims: globalDirection.relevance.dims, deltaT: deltaTOf(p) });
      const { deltaS, channelsKept } = deltaSFromScores({ scores, beta, sStd: packStd, layers: generator.styleLayers });
      expect(channelsKept).toBe(numChannels[p * config.betas.length + b]);
      expect(deltaS.length).toBe(generator.totalS);
      const offset = (p * config.betas.length + b) * totalS;
      expectClose(deltaS, (goldenDeltaS.data as Float32Array).subarray(offset, offset + totalS), 1e-4, `delta_s pair ${p} β ${beta}`);
    }
  });
});

describe('β threshold', () => {
  const scores = relevanceScores({ relevance, dims, deltaT: deltaTOf(1) });
  const largest = Math.max(...Array.from(scores, Math.abs));

  it('reports 0 channels when β exceeds every relevance, naming the largest |relevance|', () => {
    const beta = largest + 0.02;
    let thrown: unknown;
    try {
      deltaSFromScores({ scores, beta, sStd, layers });
    } catch (error) {
      thrown = error;
    }
    expect(isEngineError(thrown, 'BetaTooHigh')).toBe(true);
    const message = (thrown as Error).message;
    expect(message).toContain(`0 channels pass β = ${Number(beta.toPrecision(4))}`);
    const shown = Number(/largest \|relevance\| for this prompt is ([0-9.]+)/.exec(message)?.[1]);
    // The value shown is a β that works: at most the true maximum, and within one slider step of it.
    expect(shown).toBeLessThanOrEqual(largest);
    expect(largest - shown).toBeLessThan(0.01);
    expect(thresholdScores(scores, shown).channelsKept).toBeGreaterThanOrEqual(1);
  });

  it('keeps exactly one channel at β = the largest |relevance|', () => {
    expect(thresholdScores(scores, largest).channelsKept).toBe(1);
  });

  it('keeps fewer channels as β grows, and all of them at β = 0', () => {
    const betas = [0, 0.05, 0.1, 0.15, 0.2, 0.25];
    const kept = betas.map((beta) => thresholdScores(scores, beta).channelsKept);
    expect(kept[0]).toBe(rows);
    for (let i = 1; i < kept.length; i++) expect(kept[i]).toBeLessThanOrEqual(kept[i - 1]);
    expect(kept[kept.length - 1]).toBeLessThan(kept[1]);
  });

  it('throws a programmer error for a negative or non-finite β (callers check edits with problemsOf first)', () => {
    for (const beta of [-0.1, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(() => thresholdScores(scores, beta)).toThrow(/^`beta` must be a number ≥ 0/);
    }
  });

  it('says no β can work when Δt is orthogonal to every channel', () => {
    expect(() => thresholdScores(new Float32Array(rows), 0.1)).toThrow(expect.objectContaining({ name: 'BetaTooHigh', message: expect.stringContaining('no β can work') }));
  });
});

describe('applyDeltaS', () => {
  const { deltaS } = deltaSFromScores({ scores: relevanceScores({ relevance, dims, deltaT: deltaTOf(0) }), beta: 0.1, sStd, layers });
  const s = sampleOf(0);

  it('moves S the opposite way for a negative α', () => {
    const up = applyDeltaS(s, [{ deltaS, alpha: 2.5 }]);
    const down = applyDeltaS(s, [{ deltaS, alpha: -2.5 }]);
    const mirrored = Float32Array.from(s, (v, i) => 2 * v - up[i]);
    expectClose(down, mirrored, 1e-5, 'negative α mirror');
    expect(maxAbsDiff(up, s).value).toBeGreaterThan(0.1);
  });

  it('composes an edit stack as a sum of α·Δs', () => {
    const other = deltaSFromScores({ scores: relevanceScores({ relevance, dims, deltaT: deltaTOf(2) }), beta: 0.1, sStd, layers }).deltaS;
    const stacked = applyDeltaS(s, [{ deltaS, alpha: 3 }, { deltaS: other, alpha: -1.5 }]);
    const expected = Float32Array.from(s, (v, i) => v + 3 * deltaS[i] - 1.5 * other[i]);
    expectClose(stacked, expected, 1e-5, 'stacked edit');
    expect(Array.from(applyDeltaS(s, []))).toEqual(Array.from(s));
  });

  it('leaves its input untouched', () => {
    const before = Float32Array.from(s);
    applyDeltaS(s, [{ deltaS, alpha: 4.1 }]);
    expect(Array.from(s)).toEqual(Array.from(before));
  });

  it('names the edit whose Δs has the wrong length', () => {
    expect(() => applyDeltaS(s, [{ deltaS, alpha: 1 }, { deltaS: deltaS.subarray(1), alpha: 1 }])).toThrow('`edits[1].deltaS`');
  });
});
