// Hostile and broken packs, by class (issue 12): every read bounded before it starts, nothing outside the pack
// folder followed, no non-finite number reaching an edit, and a structurally wrong graph with a correct hash
// reported as GraphInvalid, never as a stack trace or a black image.
import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { packFromDirectory } from '../../../cli/read-pack-dir';
import { Engine } from '../../../ui/worker/engine';
import { MAX_PACK_JSON_BYTES } from '../../../ui/worker/pack/load-pack';
import { packFromFiles, type PackFileLike } from '../../../ui/worker/pack/pack-from-files';
import { packFromUrl } from '../../../ui/worker/pack/pack-from-url';
import { failure } from '../../helpers/failure';
import { buildOnnxModel } from '../../helpers/onnx-builder';
import { GOLDEN_TINY_PACK } from '../../helpers/golden';
import { packJsonBytes, sha256, tinyPack, writePackDir } from './tiny-pack';

const SMILE = [{ kind: 'global', target: 'smiling face', neutral: 'face', alpha: 3, beta: 0.1 }] as const;
const temporary: string[] = [];
afterAll(() => temporary.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

/** A copy of golden-tiny with `name` replaced by `bytes` and pack.json's size and sha256 updated to match. */
function goldenWith(replacements: Record<string, Uint8Array>): string {
  const dir = join(mkdtempSync(join(tmpdir(), 'facetext-hostile-')), 'golden-tiny');
  temporary.push(dir);
  cpSync(GOLDEN_TINY_PACK, dir, { recursive: true });
  const json = JSON.parse(readFileSync(join(dir, 'pack.json'), 'utf8'));
  for (const [name, bytes] of Object.entries(replacements)) {
    writeFileSync(join(dir, name), bytes);
    json.files[name] = { bytes: bytes.byteLength, sha256: sha256(bytes) };
  }
  writeFileSync(join(dir, 'pack.json'), packJsonBytes(json));
  return dir;
}

function f32(values: number[]): Uint8Array {
  return new Uint8Array(Float32Array.from(values).buffer);
}

/** A ReadableStream that yields `chunk` forever (or until cancelled), counting what it gave. */
function endless(chunk: Uint8Array): { stream: ReadableStream<Uint8Array>; pulled: () => number } {
  let pulled = 0;
  const stream = new ReadableStream<Uint8Array>({
    pull(controller) {
      pulled += chunk.byteLength;
      controller.enqueue(chunk);
    },
  });
  return { stream, pulled: () => pulled };
}

/** A fetch that serves the tiny pack, with `override` deciding the response for some files. */
function fakeFetch(override: (name: string) => Response | undefined): typeof fetch {
  const pack = tinyPack();
  return (async (input: string | URL | Request) => {
    const name = decodeURIComponent(new URL(String(input)).pathname.split('/').pop()!);
    const replaced = override(name);
    if (replaced !== undefined) return replaced;
    const bytes = name === 'pack.json' ? packJsonBytes(pack.json) : pack.files.get(name);
    return bytes === undefined ? new Response(null, { status: 404 }) : new Response(bytes as Uint8Array<ArrayBuffer>);
  }) as typeof fetch;
}

describe('unbounded reads: a pack folder on disk', () => {
  it('refuses a graph that is a symbolic link (to /dev/zero) without following it', async () => {
    const dir = writePackDir(tinyPack());
    rmSync(join(dir, 'clip-text.onnx'));
    symlinkSync('/dev/zero', join(dir, 'clip-text.onnx'));
    const error = await failure(async () => (await packFromDirectory(dir)).readFile('clip-text.onnx'));
    expect([error.name, error.message]).toEqual(['PackFileCorrupt', "clip-text.onnx is a symbolic link; a pack's files must be plain files inside the pack folder. Copy the real file into the folder."]);
  });

  it('refuses a FIFO at once instead of hanging on it, and a folder in a file\'s place', async () => {
    const dir = writePackDir(tinyPack());
    rmSync(join(dir, 'encoder.onnx'));
    execFileSync('mkfifo', [join(dir, 'encoder.onnx')]);
    rmSync(join(dir, 'affine.onnx'));
    execFileSync('mkdir', [join(dir, 'affine.onnx')]);
    const loaded = await packFromDirectory(dir);
    expect((await failure(() => loaded.readFile('encoder.onnx'))).message).toMatch(/^encoder\.onnx is not a plain file \(a pipe, socket or device\); a pack's files must be plain files/);
    expect((await failure(() => loaded.readFile('affine.onnx'))).message).toMatch(/^affine\.onnx is a folder; a pack's files must be plain files/);
  });

  it('refuses a file larger than pack.json says before reading it', async () => {
    const pack = tinyPack();
    pack.files.set('synthesis.onnx', new Uint8Array(5_000_000));
    const error = await failure(async () => (await packFromDirectory(writePackDir(pack))).readFile('synthesis.onnx'));
    expect([error.name, error.message]).toEqual(['PackFileCorrupt', 'synthesis.onnx is 5,000,000 bytes; pack.json says 3,000. The file does not belong to this pack.json (it is a different version, or damaged): copy the complete pack folder again, or export it again (python3 -m models.export).']);
  });

  it('refuses a pack.json over 16 MB, and a pack.json given as the folder', async () => {
    const dir = writePackDir(tinyPack());
    writeFileSync(join(dir, 'pack.json'), new Uint8Array(MAX_PACK_JSON_BYTES + 1));
    const big = await failure(() => packFromDirectory(dir));
    expect([big.name, big.message]).toEqual(['PackInvalid', 'pack.json is 16,777,217 bytes; a pack.json is at most 16,777,216 bytes. Give the pack folder itself, the one that holds pack.json (e.g. models/packs/golden-tiny).']);
    const asFile = await failure(() => packFromDirectory(join(writePackDir(tinyPack()), 'pack.json')));
    expect(asFile.name).toBe('PackFileMissing');
    expect(asFile.message).toMatch(/^pack\.json is missing \(looked for .*\/pack\.json\/pack\.json\)\. Give the pack folder itself/);
  });
});

describe('unbounded reads: a pack over HTTP', () => {
  it('stops reading a body that goes past the size pack.json gives (no Content-Length)', async () => {
    const { stream, pulled } = endless(new Uint8Array(64 * 1024));
    const loaded = await packFromUrl('https://packs.example/tiny-test/', { fetch: fakeFetch((name) => (name === 'clip-text.onnx' ? new Response(stream) : undefined)) });
    const error = await failure(() => loaded.readFile('clip-text.onnx'));
    expect([error.name, error.message]).toEqual(['PackFileCorrupt', 'clip-text.onnx is larger than pack.json says 4,321 bytes. The file does not belong to this pack.json (it is a different version, or damaged): load the pack again.']);
    expect(pulled()).toBeLessThan(1024 * 1024); // a few chunks, not the endless stream
  });

  it('refuses a Content-Length over the declared size before reading the body', async () => {
    const { stream, pulled } = endless(new Uint8Array(1024));
    const response = new Response(stream, { headers: { 'content-length': '1500000000' } });
    const loaded = await packFromUrl('https://packs.example/tiny-test/', { fetch: fakeFetch((name) => (name === 'encoder.onnx' ? response : undefined)) });
    expect((await failure(() => loaded.readFile('encoder.onnx'))).message).toMatch(/^encoder\.onnx is 1,500,000,000 bytes; pack\.json says 2,500\./);
    expect(pulled()).toBeLessThanOrEqual(2 * 1024); // at most what the stream buffered ahead
  });

  it('aborts a download that stalls, as a network failure that says so', async () => {
    const silent = new ReadableStream<Uint8Array>({ pull: () => new Promise(() => undefined) });
    const fetchFn = fakeFetch((name) => (name === 'mapping.onnx' ? new Response(silent) : undefined));
    const loaded = await packFromUrl('https://packs.example/tiny-test/', { fetch: fetchFn, stallTimeoutMs: 1000 });
    const error = await failure(() => loaded.readFile('mapping.onnx'));
    expect([error.name, error.message]).toEqual(['PackUnreachable', 'The download of mapping.onnx from https://packs.example/tiny-test/mapping.onnx broke off (no data for 1 s). Check the network connection, then load the pack again.']);
  });

  it('takes a URL ending in /pack.json as its folder', async () => {
    const asked: string[] = [];
    const base = fakeFetch(() => undefined);
    const loaded = await packFromUrl('https://packs.example/tiny-test/pack.json', { fetch: ((input: string) => (asked.push(String(input)), base(input))) as typeof fetch });
    expect(loaded.location).toBe('https://packs.example/tiny-test/');
    expect(asked).toEqual(['https://packs.example/tiny-test/pack.json']);
  });
});

describe('unbounded reads: a picked folder', () => {
  it('checks each file\'s size before reading it', async () => {
    const pack = tinyPack();
    let read = 0;
    const file = (name: string, bytes: Uint8Array, size = bytes.byteLength): PackFileLike => ({ name, webkitRelativePath: `tiny-test/${name}`, size, arrayBuffer: async () => (read++, bytes.slice().buffer) });
    const files = [file('pack.json', packJsonBytes(pack.json)), ...[...pack.files].map(([name, bytes]) => file(name, bytes, name === 'synthesis.onnx' ? 2 ** 40 : bytes.byteLength))];
    const loaded = await packFromFiles(files);
    const before = read;
    expect((await failure(() => loaded.readFile('synthesis.onnx'))).message).toMatch(/^synthesis\.onnx is 1,099,511,627,776 bytes; pack\.json says 3,000\./);
    expect(read).toBe(before);
  });
});

describe('silent black images: non-finite pack data', () => {
  it.each([
    ['s-std.f32', 'NaN', Number.NaN],
    ['relevance.f32', 'Infinity', Number.POSITIVE_INFINITY],
  ])('refuses %s holding %s when an edit reads it, instead of rendering black', async (file, shown, bad) => {
    const original = new Float32Array(new Uint8Array(readFileSync(join(GOLDEN_TINY_PACK, file))).buffer);
    const values = Array.from(original);
    values[7] = bad;
    const engine = new Engine({ runtime: { backends: ['wasm'], numThreads: 1 } });
    try {
      await engine.useLoadedPack(await packFromDirectory(goldenWith({ [file]: f32(values) })));
      const { faceKey } = await engine.faceFromWPlus(new Float32Array(10 * 32).fill(0.1));
      const error = await failure(() => engine.render({ faceKey, edits: SMILE, resolution: 'full' }));
      expect([error.name, error.message]).toEqual(['PackFileCorrupt', `${file} holds ${shown} at value 7; every number in it must be finite. The exporter or the pack builders wrote a broken file: copy the complete pack folder again, or export it again (python3 -m models.export).`]);
    } finally {
      await engine.dispose();
    }
  });
});

describe('stack dumps: structurally wrong graphs with correct hashes', () => {
  const renderWith = async (dir: string) => {
    const engine = new Engine({ runtime: { backends: ['wasm'], numThreads: 1 } });
    try {
      await engine.useLoadedPack(await packFromDirectory(dir));
      const { faceKey } = await engine.faceFromWPlus(new Float32Array(10 * 32).fill(0.1));
      return await failure(() => engine.render({ faceKey, edits: [], resolution: 'full' }));
    } finally {
      await engine.dispose();
    }
  };

  it('reports garbage and a truncated ONNX file as GraphInvalid naming the file', async () => {
    const garbage = await renderWith(goldenWith({ 'synthesis.onnx': new TextEncoder().encode('not a graph at all') }));
    expect(garbage.name).toBe('GraphInvalid');
    expect(garbage.message).toMatch(/^synthesis\.onnx \(the synthesis graph\) is not a graph onnxruntime can load \(.+\)\. Export the pack again with python3 -m models\.export\.$/);
    const whole = readFileSync(join(GOLDEN_TINY_PACK, 'synthesis.onnx'));
    const truncated = await renderWith(goldenWith({ 'synthesis.onnx': new Uint8Array(whole.subarray(0, whole.length >> 1)) }));
    expect(truncated.name).toBe('GraphInvalid');
    expect(truncated.message).not.toMatch(/\n|\s+at /);
  });

  it('reports a graph with the wrong output size (a last stage that returns the 32 px image unchanged) as GraphInvalid', async () => {
    // The contract's names, so the session opens; the image is the previous stage's, 3 × 32 × 32 numbers.
    const passThrough = buildOnnxModel({
      nodes: [{ op: 'Identity', inputs: ['imageIn'], outputs: ['image'] }],
      inputs: [
        { name: 's', type: 'float32', dims: [1, 356] },
        { name: 'featuresIn', type: 'float32', dims: [1, 'C', 32, 32] },
        { name: 'imageIn', type: 'float32', dims: [1, 3, 32, 32] },
      ],
      outputs: [{ name: 'image', type: 'float32', dims: [1, 3, 32, 32] }],
    });
    const error = await renderWith(goldenWith({ 'synthesis.onnx': passThrough }));
    expect([error.name, error.message]).toEqual([
      'GraphInvalid',
      'synthesis.onnx (the synthesis graph) gave 3072 numbers as "image"; this pack.json needs 3 × 64 × 64 (models/README.md, "The synthesis chain"). Export the pack again with python3 -m models.export.',
    ]);
  });

  it('refuses a format-1 pack (separate preview graphs) with what to do', async () => {
    const dir = goldenWith({});
    const json = JSON.parse(readFileSync(join(dir, 'pack.json'), 'utf8'));
    writeFileSync(join(dir, 'pack.json'), JSON.stringify({ ...json, format: 1 }));
    const error = await failure(() => packFromDirectory(dir));
    expect(error.name).toBe('PackInvalid');
    expect(error.message).toMatch(/^pack\.json: format is 1, .* Rebuild the pack with the exporter: python3 -m models\.export build/);
  });
});

describe('mixed packs: a pack switched during an edit', () => {
  it('cancels the render that began on the old pack instead of finishing it with the new one', async () => {
    const engine = new Engine({ runtime: { backends: ['wasm'], numThreads: 1 } });
    try {
      await engine.useLoadedPack(await packFromDirectory(GOLDEN_TINY_PACK));
      const { faceKey } = await engine.faceFromWPlus(new Float32Array(10 * 32).fill(0.1));
      const rendering = engine.render({ faceKey, edits: SMILE, resolution: 'full' });
      await engine.useLoadedPack(await packFromDirectory(GOLDEN_TINY_PACK));
      const error = await failure(() => rendering);
      expect([error.name, error.message]).toEqual(['Cancelled', 'Another model pack was loaded while this edit ran, so it was not rendered. Edit again.']);
    } finally {
      await engine.dispose();
    }
  });
});
