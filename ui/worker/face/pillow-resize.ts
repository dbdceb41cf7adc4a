// Pillow's antialiased resize (Image.resize(size, LANCZOS), the old ANTIALIAS) for 8-bit RGB:
// separable, horizontal pass then vertical, coefficients in 22-bit fixed point as in Resample.c.
import { createRgbaImage, type RgbaImage } from '../image';

// Resample.c: PRECISION_BITS = 32 - 8 - 2.
const PRECISION_BITS = 22;
// Lanczos-3 support in source pixels at scale 1.
const LANCZOS_SUPPORT = 3.0;

function sinc(x: number): number {
  if (x === 0.0) return 1.0;
  const px = x * Math.PI;
  return Math.sin(px) / px;
}

function lanczos(x: number): number {
  return -3.0 <= x && x < 3.0 ? sinc(x) * sinc(x / 3) : 0.0;
}

interface Coefficients {
  ksize: number;
  bounds: Int32Array; // per output pixel: first source index, count
  weights: Int32Array; // outSize × ksize fixed-point weights
}

function precomputeCoefficients(inSize: number, outSize: number): Coefficients {
  const scale = inSize / outSize;
  const filterScale = Math.max(scale, 1.0);
  const support = LANCZOS_SUPPORT * filterScale;
  const ksize = Math.ceil(support) * 2 + 1;
  const bounds = new Int32Array(outSize * 2);
  const weights = new Int32Array(outSize * ksize);
  const k = new Float64Array(ksize);
  for (let xx = 0; xx < outSize; xx++) {
    const center = (xx + 0.5) * scale;
    const ss = 1.0 / filterScale;
    const xmin = Math.max(Math.trunc(center - support + 0.5), 0);
    const xmax = Math.min(Math.trunc(center + support + 0.5), inSize) - xmin;
    let ww = 0.0;
    for (let x = 0; x < xmax; x++) {
      k[x] = lanczos((x + xmin - center + 0.5) * ss);
      ww += k[x];
    }
    for (let x = 0; x < xmax; x++) {
      const w = ww !== 0.0 ? k[x] / ww : k[x];
      weights[xx * ksize + x] = Math.trunc(w < 0 ? -0.5 + w * (1 << PRECISION_BITS) : 0.5 + w * (1 << PRECISION_BITS));
    }
    bounds[xx * 2] = xmin;
    bounds[xx * 2 + 1] = xmax;
  }
  return { ksize, bounds, weights };
}

function clip8(v: number): number {
  if (v >= 2 ** (PRECISION_BITS + 8)) return 255;
  if (v <= 0) return 0;
  return Math.floor(v / 2 ** PRECISION_BITS);
}

/** Resizes RGB (alpha set to 255) to width×height with Pillow's LANCZOS filter. */
export function pillowResizeLanczos(image: RgbaImage, width: number, height: number): RgbaImage {
  const horizontal = precomputeCoefficients(image.width, width);
  const vertical = precomputeCoefficients(image.height, height);
  // Horizontal pass over the rows the vertical pass needs.
  const firstRow = vertical.bounds[0];
  const lastRow = vertical.bounds[height * 2 - 2] + vertical.bounds[height * 2 - 1];
  const temp = createRgbaImage(width, lastRow - firstRow);
  const half = 2 ** (PRECISION_BITS - 1);
  for (let y = 0; y < temp.height; y++) {
    const row = (y + firstRow) * image.width * 4;
    for (let xx = 0; xx < width; xx++) {
      const xmin = horizontal.bounds[xx * 2];
      const count = horizontal.bounds[xx * 2 + 1];
      const k = xx * horizontal.ksize;
      for (let c = 0; c < 3; c++) {
        let ss = half;
        for (let x = 0; x < count; x++) ss += image.data[row + (x + xmin) * 4 + c] * horizontal.weights[k + x];
        temp.data[(y * width + xx) * 4 + c] = clip8(ss);
      }
    }
  }
  const out = createRgbaImage(width, height);
  for (let yy = 0; yy < height; yy++) {
    const ymin = vertical.bounds[yy * 2] - firstRow;
    const count = vertical.bounds[yy * 2 + 1];
    const k = yy * vertical.ksize;
    for (let x = 0; x < width; x++) {
      for (let c = 0; c < 3; c++) {
        let ss = half;
        for (let y = 0; y < count; y++) ss += temp.data[((y + ymin) * width + x) * 4 + c] * vertical.weights[k + y];
        out.data[(yy * width + x) * 4 + c] = clip8(ss);
      }
      out.data[(yy * width + x) * 4 + 3] = 255;
    }
  }
  return out;
}
