// Face detection and dlib-layout 68 landmarks: @vladmandic/face-api (ssd_mobilenetv1 + face_landmark_68)
// on the tfjs wasm backend. Weights and wasm binaries arrive as bytes: nothing here fetches from a network.
import { MAX_IMAGE_SIDE } from '../../../contract/limits';
import * as faceapi from '@vladmandic/face-api/dist/face-api.esm-nobundle.js';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm/dist/index.js';
import type * as TfCore from '@tensorflow/tfjs-core';
import type { RgbaImage } from '../image';
import { faceGeometryProblem, measureFaceGeometry } from './face-geometry';
import { findTiltedFaces, straightenFaces, type DetectPass } from './tilted-faces';

// face-api's own tfjs instance; its typings omit setBackend, ready and env, which come from tfjs-core's.
const tf = faceapi.tf;
const tfBackends = faceapi.tf as unknown as Pick<typeof TfCore, 'env' | 'setBackend' | 'ready'>;

/** A tfjs weights manifest (`*-weights_manifest.json`) and its shards' bytes, concatenated in manifest order. */
export interface ModelFiles {
  manifest: WeightsManifest;
  weights: Uint8Array;
}
export type WeightsManifest = { paths: string[]; weights: WeightSpec[] }[];
type WeightSpec = Parameters<typeof tf.io.decodeWeights>[1][number];

export interface FaceModelFiles {
  /** ssd_mobilenetv1_model */
  detector: ModelFiles;
  /** face_landmark_68_model */
  landmarks: ModelFiles;
  /** tfjs-backend-wasm/dist binaries: tfjs-backend-wasm.wasm and (optional, faster) tfjs-backend-wasm-simd.wasm. */
  wasm: { plain: Uint8Array; simd?: Uint8Array };
}

export interface Face {
  box: { x: number; y: number; width: number; height: number };
  score: number;
  /** 68 points, dlib order, pixel-index coordinates of the input image. */
  landmarks: [number, number][];
  /**
   * Set only for a tilted face (tilted-faces.ts): the degrees (clockwise) by which the copy it was found on
   * had been rotated. Box and landmarks are in the photo's coordinates all the same; the box is the upright
   * bounds of the detector's rotated box.
   */
  rotated?: number;
}

export interface DetectOptions {
  /** Detector confidence threshold (face-api's SsdMobilenetv1Options default). */
  minScore?: number;
}

// face-api's SsdMobilenetv1Options default minConfidence.
const DEFAULT_MIN_SCORE = 0.5;
// Enough for group photos; ssd_mobilenetv1 keeps at most 100.
const MAX_FACES = 50;

let loaded: Promise<void> | null = null;

/**
 * Starts the tfjs wasm backend from the given binaries and loads both networks from their bytes.
 * Call once; later calls return the first call's promise.
 */
export function loadFaceModels(files: FaceModelFiles): Promise<void> {
  loaded ??= initialise(files).catch((error: unknown) => {
    loaded = null;
    throw error;
  });
  return loaded;
}

async function initialise({ detector, landmarks, wasm }: FaceModelFiles): Promise<void> {
  ensureWorkerEnvironment();
  // A Figma plugin iframe is not cross-origin isolated, and Node has no wasm threads in tfjs: use the
  // single-threaded builds so only those binaries are needed.
  tfBackends.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
  if (!wasm.simd) tfBackends.env().set('WASM_HAS_SIMD_SUPPORT', false);
  const plain = bytesUrl(wasm.plain);
  const simd = wasm.simd ? bytesUrl(wasm.simd) : plain;
  // Object URLs fetched through the platform's fetch: works in a Worker and in Node ≥ 20 alike.
  setWasmPaths({ 'tfjs-backend-wasm.wasm': plain, 'tfjs-backend-wasm-simd.wasm': simd, 'tfjs-backend-wasm-threaded-simd.wasm': simd }, true);
  try {
    if (!(await tfBackends.setBackend('wasm'))) throw new Error('the tfjs wasm backend did not start');
    await tfBackends.ready();
  } finally {
    URL.revokeObjectURL(plain);
    URL.revokeObjectURL(simd);
  }
  faceapi.nets.ssdMobilenetv1.loadFromWeightMap(decodeWeights(detector, 'detector'));
  faceapi.nets.faceLandmark68Net.loadFromWeightMap(decodeWeights(landmarks, 'landmarks'));
}

