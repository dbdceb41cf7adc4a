// "Does this still look like the same person": face-api's faceRecognitionNet (a dlib-style ResNet) gives a
// 128-d descriptor of a 150×150 face crop; two descriptors are compared by Euclidean distance, and the
// distance is shown as a 0–100 score calibrated on the project's sample faces (README, "Identity meter").
// The crop is taken from images in the aligned (FFHQ) frame: the photo's aligned face and the generator's
// renders share it, so one crop box, from the face's own landmarks, serves every image of that face.
import * as faceapi from '@vladmandic/face-api/dist/face-api.esm-nobundle.js';
import type { RgbaImage } from '../image';
import { resizePillow } from '../resize-pillow';
import { decodeWeights, isFaceModelLoaded, type ModelFiles } from './detect';
import { sourceToAligned, type QuadTransform } from './quad-transform';

const tf = faceapi.tf;

/** faceRecognitionNet's input side. */
export const DESCRIPTOR_INPUT_SIZE = 150;
/** face-api's (and dlib's) usual threshold: descriptors closer than this are taken as the same person. */
export const SAME_PERSON_DISTANCE = 0.6;
/**
 * Distance → displayed score, piecewise linear between these anchors, measured with this module's crop on
 * the sample faces (README, "Identity meter"): copies of one photo (flipped, grey, half size, brighter, a
 * JPEG of it) lie 0.16–0.28 apart → ≥ 85; face-api's threshold 0.6 → 50; pairs of different people in
 * face-api's demo photos lie 0.45–0.93 apart (median 0.74) → 0 from 0.8 on.
 */
const SCORE_ANCHORS: readonly (readonly [distance: number, score: number])[] = [
  [0, 100],
  [0.3, 85],
  [SAME_PERSON_DISTANCE, 50],
  [0.8, 0],
];
// face-api's own crop (FaceLandmarks.align → alignMinBbox) pads the landmarks' box by 20 % of its size.
const CROP_PADDING = 0.2;

/** A square in the aligned frame, as fractions of its side (so it fits every render size). */
export interface IdentityCrop {
  left: number;
  top: number;
  side: number;
}

export interface IdentityScore {
  /** Euclidean distance of the two 128-d descriptors (0 = identical descriptors). */
  distance: number;
  /** 0–100 (identityScore): 100 at distance 0, 50 at SAME_PERSON_DISTANCE, 0 from 0.8 on. */
  score: number;
}

let loaded = false;

/** Loads faceRecognitionNet from its bytes. Needs loadFaceModels() first (it starts tfjs's wasm backend). */
export function loadRecognitionModel(files: ModelFiles): void {
  if (loaded) return;
  if (!isFaceModelLoaded()) throw new Error('loadRecognitionModel needs loadFaceModels() first');
  faceapi.nets.faceRecognitionNet.loadFromWeightMap(decodeWeights(files, 'recognition'));
  loaded = true;
}

export function isRecognitionModelLoaded(): boolean {
  return loaded;
}

/**
 * The crop for a face aligned through `transform`: the box of its 68 landmarks (photo coordinates) in the
 * aligned frame, padded as face-api pads it and made square about its centre.
 */
export function identityCrop(landmarks: readonly (readonly number[])[], transform: QuadTransform): IdentityCrop {
  const points = landmarks.map(([x, y]) => sourceToAligned(transform, x, y).map((v) => (v + 0.5) / transform.size));
  const xs = points.map((p) => p[0]);
  const ys = points.map((p) => p[1]);
  const width = Math.max(...xs) - Math.min(...xs);
  const height = Math.max(...ys) - Math.min(...ys);
  const side = Math.max(width, height) * (1 + CROP_PADDING);
  const centre = [(Math.max(...xs) + Math.min(...xs)) / 2, (Math.max(...ys) + Math.min(...ys)) / 2];
  return { left: centre[0] - side / 2, top: centre[1] - side / 2, side };
}

/** The net's 150×150 input: `crop` of an aligned-frame image of any size (outside the image reads the edge). */
export function cropForDescriptor(image: RgbaImage, crop: IdentityCrop): RgbaImage {
  const side = Math.max(1, Math.round(crop.side * image.width));
  const left = Math.round(crop.left * image.width);
  const top = Math.round(crop.top * image.height);
  const data = new Uint8ClampedArray(side * side * 4);
  for (let y = 0; y < side; y++) {
    const sy = Math.min(image.height - 1, Math.max(0, top + y));
    for (let x = 0; x < side; x++) {
      const sx = Math.min(image.width - 1, Math.max(0, left + x));
      data.set(image.data.subarray((sy * image.width + sx) * 4, (sy * image.width + sx) * 4 + 4), (y * side + x) * 4);
    }
  }
  return resizePillow({ width: side, height: side, data }, { width: DESCRIPTOR_INPUT_SIZE, height: DESCRIPTOR_INPUT_SIZE, filter: 'bilinear' });
}

/** faceRecognitionNet's 128-d descriptor of a face crop (any size; the net resizes it to 150×150). */
export async function faceDescriptor(face: RgbaImage): Promise<Float32Array> {
  if (!loaded) throw new Error('faceDescriptor needs loadRecognitionModel() first');
  const pixels = new Int32Array(face.width * face.height * 3);
  for (let p = 0; p < face.width * face.height; p++) {
    pixels[p * 3] = face.data[p * 4];
    pixels[p * 3 + 1] = face.data[p * 4 + 1];
    pixels[p * 3 + 2] = face.data[p * 4 + 2];
  }
  const tensor = tf.tensor3d(pixels, [face.height, face.width, 3], 'int32');
  try {
    const descriptor = await faceapi.nets.faceRecognitionNet.computeFaceDescriptor(tensor);
    return Float32Array.from(descriptor as Float32Array);
  } finally {
    tensor.dispose();
  }
}

export function descriptorDistance(a: Float32Array, b: Float32Array): number {
  if (a.length !== b.length) throw new Error(`descriptors differ in length: ${a.length} and ${b.length}`);
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += (a[i] - b[i]) ** 2;
  return Math.sqrt(sum);
}

/** Distance → 0–100 (whole numbers) through SCORE_ANCHORS; 0 beyond the last one, and for NaN. */
export function identityScore(distance: number): number {
  if (!(distance >= 0)) return 0;
  for (let i = 1; i < SCORE_ANCHORS.length; i++) {
    const [d0, s0] = SCORE_ANCHORS[i - 1];
    const [d1, s1] = SCORE_ANCHORS[i];
    if (distance <= d1) return Math.round(s0 + ((distance - d0) / (d1 - d0)) * (s1 - s0));
  }
  return 0;
}

/** Distance and score of two descriptors. */
export function compareDescriptors(original: Float32Array, edited: Float32Array): IdentityScore {
  const distance = descriptorDistance(original, edited);
  return { distance, score: identityScore(distance) };
}
