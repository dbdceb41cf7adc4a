import { describe, expect, it } from 'vitest';
import { alignFace, alignTo, faceQuad } from '../../../ui/worker/face/align';
import { alignedToSource, pillowQuadTransform, sourceToAligned } from '../../../ui/worker/face/quad-transform';
import type { RgbaImage } from '../../../ui/worker/image';
import { readImageFile } from '../../../cli/image-file';
import { goldenPath, readGoldenJson } from '../../helpers/golden';
import { expectClose } from '../../helpers/tolerance';

interface GoldenCase {
  lm: [number, number][];
  [key: string]: unknown;
}
interface GoldenAlign {
  cases: Record<'case1' | 'case2', GoldenCase>;
}

const golden = readGoldenJson<GoldenAlign>('align/align.json');
const CASES = [
  { name: 'case1', input: 'images/astronaut.png', padded: null },
  { name: 'case2', input: 'align/astronaut_crop.png', padded: 'align/case2_padded.png' },
] as const;

// Golden key → our step name (every geometric intermediate the golden records).
const GEOMETRY_KEYS: [string, string][] = [
  ['eye_left', 'eyeLeft'], ['eye_right', 'eyeRight'], ['eye_avg', 'eyeAvg'], ['eye_to_eye', 'eyeToEye'],
  ['mouth_left', 'mouthLeft'], ['mouth_right', 'mouthRight'], ['mouth_avg', 'mouthAvg'], ['eye_to_mouth', 'eyeToMouth'],
  ['x', 'x'], ['y', 'y'], ['c', 'c'], ['quad_initial', 'quadInitial'], ['qsize_initial', 'qsizeInitial'],
  ['shrink', 'shrink'], ['quad_after_shrink', 'quadAfterShrink'], ['qsize_after_shrink', 'qsizeAfterShrink'],
  ['size_after_shrink', 'sizeAfterShrink'], ['border', 'border'], ['crop', 'crop'], ['quad_after_crop', 'quadAfterCrop'],
  ['size_after_crop', 'sizeAfterCrop'], ['pad_raw', 'padRaw'], ['pad_final', 'padFinal'], ['blur_sigma', 'blurSigma'],
  ['quad_final', 'quadFinal'], ['size_before_transform', 'sizeBeforeTransform'], ['quad_data_for_PIL', 'quadDataForPil'],
];

function flat(value: unknown): number[] {
  return Array.isArray(value) ? value.flatMap(flat) : [Number(value)];
}

/** Max abs difference over RGB and the number of differing RGB samples. */
function pixelDiff(actual: RgbaImage, expected: RgbaImage): { max: number; count: number } {
  expect([actual.width, actual.height]).toEqual([expected.width, expected.height]);
  let max = 0;
  let count = 0;
  for (let i = 0; i < expected.data.length; i++) {
    if (i % 4 === 3) continue;
    const d = Math.abs(actual.data[i] - expected.data[i]);
    if (d > 0) count++;
    max = Math.max(max, d);
  }
  return { max, count };
}

describe('alignFace reproduces e4e align_face', () => {
  for (const c of CASES) {
    const g = golden.cases[c.name];
    const image = readImageFile(goldenPath(c.input));
    const aligned = alignFace(image, g.lm);
    const steps = aligned.steps as unknown as Record<string, unknown>;

    it(`${c.name}: every geometric intermediate matches within 1e-9`, () => {
      for (const [key, ours] of GEOMETRY_KEYS) {
        if (!(key in g)) {
          expect(steps[ours] ?? null, `${key} absent in golden`).toBeNull();
          continue;
        }
        expectClose(flat(steps[ours]), flat(g[key]), 1e-9, key);
      }
      expect(aligned.steps.cropApplied).toBe(g.crop_applied);
      expect(aligned.steps.padApplied).toBe(g.pad_applied);
    });

    if (c.padded) {
      it(`${c.name}: the padded, blurred and median-blended source matches ${c.padded} exactly`, () => {
        const diff = pixelDiff(aligned.steps.transformSource, readImageFile(goldenPath(c.padded)));
        expect(diff).toEqual({ max: 0, count: 0 });
      });
    }

    it(`${c.name}: the 256×256 aligned image matches ${g.aligned_file} exactly`, () => {
      const diff = pixelDiff(aligned.image, readImageFile(goldenPath(`align/${g.aligned_file}`)));
      expect(diff).toEqual({ max: 0, count: 0 });
    });

    it(`${c.name}: the transform maps aligned corners onto the quad and inverts to 1e-9 px`, () => {
      const t = aligned.transform;
      // Pixel-index corners of the square: (−0.5, −0.5) is the NW corner of pixel (0, 0).
      const corners: [number, number][] = [[-0.5, -0.5], [-0.5, t.size - 0.5], [t.size - 0.5, t.size - 0.5], [t.size - 0.5, -0.5]];
      expectClose(corners.flatMap(([x, y]) => alignedToSource(t, x, y)), flat(g.quad_initial), 1e-9, 'corners');
      let worst = 0;
      for (let y = 0; y < t.size; y += 17) {
        for (let x = 0; x < t.size; x += 13) {
          const [u, v] = alignedToSource(t, x, y);
          const [bx, by] = sourceToAligned(t, u, v);
          worst = Math.max(worst, Math.abs(bx - x), Math.abs(by - y));
        }
      }
      expect(worst).toBeLessThan(1e-9);
    });
  }
});

