// Memory (issue 13): a graph file's bytes are dropped once its session exists; the encoder is released after
// the inversions in flight, clipText once Δt is cached, and both open again when needed, where the pack
// re-reads cheaply (a disk). A pack from the network keeps its sessions. Proved with counts: reads of each
// file from the source, sessions created per role (stats().graphOpens), sessions open now (graphsOpen), runs.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Engine } from '../../ui/worker/engine';
import type { EditSpec } from '../../ui/worker/engine-api';
import type { RgbaImage } from '../../ui/worker/image';
import { loadPack, type PackSource } from '../../ui/worker/pack/load-pack';
import { GOLDEN_TINY_PACK } from '../helpers/golden';

/** golden-tiny from disk, counting reads per file; `cheapRereads: false` plays a pack on a server. */
function countingSource(cheapRereads?: boolean): { source: PackSource; reads: Map<string, number> } {
  const reads = new Map<string, number>();
  const source: PackSource = {
    location: cheapRereads === false ? 'https://packs.example/golden-tiny/' : GOLDEN_TINY_PACK,
    ...(cheapRereads === undefined ? {} : { cheapRereads }),
    hints: { reload: 'load it again', shortFile: 'short', missingFile: 'missing', missingPackJson: 'no pack.json' },
    where: (name) => join(GOLDEN_TINY_PACK, name),
    async read(name) {
      reads.set(name, (reads.get(name) ?? 0) + 1);
      return new Uint8Array(await readFile(join(GOLDEN_TINY_PACK, name)));
    },
  };
  return { source, reads };
}

/** A 256 × 256 opaque face of pseudo-random pixels (the encoder inverts anything). */
function face(seed: number): RgbaImage {
  const data = new Uint8ClampedArray(256 * 256 * 4);
  let x = seed >>> 0;
  for (let i = 0; i < data.length; i++) {
    x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
    data[i] = i % 4 === 3 ? 255 : x >>> 24;
  }
  return { width: 256, height: 256, data };
}

const smile: EditSpec[] = [{ kind: 'global', neutral: 'face', target: 'smiling face', alpha: 3, beta: 0.1 }];

const engines: Engine[] = [];
async function engineOn(cheapRereads?: boolean) {
  const { source, reads } = countingSource(cheapRereads);
  const engine = new Engine({ runtime: { backends: ['wasm'] } });
  engines.push(engine);
  const loaded = await loadPack(source);
  await engine.useLoadedPack(loaded);
  return { engine, reads, loaded };
}

afterEach(async () => {
  for (const engine of engines.splice(0)) await engine.dispose();
});

