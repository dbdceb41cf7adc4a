// Paste an edited aligned face back into the original photo: inverse quad warp with bilinear sampling,
// a feathered mask inside the quad, and a colour match on the feather ring so no seam shows.
import type { RgbaImage } from '../image';
import type { AlignTransform } from './align';
import { sourceToAligned } from './quad-transform';

export interface PasteBackOptions {
  /**
   * Mask radii in the aligned square's normalised coordinates (centre 0, edges ±1, superellipse of
   * exponent 4): weight 1 up to `inner`, smooth fall to 0 at `outer`. outer < 1 keeps the mask inside
   * the quad; FFHQ crops put the face within about ±0.6.
   */
  inner?: number;
  outer?: number;
  /** Match per-channel mean and spread of the edited face to the photo on the feather ring. */
  colorMatch?: boolean;
}

// Defaults: the fade ends 4 % of the quad side inside its edge and spans 10 %.
const DEFAULT_INNER = 0.72;
const DEFAULT_OUTER = 0.92;
// Where a side of the valid region lies inside the photo (padding blur beyond it), the mask fades over
// this fraction of the quad side before reaching it.
const VALID_EDGE_FADE = 0.04;
// Colour-match gain limits: correct inversion drift, never undo a deliberate edit.
const MIN_GAIN = 0.8;
const MAX_GAIN = 1.25;

export interface PasteRegion {
  /** Bounding box (pixel-index, right/bottom exclusive) of the pixels with a non-zero weight. */
  left: number;
  top: number;
  right: number;
  bottom: number;
  /** Blend weights for that box, row-major, in [0, 1]. */
  weights: Float32Array;
  /** Normalised aligned coordinates (a, b ∈ [0, 1]) of each box pixel, interleaved. */
  aligned: Float64Array;
}

/** The blend weights of `pasteBack` for a photo of width×height. */
export function pasteRegion(width: number, height: number, transform: AlignTransform, { inner = DEFAULT_INNER, outer = DEFAULT_OUTER }: PasteBackOptions = {}): PasteRegion {
  if (!(inner >= 0 && inner < outer && outer <= 1)) throw new Error(`pasteBack needs 0 ≤ inner < outer ≤ 1, got inner ${inner}, outer ${outer}`);
  const xs = transform.quad.map((p) => p[0]);
  const ys = transform.quad.map((p) => p[1]);
  const left = Math.max(0, Math.floor(Math.min(...xs)));
  const top = Math.max(0, Math.floor(Math.min(...ys)));
  const right = Math.min(width, Math.ceil(Math.max(...xs)) + 1);
  const bottom = Math.min(height, Math.ceil(Math.max(...ys)) + 1);
  const boxWidth = Math.max(0, right - left);
  const boxHeight = Math.max(0, bottom - top);
  const weights = new Float32Array(boxWidth * boxHeight);
  const aligned = new Float64Array(boxWidth * boxHeight * 2);
  const [nw, , , ne] = transform.quad;
  const qsize = Math.hypot(ne[0] - nw[0], ne[1] - nw[1]);
  const fade = Math.max(1, VALID_EDGE_FADE * qsize);
  const [vl, vt, vr, vb] = transform.valid;
  // Only the sides of the valid region that lie inside the photo need a fade; at a photo edge the pixels are real.
  const sides = [vl > 0, vt > 0, vr < width, vb < height];
  for (let y = top; y < bottom; y++) {
    for (let x = left; x < right; x++) {
      const [ax, ay] = sourceToAligned(transform, x, y);
      const a = (ax + 0.5) / transform.size;
      const b = (ay + 0.5) / transform.size;
      const i = (y - top) * boxWidth + (x - left);
      aligned[i * 2] = a;
      aligned[i * 2 + 1] = b;
      const p = 2 * a - 1;
      const q = 2 * b - 1;
      const r = Math.sqrt(Math.sqrt(p ** 4 + q ** 4));
      let w = smoothstep((outer - r) / (outer - inner));
      if (w === 0) continue;
      // Pixel centres x lie in [vl, vr); distance from the region's edge in pixels.
      if (sides[0]) w *= smoothstep((x + 0.5 - vl) / fade);
      if (sides[1]) w *= smoothstep((y + 0.5 - vt) / fade);
      if (sides[2]) w *= smoothstep((vr - x - 0.5) / fade);
      if (sides[3]) w *= smoothstep((vb - y - 0.5) / fade);
      weights[i] = w;
    }
  }
  return { left, top, right, bottom, weights, aligned };
}

/**
 * Warps `face` (the edited aligned square at any resolution, e.g. the generator's) back onto a copy of
 * `original` through `transform`. Pixels with zero weight are bit-identical to the original; alpha is kept.
 */
