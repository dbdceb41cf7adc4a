// Generator output (float32 NCHW planes, ≈[−1, 1]) ⇄ pixels.
//
// To 8-bit: upstream's conversion is x·127.5 + 127.5, clipped (spec/styleclip.md §0.3). We round half up,
// as TF StyleGAN2's convert_images_to_uint8 (used by StyleCLIP's global_directions) does: x·127.5 + 128,
// then a saturating cast that truncates. The golden *_preview.png files (and the mapper's PIL tensor2im)
// truncate (x+1)/2·255 instead, which is on average half a level darker; ours is within one level of them.
import type { FloatImage } from '../engine-api';
import type { RgbaImage } from '../image';
import type { EncoderSpec } from '../pack/pack-schema';
import { EngineError } from '../errors';

/** 8-bit RGBA (alpha 255) of a generator image, in its own exactly-sized buffer (so it can be transferred). */
export function toRgba({ width, height, data }: FloatImage): RgbaImage {
  const plane = width * height;
  if (data.length !== 3 * plane) throw new Error(`\`data\` has ${data.length} values; a ${width}×${height} RGB image has ${3 * plane}`);
  const out = new Uint8ClampedArray(plane * 4);
  for (let i = 0; i < plane; i++) {
    out[i * 4] = toByte(data[i]);
    out[i * 4 + 1] = toByte(data[plane + i]);
    out[i * 4 + 2] = toByte(data[2 * plane + i]);
    out[i * 4 + 3] = 255;
  }
  return { width, height, data: out };
}

/** clip(round_half_up(x·127.5 + 127.5), 0, 255); NaN → 0. */
export function toByte(x: number): number {
  const v = Math.floor(x * 127.5 + 128);
  return v > 255 ? 255 : v >= 0 ? v : 0;
}

/**
 * The encoder's input from an aligned face: x = (rgb/255 − mean)/std in float32, NCHW [1, 3, size, size],
 * bit-exact to torchvision's ToTensor + Normalize (alpha is ignored).
 */
export function encoderInput(image: RgbaImage, encoder: EncoderSpec): Float32Array {
  const { size, mean, std } = encoder;
  if (image.width !== size || image.height !== size) {
    throw new EngineError(
      'ImageInvalid',
      `The aligned face is ${image.width}×${image.height} pixels; the encoder takes ${size}×${size}. Align the face (or resize it to ${size}×${size}) first.`,
    );
  }
  if (image.data.length !== size * size * 4) throw new Error(`\`image.data\` has ${image.data.length} bytes; ${size}×${size} RGBA needs ${size * size * 4}`);
  const plane = size * size;
  const x = new Float32Array(3 * plane);
  for (let c = 0; c < 3; c++) {
    const m = Math.fround(mean[c]);
    const s = Math.fround(std[c]);
    for (let i = 0; i < plane; i++) {
      const unit = Math.fround(image.data[i * 4 + c] / 255);
      x[c * plane + i] = Math.fround(Math.fround(unit - m) / s);
    }
  }
  return x;
}