describe('alignment edge cases', () => {
  it('alignTo(512) renders the same quad at twice the resolution', () => {
    const g = golden.cases.case1;
    const image = readImageFile(goldenPath('images/astronaut.png'));
    const big = alignTo(512)(image, g.lm);
    expect([big.image.width, big.image.height]).toEqual([512, 512]);
    expectClose(flat(big.quad), flat(g.quad_initial), 1e-9, 'quad');
    // Downsampled 2×2 it should be close to the 256 render (both bilinear samplings of the same quad).
    const small = alignFace(image, g.lm).image;
    let sum = 0;
    for (let y = 0; y < 256; y++) {
      for (let x = 0; x < 256; x++) {
        for (let ch = 0; ch < 3; ch++) {
          const at = (xx: number, yy: number): number => big.image.data[(yy * 512 + xx) * 4 + ch];
          const avg = (at(2 * x, 2 * y) + at(2 * x + 1, 2 * y) + at(2 * x, 2 * y + 1) + at(2 * x + 1, 2 * y + 1)) / 4;
          sum += Math.abs(avg - small.data[(y * 256 + x) * 4 + ch]);
        }
      }
    }
    expect(sum / (256 * 256 * 3)).toBeLessThan(3);
  });

  it('shrinks a large face by the integer factor and keeps the quad in original coordinates', () => {
    // Scale case 1 up 4× (nearest) so qsize ≈ 695 px → shrink = floor(695 / 256 · 0.5) = 1 at 256 …
    // … so render at 128, where shrink = floor(695 / 128 · 0.5) = 2.
    const image = readImageFile(goldenPath('images/astronaut.png'));
    const factor = 4;
    const big: RgbaImage = { width: 512 * factor, height: 512 * factor, data: new Uint8ClampedArray(512 * factor * 512 * factor * 4) };
    for (let y = 0; y < big.height; y++) {
      for (let x = 0; x < big.width; x++) {
        const s = (Math.floor(y / factor) * 512 + Math.floor(x / factor)) * 4;
        big.data.set(image.data.subarray(s, s + 4), (y * big.width + x) * 4);
      }
    }
    const lm = golden.cases.case1.lm.map(([x, y]) => [x * factor + 1.5, y * factor + 1.5]);
    const aligned = alignFace(big, lm, { outputSize: 128 });
    expect(aligned.steps.shrink).toBe(2);
    expect(aligned.steps.sizeAfterShrink).toEqual([1024, 1024]);
    // Upstream divides pixel-index coordinates by the factor, so the shrunk image is sampled at
    // q / 2, which is original pixel-index (q / 2 + 0.5) · 2 − 0.5 = q + 0.5: the quad we report.
    expectClose(flat(aligned.quad), flat(faceQuad(lm).quad).map((v) => v + 0.5), 1e-9, 'quad');
    // And the picture matches the unshrunk 128 render of the original photo closely.
    const reference = alignFace(image, golden.cases.case1.lm, { outputSize: 128 }).image;
    let sum = 0;
    for (let i = 0; i < reference.data.length; i++) if (i % 4 !== 3) sum += Math.abs(reference.data[i] - aligned.image.data[i]);
    expect(sum / (128 * 128 * 3)).toBeLessThan(4);
  });

  it('refuses a face whose quad is under 64 px across', () => {
    const image = readImageFile(goldenPath('images/astronaut.png'));
    const lm = golden.cases.case1.lm.map(([x, y]) => [200 + (x - 200) * 0.3, 100 + (y - 100) * 0.3]);
    expect(() => alignFace(image, lm, { name: 'tiny.png' })).toThrow(/The face in tiny\.png is 52 px across; at least 64 px/);
    try {
      alignFace(image, lm);
    } catch (error) {
      expect((error as Error).name).toBe('FaceTooSmall');
    }
  });

  it('Pillow quad sampling is black outside the source and reads edge pixels clamped', () => {
    const source: RgbaImage = { width: 2, height: 1, data: new Uint8ClampedArray([10, 20, 30, 255, 110, 120, 130, 255]) };
    // A 4×1 output over source x ∈ [−1, 3): first and last samples fall outside.
    const out = pillowQuadTransform(source, 4, [-1, 0, -1, 1, 3, 1, 3, 0]);
    // Output rows: y = 0.5 / 4 · 1 … the square maps y ∈ [0, 1) to v ∈ [0, 1): all rows read row 0.
    const row0 = Array.from(out.data.subarray(0, 16));
    expect(row0).toEqual([0, 0, 0, 255, 10, 20, 30, 255, 110, 120, 130, 255, 0, 0, 0, 255]);
  });
});
