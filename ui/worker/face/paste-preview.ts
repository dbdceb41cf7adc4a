// The preview in place: the part of the photo that paste-back can change (the face quad's box, clipped to the
// photo), scaled down to the panel's preview size, with the alignment mapped into it. Pasting an edited face
// into it with pasteBack gives, at preview size, what composePhoto writes at full size: the same mask and the
// same colour match, measured on the same feather ring (test/worker/face/paste-preview.test.ts).
import type { RgbaImage } from '../image';
import { resizePillow } from '../resize-pillow';
import type { AlignTransform } from './align';
import { pasteInRegion, pasteRegion, type PasteRegion } from './paste-back';
import type { Point, Quad } from './quad-transform';

/** Smallest and largest preview side a caller may ask for (the panel asks for its box at 2× pixel density). */
export const PREVIEW_SIDE_RANGE = { min: 16, max: 1024 } as const;

export interface PreviewScene {
  /** The photo's pixels in `crop`, at most `size` px on the longer side (never enlarged): the "before". */
  before: RgbaImage;
  /** The face's alignment in `before`'s pixel-index coordinates. */
  transform: AlignTransform;
  /** Where `before` lies in the photo (pixel-index, right/bottom exclusive). */
  crop: { left: number; top: number; right: number; bottom: number };
  /** Preview pixels per photo pixel (≤ 1). */
  scale: number;
  /** paste-back's weights and inverse warp in `before`, computed once: a preview frame only samples and blends. */
  region: PasteRegion;
}

/** The preview scene of one face of `photo`, aligned through `transform`, at most `size` px on the longer side. */
export function previewScene(photo: RgbaImage, transform: AlignTransform, size: number): PreviewScene {
  if (!(Number.isInteger(size) && size >= PREVIEW_SIDE_RANGE.min && size <= PREVIEW_SIDE_RANGE.max)) {
    throw new Error(`The preview size must be a whole number of pixels from ${PREVIEW_SIDE_RANGE.min} to ${PREVIEW_SIDE_RANGE.max}, got ${size}`);
  }
  // The same box pasteRegion weighs: every pixel paste-back may change, and the whole feather ring it matches colours on.
  const xs = transform.quad.map((p) => p[0]);
  const ys = transform.quad.map((p) => p[1]);
  const left = Math.max(0, Math.floor(Math.min(...xs)));
  const top = Math.max(0, Math.floor(Math.min(...ys)));
  const right = Math.min(photo.width, Math.ceil(Math.max(...xs)) + 1);
  const bottom = Math.min(photo.height, Math.ceil(Math.max(...ys)) + 1);
  if (right <= left || bottom <= top) throw new Error('The face lies outside the photo');
  const width = right - left;
  const height = bottom - top;
  const scale = Math.min(1, size / Math.max(width, height));
  const outWidth = Math.max(1, Math.round(width * scale));
  const outHeight = Math.max(1, Math.round(height * scale));
  const crop = cropImage(photo, left, top, width, height);
  const before = outWidth === width && outHeight === height ? crop : resizeKeepingAlpha(crop, outWidth, outHeight);
  // Pixel-index x in the photo has its centre at edge coordinate x + 0.5; the crop's edge 0 is the photo's `left`.
  const kx = outWidth / width;
  const ky = outHeight / height;
  const point = ([x, y]: Point): Point => [(x - left + 0.5) * kx - 0.5, (y - top + 0.5) * ky - 0.5];
  const [vl, vt, vr, vb] = transform.valid;
  const inCrop: AlignTransform = {
    size: transform.size,
    quad: transform.quad.map(point) as Quad,
    valid: [(vl - left) * kx, (vt - top) * ky, (vr - left) * kx, (vb - top) * ky],
  };
  return { before, transform: inCrop, crop: { left, top, right, bottom }, scale: Math.min(kx, ky), region: pasteRegion(outWidth, outHeight, inCrop) };
}

/** The edited aligned face (any square resolution) pasted into the scene, as composePhoto pastes it into the photo. */
export function pastePreview(scene: PreviewScene, face: RgbaImage): RgbaImage {
  // Apply samples the face at the photo's density, and the result is then shrunk to preview size; shrinking the
  // face by the same factor first, then sampling it at preview density, gives those pixels without aliasing.
  const side = Math.max(1, Math.round(face.width * scene.scale));
  const sampled = side < face.width ? resizePillow(face, { width: side, height: side, filter: 'bilinear' }) : face;
  return pasteInRegion(scene.before, sampled, scene.region);
}

function cropImage(image: RgbaImage, left: number, top: number, width: number, height: number): RgbaImage {
  const data = new Uint8ClampedArray(width * height * 4);
  for (let y = 0; y < height; y++) {
    const from = ((top + y) * image.width + left) * 4;
    data.set(image.data.subarray(from, from + width * 4), y * width * 4);
  }
  return { width, height, data };
}

/** Pillow's antialiased bilinear shrink of RGB, and of alpha through the same filter (resizePillow sets it to 255). */
function resizeKeepingAlpha(image: RgbaImage, width: number, height: number): RgbaImage {
  const out = resizePillow(image, { width, height, filter: 'bilinear' });
  let opaque = true;
  for (let i = 3; i < image.data.length && opaque; i += 4) opaque = image.data[i] === 255;
  if (opaque) return out;
  const alpha = new Uint8ClampedArray(image.data.length);
  for (let i = 0; i < alpha.length; i += 4) alpha[i] = image.data[i + 3];
  const shrunk = resizePillow({ width: image.width, height: image.height, data: alpha }, { width, height, filter: 'bilinear' });
  for (let i = 0; i < out.data.length; i += 4) out.data[i + 3] = shrunk.data[i];
  return out;
}
