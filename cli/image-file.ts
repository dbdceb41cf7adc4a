// Node-side image files: PNG (pngjs) and JPEG (jpeg-js) bytes ⇄ RgbaImage, with user-facing ImageInvalid errors.
import { readFileSync, writeFileSync } from 'node:fs';
import { basename } from 'node:path';
import jpeg from 'jpeg-js';
import { PNG } from 'pngjs';
import { EngineError } from '../ui/worker/errors';
import type { RgbaImage } from '../ui/worker/image';

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
// jpeg-js refuses larger images by default; 16384² is past anything a Figma fill holds (4096 max).
const MAX_JPEG_MEGAPIXELS = 268;

export function readImageFile(path: string): RgbaImage {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(path);
  } catch (error) {
    throw new EngineError('ImageInvalid', `Cannot read ${path}: ${(error as Error).message}`);
  }
  return decodeImageBytes(bytes, basename(path));
}

/** Decodes PNG (any colour type and bit depth → 8-bit RGBA) or baseline/progressive RGB/grey JPEG. */
export function decodeImageBytes(bytes: Uint8Array, name: string): RgbaImage {
  if (bytes.length >= 8 && PNG_SIGNATURE.every((b, i) => bytes[i] === b)) return decodePng(bytes, name);
  if (bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return decodeJpeg(bytes, name);
  throw new EngineError('ImageInvalid', `${name} is neither a PNG nor a JPEG file (${bytes.length} bytes). Export the image as PNG or JPEG and try again.`);
}

function decodePng(bytes: Uint8Array, name: string): RgbaImage {
  try {
    // pngjs expands grey, grey+alpha, palette and 16-bit images to 8-bit RGBA.
    const png = PNG.sync.read(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
    return { width: png.width, height: png.height, data: new Uint8ClampedArray(png.data.buffer, png.data.byteOffset, png.data.byteLength) };
  } catch (error) {
    throw new EngineError('ImageInvalid', `${name} is not a readable PNG (${(error as Error).message}). The file may be cut short or damaged: export it again.`);
  }
}

function decodeJpeg(bytes: Uint8Array, name: string): RgbaImage {
  const components = jpegComponentCount(bytes);
  if (components === 4) {
    throw new EngineError('ImageInvalid', `${name} is a CMYK JPEG, which is not supported. Convert it to RGB (sRGB) and try again.`);
  }
  if (!hasJpegEnd(bytes)) {
    throw new EngineError('ImageInvalid', `${name} is a truncated JPEG (no end-of-image marker in its ${bytes.length} bytes). The download or copy was cut short: get the file again.`);
  }
  try {
    const decoded = jpeg.decode(bytes, { useTArray: true, formatAsRGBA: true, tolerantDecoding: false, maxResolutionInMP: MAX_JPEG_MEGAPIXELS });
    return { width: decoded.width, height: decoded.height, data: new Uint8ClampedArray(decoded.data.buffer, decoded.data.byteOffset, decoded.data.byteLength) };
  } catch (error) {
    throw new EngineError('ImageInvalid', `${name} is not a readable JPEG (${(error as Error).message}). Export it again as a baseline RGB JPEG or PNG.`);
  }
}

/** Number of colour components in the first start-of-frame segment, or 0 when none is found. */
function jpegComponentCount(bytes: Uint8Array): number {
  let i = 2;
  while (i + 9 < bytes.length) {
    if (bytes[i] !== 0xff) return 0;
    const marker = bytes[i + 1];
    if (marker === 0xff) {
      i++; // fill byte
      continue;
    }
    const length = (bytes[i + 2] << 8) | bytes[i + 3];
    // SOF0..SOF15 except DHT (C4), JPG (C8) and DAC (CC).
    if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) return bytes[i + 9];
    if (marker === 0xda) return 0; // start of scan before any frame header
    i += 2 + length;
  }
  return 0;
}

function hasJpegEnd(bytes: Uint8Array): boolean {
  // Encoders may append padding after EOI; look for it in the last kilobyte.
  for (let i = bytes.length - 2; i >= Math.max(0, bytes.length - 1024); i--) {
    if (bytes[i] === 0xff && bytes[i + 1] === 0xd9) return true;
  }
  return false;
}

/** Writes an 8-bit RGBA PNG. */
export function writePng(path: string, image: RgbaImage): void {
  writeFileSync(path, encodePng(image));
}

export function encodePng(image: RgbaImage): Uint8Array {
  const png = new PNG({ width: image.width, height: image.height });
  png.data = Buffer.from(image.data.buffer, image.data.byteOffset, image.data.byteLength);
  return PNG.sync.write(png);
}

export function encodeJpeg(image: RgbaImage, quality = 90): Uint8Array {
  return jpeg.encode({ width: image.width, height: image.height, data: image.data }, quality).data;
}
