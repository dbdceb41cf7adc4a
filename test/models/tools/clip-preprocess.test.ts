import { describe, expect, it } from 'vitest';
import { clipImageInput, resizePlane } from '../../../models/tools/clip-preprocess';
import { NormalSampler } from '../../../models/tools/seeded-random';

const CLIP = { imageSize: 4, mean: [0.48145466, 0.4578275, 0.40821073], std: [0.26862954, 0.26130258, 0.27577711] } as const;

describe('clipImageInput', () => {
  it('area-averages an integer downscale exactly and normalises with the CLIP mean/std', () => {
    // 8 → 4: each output is the mean of a 2×2 block; [−1, 1] maps to [0, 1] first.
    const image = new Float32Array(3 * 8 * 8);
    for (let i = 0; i < image.length; i++) image[i] = ((i * 37) % 17) / 8 - 1;
    const out = clipImageInput(image, 8, CLIP);
    for (const [ch, y, x] of [[0, 0, 0], [1, 2, 3], [2, 3, 1]]) {
      let sum = 0;
      for (const [dy, dx] of [[0, 0], [0, 1], [1, 0], [1, 1]]) sum += (image[ch * 64 + (2 * y + dy) * 8 + 2 * x + dx] + 1) / 2;
      expect(out[ch * 16 + y * 4 + x]).toBeCloseTo((sum / 4 - CLIP.mean[ch]) / CLIP.std[ch], 5);
    }
  });

  it('clamps values outside [−1, 1] as the uint8 conversion upstream does', () => {
    const out = clipImageInput(new Float32Array(3 * 4 * 4).fill(3), 4, CLIP);
    expect(out[0]).toBeCloseTo((1 - CLIP.mean[0]) / CLIP.std[0], 6);
  });

  it('keeps a flat image flat and a ramp monotone through the bicubic path (6 → 4, 3 → 4)', () => {
    expect(Array.from(resizePlane(new Float32Array(36).fill(0.25), 6, 4)).every((v) => Math.abs(v - 0.25) < 1e-6)).toBe(true);
    const ramp = Float32Array.from({ length: 9 }, (_, i) => i % 3);
    const up = resizePlane(ramp, 3, 4);
    for (let x = 1; x < 4; x++) expect(up[x]).toBeGreaterThan(up[x - 1]);
  });
});

describe('NormalSampler', () => {
  it('gives the same stream for a seed, another for another seed, with mean ≈ 0 and variance ≈ 1', () => {
    const a = new NormalSampler(42).normals(20_000);
    expect(Array.from(new NormalSampler(42).normals(5))).toEqual(Array.from(a.subarray(0, 5)));
    expect(Array.from(new NormalSampler(43).normals(5))).not.toEqual(Array.from(a.subarray(0, 5)));
    const mean = a.reduce((s, v) => s + v, 0) / a.length;
    const variance = a.reduce((s, v) => s + (v - mean) ** 2, 0) / a.length;
    expect(Math.abs(mean)).toBeLessThan(0.03); // 4 standard errors
    expect(Math.abs(variance - 1)).toBeLessThan(0.04);
  });
});
