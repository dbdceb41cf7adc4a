// Pillow's antialiased Image.resize for 8-bit RGB, as Resample.c does it: the filter's support scales
// with the reduction, separable (horizontal pass then vertical), weights in 22-bit fixed point.
// BILINEAR is what e4e's torchvision Resize((256, 256)) applies to its input (aspect ratio not kept);
// LANCZOS (the old ANTIALIAS) is the face alignment's shrink step.
import { createRgbaImage, type RgbaImage } from './image';

export type PillowFilter = 'bilinear' | 'lanczos';

export interface ResizePillowOptions {
  width: number;
  height: number;
  filter: PillowFilter;
}

// Resample.c: PRECISION_BITS = 32 − 8 − 2.
const PRECISION_BITS = 22;

function sinc(x: number): number {
  if (x === 0.0) return 1.0;
  const px = x * Math.PI;
  return Math.sin(px) / px;
}

// Resample.c's filters: support in source pixels at scale 1, and the kernel.
const FILTERS: Record<PillowFilter, { support: number; kernel: (x: number) => number }> = {
  bilinear: { support: 1.0, kernel: (x) => (Math.abs(x) < 1.0 ? 1.0 - Math.abs(x) : 0.0) },
  lanczos: { support: 3.0, kernel: (x) => (-3.0 <= x && x < 3.0 ? sinc(x) * sinc(x / 3) : 0.0) },
};

interface Coefficients {
  ksize: number;
  bounds: Int32Array; // per output pixel: first source index, count
  weights: Int32Array; // outSize × ksize fixed-point weights
}

function precomputeCoefficients(inSize: number, outSize: number, filter: PillowFilter): Coefficients {
  const { support: baseSupport, kernel } = FILTERS[filter];
  const scale = inSize / outSize;
  const filterScale = Math.max(scale, 1.0);
  const support = baseSupport * filterScale;
  const ksize = Math.ceil(support) * 2 + 1;
  const bounds = new Int32Array(outSize * 2);
  const weights = new Int32Array(outSize * ksize);
  const k = new Float64Array(ksize);
  const ss = 1.0 / filterScale;
  for (let xx = 0; xx < outSize; xx++) {
    const center = (xx + 0.5) * scale;
    const xmin = Math.max(Math.trunc(center - support + 0.5), 0);
    const count = Math.min(Math.trunc(center + support + 0.5), inSize) - xmin;
    let total = 0.0;
    for (let x = 0; x < count; x++) {
      k[x] = kernel((x + xmin - center + 0.5) * ss);
      total += k[x];
    }
    for (let x = 0; x < count; x++) {
      const w = total !== 0.0 ? k[x] / total : k[x];
      weights[xx * ksize + x] = Math.trunc(w < 0 ? -0.5 + w * (1 << PRECISION_BITS) : 0.5 + w * (1 << PRECISION_BITS));
    }
    bounds[xx * 2] = xmin;
    bounds[xx * 2 + 1] = count;
  }
  return { ksize, bounds, weights };
}

function clip8(v: number): number {
  if (v >= 2 ** (PRECISION_BITS + 8)) return 255;
  if (v <= 0) return 0;
  return Math.floor(v / 2 ** PRECISION_BITS);
}

/** RGB resized to width × height (alpha set to 255), bit-exact to Pillow's resize with `filter`. */
export function resizePillow(image: RgbaImage, { width, height, filter }: ResizePillowOptions): RgbaImage {
  if (!(Number.isInteger(width) && width > 0 && Number.isInteger(height) && height > 0)) {
    throw new Error(`\`width\` and \`height\` must be positive integers, got ${width}×${height}`);
  }
  const horizontal = precomputeCoefficients(image.width, width, filter);
  const vertical = precomputeCoefficients(image.height, height, filter);
  // Horizontal pass over only the rows the vertical pass reads.
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
        let sum = half;
        for (let x = 0; x < count; x++) sum += image.data[row + (x + xmin) * 4 + c] * horizontal.weights[k + x];
        temp.data[(y * width + xx) * 4 + c] = clip8(sum);
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
        let sum = half;
        for (let y = 0; y < count; y++) sum += temp.data[((y + ymin) * width + x) * 4 + c] * vertical.weights[k + y];
        out.data[(yy * width + x) * 4 + c] = clip8(sum);
      }
      out.data[(yy * width + x) * 4 + 3] = 255;
    }
  }
  return out;
}
