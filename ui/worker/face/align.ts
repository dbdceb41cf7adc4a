// FFHQ face alignment exactly as encoder4editing's utils/alignment.py align_face
// (output_size = transform_size, enable_padding = True), from 68 dlib-layout landmarks.
import { EngineError } from '../errors';
import type { RgbaImage } from '../image';
import { resizePillow } from '../resize-pillow';
import { padAndBlend, roundHalfEven, type Padding } from './ffhq-padding';
import { pillowQuadTransform, type Point, type Quad, type QuadTransform } from './quad-transform';

// e4e's align_face: output_size = transform_size = 256 (the encoder's input).
export const ALIGNED_SIZE = 256;
// Below this the aligned crop is upsampled from too few pixels to carry a face the generator can invert.
export const MIN_FACE_QUAD_PX = 64;

/** Every intermediate of the recipe, named as upstream (for tests and debugging). */
export interface AlignmentSteps {
  eyeLeft: Point;
  eyeRight: Point;
  eyeAvg: Point;
  eyeToEye: Point;
  mouthLeft: Point;
  mouthRight: Point;
  mouthAvg: Point;
  eyeToMouth: Point;
  x: Point;
  y: Point;
  c: Point;
  quadInitial: Quad;
  qsizeInitial: number;
  shrink: number; // the integer factor, applied only when > 1
  quadAfterShrink: Quad;
  qsizeAfterShrink: number;
  sizeAfterShrink: [number, number];
  border: number;
  crop: [number, number, number, number];
  cropApplied: boolean;
  quadAfterCrop: Quad;
  sizeAfterCrop: [number, number];
  padRaw: Padding;
  padApplied: boolean;
  padFinal: Padding | null;
  blurSigma: number | null;
  quadFinal: Quad;
  sizeBeforeTransform: [number, number];
  quadDataForPil: number[];
  /** The image the quad transform reads: shrunk, cropped and (when padApplied) padded and blended. */
  transformSource: RgbaImage;
}

export interface AlignedFace {
  image: RgbaImage; // size×size, opaque RGB
  /** Corners NW, SW, SE, NE of the aligned square in original-image pixel-index coordinates. */
  quad: Quad;
  /** Aligned pixel-index ⇄ original pixel-index map (see quad-transform.ts), plus where it read real pixels. */
  transform: AlignTransform;
  steps: AlignmentSteps;
}

export interface AlignTransform extends QuadTransform {
  /**
   * Left, top, right, bottom (original pixel-index coordinates, right/bottom exclusive) of the region the
   * aligned image was sampled from unaltered: the crop, less the band that the padding's blur reached.
   */
  valid: [number, number, number, number];
}

export interface AlignOptions {
  /** Output side; the recipe uses it as both output_size and transform_size. */
  outputSize?: number;
  /** Used in error messages. */
  name?: string;
}

