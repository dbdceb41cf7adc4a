// Generator image → clipImage input (spec/styleclip.md §5): [−1, 1] → [0, 1] (clamped, as upstream's
// uint8 conversion before CLIP's preprocess), resized to clip.imageSize, normalised with clip.mean/std.
//
// Resize: an exact area average when the render is an integer multiple of the CLIP size (what StyleCLIP's
// own CLIP loss does: nearest ×7 then AvgPool, §5), otherwise Pillow's antialiased BICUBIC (a = −0.5, the
// kernel CLIP's Resize uses), in float instead of uint8. Images are square, so there is no centre crop.
import type { ClipSpec } from '../../ui/worker/pack/pack-schema';

const BICUBIC_A = -0.5; // Pillow's bicubic
const BICUBIC_SUPPORT = 2;

/** One [3, size, size] generator image (values ≈ [−1, 1]) as one [3, S, S] CLIP-normalised image. */
export function clipImageInput(image: Float32Array, size: number, clip: Pick<ClipSpec, 'imageSize' | 'mean' | 'std'>): Float32Array {
  if (image.length !== 3 * size * size) throw new Error(`\`image\` has ${image.length} values; a [3, ${size}, ${size}] image has ${3 * size * size}`);
  const target = clip.imageSize;
  const out = new Float32Array(3 * target * target);
  for (let ch = 0; ch < 3; ch++) {
    const plane = new Float32Array(size * size);
    for (let i = 0; i < plane.length; i++) plane[i] = Math.min(1, Math.max(0, (image[ch * size * size + i] + 1) / 2));
    const resized = resizePlane(plane, size, target);
    const mean = clip.mean[ch];
    const std = clip.std[ch];
    for (let i = 0; i < resized.length; i++) out[ch * target * target + i] = (resized[i] - mean) / std;
  }
  return out;
}

/** A square plane resized from `size` to `target` (area average for integer factors, else bicubic). */
export function resizePlane(plane: Float32Array, size: number, target: number): Float32Array {
  if (size === target) return Float32Array.from(plane);
  const weights = size > target && size % target === 0 ? boxWeights(size, target) : bicubicWeights(size, target);
  // Horizontal pass, then vertical, as Pillow does.
  const rows = new Float32Array(size * target);
  for (let y = 0; y < size; y++) applyWeights(plane, y * size, 1, weights, rows, y * target, 1);
  const out = new Float32Array(target * target);
  for (let x = 0; x < target; x++) applyWeights(rows, x, target, weights, out, x, target);
  return out;
}

interface Weights {
  readonly first: Int32Array; // first source index of each output sample
  readonly taps: Float64Array[]; // normalised weights from `first` on
}

function applyWeights(src: Float32Array, base: number, stride: number, { first, taps }: Weights, dst: Float32Array, dstBase: number, dstStride: number): void {
  for (let o = 0; o < first.length; o++) {
    let sum = 0;
    const w = taps[o];
    for (let k = 0; k < w.length; k++) sum += w[k] * src[base + (first[o] + k) * stride];
    dst[dstBase + o * dstStride] = sum;
  }
}

function boxWeights(size: number, target: number): Weights {
  const factor = size / target;
  const first = Int32Array.from({ length: target }, (_, o) => o * factor);
  const taps = Array.from({ length: target }, () => new Float64Array(factor).fill(1 / factor));
  return { first, taps };
}

/** Pillow's precompute_coeffs for BICUBIC: support widened by the scale when shrinking, weights normalised. */
function bicubicWeights(size: number, target: number): Weights {
  const scale = size / target;
  const filterScale = Math.max(scale, 1);
  const support = BICUBIC_SUPPORT * filterScale;
  const first = new Int32Array(target);
  const taps: Float64Array[] = [];
  for (let o = 0; o < target; o++) {
    const centre = (o + 0.5) * scale;
    const lo = Math.max(0, Math.floor(centre - support + 0.5));
    const hi = Math.min(size, Math.floor(centre + support + 0.5));
    const w = new Float64Array(hi - lo);
    let total = 0;
    for (let i = lo; i < hi; i++) {
      const value = cubic((i - centre + 0.5) / filterScale);
      w[i - lo] = value;
      total += value;
    }
    for (let k = 0; k < w.length; k++) w[k] /= total;
    first[o] = lo;
    taps.push(w);
  }
  return { first, taps };
}

function cubic(x: number): number {
  const a = BICUBIC_A;
  const t = Math.abs(x);
  if (t < 1) return ((a + 2) * t - (a + 3)) * t * t + 1;
  if (t < 2) return (((t - 5) * t + 8) * t - 4) * a;
  return 0;
}
