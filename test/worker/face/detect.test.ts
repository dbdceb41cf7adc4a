import { beforeAll, describe, expect, it } from 'vitest';
import { alignFace, faceQuad } from '../../../ui/worker/face/align';
import { detectFaces, type Face } from '../../../ui/worker/face/detect';
import type { Point, Quad } from '../../../ui/worker/face/quad-transform';
import type { RgbaImage } from '../../../ui/worker/image';
import { readImageFile } from '../../../cli/image-file';
import { goldenPath, readGoldenJson } from '../../helpers/golden';
import { loadFaceModelsFromNodeModules } from './load-face-models';

const golden = readGoldenJson<{ cases: Record<string, { lm: [number, number][]; quad_initial: Quad; qsize_initial: number }> }>('align/align.json');
const photo = readImageFile(goldenPath('images/astronaut.png'));

type Affine = [number, number, number, number, number, number]; // x' = a x + b y + c, y' = d x + e y + f

function apply([a, b, c, d, e, f]: Affine, [x, y]: readonly number[]): Point {
  return [a * x + b * y + c, d * x + e * y + f];
}

/** Warps `image` by the pixel-index affine map `m` onto a width×height canvas (bilinear, grey outside). */
function warp(image: RgbaImage, m: Affine, width: number, height: number): RgbaImage {
  const [a, b, c, d, e, f] = m;
  const det = a * e - b * d;
  const inverse: Affine = [e / det, -b / det, (b * f - c * e) / det, -d / det, a / det, (c * d - a * f) / det];
  const out: RgbaImage = { width, height, data: new Uint8ClampedArray(width * height * 4) };
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const [u, v] = apply(inverse, [x, y]);
      const o = (y * width + x) * 4;
      out.data[o + 3] = 255;
      const x0 = Math.floor(u);
      const y0 = Math.floor(v);
      if (x0 < 0 || y0 < 0 || x0 + 1 >= image.width || y0 + 1 >= image.height) {
        out.data.fill(128, o, o + 3);
        continue;
      }
      const dx = u - x0;
      const dy = v - y0;
      for (let ch = 0; ch < 3; ch++) {
        const p = (yy: number, xx: number): number => image.data[(yy * image.width + xx) * 4 + ch];
        const top = p(y0, x0) + (p(y0, x0 + 1) - p(y0, x0)) * dx;
        const bottom = p(y0 + 1, x0) + (p(y0 + 1, x0 + 1) - p(y0 + 1, x0)) * dx;
        out.data[o + ch] = top + (bottom - top) * dy;
      }
    }
  }
  return out;
}

function landmarkErrors(ours: readonly Point[], reference: readonly (readonly number[])[]): { mean: number; max: number } {
  const d = ours.map(([x, y], i) => Math.hypot(x - reference[i][0], y - reference[i][1]));
  return { mean: d.reduce((s, v) => s + v, 0) / d.length, max: Math.max(...d) };
}

function cornerError(a: Quad, b: Quad): number {
  return Math.max(...a.map((p, i) => Math.hypot(p[0] - b[i][0], p[1] - b[i][1])));
}

// Rotation by `degrees` about (cx, cy) combined with a scale and a shift.
function similarity(degrees: number, scale: number, cx: number, cy: number, tx: number, ty: number): Affine {
  const r = (degrees * Math.PI) / 180;
  const a = scale * Math.cos(r);
  const b = -scale * Math.sin(r);
  const d = scale * Math.sin(r);
  return [a, b, cx * scale + tx - a * cx - b * cy, d, a, cy * scale + ty - d * cx - a * cy];
}

// Measured on this photo: mean 2.81 px, max 7.17 px against dlib; quad corners 4.9 px off (2.8 % of qsize).
const MAX_MEAN_LANDMARK_PX = 3.5;
const MAX_LANDMARK_PX = 9;
const MAX_GOLDEN_QUAD_ERROR = 0.04; // × qsize
// Under a known similarity transform the quad must follow within 3 % of its side (≈ 5 px at qsize 170):
// the detector's own error against dlib is 2.8 %, which bounds how much resampling may move it; measured
// worst case is 1.5 % (10° rotation), so this leaves 2× margin while a quad that ignored the transform
// (10° about the centre moves the corners ≈ 20 px) fails.
const MAX_TRANSFORM_QUAD_ERROR = 0.03;

describe('detectFaces (face-api ssd_mobilenetv1 + 68 landmarks, tfjs wasm)', () => {
  let base: Face;
  beforeAll(async () => {
    await loadFaceModelsFromNodeModules();
    [base] = await detectFaces(photo);
  });

  it('finds the one face in astronaut.png with landmarks close to dlib', async ({ annotate }) => {
    const faces = await detectFaces(photo);
    expect(faces).toHaveLength(1);
    expect(faces[0].score).toBeGreaterThan(0.9);
    expect(faces[0].landmarks).toHaveLength(68);
    const errors = landmarkErrors(faces[0].landmarks, golden.cases.case1.lm);
    const quadError = cornerError(faceQuad(faces[0].landmarks).quad, golden.cases.case1.quad_initial);
    await annotate(`vs dlib: mean ${errors.mean.toFixed(2)} px, max ${errors.max.toFixed(2)} px; quad corners ${quadError.toFixed(2)} px`);
    expect(errors.mean).toBeLessThan(MAX_MEAN_LANDMARK_PX);
    expect(errors.max).toBeLessThan(MAX_LANDMARK_PX);
    expect(quadError).toBeLessThan(MAX_GOLDEN_QUAD_ERROR * golden.cases.case1.qsize_initial);
    // And the alignment built on them runs end to end.
    expect(alignFace(photo, faces[0].landmarks).image.width).toBe(256);
  });

  const transforms: [string, Affine, number, number][] = [
    ['rotated by 10°', similarity(10, 1, 256, 256, 0, 0), 512, 512],
    ['rotated by −15°', similarity(-15, 1, 256, 256, 0, 0), 512, 512],
    ['scaled by 0.6', similarity(0, 0.6, 0, 0, 0, 0), 308, 308],
    ['scaled by 1.5', similarity(0, 1.5, 0, 0, 0, 0), 768, 768],
    ['shifted by (+60, −25) onto a larger canvas', similarity(0, 1, 0, 0, 60, -25), 640, 560],
  ];
  for (const [what, m, width, height] of transforms) {
    it(`follows the photo ${what}: quad within ${MAX_TRANSFORM_QUAD_ERROR * 100} % of qsize`, async ({ annotate }) => {
      const faces = await detectFaces(warp(photo, m, width, height));
      expect(faces).toHaveLength(1);
      const expected = faceQuad(base.landmarks).quad.map((p) => apply(m, p)) as Quad;
      const { quad, qsize } = faceQuad(faces[0].landmarks);
      const error = cornerError(quad, expected);
      await annotate(`quad corners ${error.toFixed(2)} px = ${((100 * error) / qsize).toFixed(2)} % of qsize ${qsize.toFixed(0)}`);
      expect(error).toBeLessThan(MAX_TRANSFORM_QUAD_ERROR * qsize);
    });
  }

  it('returns [] for a smooth gradient', async () => {
    const image: RgbaImage = { width: 300, height: 200, data: new Uint8ClampedArray(300 * 200 * 4) };
    for (let i = 0; i < 300 * 200; i++) image.data.set([(i % 300) * 0.8, Math.floor(i / 300), 90, 255], i * 4);
    expect(await detectFaces(image)).toEqual([]);
  });
});
