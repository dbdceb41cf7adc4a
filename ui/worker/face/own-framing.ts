// A demo pack's own faces: its generator draws a flat cartoon that no photo face detector finds, but every
// image it draws is already in the pack's framing (the whole square is the aligned face). So when a demo pack
// finds no face in a square image, the photo editor takes the whole image as the one face, resized to the
// encoder's size, and pastes the result back over it (models/README.md, "The demo pack"). Real packs never
// do this: their encoder expects an FFHQ-aligned photo face.
import type { AlignedFace } from './align';
import { pillowQuadTransform, type Quad } from './quad-transform';
import type { PhotoFace } from '../photo-api';
import type { RgbaImage } from '../image';

/** What the photo editor keeps of a face's alignment: the aligned pixels and the map back into the photo. */
export type FaceAlignment = Pick<AlignedFace, 'image' | 'quad' | 'transform'>;

export const OWN_FRAMING_NOTE = 'No face was found, so the demo pack edits the whole square image as one of its own cartoon faces.';

/** Whether a photo with no detected face is taken whole: a demo pack and a square image only. */
export function takesWholeImage({ demo }: { demo: boolean }, { width, height }: { width: number; height: number }): boolean {
  return demo && width === height;
}

/** The whole image as face 0. */
export function wholeImageFace({ width, height }: { width: number; height: number }): PhotoFace {
  const quad = corners(width, height);
  return { index: 0, box: { x: 0, y: 0, width, height }, score: 0, quad: quad.map(([x, y]) => [x, y]), quadSize: width, tooSmall: false };
}

/** The whole image resized to size × size (Pillow's QUAD transform, as alignFace samples), and the map back. */
export function alignWholeImage(image: RgbaImage, size: number): FaceAlignment {
  const quad = corners(image.width, image.height);
  return {
    image: pillowQuadTransform(image, size, quad.flatMap(([x, y]) => [x + 0.5, y + 0.5])),
    quad,
    transform: { size, quad, valid: [0, 0, image.width, image.height] },
  };
}

/** The image's outer corners NW, SW, SE, NE in pixel-index coordinates (pixel centres at integers). */
function corners(width: number, height: number): Quad {
  return [[-0.5, -0.5], [-0.5, height - 0.5], [width - 0.5, height - 0.5], [width - 0.5, -0.5]];
}
