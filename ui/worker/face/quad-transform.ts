// The bilinear quad map between an aligned square and a source image, rendered as Pillow's
// Image.transform(size, QUAD, data, BILINEAR) does, plus its inverse for paste-back.
import { createRgbaImage, type RgbaImage } from '../image';

export type Point = [number, number];
/** Corners in source pixel-index coordinates (pixel (i, j) has its centre at (i, j)): NW, SW, SE, NE. */
export type Quad = [Point, Point, Point, Point];

/**
 * Aligned pixel (x, y) of a size×size square samples the source at Q((x + 0.5) / size, (y + 0.5) / size),
 * where Q is the bilinear interpolation of `quad` (NW at (0, 0), SW at (0, 1), SE at (1, 1), NE at (1, 0)).
 * Both ends are pixel-index coordinates. A plain record, so it crosses worker boundaries intact.
 */
export interface QuadTransform {
  size: number;
  quad: Quad;
}

/** Aligned pixel-index coordinates → source pixel-index coordinates. */
export function alignedToSource(t: QuadTransform, x: number, y: number): Point {
  return bilinearQuad(t.quad, (x + 0.5) / t.size, (y + 0.5) / t.size);
}

/** Source pixel-index coordinates → aligned pixel-index coordinates (Newton on the bilinear map). */
export function sourceToAligned(t: QuadTransform, u: number, v: number): Point {
  const [a, b] = invertBilinearQuad(t.quad, u, v);
  return [a * t.size - 0.5, b * t.size - 0.5];
}

function bilinearQuad(quad: Quad, a: number, b: number): Point {
  const [nw, sw, se, ne] = quad;
  const ab = a * b;
  return [
    nw[0] + (ne[0] - nw[0]) * a + (sw[0] - nw[0]) * b + (se[0] - sw[0] - ne[0] + nw[0]) * ab,
    nw[1] + (ne[1] - nw[1]) * a + (sw[1] - nw[1]) * b + (se[1] - sw[1] - ne[1] + nw[1]) * ab,
  ];
}

function invertBilinearQuad(quad: Quad, u: number, v: number): Point {
  const [nw, sw, se, ne] = quad;
  const ex = [ne[0] - nw[0], ne[1] - nw[1]];
  const fx = [sw[0] - nw[0], sw[1] - nw[1]];
  const gx = [se[0] - sw[0] - ne[0] + nw[0], se[1] - sw[1] - ne[1] + nw[1]];
  // Start from the parallelogram (affine) solution; FFHQ quads are exact squares, so it is usually final.
  let a = 0.5;
  let b = 0.5;
  for (let iteration = 0; iteration < 20; iteration++) {
    const ru = nw[0] + ex[0] * a + fx[0] * b + gx[0] * a * b - u;
    const rv = nw[1] + ex[1] * a + fx[1] * b + gx[1] * a * b - v;
    const j00 = ex[0] + gx[0] * b;
    const j01 = fx[0] + gx[0] * a;
    const j10 = ex[1] + gx[1] * b;
    const j11 = fx[1] + gx[1] * a;
    const det = j00 * j11 - j01 * j10;
    if (det === 0) break;
    const da = (j11 * ru - j01 * rv) / det;
    const db = (j00 * rv - j10 * ru) / det;
    a -= da;
    b -= db;
    if (Math.abs(da) + Math.abs(db) < 1e-13) break;
  }
  return [a, b];
}

/**
 * Pillow's QUAD transform with BILINEAR resampling on an RGB image (alpha ignored, output alpha 255).
 * `data` are Pillow's 8 numbers: NW, SW, SE, NE in Pillow's continuous coordinates (pixel-index + 0.5).
 * Reproduces Pillow 9.4 bit for bit: coefficients as in Image.__transformer, samples outside the
 * source are black, neighbours clamped to the edge, result truncated to uint8.
 */
export function pillowQuadTransform(source: RgbaImage, size: number, data: readonly number[]): RgbaImage {
  const [x0, y0, swx, swy, sex, sey, nex, ney] = data;
  const as = 1.0 / size;
  const at = 1.0 / size;
  const a0 = x0;
  const a1 = (nex - x0) * as;
  const a2 = (swx - x0) * at;
  const a3 = (sex - swx - nex + x0) * as * at;
  const a4 = y0;
  const a5 = (ney - y0) * as;
  const a6 = (swy - y0) * at;
  const a7 = (sey - swy - ney + y0) * as * at;
  const { width, height, data: src } = source;
  const out = createRgbaImage(size, size);
  const dst = out.data;
  for (let y = 0; y < size; y++) {
    const yin = y + 0.5;
    for (let x = 0; x < size; x++) {
      const xin = x + 0.5;
      const o = (y * size + x) * 4;
      dst[o + 3] = 255;
      let u = a0 + a1 * xin + a2 * yin + a3 * xin * yin;
      let v = a4 + a5 * xin + a6 * yin + a7 * xin * yin;
      if (!(u >= 0 && u < width && v >= 0 && v < height)) continue; // black fill
      u -= 0.5;
      v -= 0.5;
      const ix = Math.floor(u);
      const iy = Math.floor(v);
      const dx = u - ix;
      const dy = v - iy;
      const c0 = clamp(ix, width) * 4;
      const c1 = clamp(ix + 1, width) * 4;
      const row0 = clamp(iy, height) * width * 4;
      const row1 = clamp(iy + 1, height) * width * 4;
      for (let ch = 0; ch < 3; ch++) {
        const p = src[row0 + c0 + ch];
        const top = p + (src[row0 + c1 + ch] - p) * dx;
        const q = src[row1 + c0 + ch];
        const bottom = q + (src[row1 + c1 + ch] - q) * dx;
        dst[o + ch] = Math.trunc(top + (bottom - top) * dy);
      }
    }
  }
  return out;
}

function clamp(i: number, n: number): number {
  return i < 0 ? 0 : i >= n ? n - 1 : i;
}
