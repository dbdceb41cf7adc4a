// The one pixel format that crosses module and thread boundaries: straight-alpha sRGB RGBA, row-major.
export interface RgbaImage {
  width: number;
  height: number;
  data: Uint8ClampedArray; // width * height * 4
}

export function createRgbaImage(width: number, height: number): RgbaImage {
  return { width, height, data: new Uint8ClampedArray(width * height * 4) };
}