describe('graph sessions and file bytes over a pack that re-reads cheaply (a disk)', () => {
  it('releases the encoder after each inversion and opens it again, reading its file again, for the next face', async () => {
    const { engine, reads, loaded } = await engineOn();
    expect(loaded.cheapRereads).toBe(true);

    await engine.invert(face(1));
    let stats = engine.stats();
    expect(stats.runs.encoder).toBe(1);
    expect(stats.graphOpens.encoder).toBe(1);
    expect(stats.graphsOpen).not.toContain('encoder');
    expect(stats.graphsOpen).toContain('affine'); // not transient: stays open
    expect(stats.graphsLoaded).toEqual(['encoder', 'affine']);

    // The same face again is cached: nothing opens or runs.
    expect((await engine.invert(face(1))).cached).toBe(true);
    expect(engine.stats().graphOpens.encoder).toBe(1);

    await engine.invert(face(2));
    stats = engine.stats();
    expect(stats.runs.encoder).toBe(2);
    expect(stats.graphOpens.encoder).toBe(2);
    expect(stats.graphsOpen).not.toContain('encoder');
    expect(stats.graphsLoaded, 'each role listed once').toEqual(['encoder', 'affine']);
    expect(reads.get('encoder.onnx'), 'the bytes were dropped, so the second open read the file again').toBe(2);
    expect(reads.get('affine.onnx')).toBe(1);
  });

  it('shares one encoder session between inversions in flight together', async () => {
    const { engine, reads } = await engineOn();
    await Promise.all([engine.invert(face(3)), engine.invert(face(4)), engine.invert(face(5))]);
    const stats = engine.stats();
    expect(stats.runs.encoder).toBe(3);
    expect(stats.graphOpens.encoder).toBe(1);
    expect(stats.graphsOpen).not.toContain('encoder');
    expect(reads.get('encoder.onnx')).toBe(1);
  });

  it('releases clipText once Δt is cached, and opens it again only for a new prompt', async () => {
    const { engine, reads } = await engineOn();
    const { faceKey } = await engine.invert(face(6));
    await engine.render({ faceKey, edits: smile, resolution: 16 });
    let stats = engine.stats();
    const clipRuns = stats.runs.clipText!;
    expect(clipRuns).toBeGreaterThan(0);
    expect(stats.graphOpens.clipText).toBe(1);
    expect(stats.graphsOpen).not.toContain('clipText');

    // α and β changes reuse the cached Δt: clipText neither opens nor runs.
    await engine.render({ faceKey, edits: [{ ...smile[0]!, alpha: 5, beta: 0.12 }] as EditSpec[], resolution: 16 });
    await engine.textDirection('face', 'smiling face');
    stats = engine.stats();
    expect(stats.runs.clipText).toBe(clipRuns);
    expect(stats.graphOpens.clipText).toBe(1);

    // A new prompt opens it again (reading the file again) and releases it after.
    await engine.render({ faceKey, edits: [{ ...smile[0]!, target: 'face with glasses' }] as EditSpec[], resolution: 16 });
    stats = engine.stats();
    expect(stats.graphOpens.clipText).toBe(2);
    expect(stats.graphsOpen).not.toContain('clipText');
    expect(reads.get('clip-text.onnx')).toBe(2);
    expect(stats.tokenizerLoaded).toBe(true);
  });

  it('drops a kept graph\'s bytes once its session exists, and reads each data file once', async () => {
    const { engine, reads, loaded } = await engineOn();
    const { faceKey } = await engine.invert(face(7));
    await engine.render({ faceKey, edits: smile, resolution: 'full' });
    await engine.render({ faceKey, edits: [{ ...smile[0]!, alpha: -2 }] as EditSpec[], resolution: 'full' });
    const stats = engine.stats();
    expect(stats.runs.synthesis).toBe(2);
    expect(stats.graphOpens.synthesis).toBe(1);
    expect(stats.graphsOpen).toContain('synthesis');
    expect(reads.get('synthesis.onnx')).toBe(1);
    expect(reads.get('relevance.f32')).toBe(1);
    expect(reads.get('s-std.f32')).toBe(1);
    // The pack no longer holds synthesis.onnx: asking for it reads it again.
    await loaded.readFile('synthesis.onnx');
    expect(reads.get('synthesis.onnx')).toBe(2);
  });

  it('renders the same pixels as an engine that keeps every session', async () => {
    const releasing = await engineOn();
    const keeping = await engineOn(false);
    const images = [];
    for (const { engine } of [releasing, keeping]) {
      const a = await engine.invert(face(8));
      await engine.invert(face(9)); // the releasing engine re-opens its encoder for this one
      const b = await engine.invert(face(8));
      expect(b.faceKey).toBe(a.faceKey);
      const first = await engine.render({ faceKey: a.faceKey, edits: smile, resolution: 'full' });
      await engine.render({ faceKey: a.faceKey, edits: [{ ...smile[0]!, target: 'face with glasses' }] as EditSpec[], resolution: 16 });
      const again = await engine.render({ faceKey: a.faceKey, edits: smile, resolution: 'full' });
      expect(again.image.data).toEqual(first.image.data);
      images.push(first.image.data);
    }
    expect(releasing.engine.stats().graphOpens).toMatchObject({ encoder: 2, clipText: 2 });
    expect(keeping.engine.stats().graphOpens).toMatchObject({ encoder: 1, clipText: 1 });
    expect(images[0]).toEqual(images[1]);
  });
});

describe('a pack from the network (re-reading is a download)', () => {
  it('keeps the encoder and clipText open, and reads every file once, but still drops the graph bytes', async () => {
    const { engine, reads, loaded } = await engineOn(false);
    expect(loaded.cheapRereads).toBe(false);
    const first = await engine.invert(face(10));
    await engine.invert(face(11));
    await engine.render({ faceKey: first.faceKey, edits: smile, resolution: 16 });
    await engine.render({ faceKey: first.faceKey, edits: [{ ...smile[0]!, target: 'face with glasses' }] as EditSpec[], resolution: 16 });
    const stats = engine.stats();
    expect(stats.graphOpens).toMatchObject({ encoder: 1, clipText: 1 });
    expect(stats.graphsOpen).toEqual(expect.arrayContaining(['encoder', 'clipText', 'affine', 'synthesisPreview:16']));
    for (const file of ['encoder.onnx', 'clip-text.onnx', 'affine.onnx', 'synthesis-preview-16.onnx']) expect(reads.get(file), file).toBe(1);
    await loaded.readFile('encoder.onnx');
    expect(reads.get('encoder.onnx'), 'bytes dropped once the session existed').toBe(2);
  });

  it('infers the policy from the location when the source does not say', async () => {
    const http = await loadPack({ ...countingSource().source, location: 'http://127.0.0.1:8787/packs/golden-tiny/' });
    expect(http.cheapRereads).toBe(false);
    expect((await loadPack(countingSource().source)).cheapRereads).toBe(true);
  });
});
