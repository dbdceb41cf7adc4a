// A small but complete pack (format 2) built by the tests themselves: pack.json content plus file bytes.
// The graph files hold placeholder bytes; loading tests only check sizes and hashes.
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const TINY_ID = 'tiny-test';

export interface TinyPack {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- mutable and untyped on purpose: tests break one field at a time, at any depth
  json: Record<string, any>;
  files: Map<string, Uint8Array>;
}

// Generator: R = 8, 4 W+ rows of width 2; S = conv 2 | torgb 2 | conv 2 | conv 2 | torgb 2 = 10 channels, 6 of them conv.
export const S_MEAN = Float32Array.from({ length: 10 }, (_, i) => i / 8 - 0.5);
export const S_STD = Float32Array.from({ length: 10 }, (_, i) => 1 + i / 16);
export const RELEVANCE = Float32Array.from({ length: 6 * 2 }, (_, i) => Math.cos(i));

/** Placeholder bytes of a given size, different per seed. */
export function filler(size: number, seed: number): Uint8Array {
  return Uint8Array.from({ length: size }, (_, i) => (i * 31 + seed * 7) & 0xff);
}

export function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

export function tinyPack(): TinyPack {
  const files = new Map<string, Uint8Array>([
    ['mapping.onnx', filler(100, 1)],
    ['affine.onnx', filler(120, 2)],
    ['synthesis.onnx', filler(3000, 3)],
    ['synthesis-preview-4.onnx', filler(90, 4)],
    ['encoder.onnx', filler(2500, 5)],
    ['clip-text.onnx', filler(4321, 6)],
    ['clip-image.onnx', filler(1500, 7)],
    ['mapper-beard.onnx', filler(200, 8)],
    ['bpe_simple_vocab_16e6.txt.gz', filler(64, 9)],
    ['relevance.f32', f32Bytes(RELEVANCE)],
    ['s-mean.f32', f32Bytes(S_MEAN)],
    ['s-std.f32', f32Bytes(S_STD)],
  ]);
  const json = {
    format: 2,
    id: TINY_ID,
    description: 'a pack the tests build',
    demo: true,
    licences: { generator: 'test', encoder: 'test', clip: 'MIT', mappers: 'test' },
    generator: {
      resolution: 8,
      zDim: 2,
      wDim: 2,
      numWs: 4,
      totalS: 10,
      wAvg: [0.25, -0.5],
      styleLayers: [
        { name: 'conv1_resolution_4', resolution: 4, wIndex: 0, channels: 2, kind: 'conv', offset: 0 },
        { name: 'toRGB_resolution_4', resolution: 4, wIndex: 1, channels: 2, kind: 'torgb', offset: 2 },
        { name: 'conv0_resolution_8', resolution: 8, wIndex: 1, channels: 2, kind: 'conv', offset: 4 },
        { name: 'conv1_resolution_8', resolution: 8, wIndex: 2, channels: 2, kind: 'conv', offset: 6 },
        { name: 'toRGB_resolution_8', resolution: 8, wIndex: 3, channels: 2, kind: 'torgb', offset: 8 },
      ],
      previewResolutions: [4],
    },
    encoder: { size: 256, mean: [0.5, 0.5, 0.5], std: [0.5, 0.5, 0.5] },
    clip: {
      vocab: 'bpe_simple_vocab_16e6.txt.gz',
      contextLength: 77,
      embedDim: 2,
      imageSize: 32,
      mean: [0.48145466, 0.4578275, 0.40821073],
      std: [0.26862954, 0.26130258, 0.27577711],
    },
    templates: ['a bad photo of a {}.', 'a photo of the {}.'],
    globalDirection: {
      relevance: { file: 'relevance.f32', rows: 6, dims: 2 },
      sMean: { file: 's-mean.f32', length: 10 },
      sStd: { file: 's-std.f32', length: 10 },
    },
    mappers: [{ name: 'beard', description: 'a face with a beard', levels: ['coarse', 'medium', 'fine'] }],
    graphs: {
      mapping: 'mapping.onnx',
      affine: 'affine.onnx',
      synthesis: 'synthesis.onnx',
      'synthesisPreview:4': 'synthesis-preview-4.onnx',
      encoder: 'encoder.onnx',
      clipText: 'clip-text.onnx',
      clipImage: 'clip-image.onnx',
      'mapper:beard': 'mapper-beard.onnx',
    },
    files: {} as Record<string, { bytes: number; sha256: string }>,
  };
  for (const [name, bytes] of files) json.files[name] = { bytes: bytes.byteLength, sha256: sha256(bytes) };
  return { json, files };
}

export function packJsonBytes(json: unknown): Uint8Array {
  return new TextEncoder().encode(JSON.stringify(json, null, 2));
}

/** Writes the pack into a fresh temporary folder `<tmp>/<folderName>` and returns that folder. */
export function writePackDir({ json, files }: TinyPack, folderName: string = json.id): string {
  const dir = join(mkdtempSync(join(tmpdir(), 'facetext-pack-')), folderName);
  mkdirSync(dir);
  writeFileSync(join(dir, 'pack.json'), packJsonBytes(json));
  for (const [name, bytes] of files) writeFileSync(join(dir, name), bytes);
  return dir;
}

function f32Bytes(values: Float32Array): Uint8Array {
  const bytes = new Uint8Array(values.length * 4);
  const view = new DataView(bytes.buffer);
  values.forEach((v, i) => view.setFloat32(i * 4, v, true));
  return bytes;
}
