// Whole photos on top of the Engine: detect every face (largest first), align and invert the one chosen,
// then edit one face or all of them and paste each back into the photo. Host-agnostic, like engine.ts.
//
//   openPhoto:    RGBA ─fitPhoto (≤ 4096 px, matte, grey?)→ detectFaces → faces + quads      cached per photo
//   selectFace:   face ─alignFace(encoderSize)→ aligned ─Engine.invert→ faceKey              aligned cached per face
//                 (a demo pack takes a square image with no face whole as its aligned face: face/own-framing.ts)
//   composePhoto: each face: Engine.render(full) ─(grey?)→ pasteBack through its alignment   pixels outside masks kept
//                 (a given latent W+ replaces the face's inversion: an optimised result, pasted the same way)
//   identity:     original aligned face vs an edited or unedited render: faceRecognitionNet descriptors   per face
import { INVERT_STEPS, renderSteps, type Engine } from './engine';
import { EngineError } from './errors';
import { alignFace, faceQuad, MIN_FACE_QUAD_PX } from './face/align';
import { detectFaces, loadFaceModels as startFaceModels, type Face, type ModelFiles, type WeightsManifest } from './face/detect';
import { MIN_IMAGE_SIDE } from './face/face-errors';
import { fitPhoto } from './face/fit-photo';
import { alignWholeImage, OWN_FRAMING_NOTE, takesWholeImage, wholeImageFace, type FaceAlignment } from './face/own-framing';
import { compareDescriptors, cropForDescriptor, faceDescriptor, identityCrop, isRecognitionModelLoaded, loadRecognitionModel, type IdentityCrop } from './face/identity';
import { pasteBack } from './face/paste-back';
import { pastePreview, previewScene, type PreviewScene } from './face/paste-preview';
import { LruCache } from './cache';
import { toRgba } from './render/to-rgba';
import type { RgbaImage } from './image';
import { MIN_IDENTITY_RENDER } from './photo-api';
import type {
  ComposePhotoOptions, ComposePhotoResult, FaceIdentity, FaceIdentityOptions, FaceModelBytes, FaceModelsInput, IdentityScore,
  OpenPhotoOptions, OpenPhotoResult, PhotoFace, PreviewCropOptions, PreviewCropResult, PreviewPhotoOptions, PreviewPhotoResult, ReconstructionOptions,
  SelectFaceOptions, SelectFaceResult,
} from './photo-api';
import type { Progress, ProgressCallback } from '../../contract/progress';

// Photos kept with their detections and alignments: the one being edited plus a few of a batch. Each
// holds up to 4096² RGBA (64 MB), twice when transparent.
const MAX_PHOTOS = 4;
// Reconstruction scores kept, one per inverted face (or latent): a few photos' faces.
const MAX_RECONSTRUCTIONS = 16;

interface Photo {
  id: string;
  name: string;
  image: RgbaImage;
  analysis: RgbaImage;
  grey: boolean;
  detected: Face[];
  /** No face was detected and the demo pack takes the whole image as its face (face/own-framing.ts). */
  wholeImage: boolean;
  faces: PhotoFace[];
  notes: string[];
  /** Alignment at the encoder size per face index (the quad does not depend on the pack). */
  aligned: Map<string, FaceAlignment>;
  /** The crop each preview pastes into, per face and size: one per photo in practice (the panel's box). */
  scenes: Map<string, PreviewScene>;
  /** Per face index: the identity crop in the aligned frame and the original face's descriptor. */
  identity: Map<number, Promise<{ crop: IdentityCrop; descriptor: Float32Array }>>;
  /** Per face index: the aligned render of its latest previewPhoto, which faceIdentity scores by default. */
  lastPreview: Map<number, RgbaImage>;
}

export class PhotoEditor {
  private readonly photos = new LruCache<string, Photo>(MAX_PHOTOS);
  private readonly reconstructions = new LruCache<string, Promise<IdentityScore>>(MAX_RECONSTRUCTIONS);

  constructor(private readonly engine: Engine) {}

  /**
   * Starts tfjs's wasm backend and loads the detector and landmark nets from bytes, and the recognition net
   * when given (identity scores). Once per process.
   */
  async loadFaceModels(models: FaceModelsInput): Promise<void> {
    const wasm = models?.wasm;
    if (!(wasm?.plain instanceof Uint8Array)) throw new Error('`models.wasm.plain` must be the bytes of tfjs-backend-wasm.wasm');
    if (wasm.simd !== undefined && !(wasm.simd instanceof Uint8Array)) throw new Error('`models.wasm.simd` must be bytes or left out');
    const recognition = models.recognition === undefined ? undefined : modelFiles(models.recognition, 'recognition');
    await startFaceModels({
      detector: modelFiles(models.detector, 'detector'),
      landmarks: modelFiles(models.landmarks, 'landmarks'),
      wasm: { plain: wasm.plain, simd: wasm.simd },
    });
    if (recognition !== undefined) loadRecognitionModel(recognition);
  }

