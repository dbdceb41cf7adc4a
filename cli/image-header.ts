// The size an image file declares, read from its header (PNG IHDR, JPEG SOFn) without decoding anything, so a
// decompression bomb (a 1 MB PNG that declares 20000 × 20000 px) is refused before any pixel memory exists.

export interface ImageHeader {
  format: 'png' | 'jpeg';
  width: number;
  height: number;
  /** JPEG colour components (1 grey, 3 YCbCr/RGB, 4 CMYK/YCCK); 0 for PNG. */
  components: number;
}

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

export function isPng(bytes: Uint8Array): boolean {
  return bytes.length >= 8 && PNG_SIGNATURE.every((b, i) => bytes[i] === b);
}

export function isJpeg(bytes: Uint8Array): boolean {
  return bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff;
}

/** A PNG's IHDR (which must be the first chunk), or null when it is cut short or not there. */
export function pngHeader(bytes: Uint8Array): ImageHeader | null {
  if (bytes.length < 8 + 8 + 13) return null;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const type = String.fromCharCode(...bytes.subarray(12, 16));
  if (view.getUint32(8) !== 13 || type !== 'IHDR') return null;
  return { format: 'png', width: view.getUint32(16), height: view.getUint32(20), components: 0 };
}

/** A JPEG's first frame header (SOF0…SOF15), or null when the markers end before one. */
export function jpegHeader(bytes: Uint8Array): ImageHeader | null {
  let i = 2;
  while (i + 3 < bytes.length) {
    if (bytes[i] !== 0xff) return null;
    const marker = bytes[i + 1];
    if (marker === 0xff) {
      i++; // fill byte
      continue;
    }
    const length = (bytes[i + 2] << 8) | bytes[i + 3];
    // SOF0…SOF15 except DHT (C4), JPG (C8) and DAC (CC): precision, height, width, components.
    if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
      if (i + 9 >= bytes.length) return null;
      return { format: 'jpeg', height: (bytes[i + 5] << 8) | bytes[i + 6], width: (bytes[i + 7] << 8) | bytes[i + 8], components: bytes[i + 9] };
    }
    if (marker === 0xda || marker === 0xd9) return null; // start of scan or end of image before any frame header
    i += 2 + length;
  }
  return null;
}
