// The user-facing checks around detection: image too small, no face, face too small, oversized photo.
import { MAX_IMAGE_SIDE } from '../../../contract/limits';
import { EngineError } from '../errors';
import type { RgbaImage } from '../image';
import { faceQuad, MIN_FACE_QUAD_PX } from './align';
import { detectFaces, type DetectOptions, type Face } from './detect';

// A face quad of MIN_FACE_QUAD_PX needs roughly half of it visible; smaller photos cannot hold one.
export const MIN_IMAGE_SIDE = 32;

export interface FoundFace {
  /** The largest face. */
  face: Face;
  /** Every face found, largest first. */
  faces: Face[];
  /** Side of the FFHQ crop square around `face`, in image pixels. */
  quadSize: number;
  /** Set when the photo was processed at reduced size or something else the user should know. */
  note?: string;
}

/** Detects faces and returns the largest, or throws the EngineError a user can act on. */
export async function findFace(image: RgbaImage, { name = 'the image', ...options }: DetectOptions & { name?: string } = {}): Promise<FoundFace> {
  if (image.width < MIN_IMAGE_SIDE || image.height < MIN_IMAGE_SIDE) {
    throw new EngineError(
      'ImageInvalid',
      `${name} is only ${image.width}×${image.height} px; a face needs at least ${MIN_IMAGE_SIDE}×${MIN_IMAGE_SIDE} px (in practice a few hundred). Select a larger photo.`,
    );
  }
  const faces = await detectFaces(image, options);
  if (faces.length === 0) {
    throw new EngineError('NoFace', `No face found in ${name}. Select a photo with a clearly visible, roughly frontal face.`);
  }
  const face = faces[0];
  const quadSize = faceQuad(face.landmarks).qsize;
  if (quadSize < MIN_FACE_QUAD_PX) {
    throw new EngineError(
      'FaceTooSmall',
      `The face in ${name} is ${Math.round(quadSize)} px across; at least ${MIN_FACE_QUAD_PX} px are needed. Use a larger or closer photo of the face.`,
    );
  }
  const side = Math.max(image.width, image.height);
  const note =
    side > MAX_IMAGE_SIDE
      ? `${name} is ${image.width}×${image.height} px; faces were detected on a copy scaled to at most ${MAX_IMAGE_SIDE} px per side.`
      : undefined;
  return { face, faces, quadSize, note };
}