  /** Detects the faces of a photo. Throws ImageInvalid (unusable pixels, too small) or NoFace. */
  async openPhoto(image: RgbaImage, { name = 'the image' }: OpenPhotoOptions = {}): Promise<OpenPhotoResult> {
    const fitted = fitPhoto(image, name);
    const { width, height, data } = fitted.image;
    if (width < MIN_IMAGE_SIDE || height < MIN_IMAGE_SIDE) {
      throw new EngineError(
        'ImageInvalid',
        `${name} is only ${width}×${height} px; a face needs at least ${MIN_IMAGE_SIDE}×${MIN_IMAGE_SIDE} px (in practice a few hundred). Select a larger photo.`,
      );
    }
    const id = `photo:${width}x${height}:${pixelHash(data)}`;
    let photo = this.photos.get(id);
    if (photo === undefined || photo.name !== name) {
      const detected = photo?.detected ?? (await detectFaces(fitted.analysis));
      const wholeImage = detected.length === 0 && (await this.packTakesWholeImage(fitted.image));
      if (detected.length === 0 && !wholeImage) throw new EngineError('NoFace', `No face found in ${name}. Select a photo with a clearly visible, roughly frontal face.`);
      const faces = wholeImage ? [wholeImageFace(fitted.image)] : detected.map((face, index): PhotoFace => {
        const { quad, qsize } = faceQuad(face.landmarks);
        return { index, box: { ...face.box }, score: face.score, quad: quad.map(([x, y]) => [x, y]), quadSize: qsize, tooSmall: !(qsize >= MIN_FACE_QUAD_PX) };
      });
      const notes = wholeImage ? [...fitted.notes, OWN_FRAMING_NOTE] : fitted.notes;
      photo = {
        id, name, image: fitted.image, analysis: fitted.analysis, grey: fitted.grey, detected, wholeImage, faces, notes,
        aligned: photo?.aligned ?? new Map(), scenes: photo?.scenes ?? new Map(), identity: photo?.identity ?? new Map(), lastPreview: photo?.lastPreview ?? new Map(),
      };
      this.photos.set(id, photo);
    }
    return { photoId: id, width, height, faces: photo.faces.map(copyFace), notes: [...photo.notes] };
  }

  /** Aligns and inverts one face (both cached). Throws FaceTooSmall for a face under MIN_FACE_QUAD_PX. */
  async selectFace({ photoId, face }: SelectFaceOptions, onProgress?: ProgressCallback): Promise<SelectFaceResult> {
    const photo = this.photo(photoId);
    const { aligned, faceKey } = await this.invertFace(photo, checkFaceIndex(photo, face), onProgress);
    return { faceKey, aligned: { width: aligned.image.width, height: aligned.image.height, data: new Uint8ClampedArray(aligned.image.data) }, quad: aligned.quad.map(([x, y]) => [x, y]) };
  }

