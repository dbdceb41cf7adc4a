// Node-side image files: PNG (pngjs) and JPEG (jpeg-js) bytes ⇄ RgbaImage, with user-facing ImageInvalid errors.
// Reading is bounded in three steps, each before the next costs memory: the file's type and size
// (readRegularFile), the size its header declares (PNG IHDR, JPEG SOFn), then the decode.
import { writeFileSync } from 'node:fs';
import { basename } from 'node:path';
import jpeg from 'jpeg-js';
import { PNG } from 'pngjs';
import { EngineError } from '../ui/worker/errors';
import type { RgbaImage } from '../ui/worker/image';
import { isJpeg, isPng, jpegHeader, pngHeader, type ImageHeader } from './image-header';
import { formatBytes, readRegularFile } from './read-regular-file';

/** Largest image file read: 512 MiB, past any photo; a bigger file is refused before it is opened. */
export const MAX_IMAGE_FILE_BYTES = 512 * 2 ** 20;
/** Largest side: 16384 px, JPEG's own limit is 65535; a Figma fill holds 4096. */
export const MAX_IMAGE_SIDE = 16384;
/**
 * Largest image: 100 megapixels (jpeg-js's default maxResolutionInMP), 400 MB as RGBA. Checked on the header,
 * so a decompression bomb costs nothing; an image within it decodes in at most 28 bytes a pixel (jpeg-js,
 * 4 components: coefficient blocks, component lines, samples, RGBA), under 3 GB.
 */
export const MAX_IMAGE_PIXELS = 100_000_000;

export function readImageFile(path: string): RgbaImage {
  const bytes = readRegularFile(path, { maxBytes: MAX_IMAGE_FILE_BYTES, kind: 'ImageInvalid', what: 'The image', hint: 'Give the path of an image file.' });
  return decodeImageBytes(bytes, basename(path));
}

/** Decodes PNG (any colour type and bit depth → 8-bit RGBA) or baseline/progressive grey, RGB or Adobe CMYK/YCCK JPEG. */
export function decodeImageBytes(bytes: Uint8Array, name: string): RgbaImage {
  if (isPng(bytes)) {
    checkedHeader(pngHeader(bytes), bytes, name, 'PNG');
    return decodePng(bytes, name);
  }
  if (isJpeg(bytes)) return decodeJpeg(bytes, checkedHeader(jpegHeader(bytes), bytes, name, 'JPEG'), name);
  throw new EngineError('ImageInvalid', `${name} is neither a PNG nor a JPEG file (${bytes.length} bytes). Export the image as PNG or JPEG and try again.`);
}

/** The header's size within MAX_IMAGE_SIDE and MAX_IMAGE_PIXELS, before any pixel is decoded. */
function checkedHeader(header: ImageHeader | null, bytes: Uint8Array, name: string, format: string): ImageHeader {
  if (header === null) {
    throw new EngineError('ImageInvalid', `${name} is not a readable ${format}: its header ends or breaks off before the image size (${bytes.length} bytes). The file may be cut short or damaged: export it again.`);
  }
  const { width, height } = header;
  if (width === 0 || height === 0) {
    throw new EngineError('ImageInvalid', `${name} declares an empty image (${width}×${height} px). The file is damaged: export it again.`);
  }
  if (width > MAX_IMAGE_SIDE || height > MAX_IMAGE_SIDE || width * height > MAX_IMAGE_PIXELS) {
    throw new EngineError(
      'ImageInvalid',
      `${name} declares ${width}×${height} px (${formatMegapixels(width * height)}, ${formatBytes(bytes.length)} of file); at most ${MAX_IMAGE_SIDE} px a side and ${formatMegapixels(MAX_IMAGE_PIXELS)} are decoded. Scale the image down and try again.`,
    );
  }
  return header;
}

function formatMegapixels(pixels: number): string {
  return `${Number((pixels / 1e6).toFixed(2))} MP`;
}

function decodePng(bytes: Uint8Array, name: string): RgbaImage {
  try {
    // pngjs expands grey, grey+alpha, palette and 16-bit images to 8-bit RGBA, and inflates at most the
    // size the (checked) header declares.
    const png = PNG.sync.read(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
    return { width: png.width, height: png.height, data: new Uint8ClampedArray(png.data.buffer, png.data.byteOffset, png.data.byteLength) };
  } catch (error) {
    throw new EngineError('ImageInvalid', `${name} is not a readable PNG (${oneLine(error)}). The file may be cut short or damaged: export it again.`);
  }
}

/**
 * jpeg-js converts 4-component files itself when they carry Adobe's APP14 marker, as Photoshop writes them:
 * samples are inverted CMYK (255 = no ink), or YCCK (transform 2), which it turns into that inverted CMYK;
 * then R = 255·(1 − C)(1 − K), likewise G and B (jpeg-js 0.4.4, decoder.js getData and copyToImageData).
 * Without the marker the inversion is unknown, and jpeg-js refuses the file.
 */
function decodeJpeg(bytes: Uint8Array, header: ImageHeader, name: string): RgbaImage {
  if (!hasJpegEnd(bytes)) {
    throw new EngineError('ImageInvalid', `${name} is a truncated JPEG (no end-of-image marker in its ${bytes.length} bytes). The download or copy was cut short: get the file again.`);
  }
  if (header.components !== 1 && header.components !== 3 && header.components !== 4) {
    throw new EngineError('ImageInvalid', `${name} is a JPEG with ${header.components} colour components; grey (1), colour (3) and CMYK (4) are read. Export it again as an RGB JPEG or PNG.`);
  }
  // jpeg-js's own cap, from the checked header: at most 28 bytes a pixel and the file (see MAX_IMAGE_PIXELS).
  const memoryMb = Math.ceil(((header.width + 16) * (header.height + 16) * 28 + bytes.length) / 2 ** 20) + 16;
  try {
    const decoded = jpeg.decode(bytes, { useTArray: true, formatAsRGBA: true, tolerantDecoding: false, maxResolutionInMP: MAX_IMAGE_PIXELS / 1e6, maxMemoryUsageInMB: memoryMb });
    return { width: decoded.width, height: decoded.height, data: new Uint8ClampedArray(decoded.data.buffer, decoded.data.byteOffset, decoded.data.byteLength) };
  } catch (error) {
    if (header.components === 4 && /4 components/.test(oneLine(error))) {
      throw new EngineError('ImageInvalid', `${name} is a CMYK JPEG without Adobe's colour marker (APP14), so whether its inks are inverted is unknown. Save it again from Photoshop, or as an RGB JPEG or PNG.`);
    }
    throw new EngineError('ImageInvalid', `${name} is not a readable JPEG (${oneLine(error)}). Export it again as a baseline RGB JPEG or PNG.`);
  }
}

/** A decoder's error message on one line. */
function oneLine(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).replace(/\s*\n\s*/g, ' ');
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
