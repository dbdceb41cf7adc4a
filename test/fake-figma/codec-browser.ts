import type { ImageCodec, Rgba } from './codec';

/** createImageBitmap and OffscreenCanvas, for the fake in the host-simulator page. */
export const BROWSER_CODEC: ImageCodec = {
  async decodeAsync(bytes: Uint8Array): Promise<Rgba> {
    const bitmap = await createImageBitmap(new Blob([bytes as Uint8Array<ArrayBuffer>]), { colorSpaceConversion: 'none', premultiplyAlpha: 'none' });
    const canvas = new OffscreenCanvas(bitmap.width, bitmap.height);
    const context = canvas.getContext('2d')!;
    context.drawImage(bitmap, 0, 0);
    const { data } = context.getImageData(0, 0, bitmap.width, bitmap.height);
    return { width: bitmap.width, height: bitmap.height, data };
  },
  async encodePngAsync({ width, height, data }: Rgba): Promise<Uint8Array> {
    const canvas = new OffscreenCanvas(width, height);
    canvas.getContext('2d')!.putImageData(new ImageData(new Uint8ClampedArray(data), width, height), 0, 0);
    const blob = await canvas.convertToBlob({ type: 'image/png' });
    return new Uint8Array(await blob.arrayBuffer());
  },
};