/**
 * face-api knows two hosts, a window (document, HTMLCanvasElement…) and Node; in a Worker it has neither and
 * its getEnv() throws on the first detection. Inputs here are tensors, so it only runs instanceof checks
 * against these classes: give it OffscreenCanvas and classes that nothing is an instance of.
 */
function ensureWorkerEnvironment(): void {
  try {
    faceapi.env.getEnv();
    return;
  } catch {
    // no environment: a Worker
  }
  class NotInAWorker {}
  const scope = globalThis as unknown as { OffscreenCanvas?: new (w: number, h: number) => object; OffscreenCanvasRenderingContext2D?: unknown; ImageData?: unknown };
  const Canvas = scope.OffscreenCanvas ?? NotInAWorker;
  const env = {
    Canvas,
    CanvasRenderingContext2D: scope.OffscreenCanvasRenderingContext2D ?? NotInAWorker,
    Image: NotInAWorker,
    ImageData: scope.ImageData ?? NotInAWorker,
    Video: NotInAWorker,
    createCanvasElement: () => new (Canvas as new (w: number, h: number) => object)(1, 1),
    createImageElement: () => new NotInAWorker(),
    createVideoElement: () => new NotInAWorker(),
    fetch: (...args: Parameters<typeof fetch>) => fetch(...args),
    readFile: () => {
      throw new Error('face-api has no file system in a Worker');
    },
  };
  faceapi.env.setEnv(env as unknown as Parameters<typeof faceapi.env.setEnv>[0]);
}

/** Whether loadFaceModels() has finished (tfjs's backend runs, so further nets can load). */
export function isFaceModelLoaded(): boolean {
  return faceapi.nets.ssdMobilenetv1.isLoaded;
}

function bytesUrl(bytes: Uint8Array): string {
  return URL.createObjectURL(new Blob([bytes as Uint8Array<ArrayBuffer>], { type: 'application/wasm' }));
}

/** A net's weight map from its manifest and bytes; the byte count is checked against the manifest first. */
export function decodeWeights({ manifest, weights }: ModelFiles, which: string): ReturnType<typeof tf.io.decodeWeights> {
  const specs = manifest.flatMap((group) => group.weights);
  const buffer = weights.buffer.slice(weights.byteOffset, weights.byteOffset + weights.byteLength) as ArrayBuffer;
  const expected = specs.reduce((sum, spec) => sum + weightBytes(spec), 0);
  if (expected !== buffer.byteLength) {
    throw new Error(`face model \`${which}\`: the manifest describes ${expected} bytes of weights, got ${buffer.byteLength}`);
  }
  return tf.io.decodeWeights(buffer, specs);
}

function weightBytes(spec: WeightSpec): number {
  const count = spec.shape.reduce((a, b) => a * b, 1);
  const dtype = spec.quantization?.dtype ?? spec.dtype;
  return count * (dtype === 'uint8' ? 1 : dtype === 'uint16' || dtype === 'float16' ? 2 : 4);
}

