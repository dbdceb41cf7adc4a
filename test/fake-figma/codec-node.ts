import jpeg from 'jpeg-js';
import { PNG } from 'pngjs';
import type { ImageCodec, Rgba } from './codec';
import { sniffImage } from './image-sniff';

/** pngjs and jpeg-js, for the fake under vitest. */
export const NODE_CODEC: ImageCodec = {
  async decodeAsync(bytes: Uint8Array): Promise<Rgba> {
    const header = sniffImage(bytes);
    if (header?.type === 'PNG') {
      const png = PNG.sync.read(Buffer.from(bytes));
      return { width: png.width, height: png.height, data: new Uint8ClampedArray(png.data.buffer, png.data.byteOffset, png.data.length) };
    }
    if (header?.type === 'JPEG') {
      const decoded = jpeg.decode(bytes, { useTArray: true, formatAsRGBA: true });
      return { width: decoded.width, height: decoded.height, data: new Uint8ClampedArray(decoded.data.buffer, decoded.data.byteOffset, decoded.data.length) };
    }
    throw new Error(`The fake decodes PNG and JPEG only, not ${header?.type ?? 'unknown bytes'}.`);
  },
  async encodePngAsync({ width, height, data }: Rgba): Promise<Uint8Array> {
    const png = new PNG({ width, height });
    png.data = Buffer.from(data.buffer, data.byteOffset, data.length);
    return new Uint8Array(PNG.sync.write(png));
  },
};
