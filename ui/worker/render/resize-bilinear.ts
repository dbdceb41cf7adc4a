// Pillow's Image.resize(size, BILINEAR) for 8-bit RGB: the antialiased triangle filter (support scales
// with the reduction), separable, horizontal pass then vertical, 22-bit fixed-point weights as in
// Pillow's Resample.c. e4e resizes its input this way (torchvision Resize((256, 256)), aspect ratio not
// kept), so a photo that is not yet encoder-sized is brought to size as upstream would.
import { createRgbaImage, type RgbaImage } from '../image';

const PRECISION_BITS = 22; // Resample.c: 32 − 8 − 2
const BILINEAR_SUPPORT = 1;

function triangle(x: number): number {
  const a = Math.abs(x);
  return a < 1 ? 1 - a : 0;
}

interface Coefficients {
  ksize: number;
  bounds: Int32Array; // per output pixel: first source index, count
  weights: Int32Array; // outSize × ksize fixed-point weights
}

function coefficients(inSize: number, outSize: number): Coefficients {
  const scale = inSize / outSize;
  const filterScale = Math.max(scale, 1);
  const support = BILINEAR_SUPPORT * filterScale;
  const ksize = Math.ceil(support) * 2 + 1;
  const bounds = new Int32Array(outSize * 2);
  const weights = new Int32Array(outSize * ksize);
  const k = new Float64Array(ksize);
  for (let xx = 0; xx < outSize; xx++) {
    const center = (xx + 0.5) * scale;
    const xmin = Math.max(Math.trunc(center - support + 0.5), 0);
    const count = Math.min(Math.trunc(center + support + 0.5), inSize) - xmin;
    let total = 0;
    for (let x = 0; x < count; x++) {
      k[x] = triangle((x + xmin - center + 0.5) / filterScale);
      total += k[x];
    }
    for (let x = 0; x < count; x++) {
      const w = total !== 0 ? k[x] / total : k[x];
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

/** RGB resized to width × height (alpha set to 255), bit-exact to Pillow's BILINEAR resize. */
export function resizeBilinear(image: RgbaImage, width: number, height: number): RgbaImage {
  if (!(Number.isInteger(width) && width > 0 && Number.isInteger(height) && height > 0)) {
    throw new Error(`\`width\` and \`height\` must be positive integers, got ${width}×${height}`);
  }
  const horizontal = coefficients(image.width, width);
  const vertical = coefficients(image.height, height);
  const half = 2 ** (PRECISION_BITS - 1);
  const temp = createRgbaImage(width, image.height);
  for (let y = 0; y < image.height; y++) {
    const row = y * image.width * 4;
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
    const ymin = vertical.bounds[yy * 2];
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