/** e4e's align_face on `image` with the given 68 landmarks ([x, y] in pixel-index coordinates). */
export function alignFace(image: RgbaImage, landmarks: readonly (readonly number[])[], { outputSize = ALIGNED_SIZE, name = 'the image' }: AlignOptions = {}): AlignedFace {
  if (landmarks.length !== 68) throw new Error(`alignFace needs 68 landmarks, got ${landmarks.length}`);
  const geometry = faceQuad(landmarks);
  const qsizeInitial = geometry.qsize;
  if (!(qsizeInitial >= MIN_FACE_QUAD_PX)) {
    throw new EngineError(
      'FaceTooSmall',
      `The face in ${name} is ${Math.round(qsizeInitial)} px across; at least ${MIN_FACE_QUAD_PX} px are needed. Use a larger or closer photo of the face.`,
    );
  }
  let quad = geometry.quad;
  let qsize = qsizeInitial;
  let img = image;

  // Shrink.
  const shrink = Math.floor((qsize / outputSize) * 0.5);
  if (shrink > 1) {
    const rw = roundHalfEven(img.width / shrink);
    const rh = roundHalfEven(img.height / shrink);
    img = resizePillow(img, { width: rw, height: rh, filter: 'lanczos' });
    quad = mapQuad(quad, ([x, y]) => [x / shrink, y / shrink]);
    qsize /= shrink;
  }
  const quadAfterShrink = quad;
  const qsizeAfterShrink = qsize;
  const sizeAfterShrink: [number, number] = [img.width, img.height];

  // Crop.
  const border = Math.max(roundHalfEven(qsize * 0.1), 3);
  const bounds = quadBounds(quad);
  const crop: [number, number, number, number] = [
    Math.max(bounds[0] - border, 0),
    Math.max(bounds[1] - border, 0),
    Math.min(bounds[2] + border, img.width),
    Math.min(bounds[3] + border, img.height),
  ];
  const cropApplied = crop[2] - crop[0] < img.width || crop[3] - crop[1] < img.height;
  if (cropApplied) {
    img = cropImage(img, crop);
    quad = mapQuad(quad, ([x, y]) => [x - crop[0], y - crop[1]]);
  }
  const quadAfterCrop = quad;
  const sizeAfterCrop: [number, number] = [img.width, img.height];

  // Pad.
  const padBounds = quadBounds(quad);
  const padRaw: Padding = [
    Math.max(-padBounds[0] + border, 0),
    Math.max(-padBounds[1] + border, 0),
    Math.max(padBounds[2] - img.width + border, 0),
    Math.max(padBounds[3] - img.height + border, 0),
  ];
  const padApplied = Math.max(...padRaw) > border - 4;
  let padFinal: Padding | null = null;
  let blurSigma: number | null = null;
  if (padApplied) {
    const minPad = roundHalfEven(qsize * 0.3);
    const pad = padRaw.map((p) => Math.max(p, minPad)) as Padding;
    blurSigma = qsize * 0.02;
    img = padAndBlend(img, pad, blurSigma);
    quad = mapQuad(quad, ([x, y]) => [x + pad[0], y + pad[1]]);
    padFinal = pad;
  }

  // Transform.
  const quadDataForPil = quad.flatMap(([x, y]) => [x + 0.5, y + 0.5]);
  const aligned = pillowQuadTransform(img, outputSize, quadDataForPil);

  // The same map in original-image coordinates: undo padding and crop, then the shrink's resize
  // (whose true scale is size / rint(size / shrink), not exactly `shrink`).
  const toOriginal = (p: Point): Point => {
    let [x, y] = p;
    if (padFinal) [x, y] = [x - padFinal[0], y - padFinal[1]];
    if (cropApplied) [x, y] = [x + crop[0], y + crop[1]];
    if (shrink > 1) {
      x = (x + 0.5) * (image.width / sizeAfterShrink[0]) - 0.5;
      y = (y + 0.5) * (image.height / sizeAfterShrink[1]) - 0.5;
    }
    return [x, y];
  };
  const originalQuad = shrink > 1 ? mapQuad(quad, toOriginal) : geometry.quad;
  // The blur blend weight clip(3·mask + 1) reaches a third of each pad width into the crop.
  const blurReach = padFinal ? padFinal.map((p) => Math.ceil(p / 3)) : [0, 0, 0, 0];
  const validNw = toOriginal([(padFinal?.[0] ?? 0) + blurReach[0] - 0.5, (padFinal?.[1] ?? 0) + blurReach[1] - 0.5]);
  const validSe = toOriginal([img.width - (padFinal?.[2] ?? 0) - blurReach[2] - 0.5, img.height - (padFinal?.[3] ?? 0) - blurReach[3] - 0.5]);
  const valid: [number, number, number, number] = [validNw[0] + 0.5, validNw[1] + 0.5, validSe[0] + 0.5, validSe[1] + 0.5];

  return {
    image: aligned,
    quad: originalQuad,
    transform: { size: outputSize, quad: originalQuad, valid },
    steps: {
      ...geometry.steps,
      quadInitial: geometry.quad,
      qsizeInitial,
      shrink,
      quadAfterShrink,
      qsizeAfterShrink,
      sizeAfterShrink,
      border,
      crop,
      cropApplied,
      quadAfterCrop,
      sizeAfterCrop,
      padRaw,
      padApplied,
      padFinal,
      blurSigma,
      quadFinal: quad,
      sizeBeforeTransform: [img.width, img.height],
      quadDataForPil,
      transformSource: img,
    },
  };
}

