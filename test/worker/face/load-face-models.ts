// Loads the face-api networks and the tfjs wasm binaries from node_modules, as bytes (no fetch).
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { loadFaceModels, type ModelFiles, type WeightsManifest } from '../../../ui/worker/face/detect';
import { REPO_ROOT } from '../../helpers/golden';

const MODEL_DIR = resolve(REPO_ROOT, 'node_modules/@vladmandic/face-api/model');
const WASM_DIR = resolve(REPO_ROOT, 'node_modules/@tensorflow/tfjs-backend-wasm/dist');

export function readModelFiles(name: string): ModelFiles {
  const manifest = JSON.parse(readFileSync(resolve(MODEL_DIR, `${name}-weights_manifest.json`), 'utf8')) as WeightsManifest;
  const shards = manifest.flatMap((group) => group.paths).map((path) => readFileSync(resolve(MODEL_DIR, path)));
  return { manifest, weights: new Uint8Array(Buffer.concat(shards)) };
}

export function loadFaceModelsFromNodeModules(): Promise<void> {
  return loadFaceModels({
    detector: readModelFiles('ssd_mobilenetv1_model'),
    landmarks: readModelFiles('face_landmark_68_model'),
    wasm: {
      plain: readFileSync(resolve(WASM_DIR, 'tfjs-backend-wasm.wasm')),
      simd: readFileSync(resolve(WASM_DIR, 'tfjs-backend-wasm-simd.wasm')),
    },
  });
}
