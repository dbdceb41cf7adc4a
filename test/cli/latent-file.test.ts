// W+ files from the offline tools: what numpy writes is read exactly; anything else is one BadArgument line.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readLatentFile } from '../../cli/latent-file';
import { packFromDirectory } from '../../cli/read-pack-dir';
import { readImageFile } from '../../cli/image-file';
import { Engine } from '../../ui/worker/engine';
import { GOLDEN_TINY_PACK, goldenPath } from '../helpers/golden';
import { cli, requireBuiltCli } from './run-cli';
import { parseLatentNpy } from '../../ui/worker/latent-npy';
import { failure } from '../helpers/failure';

const dir = mkdtempSync(join(tmpdir(), 'facetext-latent-'));
/** Saves `expression` (numpy, as `np`) with np.save and returns the path. */
function numpySave(name: string, expression: string): string {
  const path = join(dir, name);
  execFileSync('/usr/bin/python3', ['-c', `import numpy as np; np.save(${JSON.stringify(path)}, ${expression})`]);
  return path;
}

describe('cli/latent-file.ts', () => {
  it('reads a [numWs, wDim] and a [1, numWs, wDim] float32 .npy exactly as numpy wrote it', () => {
    const values = Float32Array.from({ length: 10 * 32 }, (_, i) => i / 8 - 20); // exact in float32 on both sides
    const flat = numpySave('w.npy', '(np.arange(320, dtype=np.float32) / np.float32(8) - np.float32(20)).reshape(10, 32)');
    expect(Array.from(readLatentFile(flat, { numWs: 10, wDim: 32 }))).toEqual(Array.from(values));
    const batched = numpySave('w1.npy', '(np.arange(320, dtype=np.float32) / np.float32(8) - np.float32(20)).reshape(1, 10, 32)');
    expect(Array.from(readLatentFile(batched, { numWs: 10, wDim: 32 }))).toEqual(Array.from(values));
  });

  it.each([
    ['the wrong shape', 'np.zeros((18, 512), np.float32)', /has shape \[18, 512\], not \[10, 32\] for this pack\./],
    ['float64 values', 'np.zeros((10, 32))', /holds <f8 values, not little-endian float32/],
    ['a NaN', 'np.where(np.arange(320).reshape(10, 32) == 5, np.nan, 0).astype(np.float32)', /holds NaN at value 5; every number must be finite\./],
    ['Fortran order', 'np.asfortranarray(np.zeros((10, 32), np.float32))', /is stored in Fortran order\./],
  ])('refuses %s in one line', async (name, expression, message) => {
    const path = numpySave(`${name.replace(/\W/g, '-')}.npy`, expression);
    const error = await failure(() => readLatentFile(path, { numWs: 10, wDim: 32 }));
    expect(error.name).toBe('BadArgument');
    expect(error.message).toMatch(message);
    expect(error.message).not.toMatch(/\n/);
  });

  it('refuses what is not an .npy, and one cut short', async () => {
    const notNpy = await failure(() => parseLatentNpy(new TextEncoder().encode('hello'), { numWs: 10, wDim: 32, name: 'x.npy' }));
    expect(notNpy.message).toMatch(/^x\.npy is not a NumPy \.npy file\./);
    const whole = readFileSync(numpySave('cut.npy', 'np.zeros((10, 32), np.float32)'));
    const cut = await failure(() => parseLatentNpy(new Uint8Array(whole.subarray(0, whole.length - 4)), { numWs: 10, wDim: 32, name: 'cut.npy' }));
    expect(cut.message).toMatch(/^cut\.npy holds 1276 bytes of data; its shape needs 1280\./);
  });
});

describe('facetext edit --latent', () => {
  const latent = numpySave('case-b.npy', `np.load(${JSON.stringify(goldenPath('stylegan2-tiny/case_b_wplus.npy'))})[0].astype(np.float32)`);

  it('renders the W+ alone with --aligned: the same pixels as the engine renders from it', async () => {
    requireBuiltCli();
    const out = join(dir, 'latent.png');
    const run = await cli(['edit', '--pack', GOLDEN_TINY_PACK, '--aligned', '--latent', latent, '--out', out]);
    expect([run.code, run.stderr]).toEqual([0, '']);
    expect(JSON.parse(run.stdout)).toMatchObject({ pack: 'golden-tiny', image: null, latent, size: [64, 64], edits: [] });
    const engine = new Engine({ runtime: { backends: ['wasm'], numThreads: 1 } });
    try {
      await engine.useLoadedPack(await packFromDirectory(GOLDEN_TINY_PACK));
      const { faceKey } = await engine.faceFromWPlus(readLatentFile(latent, { numWs: 10, wDim: 32 }));
      const expected = await engine.render({ faceKey, edits: [], resolution: 'full' });
      expect(Buffer.from(readImageFile(out).data).equals(Buffer.from(expected.image.data))).toBe(true);
    } finally {
      await engine.dispose();
    }
  });

  it('refuses --image with --aligned --latent, and --face all, before reading anything', async () => {
    requireBuiltCli();
    const both = await cli(['edit', '--pack', GOLDEN_TINY_PACK, '--aligned', '--latent', latent, '--image', 'x.png', '--out', join(dir, 'x.png')]);
    expect(both.code).toBe(2);
    expect(both.stderr.split('\n')[0]).toBe('facetext: edit: --aligned --latent renders the latent alone; leave out --image (or leave out --aligned to paste it into a photo)');
    const all = await cli(['edit', '--pack', GOLDEN_TINY_PACK, '--image', 'x.png', '--latent', latent, '--face', 'all', '--out', join(dir, 'y.png')]);
    expect(all.code).toBe(2);
    expect(all.stderr.split('\n')[0]).toBe('facetext: edit: a latent is one face; give --face <n> (or leave --face out for the largest face), not all');
  });
});
