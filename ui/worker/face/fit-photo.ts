// A photo as the face pipeline takes it: a valid RGBA record, at most MAX_IMAGE_SIDE per side, plus what
// detection and alignment should see when it is transparent, and whether it is greyscale.
import { MAX_IMAGE_SIDE } from '../../../contract/limits';
import { EngineError } from '../errors';
import type { RgbaImage } from '../image';

// What transparent pixels are shown over for detection and alignment (Figma's default canvas behind a layer).
const MATTE = 255;

export interface FittedPhoto {
  /** The photo to edit and return: the input, or an area-averaged copy scaled to ≤ MAX_IMAGE_SIDE. */
  image: RgbaImage;
  /** What detection and alignment read: `image`, or `image` over white where it is transparent. */
  analysis: RgbaImage;
  /** Every pixel has R = G = B. */
  grey: boolean;
  notes: string[];
}

export function fitPhoto(image: RgbaImage, name: string): FittedPhoto {
  checkRgba(image, name);
  const notes: string[] = [];
  let fitted = image;
  const side = Math.max(image.width, image.height);
  if (side > MAX_IMAGE_SIDE) {
    const scale = MAX_IMAGE_SIDE / side;
    const width = Math.min(MAX_IMAGE_SIDE, Math.max(1, Math.round(image.width * scale)));
    const height = Math.min(MAX_IMAGE_SIDE, Math.max(1, Math.round(image.height * scale)));
    fitted = resizeArea(image, width, height);
    notes.push(`${name} is ${image.width}×${image.height} px; it was processed and returned at ${width}×${height} px (Figma's images are at most ${MAX_IMAGE_SIDE} px per side).`);
  }
  const transparent = hasTransparency(fitted);
  if (transparent) notes.push(`${name} has transparent pixels: faces were found and aligned on it over white; the result keeps its transparency.`);
  const grey = isGrey(fitted);
  if (grey) notes.push(`${name} is greyscale: edited faces are converted to grey to match.`);
  return { image: fitted, analysis: transparent ? overMatte(fitted) : fitted, grey, notes };
}

/** Refuses anything that is not a width × height 8-bit RGBA record (a decoder bug or a bad host). */
function checkRgba(image: RgbaImage, name: string): void {
  const { width, height, data } = (image ?? {}) as { width?: unknown; height?: unknown; data?: unknown };
  const sizeOk = Number.isInteger(width) && Number.isInteger(height) && (width as number) > 0 && (height as number) > 0;
  const bytes = data instanceof Uint8ClampedArray || data instanceof Uint8Array ? data.length : undefined;
  if (!sizeOk || bytes !== (width as number) * (height as number) * 4) {
    throw new EngineError(
      'ImageInvalid',
      `${name} could not be read as pixels (${String(width)}×${String(height)}, ${bytes ?? 'no'} bytes of RGBA; it needs 4 per pixel). Export it as PNG or JPEG and try again.`,
    );
  }
}

function hasTransparency({ data }: RgbaImage): boolean {
  for (let i = 3; i < data.length; i += 4) if (data[i] !== 255) return true;
  return false;
}

function isGrey({ data }: RgbaImage): boolean {
  for (let i = 0; i < data.length; i += 4) if (data[i] !== data[i + 1] || data[i] !== data[i + 2]) return false;
  return true;
}

/** Straight-alpha RGBA composited over MATTE, opaque. */
function overMatte(image: RgbaImage): RgbaImage {
  const data = new Uint8ClampedArray(image.data.length);
  for (let i = 0; i < data.length; i += 4) {
    const a = image.data[i + 3] / 255;
    for (let c = 0; c < 3; c++) data[i + c] = Math.round(image.data[i + c] * a + MATTE * (1 - a));
    data[i + 3] = 255;
  }
  return { width: image.width, height: image.height, data };
}

/**
 * Exact area-average downscale (each output pixel averages the source area it covers, partial pixels
 * weighted by their overlap), separable, alpha-premultiplied so transparent pixels lend no colour.
 */
export function resizeArea(image: RgbaImage, width: number, height: number): RgbaImage {
  if (width > image.width || height > image.height) throw new Error(`resizeArea only shrinks: ${image.width}×${image.height} → ${width}×${height}`);
  const rows = new Float32Array(width * image.height * 4); // horizontal pass, premultiplied
  const columns = spans(image.width, width);
  for (let y = 0; y < image.height; y++) {
    for (let x = 0; x < width; x++) {
      let r = 0;
      let g = 0;
      let b = 0;
      let alpha = 0;
      for (const [sx, w] of columns[x]) {
        const o = (y * image.width + sx) * 4;
        const a = image.data[o + 3] * w;
        r += image.data[o] * a;
        g += image.data[o + 1] * a;
        b += image.data[o + 2] * a;
        alpha += a;
      }
      const o = (y * width + x) * 4;
      rows[o] = r;
      rows[o + 1] = g;
      rows[o + 2] = b;
      rows[o + 3] = alpha;
    }
  }
  const data = new Uint8ClampedArray(width * height * 4);
  const lines = spans(image.height, height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      let r = 0;
      let g = 0;
      let b = 0;
      let alpha = 0;
      for (const [sy, w] of lines[y]) {
        const o = (sy * width + x) * 4;
        r += rows[o] * w;
        g += rows[o + 1] * w;
        b += rows[o + 2] * w;
        alpha += rows[o + 3] * w;
      }
      const o = (y * width + x) * 4;
      if (alpha > 0) {
        data[o] = Math.round(r / alpha);
        data[o + 1] = Math.round(g / alpha);
        data[o + 2] = Math.round(b / alpha);
      }
      data[o + 3] = Math.round(alpha);
    }
  }
  return { width, height, data };
}

/** For each output index: the source indices it covers and their weights (overlap / span, summing to 1). */
function spans(inSize: number, outSize: number): [number, number][][] {
  const scale = inSize / outSize;
  return Array.from({ length: outSize }, (_, o) => {
    const start = o * scale;
    const end = (o + 1) * scale;
    const out: [number, number][] = [];
    for (let s = Math.floor(start); s < Math.min(inSize, Math.ceil(end)); s++) {
      const overlap = Math.min(end, s + 1) - Math.max(start, s);
      if (overlap > 0) out.push([s, overlap / scale]);
    }
    return out;
  });
}