export function pasteBack(original: RgbaImage, face: RgbaImage, transform: AlignTransform, options: PasteBackOptions = {}): RgbaImage {
  if (face.width !== face.height) throw new Error(`pasteBack needs a square face image, got ${face.width}×${face.height}`);
  return pasteInRegion(original, face, pasteRegion(original.width, original.height, transform, options), options);
}

/**
 * pasteBack through a region pasteRegion computed for `original`'s size: the weights and the inverse warp are
 * most of pasteBack's work and depend only on the alignment, so a preview that pastes face after face into the
 * same crop computes them once (paste-preview.ts).
 */
export function pasteInRegion(original: RgbaImage, face: RgbaImage, region: PasteRegion, { colorMatch = true }: Pick<PasteBackOptions, 'colorMatch'> = {}): RgbaImage {
  if (face.width !== face.height) throw new Error(`pasteBack needs a square face image, got ${face.width}×${face.height}`);
  const { left, top, right, weights, aligned } = region;
  const boxWidth = right - left;
  const warped = new Float32Array(weights.length * 3);
  for (let i = 0; i < weights.length; i++) {
    if (weights[i] === 0) continue;
    sampleBilinear(face, aligned[i * 2] * face.width - 0.5, aligned[i * 2 + 1] * face.height - 0.5, warped, i * 3);
  }
  if (colorMatch) matchColours(original, region, warped);
  const out: RgbaImage = { width: original.width, height: original.height, data: new Uint8ClampedArray(original.data) };
  for (let i = 0; i < weights.length; i++) {
    const w = weights[i];
    if (w === 0) continue;
    const x = left + (i % boxWidth);
    const y = top + Math.floor(i / boxWidth);
    const o = (y * original.width + x) * 4;
    for (let c = 0; c < 3; c++) out.data[o + c] = Math.round(original.data[o + c] * (1 - w) + warped[i * 3 + c] * w);
  }
  return out;
}

/** Per channel: scale and shift the warped face so its mean and spread on the feather ring match the photo's. */
function matchColours(original: RgbaImage, region: PasteRegion, warped: Float32Array): void {
  const { left, top, right, weights } = region;
  const boxWidth = right - left;
  let n = 0;
  const stats = Array.from({ length: 3 }, () => ({ s: 0, ss: 0, f: 0, ff: 0 }));
  for (let i = 0; i < weights.length; i++) {
    const w = weights[i];
    if (!(w > 0 && w < 1)) continue;
    const o = ((top + Math.floor(i / boxWidth)) * original.width + left + (i % boxWidth)) * 4;
    n++;
    for (let c = 0; c < 3; c++) {
      const s = original.data[o + c];
      const f = warped[i * 3 + c];
      stats[c].s += s;
      stats[c].ss += s * s;
      stats[c].f += f;
      stats[c].ff += f * f;
    }
  }
  if (n < 16) return;
  for (let c = 0; c < 3; c++) {
    const meanS = stats[c].s / n;
    const meanF = stats[c].f / n;
    const stdS = Math.sqrt(Math.max(0, stats[c].ss / n - meanS * meanS));
    const stdF = Math.sqrt(Math.max(0, stats[c].ff / n - meanF * meanF));
    const gain = stdF > 1e-3 ? Math.min(MAX_GAIN, Math.max(MIN_GAIN, stdS / stdF)) : 1;
    for (let i = 0; i < weights.length; i++) {
      if (weights[i] === 0) continue;
      warped[i * 3 + c] = (warped[i * 3 + c] - meanF) * gain + meanS;
    }
  }
}

// Bilinear sample with edge clamping at pixel-index coordinates (x, y).
function sampleBilinear(image: RgbaImage, x: number, y: number, out: Float32Array, at: number): void {
  const { width, height, data } = image;
  const x0 = Math.floor(x);
  const y0 = Math.floor(y);
  const dx = x - x0;
  const dy = y - y0;
  const cx0 = Math.min(width - 1, Math.max(0, x0)) * 4;
  const cx1 = Math.min(width - 1, Math.max(0, x0 + 1)) * 4;
  const r0 = Math.min(height - 1, Math.max(0, y0)) * width * 4;
  const r1 = Math.min(height - 1, Math.max(0, y0 + 1)) * width * 4;
  for (let c = 0; c < 3; c++) {
    const topRow = data[r0 + cx0 + c] + (data[r0 + cx1 + c] - data[r0 + cx0 + c]) * dx;
    const bottomRow = data[r1 + cx0 + c] + (data[r1 + cx1 + c] - data[r1 + cx0 + c]) * dx;
    out[at + c] = topRow + (bottomRow - topRow) * dy;
  }
}

function smoothstep(t: number): number {
  if (t <= 0) return 0;
  if (t >= 1) return 1;
  return t * t * (3 - 2 * t);
}
