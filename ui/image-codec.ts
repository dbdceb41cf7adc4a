// Image file bytes ⇄ RGBA in the panel iframe: decode with createImageBitmap (PNG, JPEG, GIF: what Figma
// stores), encode results as PNG. Pixel work needs a browser; the checks and messages around it do not, so
// the platform part is injected (tests pass a fake).
import type { RgbaImage } from './worker/image';
import { MAX_IMAGE_SIDE } from '../contract/limits';
import { EngineError } from './worker/errors';

/** Chromium's largest canvas side; larger files cannot be decoded to pixels here (the engine fits photos to 4096). */
export const MAX_DECODE_SIDE = 16384;

export type ImageFormat = 'png' | 'jpeg' | 'gif' | 'webp';

export interface CodecPlatform {
  /** Decodes an image file to straight-alpha sRGB RGBA; rejects when the browser cannot. */
  decode(bytes: Uint8Array): Promise<RgbaImage>;
  /** Encodes RGBA as a PNG file, scaled to `width` × `height` when those differ from the image's. */
  encodePng(image: RgbaImage, size: { width: number; height: number }): Promise<Uint8Array>;
}

/** The format the file's first bytes announce, or null. */
export function sniffImageFormat(bytes: Uint8Array): ImageFormat | null {
  const starts = (...magic: number[]) => magic.every((value, i) => bytes[i] === value);
  if (starts(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a)) return 'png';
  if (starts(0xff, 0xd8, 0xff)) return 'jpeg';
  if (starts(0x47, 0x49, 0x46, 0x38)) return 'gif';
  if (starts(0x52, 0x49, 0x46, 0x46) && bytes[8] === 0x57 && bytes[9] === 0x45 && bytes[10] === 0x42 && bytes[11] === 0x50) return 'webp';
  return null;
}

/** The largest size with the same aspect ratio that fits `max` per side (never larger than the input). */
export function fitWithin({ width, height }: { width: number; height: number }, max = MAX_IMAGE_SIDE): { width: number; height: number } {
  const scale = Math.min(1, max / Math.max(width, height));
  return { width: Math.max(1, Math.round(width * scale)), height: Math.max(1, Math.round(height * scale)) };
}

export interface ImageCodec {
  decode(bytes: Uint8Array, options?: { name?: string }): Promise<RgbaImage>;
  encodePng(image: RgbaImage): Promise<{ bytes: Uint8Array; width: number; height: number }>;
}

export function createImageCodec(platform: CodecPlatform = browserCodecPlatform()): ImageCodec {
  return {
    async decode(bytes, { name = 'the image' } = {}) {
      const what = `“${name}”`;
      if (bytes.byteLength === 0) throw new EngineError('ImageInvalid', `${what} is empty (0 bytes). Replace the image and try again.`);
      const format = sniffImageFormat(bytes);
      if (format === null) {
        const head = Array.from(bytes.subarray(0, 4), (b) => b.toString(16).padStart(2, '0')).join(' ');
        throw new EngineError('ImageInvalid', `${what} is not a PNG, JPEG or GIF file (it starts with bytes ${head}). Replace it with a photo in one of those formats.`);
      }
      let image: RgbaImage;
      try {
        image = await platform.decode(bytes);
        if (image.width === 0 || image.height === 0) throw new Error('no pixels');
      } catch {
        throw new EngineError('ImageInvalid', `${what} looks like a ${format.toUpperCase()} file but cannot be decoded: the file is damaged or cut short. Replace the image and try again.`);
      }
      if (image.width > MAX_DECODE_SIDE || image.height > MAX_DECODE_SIDE) {
        throw new EngineError('ImageInvalid', `${what} is ${image.width}×${image.height} px; facetext reads images up to ${MAX_DECODE_SIDE} px per side. Scale it down to ${MAX_IMAGE_SIDE} px first.`);
      }
      return image;
    },
    async encodePng(image) {
      const size = fitWithin(image);
      return { bytes: await platform.encodePng(image, size), ...size };
    },
  };
}

/** createImageBitmap + a 2D canvas (OffscreenCanvas where it exists). */
export function browserCodecPlatform(): CodecPlatform {
  const canvas = (width: number, height: number) => {
    if (typeof OffscreenCanvas !== 'undefined') return new OffscreenCanvas(width, height);
    const element = document.createElement('canvas');
    element.width = width;
    element.height = height;
    return element;
  };
  const context2d = (target: OffscreenCanvas | HTMLCanvasElement) => {
    const context = target.getContext('2d', { willReadFrequently: true }) as OffscreenCanvasRenderingContext2D | CanvasRenderingContext2D | null;
    if (context === null) throw new Error('the browser gave no 2D canvas context');
    return context;
  };
  return {
    async decode(bytes) {
      const bitmap = await createImageBitmap(new Blob([bytes as Uint8Array<ArrayBuffer>]), { premultiplyAlpha: 'none' });
      try {
        const target = canvas(bitmap.width, bitmap.height);
        const context = context2d(target);
        context.drawImage(bitmap, 0, 0);
        const { data, width, height } = context.getImageData(0, 0, bitmap.width, bitmap.height);
        return { width, height, data };
      } finally {
        bitmap.close();
      }
    },
    async encodePng(image, { width, height }) {
      const pixels = new ImageData(new Uint8ClampedArray(image.data), image.width, image.height);
      const target = canvas(width, height);
      const context = context2d(target);
      if (width === image.width && height === image.height) {
        context.putImageData(pixels, 0, 0);
      } else {
        const bitmap = await createImageBitmap(pixels, { resizeWidth: width, resizeHeight: height, resizeQuality: 'high' });
        context.drawImage(bitmap, 0, 0);
        bitmap.close();
      }
      const blob = 'convertToBlob' in target
        ? await target.convertToBlob({ type: 'image/png' })
        : await new Promise<Blob>((resolve, reject) => target.toBlob((b) => (b ? resolve(b) : reject(new Error('the canvas gave no PNG'))), 'image/png'));
      return new Uint8Array(await blob.arrayBuffer());
    },
  };
}