  /** Edits one face or every face large enough, renders each at the generator's resolution and pastes it back. */
  async composePhoto({ photoId, face, edits, latent, identity = false }: ComposePhotoOptions, onProgress?: ProgressCallback): Promise<ComposePhotoResult> {
    const photo = this.photo(photoId);
    if (latent !== undefined && face === 'all') {
      throw new EngineError('BadArgument', 'A latent is one face: compose it with one face index, not "all".');
    }
    const warnings: string[] = [];
    let indices: number[];
    if (face === 'all') {
      indices = photo.faces.filter((f) => !f.tooSmall).map((f) => f.index);
      const skipped = photo.faces.filter((f) => f.tooSmall);
      if (indices.length === 0) throw tooSmall(photo, skipped[0]);
      if (skipped.length > 0) {
        warnings.push(`${skipped.length} of the ${photo.faces.length} faces in ${photo.name} ${skipped.length === 1 ? 'is' : 'are'} under ${MIN_FACE_QUAD_PX} px across and ${skipped.length === 1 ? 'was' : 'were'} left unedited (face ${skipped.map((f) => f.index).join(', ')}).`);
      }
    } else {
      indices = [checkFaceIndex(photo, face)];
    }
    const timings: Record<string, number> = {};
    const scores: FaceIdentity[] = [];
    const scoring = identity && this.scores(photo);
    let channelsKept: number[] = [];
    let image = photo.image;
    const perFace = INVERT_STEPS + renderSteps(edits);
    const editFaces = async () => {
      for (const [n, index] of indices.entries()) {
        const face = { index, count: indices.length };
        const { aligned, faceKey, timings: invertTimings } = latent === undefined
          ? await this.invertFace(photo, index, jobProgress(onProgress, { offset: n * perFace, of: indices.length * perFace, face }))
          : { aligned: this.alignedFace(photo, index, (await this.engine.summary()).encoderSize), ...(await this.engine.faceFromWPlus(latent)) };
        add(timings, 'invert.', invertTimings);
        const rendered = await this.engine.render({ faceKey, edits, resolution: 'full' }, jobProgress(onProgress, { offset: n * perFace + INVERT_STEPS, of: indices.length * perFace, face }));
        add(timings, 'render.', rendered.timings);
        channelsKept = rendered.channelsKept;
        warnings.push(...rendered.warnings);
        const started = performance.now();
        const edited = photo.grey ? toGrey(rendered.image) : rendered.image;
        image = pasteBack(image, edited, aligned.transform);
        add(timings, '', { pasteBack: performance.now() - started });
        if (scoring) {
          const scored = performance.now();
          scores.push({ face: index, identity: await this.identityOf(photo, index, edited), reconstruction: await this.reconstructionOf(photo, index, faceKey) });
          add(timings, '', { identity: performance.now() - scored });
        }
      }
    };
    // Several faces share one encoder session (it is otherwise released after each inversion).
    await (indices.length > 1 && latent === undefined ? this.engine.withEncoderOpen(editFaces) : editFaces());
    if (image === photo.image) throw new Error('composePhoto edited no face'); // unreachable: indices is never empty
    return { image, facesEdited: indices, channelsKept, warnings: [...new Set(warnings)], timings, ...(identity && { identity: scoring ? scores : null }) };
  }

  /**
   * The identity score of an edited render of one face (aligned frame, as Engine.render returns it; by default
   * the render of its latest previewPhoto) against the original face. Null where nothing is scored (`scores`).
   */
  async faceIdentity({ photoId, face, image: given }: FaceIdentityOptions): Promise<IdentityScore | null> {
    const photo = this.photo(photoId);
    const index = checkFaceIndex(photo, face);
    if (!this.scores(photo)) return null;
    const image = given ?? photo.lastPreview.get(index);
    if (image === undefined) throw new EngineError('BadArgument', `Face ${index} of ${photo.name} has no preview yet to score: preview it first, or pass the render.`);
    if (!(image?.data instanceof Uint8ClampedArray) || !(image.width >= MIN_IDENTITY_RENDER) || image.height !== image.width || image.data.length !== image.width * image.height * 4) {
      throw new EngineError('BadArgument', `An identity score needs a square RGBA render at least ${MIN_IDENTITY_RENDER} px wide.`);
    }
    return this.identityOf(photo, index, photo.grey ? toGrey(image) : image);
  }

  /**
   * The reconstruction score of one face: the original against its unedited render (of its inversion, or of
   * `latent`), so a poor inversion shows before any edit. Cached per face. Null where nothing is scored (`scores`).
   */
  async faceReconstruction({ photoId, face, latent }: ReconstructionOptions): Promise<IdentityScore | null> {
    const photo = this.photo(photoId);
    const index = checkFaceIndex(photo, face);
    if (!this.scores(photo)) return null;
    const { faceKey } = latent === undefined ? await this.invertFace(photo, index) : await this.engine.faceFromWPlus(latent);
    return this.reconstructionOf(photo, index, faceKey);
  }

  /**
   * Whether a photo's faces get identity scores: the recognition net is loaded and the faces were detected
   * (a demo pack's whole-image face has no landmarks to crop by, and no face the net would recognise).
   */
  private scores(photo: Photo): boolean {
    return isRecognitionModelLoaded() && !photo.wholeImage;
  }

  private async identityOf(photo: Photo, index: number, render: RgbaImage): Promise<IdentityScore> {
    const original = await this.originalIdentity(photo, index);
    return compareDescriptors(original.descriptor, await faceDescriptor(cropForDescriptor(render, original.crop)));
  }