/** The recipe at another resolution (output_size = transform_size = size), e.g. the generator's. */
export function alignTo(size: number): (image: RgbaImage, landmarks: readonly (readonly number[])[], name?: string) => AlignedFace {
  return (image, landmarks, name) => alignFace(image, landmarks, { outputSize: size, name });
}

type FaceGeometry = Pick<AlignmentSteps, 'eyeLeft' | 'eyeRight' | 'eyeAvg' | 'eyeToEye' | 'mouthLeft' | 'mouthRight' | 'mouthAvg' | 'eyeToMouth' | 'x' | 'y' | 'c'>;

/** The oriented crop square of the FFHQ recipe: eyes 36–41 / 42–47, mouth corners 48 and 54. */
export function faceQuad(lm: readonly (readonly number[])[]): { quad: Quad; qsize: number; steps: FaceGeometry } {
  const eyeLeft = meanPoint(lm.slice(36, 42));
  const eyeRight = meanPoint(lm.slice(42, 48));
  const eyeAvg: Point = [(eyeLeft[0] + eyeRight[0]) * 0.5, (eyeLeft[1] + eyeRight[1]) * 0.5];
  const eyeToEye: Point = [eyeRight[0] - eyeLeft[0], eyeRight[1] - eyeLeft[1]];
  const mouthLeft: Point = [lm[48][0], lm[48][1]];
  const mouthRight: Point = [lm[54][0], lm[54][1]];
  const mouthAvg: Point = [(mouthLeft[0] + mouthRight[0]) * 0.5, (mouthLeft[1] + mouthRight[1]) * 0.5];
  const eyeToMouth: Point = [mouthAvg[0] - eyeAvg[0], mouthAvg[1] - eyeAvg[1]];
  // x = eye_to_eye - flipud(eye_to_mouth) * [-1, 1], normalised, then scaled.
  let x: Point = [eyeToEye[0] - eyeToMouth[1] * -1, eyeToEye[1] - eyeToMouth[0] * 1];
  const norm = Math.hypot(x[0], x[1]);
  x = [x[0] / norm, x[1] / norm];
  const scale = Math.max(Math.hypot(eyeToEye[0], eyeToEye[1]) * 2.0, Math.hypot(eyeToMouth[0], eyeToMouth[1]) * 1.8);
  x = [x[0] * scale, x[1] * scale];
  const y: Point = [x[1] * -1, x[0] * 1];
  const c: Point = [eyeAvg[0] + eyeToMouth[0] * 0.1, eyeAvg[1] + eyeToMouth[1] * 0.1];
  const quad: Quad = [
    [c[0] - x[0] - y[0], c[1] - x[1] - y[1]],
    [c[0] - x[0] + y[0], c[1] - x[1] + y[1]],
    [c[0] + x[0] + y[0], c[1] + x[1] + y[1]],
    [c[0] + x[0] - y[0], c[1] + x[1] - y[1]],
  ];
  const qsize = Math.hypot(x[0], x[1]) * 2;
  return { quad, qsize, steps: { eyeLeft, eyeRight, eyeAvg, eyeToEye, mouthLeft, mouthRight, mouthAvg, eyeToMouth, x, y, c } };
}

function meanPoint(points: readonly (readonly number[])[]): Point {
  let sx = 0;
  let sy = 0;
  for (const [px, py] of points) {
    sx += px;
    sy += py;
  }
  return [sx / points.length, sy / points.length];
}

function mapQuad(quad: Quad, f: (p: Point) => Point): Quad {
  return quad.map(f) as Quad;
}

/** floor(min x), floor(min y), ceil(max x), ceil(max y) of the quad. */
function quadBounds(quad: Quad): [number, number, number, number] {
  const xs = quad.map((p) => p[0]);
  const ys = quad.map((p) => p[1]);
  return [Math.floor(Math.min(...xs)), Math.floor(Math.min(...ys)), Math.ceil(Math.max(...xs)), Math.ceil(Math.max(...ys))];
}

function cropImage(image: RgbaImage, [left, top, right, bottom]: [number, number, number, number]): RgbaImage {
  const width = right - left;
  const height = bottom - top;
  const data = new Uint8ClampedArray(width * height * 4);
  for (let y = 0; y < height; y++) {
    const start = ((y + top) * image.width + left) * 4;
    data.set(image.data.subarray(start, start + width * 4), y * width * 4);
  }
  return { width, height, data };
}
