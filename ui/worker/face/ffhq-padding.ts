// The FFHQ recipe's padding step: reflect-pad the crop, then blend the padding towards a Gaussian blur
// and towards the per-channel median. Matches numpy 1.24 / scipy 1.10 float32 arithmetic bit for bit
// (every float32 operation is a double operation rounded with Math.fround, which is exact for + − × ÷).
import { createRgbaImage, type RgbaImage } from '../image';

/** Pad widths in pixels: left, top, right, bottom (the recipe's pad tuple order). */
export type Padding = [number, number, number, number];

const f32 = Math.fround;
// scipy.ndimage.gaussian_filter's default `truncate`.
const GAUSSIAN_TRUNCATE = 4.0;

export function padAndBlend(image: RgbaImage, pad: Padding, blurSigma: number): RgbaImage {
  const [left, top, right, bottom] = pad;
  const w = image.width + left + right;
  const h = image.height + top + bottom;
  const padded = reflectPad(image, pad, w, h);
  const blurred = gaussianBlurReflect(padded, w, h, blurSigma);
  const mask = paddingMask(w, h, pad);
  // img += (blurred - img) * clip(mask * 3 + 1, 0, 1)
  for (let p = 0; p < w * h; p++) {
    const weight = clip01(f32(f32(mask[p] * 3.0) + 1.0));
    for (let c = 0; c < 3; c++) {
      const i = p * 3 + c;
      padded[i] = f32(padded[i] + f32(f32(blurred[i] - padded[i]) * weight));
    }
  }
  // img += (median(img) - img) * clip(mask, 0, 1)
  const median = channelMedians(padded, w * h);
  for (let p = 0; p < w * h; p++) {
    const weight = clip01(mask[p]);
    for (let c = 0; c < 3; c++) {
      const i = p * 3 + c;
      padded[i] = f32(padded[i] + f32(f32(median[c] - padded[i]) * weight));
    }
  }
  const out = createRgbaImage(w, h);
  for (let p = 0; p < w * h; p++) {
    for (let c = 0; c < 3; c++) out.data[p * 4 + c] = Math.min(255, Math.max(0, roundHalfEven(padded[p * 3 + c])));
    out.data[p * 4 + 3] = 255;
  }
  return out;
}

/** numpy.pad(…, 'reflect'): mirror about the edge pixel without repeating it (d c b | a b c d | c b a). */
function reflectPad(image: RgbaImage, [left, top]: Padding, w: number, h: number): Float32Array {
  const out = new Float32Array(w * h * 3);
  for (let y = 0; y < h; y++) {
    const sy = mirrorWithoutEdge(y - top, image.height);
    for (let x = 0; x < w; x++) {
      const s = (sy * image.width + mirrorWithoutEdge(x - left, image.width)) * 4;
      const o = (y * w + x) * 3;
      out[o] = image.data[s];
      out[o + 1] = image.data[s + 1];
      out[o + 2] = image.data[s + 2];
    }
  }
  return out;
}

function mirrorWithoutEdge(i: number, n: number): number {
  if (n === 1) return 0;
  const period = 2 * n - 2;
  const m = ((i % period) + period) % period;
  return m < n ? m : period - m;
}

/** scipy's 'reflect' boundary: mirror including the edge pixel (b a | a b c d | d c). */
function mirrorWithEdge(i: number, n: number): number {
  const period = 2 * n;
  const m = ((i % period) + period) % period;
  return m < n ? m : period - 1 - m;
}

/**
 * scipy.ndimage.gaussian_filter(img, [sigma, sigma, 0]) on a float32 H×W×3 array: axis 0 then axis 1,
 * each pass accumulated in float64 with scipy's symmetric-kernel loop and stored as float32.
 */