  /** The unedited render at the smallest preview size ≥ MIN_IDENTITY_RENDER (else full size), scored. */
  private reconstructionOf(photo: Photo, index: number, faceKey: string): Promise<IdentityScore> {
    return this.reconstructions.getOrCreate(`${photo.id}#${index}#${faceKey}`, async () => {
      const summary = await this.engine.summary();
      const sizes = summary.previewResolutions.filter((size) => size >= MIN_IDENTITY_RENDER);
      const resolution = sizes.length > 0 ? Math.min(...sizes) : 'full';
      const { s } = await this.engine.latents(faceKey);
      const rendered = toRgba(await this.engine.synthesize({ s, resolution }));
      return this.identityOf(photo, index, photo.grey ? toGrey(rendered) : rendered);
    });
  }

  /** The identity crop and the original face's descriptor, from its alignment at the encoder size (cached). */
  private originalIdentity(photo: Photo, index: number): Promise<{ crop: IdentityCrop; descriptor: Float32Array }> {
    let original = photo.identity.get(index);
    if (original === undefined) {
      original = (async () => {
        const aligned = this.alignedFace(photo, index, (await this.engine.summary()).encoderSize);
        const crop = identityCrop(photo.detected[index].landmarks, aligned.transform);
        return { crop, descriptor: await faceDescriptor(cropForDescriptor(aligned.image, crop)) };
      })();
      original.catch(() => photo.identity.delete(index));
      photo.identity.set(index, original);
    }
    return original;
  }

  /**
   * Renders a preview of the edits and pastes it into the crop around the face, with composePhoto's mask and
   * colour match, so the preview shows what Apply writes (face/paste-preview.ts). The crop is cached per face.
   */
  async previewPhoto({ photoId, face, size, ...render }: PreviewPhotoOptions, onProgress?: ProgressCallback): Promise<PreviewPhotoResult> {
    const photo = this.photo(photoId);
    const index = checkFaceIndex(photo, face);
    const scene = await this.previewSceneOf(photo, index, size);
    const rendered = await this.engine.render(render, onProgress);
    photo.lastPreview.set(index, rendered.image);
    const started = performance.now();
    const image = pastePreview(scene, photo.grey ? toGrey(rendered.image) : rendered.image);
    return { ...rendered, image, crop: { ...scene.crop }, exit: rendered.image.width, timings: { ...rendered.timings, pastePreview: performance.now() - started } };
  }

  /** The crop previewPhoto pastes into, as it is: the preview's "before", shown until the first edit renders. */
  async previewCrop({ photoId, face, size }: PreviewCropOptions): Promise<PreviewCropResult> {
    const photo = this.photo(photoId);
    const { before, crop } = await this.previewSceneOf(photo, checkFaceIndex(photo, face), size);
    return { image: { width: before.width, height: before.height, data: new Uint8ClampedArray(before.data) }, crop: { ...crop } };
  }

  private async previewSceneOf(photo: Photo, index: number, size: number): Promise<PreviewScene> {
    const key = `${index}@${size}`;
    let scene = photo.scenes.get(key);
    if (scene === undefined) {
      scene = previewScene(photo.image, this.alignedFace(photo, index, (await this.engine.summary()).encoderSize).transform, size);
      photo.scenes.set(key, scene);
    }
    return scene;
  }

  /** Whether the loaded pack takes a photo without a detected face whole (face/own-framing.ts); no pack, no. */
  private async packTakesWholeImage(image: RgbaImage): Promise<boolean> {
    if (!this.engine.hasPack()) return false;
    return takesWholeImage(await this.engine.summary(), image);
  }

  private photo(photoId: string): Photo {
    const photo = this.photos.get(photoId);
    if (photo === undefined) {
      throw new EngineError('BadArgument', `No open photo has the id "${photoId}" (the last ${MAX_PHOTOS} photos are kept). Open the photo again.`);
    }
    return photo;
  }

  private async invertFace(photo: Photo, index: number, onProgress?: ProgressCallback): Promise<{ aligned: FaceAlignment; faceKey: string; timings: Record<string, number> }> {
    const started = performance.now();
    const aligned = this.alignedFace(photo, index, (await this.engine.summary()).encoderSize);
    const align = performance.now() - started;
    const inverted = await this.engine.invert(aligned.image, onProgress);
    return { aligned, faceKey: inverted.faceKey, timings: { align, ...inverted.timings } };
  }

  /** The face aligned for the encoder (cached per size). Throws FaceTooSmall for a face under MIN_FACE_QUAD_PX. */
  private alignedFace(photo: Photo, index: number, encoderSize: number): FaceAlignment {
    const info = photo.faces[index];
    if (info.tooSmall) throw tooSmall(photo, info);
    const key = `${index}@${encoderSize}`;
    let aligned = photo.aligned.get(key);
    if (aligned === undefined) {
      aligned = photo.wholeImage ? alignWholeImage(photo.analysis, encoderSize) : alignFace(photo.analysis, photo.detected[index].landmarks, { outputSize: encoderSize, name: photo.name });
      photo.aligned.set(key, aligned);
    }
    return aligned;
  }
}

