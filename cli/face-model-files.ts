// The face models (detector, landmarks, recognition) as bytes from node_modules (@vladmandic/face-api's model/ and tfjs-backend-wasm's dist/),
// for PhotoEditor.loadFaceModels in Node: the CLI and the tests. Resolved from this file, so dist/cli.js
// finds them in the node_modules above it.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { FaceModelBytes, FaceModelsInput } from '../ui/worker/photo-api';

// The nets face/detect.ts runs, and the one face/identity.ts runs.
export const DETECTOR_MODEL = 'ssd_mobilenetv1_model';
export const LANDMARKS_MODEL = 'face_landmark_68_model';
export const RECOGNITION_MODEL = 'face_recognition_model';

export function readFaceModelFiles(): FaceModelsInput {
  const resolve = createRequire(import.meta.url).resolve;
  const modelDir = join(dirname(resolve('@vladmandic/face-api/package.json')), 'model');
  const wasmDir = join(dirname(resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'dist');
  return {
    detector: readModel(modelDir, DETECTOR_MODEL),
    landmarks: readModel(modelDir, LANDMARKS_MODEL),
    recognition: readModel(modelDir, RECOGNITION_MODEL),
    wasm: { plain: readFileSync(join(wasmDir, 'tfjs-backend-wasm.wasm')), simd: readFileSync(join(wasmDir, 'tfjs-backend-wasm-simd.wasm')) },
  };
}

/** A weights manifest and its shards, concatenated in manifest order. */
export function readModel(dir: string, name: string): FaceModelBytes {
  const manifest = JSON.parse(readFileSync(join(dir, `${name}-weights_manifest.json`), 'utf8')) as { paths: string[] }[];
  const shards = manifest.flatMap((group) => group.paths).map((path) => readFileSync(join(dir, path)));
  return { manifest, weights: new Uint8Array(Buffer.concat(shards)) };
}
