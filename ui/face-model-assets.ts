// The face models inlined in ui.html by scripts/build.mjs (face-api's detector, 68-point and recognition nets,
// tfjs's wasm binaries), decompressed into what the engine's loadFaceModels takes. Nothing is fetched.
import { readInlinedAsset } from './inline-assets';
import type { FaceModelsInput } from './worker/photo-api';

export const FACE_MODELS_ELEMENT_ID = 'face-models-gz-base64'; // also in scripts/build.mjs

interface Span {
  offset: number;
  length: number;
}
interface BlobIndex {
  detector: Span & { manifest: unknown };
  landmarks: Span & { manifest: unknown };
  recognition: Span & { manifest: unknown };
  wasm: { plain: Span; simd: Span };
}

/**
 * Reads the #face-models-gz-base64 element: gzip of [u32 LE index length][JSON index][bytes]. Each returned
 * array has its own buffer, so the caller can transfer them all to the worker:
 *   engine.loadFaceModels(transfer(models, faceModelBuffers(models)))
 */
export async function readFaceModelAssets(doc: Pick<Document, 'getElementById'> = document): Promise<FaceModelsInput> {
  return parseFaceModelBlob(new Uint8Array(await readInlinedAsset(doc, FACE_MODELS_ELEMENT_ID)), `#${FACE_MODELS_ELEMENT_ID}`);
}

/** The blob's parts (the hosted page fetches the same blob as face-models.bin); `where` names it in errors. */
export function parseFaceModelBlob(bytes: Uint8Array, where: string): FaceModelsInput {
  if (bytes.byteLength < 4) throw new Error(`${where} is cut short: rebuild the plugin with npm run build`);
  const indexLength = new DataView(bytes.buffer).getUint32(0, true);
  const index = JSON.parse(new TextDecoder().decode(bytes.subarray(4, 4 + indexLength))) as BlobIndex;
  const start = 4 + indexLength;
  const part = ({ offset, length }: Span): Uint8Array => {
    if (start + offset + length > bytes.length) throw new Error(`${where} is cut short: rebuild the plugin with npm run build`);
    return bytes.slice(start + offset, start + offset + length);
  };
  return {
    detector: { manifest: index.detector.manifest, weights: part(index.detector) },
    landmarks: { manifest: index.landmarks.manifest, weights: part(index.landmarks) },
    recognition: { manifest: index.recognition.manifest, weights: part(index.recognition) },
    wasm: { plain: part(index.wasm.plain), simd: part(index.wasm.simd) },
  };
}

/** The buffers of `models`, for comlink's transfer(). */
export function faceModelBuffers(models: FaceModelsInput): ArrayBuffer[] {
  const arrays = [models.detector.weights, models.landmarks.weights, ...(models.recognition ? [models.recognition.weights] : []), models.wasm.plain, ...(models.wasm.simd ? [models.wasm.simd] : [])];
  return arrays.map((array) => array.buffer as ArrayBuffer);
}