/** All faces in `image`, largest box first; [] when there is none. */
export async function detectFaces(image: RgbaImage, { minScore = DEFAULT_MIN_SCORE }: DetectOptions = {}): Promise<Face[]> {
  if (!loaded) throw new Error('detectFaces needs loadFaceModels() first');
  // Larger photos are downscaled for detection only; coordinates are scaled back.
  const scale = Math.min(1, MAX_IMAGE_SIDE / Math.max(image.width, image.height));
  const input = scale < 1 ? downscale(image, scale) : image;
  // Coordinates of the detection input → the caller's image (centres of downscaled pixels map back exactly).
  const back = (v: number): number => (v + 0.5) / scale - 0.5;
  const toImage = (face: Face): Face => scale === 1 ? face : ({
    ...face,
    box: { x: face.box.x / scale, y: face.box.y / scale, width: face.box.width / scale, height: face.box.height / scale },
    landmarks: face.landmarks.map(([x, y]): [number, number] => [back(x), back(y)]),
  });

  // One pass for a photo of upright faces; tilted ones get more (tilted-faces.ts).
  const pass: DetectPass = async (copy) => (await detectCandidates(copy, { minScore })).filter(isHumanFace);
  const upright = await pass(input);
  const faces = upright.length > 0 ? await straightenFaces(input, upright, pass) : await findTiltedFaces(input, pass);
  return faces.map(toImage).sort((a, b) => b.box.width * b.box.height - a.box.width * a.box.height);
}

function isHumanFace(face: Face): boolean {
  return faceGeometryProblem(measureFaceGeometry(face.landmarks, face.box)) === null;
}

/**
 * Every detection of one detector pass on `image` as it is (no rotation, no downscaling, no geometry
 * check), in its pixel-index coordinates. detectFaces is built on it; tests use it to see what was refused.
 */
export async function detectCandidates(image: RgbaImage, { minScore = DEFAULT_MIN_SCORE }: DetectOptions = {}): Promise<Face[]> {
  if (!loaded) throw new Error('detectFaces needs loadFaceModels() first');
  await loaded;
  const pixels = new Int32Array(image.width * image.height * 3);
  for (let p = 0; p < image.width * image.height; p++) {
    pixels[p * 3] = image.data[p * 4];
    pixels[p * 3 + 1] = image.data[p * 4 + 1];
    pixels[p * 3 + 2] = image.data[p * 4 + 2];
  }
  const tensor = tf.tensor3d(pixels, [image.height, image.width, 3], 'int32');
  try {
    const options = new faceapi.SsdMobilenetv1Options({ minConfidence: minScore, maxResults: MAX_FACES });
    const results = await faceapi.detectAllFaces(tensor, options).withFaceLandmarks();
    return results.map(({ detection, landmarks }): Face => {
      const { x, y, width, height } = detection.box;
      return { box: { x, y, width, height }, score: detection.score, landmarks: landmarks.positions.map((p): [number, number] => [p.x, p.y]) };
    });
  } finally {
    tensor.dispose();
  }
}

/** Area-averaging downscale by `scale` < 1 (each output pixel averages the source pixels it covers). */
function downscale(image: RgbaImage, scale: number): RgbaImage {
  const width = Math.max(1, Math.round(image.width * scale));
  const height = Math.max(1, Math.round(image.height * scale));
  const data = new Uint8ClampedArray(width * height * 4);
  const sx = image.width / width;
  const sy = image.height / height;
  for (let y = 0; y < height; y++) {
    const y0 = Math.floor(y * sy);
    const y1 = Math.max(y0 + 1, Math.floor((y + 1) * sy));
    for (let x = 0; x < width; x++) {
      const x0 = Math.floor(x * sx);
      const x1 = Math.max(x0 + 1, Math.floor((x + 1) * sx));
      const sum = [0, 0, 0];
      for (let yy = y0; yy < y1; yy++) {
        for (let xx = x0; xx < x1; xx++) {
          const s = (yy * image.width + xx) * 4;
          sum[0] += image.data[s];
          sum[1] += image.data[s + 1];
          sum[2] += image.data[s + 2];
        }
      }
      const n = (y1 - y0) * (x1 - x0);
      const o = (y * width + x) * 4;
      data[o] = sum[0] / n;
      data[o + 1] = sum[1] / n;
      data[o + 2] = sum[2] / n;
      data[o + 3] = 255;
    }
  }
  return { width, height, data };
}