function gaussianBlurReflect(src: Float32Array, w: number, h: number, sigma: number): Float32Array {
  const radius = Math.trunc(GAUSSIAN_TRUNCATE * sigma + 0.5);
  const kernel = gaussianKernel(sigma, radius);
  const vertical = new Float32Array(src.length);
  const line = new Float64Array(Math.max(w, h) + 2 * radius);
  for (let x = 0; x < w; x++) {
    for (let c = 0; c < 3; c++) {
      for (let k = -radius; k < h + radius; k++) line[k + radius] = src[(mirrorWithEdge(k, h) * w + x) * 3 + c];
      for (let y = 0; y < h; y++) vertical[(y * w + x) * 3 + c] = correlateSymmetric(line, y + radius, kernel, radius);
    }
  }
  const out = new Float32Array(src.length);
  for (let y = 0; y < h; y++) {
    for (let c = 0; c < 3; c++) {
      for (let k = -radius; k < w + radius; k++) line[k + radius] = vertical[(y * w + mirrorWithEdge(k, w)) * 3 + c];
      for (let x = 0; x < w; x++) out[(y * w + x) * 3 + c] = correlateSymmetric(line, x + radius, kernel, radius);
    }
  }
  return out;
}

// scipy's NI_Correlate1D for a symmetric kernel: centre term first, then outermost pairs inwards.
function correlateSymmetric(line: Float64Array, centre: number, kernel: Float64Array, radius: number): number {
  let acc = line[centre] * kernel[radius];
  for (let j = radius; j >= 1; j--) acc += (line[centre - j] + line[centre + j]) * kernel[radius - j];
  return f32(acc);
}

// scipy's _gaussian_kernel1d(sigma, order=0, radius), normalised with numpy's pairwise sum.
function gaussianKernel(sigma: number, radius: number): Float64Array {
  const sigma2 = sigma * sigma;
  const factor = -0.5 / sigma2;
  const phi = new Float64Array(2 * radius + 1);
  for (let i = 0; i < phi.length; i++) {
    const x = i - radius;
    phi[i] = Math.exp(factor * (x * x));
  }
  const total = numpyPairwiseSum(phi);
  for (let i = 0; i < phi.length; i++) phi[i] /= total;
  return phi;
}

/** numpy's pairwise summation for a contiguous float64 array (identical results for n ≤ 128). */
export function numpyPairwiseSum(a: ArrayLike<number>, start = 0, n = a.length): number {
  if (n < 8) {
    let s = 0;
    for (let i = 0; i < n; i++) s += a[start + i];
    return s;
  }
  if (n <= 128) {
    const r = [0, 0, 0, 0, 0, 0, 0, 0].map((_, j) => a[start + j]);
    let i = 8;
    for (; i < n - (n % 8); i += 8) for (let j = 0; j < 8; j++) r[j] += a[start + i + j];
    let s = r[0] + r[1] + (r[2] + r[3]) + (r[4] + r[5] + (r[6] + r[7]));
    for (; i < n; i++) s += a[start + i];
    return s;
  }
  let half = n >> 1;
  half -= half % 8;
  return numpyPairwiseSum(a, start, half) + numpyPairwiseSum(a, start + half, n - half);
}

/** The recipe's float32 mask: how far into the padding a pixel lies (≥ 0 in the padding, < 0 inside). */
function paddingMask(w: number, h: number, [left, top, right, bottom]: Padding): Float32Array {
  const mask = new Float32Array(w * h);
  for (let y = 0; y < h; y++) {
    const my = f32(1.0 - Math.min(f32(y / top), f32((h - 1 - y) / bottom)));
    for (let x = 0; x < w; x++) {
      const mx = f32(1.0 - Math.min(f32(x / left), f32((w - 1 - x) / right)));
      mask[y * w + x] = Math.max(mx, my);
    }
  }
  return mask;
}

// np.median over all pixels, per channel: mean of the two middle values in float32 for even counts.
function channelMedians(img: Float32Array, pixels: number): [number, number, number] {
  const values = new Float32Array(pixels);
  const result: [number, number, number] = [0, 0, 0];
  for (let c = 0; c < 3; c++) {
    for (let p = 0; p < pixels; p++) values[p] = img[p * 3 + c];
    values.sort();
    const mid = pixels >> 1;
    result[c] = pixels % 2 === 1 ? values[mid] : f32(f32(values[mid - 1] + values[mid]) / 2);
  }
  return result;
}

function clip01(v: number): number {
  return v < 0 ? 0 : v > 1 ? 1 : v;
}

/** np.rint: round half to even. */
export function roundHalfEven(v: number): number {
  const r = Math.round(v);
  return Math.abs(v % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}
