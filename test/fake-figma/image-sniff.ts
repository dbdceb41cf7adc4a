// What Figma's createImage checks before accepting bytes: the file type from its magic number and the
// pixel size from its header (PNG IHDR, GIF logical screen, JPEG SOFn).

export type ImageType = 'PNG' | 'JPEG' | 'GIF';

export interface ImageHeader {
  type: ImageType;
  width: number;
  height: number;
}

/** The header of a PNG, JPEG or GIF file, or null when the bytes are none of them (or are cut before the size). */
export function sniffImage(bytes: Uint8Array): ImageHeader | null {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.length >= 24 && bytes[0] === 0x89 && bytes[1] === 0x50 && bytes[2] === 0x4e && bytes[3] === 0x47) {
    return { type: 'PNG', width: view.getUint32(16), height: view.getUint32(20) };
  }
  if (bytes.length >= 10 && bytes[0] === 0x47 && bytes[1] === 0x49 && bytes[2] === 0x46) {
    return { type: 'GIF', width: view.getUint16(6, true), height: view.getUint16(8, true) };
  }
  if (bytes.length >= 4 && bytes[0] === 0xff && bytes[1] === 0xd8) {
    let offset = 2;
    while (offset + 9 < bytes.length) {
      if (bytes[offset] !== 0xff) return null;
      const marker = bytes[offset + 1]!;
      if (marker === 0xd8 || marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) {
        offset += 2;
        continue;
      }
      const isSof = marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc;
      if (isSof) return { type: 'JPEG', height: view.getUint16(offset + 5), width: view.getUint16(offset + 7) };
      offset += 2 + view.getUint16(offset + 2);
    }
  }
  return null;
}