// ------------------------------------------------------------------ helpers
function modelFiles(model: FaceModelBytes | undefined, which: string): ModelFiles {
  if (!(model?.weights instanceof Uint8Array)) throw new Error(`\`models.${which}.weights\` must be the bytes of the net's weight shards`);
  const manifest = model.manifest;
  const valid =
    Array.isArray(manifest) &&
    manifest.every((group) => Array.isArray(group?.paths) && Array.isArray(group?.weights) && group.weights.every((w: unknown) => typeof (w as { name?: unknown })?.name === 'string' && Array.isArray((w as { shape?: unknown }).shape)));
  if (!valid) throw new Error(`\`models.${which}.manifest\` must be a parsed tfjs weights manifest ([{ paths, weights: [{ name, shape, dtype }] }])`);
  return { manifest: manifest as WeightsManifest, weights: model.weights };
}

function checkFaceIndex(photo: Photo, face: number): number {
  if (!Number.isInteger(face) || face < 0 || face >= photo.faces.length) {
    const valid = photo.faces.length === 1 ? '0' : `0 to ${photo.faces.length - 1}`;
    throw new EngineError('BadArgument', `There is no face ${String(face)} in ${photo.name}: it has ${photo.faces.length} face${photo.faces.length === 1 ? '' : 's'}. Must be one of: ${valid}, all`);
  }
  return face;
}

function tooSmall(photo: Photo, face: PhotoFace): EngineError {
  const which = photo.faces.length === 1 ? 'The face' : `Face ${face.index}`;
  return new EngineError(
    'FaceTooSmall',
    `${which} in ${photo.name} is too small to edit: ${Math.round(face.quadSize)} px across; at least ${MIN_FACE_QUAD_PX} px are needed. Use a larger or closer photo of the face.`,
  );
}

function copyFace(face: PhotoFace): PhotoFace {
  return { ...face, box: { ...face.box }, quad: face.quad.map(([x, y]) => [x, y]) };
}

/**
 * composePhoto as one job: each face's inversion steps, then its edit and render steps, face after face, so
 * the step count never goes back and ends at `of`. Steps of a cached inversion are simply not reported.
 */
function jobProgress(onProgress: ProgressCallback | undefined, { offset, of, face }: { offset: number; of: number; face: { index: number; count: number } }): ProgressCallback | undefined {
  if (onProgress === undefined) return undefined;
  return (progress: Progress) => {
    if (!('step' in progress)) return onProgress(progress);
    onProgress({ ...progress, step: offset + progress.step, of, ...(face.count > 1 ? { face } : {}) });
  };
}

/** ITU-R BT.601 luma in every channel (what a greyscale photo's editor would show). */
function toGrey(image: RgbaImage): RgbaImage {
  const data = new Uint8ClampedArray(image.data);
  for (let i = 0; i < data.length; i += 4) {
    const y = Math.round(0.299 * data[i] + 0.587 * data[i + 1] + 0.114 * data[i + 2]);
    data[i] = data[i + 1] = data[i + 2] = y;
  }
  return { width: image.width, height: image.height, data };
}

/**
 * Two independent 32-bit FNV-1a-style hashes over the pixels' 32-bit words (64 bits in all). Not
 * crypto.subtle: a blob: Worker in Figma's null-origin iframe is not a secure context and has none.
 */
function pixelHash(data: Uint8ClampedArray): string {
  const words = data.byteOffset % 4 === 0 ? new Uint32Array(data.buffer, data.byteOffset, data.length >> 2) : new Uint32Array(data.slice().buffer);
  let a = 0x811c9dc5;
  let b = 0x01000193 ^ data.length;
  for (let i = 0; i < words.length; i++) {
    a = Math.imul(a ^ words[i], 0x01000193);
    b = Math.imul(b ^ words[i], 0x5bd1e995) ^ (b >>> 15);
  }
  return `${(a >>> 0).toString(16).padStart(8, '0')}${(b >>> 0).toString(16).padStart(8, '0')}`;
}

function add(into: Record<string, number>, prefix: string, timings: Record<string, number>): void {
  for (const [stage, ms] of Object.entries(timings)) into[prefix + stage] = (into[prefix + stage] ?? 0) + ms;
}
