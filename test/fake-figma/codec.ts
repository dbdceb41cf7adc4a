// Decoding and encoding for the fake's exportAsync, injected so the fake runs in Node (pngjs, jpeg-js)
// and in the browser (createImageBitmap, OffscreenCanvas) alike.

export interface Rgba {
  width: number;
  height: number;
  data: Uint8ClampedArray; // straight alpha, row-major RGBA
}

export interface ImageCodec {
  decodeAsync(bytes: Uint8Array): Promise<Rgba>;
  encodePngAsync(image: Rgba): Promise<Uint8Array>;
}
