// The photo pipeline's public types (photo-editor.ts): what the panel sends through comlink and gets back.
// Plain records only; pixels cross as { width, height, data } with their buffers transferred.
import type { EditSpec, RenderOptions, RenderResult, Timings } from './engine-api';
import type { RgbaImage } from './image';

/** One tfjs network: its weights manifest (`*-weights_manifest.json`, parsed) and its shards' bytes in manifest order. */
export interface FaceModelBytes {
  manifest: unknown;
  weights: Uint8Array;
}

/** face-api's detector and 68-point landmark nets plus tfjs's wasm binaries, as bytes (nothing is fetched). */
export interface FaceModelsInput {
  /** ssd_mobilenetv1_model */
  detector: FaceModelBytes;
  /** face_landmark_68_model */
  landmarks: FaceModelBytes;
  /** tfjs-backend-wasm.wasm and, optionally (faster), tfjs-backend-wasm-simd.wasm. */
  wasm: { plain: Uint8Array; simd?: Uint8Array };
  /** face_recognition_model, for the identity scores; without it they are null. */
  recognition?: FaceModelBytes;
}

export type QuadPoints = [number, number][];

export interface PhotoFace {
  /** Position in `faces`: 0 is the largest face. */
  index: number;
  box: { x: number; y: number; width: number; height: number };
  score: number;
  /** FFHQ alignment square, corners NW, SW, SE, NE, in pixel-index coordinates of the (≤ 4096 px) photo. */
  quad: QuadPoints;
  /** Side of that square in pixels. */
  quadSize: number;
  /** Under MIN_FACE_QUAD_PX across: listed, but selectFace/composePhoto refuse it (FaceTooSmall). */
  tooSmall: boolean;
}

export interface OpenPhotoOptions {
  /** Used in messages, e.g. the layer or file name. Default "the image". */
  name?: string;
}

export interface OpenPhotoResult {
  /** Same pixels → same id (and no second detection). */
  photoId: string;
  /** The size the photo is processed and returned at (≤ MAX_IMAGE_SIDE per side, contract/limits.ts). */
  width: number;
  height: number;
  /** Largest first. Never empty (NoFace instead). */
  faces: PhotoFace[];
  /** Things the user should know: downscaled, transparency, greyscale. */
  notes: string[];
}

export interface SelectFaceOptions {
  photoId: string;
  face: number;
}

export interface SelectFaceResult {
  /** For Engine.render / editLatents. */
  faceKey: string;
  /** The aligned face the encoder inverted (encoderSize square). */
  aligned: RgbaImage;
  quad: QuadPoints;
}

export interface ComposePhotoOptions {
  photoId: string;
  /** One face index, or every face that is large enough to edit. */
  face: number | 'all';
  edits: EditSpec[];
  /**
   * A W+ [numWs × wDim] to render for the face instead of inverting it (an optimised latent from
   * python3 -m models.optimize); the edits apply on top. Only with one face index.
   */
  latent?: Float32Array;
  /** Also score each edited face against the original (identity) and its unedited render (reconstruction). */
  identity?: boolean;
}

export interface ComposePhotoResult {
  /** The whole photo at the size openPhoto reported; pixels outside the faces' paste masks are unchanged. */
  image: RgbaImage;
  facesEdited: number[];
  /** Channels kept by each global edit, in edit order (the same for every face). */
  channelsKept: number[];
  warnings: string[];
  timings: Timings;
  /** With `identity`: one entry per edited face; null when the recognition net is not loaded or the face was taken whole (a demo pack's own framing). */
  identity?: FaceIdentity[] | null;
}

/**
 * Similarity of two faces' 128-d faceRecognitionNet descriptors (face/identity.ts): a likeness of
 * descriptors, not a proof of identity; outside the net's domain (cartoon faces) it means little.
 */
export interface IdentityScore {
  /** Euclidean distance (face-api's usual same-person threshold is 0.6). */
  distance: number;
  /** 0–100: 100 at distance 0, 50 at 0.6, 0 from 0.8 on (calibrated on sample faces; README, "Identity meter"). */
  score: number;
}

export interface FaceIdentity {
  face: number;
  /** The original face vs the edited result. */
  identity: IdentityScore;
  /** The original face vs its unedited render (the inversion, or the given latent): how well it was inverted. */
  reconstruction: IdentityScore;
}

/** faceIdentity's smallest render: below it the face crop is too blurred for the net (golden-tiny's 32 px previews). */
export const MIN_IDENTITY_RENDER = 128;

export interface FaceIdentityOptions {
  photoId: string;
  face: number;
  /**
   * An edited render of that face in the aligned frame, as Engine.render returns it (≥ 128 px wide); left out,
   * the render of the face's latest previewPhoto (so the panel sends nothing back).
   */
  image?: RgbaImage;
}

export interface ReconstructionOptions {
  photoId: string;
  face: number;
  /** The W+ rendered instead of the face's inversion (the panel's latent method). */
  latent?: Float32Array;
}

/**
 * The preview in place: render `faceKey` with `edits` at `resolution` (as Engine.render) and paste it into the
 * crop of the photo around face `face`, as composePhoto pastes the full-size render (face/paste-preview.ts).
 */
export interface PreviewPhotoOptions extends RenderOptions {
  photoId: string;
  face: number;
  /** Longest side of the preview, px (PREVIEW_SIDE_RANGE); the crop is never enlarged. */
  size: number;
}

/** Where a preview crop lies in the photo (pixel-index, right/bottom exclusive), before scaling to its size. */
export interface CropBox {
  left: number;
  top: number;
  right: number;
  bottom: number;
}

export interface PreviewPhotoResult extends RenderResult {
  /** The crop with the edited face pasted in, colour-matched: what Apply writes there, at preview size. */
  image: RgbaImage;
  crop: CropBox;
  /**
   * The side of the render that was pasted: the exit the synthesis chain stopped at (a draft's may be below
   * `resolution`), or the generator's resolution for 'full'. The image is scaled to `size` either way.
   */
  exit: number;
}

/** The crop previewPhoto pastes into, unedited: the "before" of the preview in place. */
export interface PreviewCropOptions {
  photoId: string;
  face: number;
  size: number;
}

export interface PreviewCropResult {
  image: RgbaImage;
  crop: CropBox;
}
