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
