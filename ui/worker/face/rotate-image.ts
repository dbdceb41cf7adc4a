// Rotates a photo onto a canvas large enough to hold all of it, for detecting tilted faces (detect.ts), and
// maps points found on the rotated copy back to the photo.
import type { RgbaImage } from '../image';
import type { Point } from './quad-transform';

// What the corners outside the photo are filled with: mid-grey, the least face-like and edge-free choice.
const FILL = 128;

export interface RotatedImage {
  image: RgbaImage;
  /** Pixel-index coordinates of the rotated copy → pixel-index coordinates of the photo. */
  toSource: (p: readonly number[]) => Point;
}

export interface RotateOptions {
  /** Clockwise on screen (x right, y down), about the photo's centre. */
  degrees: number;
  /** Longest side allowed for the rotated canvas; it is scaled down to fit (detection works at ≤ 512 px anyway). */
  maxSide: number;
}

/**
 * The photo rotated by `degrees` (bilinear) on a canvas that holds every pixel of it, corners filled
 * with grey; the photo's centre lands on the canvas's centre.
 */
export function rotateImage(image: RgbaImage, { degrees, maxSide }: RotateOptions): RotatedImage {
  const radians = (degrees * Math.PI) / 180;
  const cos = Math.cos(radians);
  const sin = Math.sin(radians);
  const fullWidth = Math.abs(cos) * image.width + Math.abs(sin) * image.height;
  const fullHeight = Math.abs(sin) * image.width + Math.abs(cos) * image.height;
  const scale = Math.min(1, maxSide / Math.max(fullWidth, fullHeight));
  const width = Math.max(1, Math.ceil(fullWidth * scale));
  const height = Math.max(1, Math.ceil(fullHeight * scale));
  const cx = (image.width - 1) / 2;
  const cy = (image.height - 1) / 2;
  const ox = (width - 1) / 2;
  const oy = (height - 1) / 2;
  // Forward: p' = o + scale·R(p − c) with R = [cos −sin; sin cos]; back: p = c + Rᵀ(p' − o) / scale.
  const toSource = ([x, y]: readonly number[]): Point => {
    const dx = (x - ox) / scale;
    const dy = (y - oy) / scale;
    return [cx + cos * dx + sin * dy, cy - sin * dx + cos * dy];
  };

  const data = new Uint8ClampedArray(width * height * 4);
  const src = image.data;
  const stride = image.width * 4;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const [u, v] = toSource([x, y]);
      const o = (y * width + x) * 4;
      data[o + 3] = 255;
      const x0 = Math.floor(u);
      const y0 = Math.floor(v);
      if (x0 < 0 || y0 < 0 || x0 + 1 >= image.width || y0 + 1 >= image.height) {
        data[o] = data[o + 1] = data[o + 2] = FILL;
        continue;
      }
      const fx = u - x0;
      const fy = v - y0;
      const s = y0 * stride + x0 * 4;
      for (let ch = 0; ch < 3; ch++) {
        const top = src[s + ch] + (src[s + 4 + ch] - src[s + ch]) * fx;
        const bottom = src[s + stride + ch] + (src[s + stride + 4 + ch] - src[s + stride + ch]) * fx;
        data[o + ch] = top + (bottom - top) * fy;
      }
    }
  }
  return { image: { width, height, data }, toSource };
}
