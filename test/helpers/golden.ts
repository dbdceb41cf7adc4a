// Access to ../shared/golden, the upstream reference data. Tests fail loudly when it is missing:
// a silent skip would hide a broken checkout.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseNpy, type NpyArray } from './npy';

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const SHARED_DIR = resolve(REPO_ROOT, '../shared');
export const GOLDEN_DIR = resolve(SHARED_DIR, 'golden');
export const VOCAB_PATH = resolve(SHARED_DIR, 'clip/bpe_simple_vocab_16e6.txt.gz');
export const GOLDEN_TINY_PACK = resolve(REPO_ROOT, 'models/packs/golden-tiny');

export function goldenPath(relative: string): string {
  const path = resolve(GOLDEN_DIR, relative);
  if (!existsSync(path)) {
    throw new Error(`Golden file ${path} is missing. The tests need ../shared/golden beside the repository.`);
  }
  return path;
}

export function readGoldenNpy(relative: string): NpyArray {
  return parseNpy(readFileSync(goldenPath(relative)));
}

export function readGoldenJson<T = unknown>(relative: string): T {
  return JSON.parse(readFileSync(goldenPath(relative), 'utf8')) as T;
}

/** The e4e golden's 256 px face (`e4e-tiny/input_uint8.npy`, RGB) as RGBA, as an engine's encoder input. */
export function goldenFaceRgba(): Uint8Array {
  const array = parseNpy(new Uint8Array(readFileSync(goldenPath('e4e-tiny/input_uint8.npy'))));
  const rgba = new Uint8Array(256 * 256 * 4);
  for (let p = 0; p < 256 * 256; p++) {
    for (let c = 0; c < 3; c++) rgba[p * 4 + c] = array.data[p * 3 + c];
    rgba[p * 4 + 3] = 255;
  }
  return rgba;
}
