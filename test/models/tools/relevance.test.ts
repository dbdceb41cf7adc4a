// `pack relevance` on golden-tiny (random weights, so every channel moves the image): unit-norm rows,
// the same bytes on every run, and a run interrupted after one image resumes to exactly those bytes.
// Renders use the 16 px preview graph to keep the suite fast on two cores.
import { beforeAll, describe, expect, it } from 'vitest';
import { isEngineError } from '../../../ui/worker/errors';
import { packFromDirectory } from '../../../cli/read-pack-dir';
import type { LoadedPack } from '../../../ui/worker/pack/load-pack';
import { OrtRuntime } from '../../../ui/worker/runtime/ort';
import { computeRelevance, type Relevance, type RelevanceProgress } from '../../../models/tools/relevance';
import { decodeCheckpoint, type CheckpointStore } from '../../../models/tools/relevance-checkpoint';
import { GOLDEN_TINY_PACK } from '../../helpers/golden';

const OPTIONS = { images: 2, resolution: 16, batch: 16, seed: 11 } as const;

class MemoryCheckpoint implements CheckpointStore {
  bytes: Uint8Array | null = null;
  writes = 0;
  async read() {
    return this.bytes;
  }
  async write(bytes: Uint8Array) {
    this.bytes = Uint8Array.from(bytes);
    this.writes++;
  }
  async remove() {
    this.bytes = null;
  }
}

const sameBytes = (a: Float32Array, b: Float32Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));

let loaded: LoadedPack;
let runtime: OrtRuntime;
let full: Relevance;
let fullProgress: RelevanceProgress[];

beforeAll(async () => {
  loaded = await packFromDirectory(GOLDEN_TINY_PACK);
  runtime = await OrtRuntime.create();
  fullProgress = [];
  full = await computeRelevance({ loaded, runtime, ...OPTIONS, onProgress: (p) => fullProgress.push(p) });
});

describe('computeRelevance on golden-tiny', () => {
  it('has one row per conv channel, unit-norm within 1e-6 for layers the preview draws and zero above it', () => {
    expect(full.rows).toBe(loaded.pack.globalDirection.relevance.rows);
    expect(full.dims).toBe(loaded.pack.clip.embedDim);
    const drawn = loaded.pack.generator.styleLayers
      .filter((l) => l.kind === 'conv')
      .flatMap((l) => Array.from({ length: l.channels }, () => l.resolution <= OPTIONS.resolution));
    let worst = 0;
    drawn.forEach((isDrawn, r) => {
      const norm = Math.hypot(...full.matrix.subarray(r * full.dims, (r + 1) * full.dims));
      worst = Math.max(worst, Math.abs(norm - (isDrawn ? 1 : 0)));
    });
    expect(worst).toBeLessThan(1e-6);
    expect(drawn.filter((d) => d).length).toBe(152); // conv layers at 4, 8 and 16 px: 32 + 32 + 32 + 32 + 24
    expect(full.zeroRows).toBe(full.rows - 152);
  });

  it('finds different directions for different channels (not one repeated row)', () => {
    // Random weights: the 232 directions in 32 dims are spread out, so the mean |cos| of neighbours is far below 1.
    let sum = 0;
    for (let r = 1; r < full.rows - full.zeroRows; r++) {
      let dot = 0;
      for (let d = 0; d < full.dims; d++) dot += full.matrix[r * full.dims + d] * full.matrix[(r - 1) * full.dims + d];
      sum += Math.abs(dot);
    }
    expect(sum / (full.rows - full.zeroRows - 1)).toBeLessThan(0.6);
  });

  it('reports progress that never decreases, ends at every render, and gives an ETA once measured', () => {
    const renders = fullProgress.map((p) => p.renders);
    expect(renders).toEqual([...renders].sort((a, b) => a - b));
    const last = fullProgress.at(-1)!;
    expect(last.renders).toBe(2 * 2 * full.rows);
    expect(last.rendersLeft).toBe(2 * 2 * full.rows);
    expect(last.imagesDone).toBe(2);
    expect(last.etaMs).toBe(0);
    expect(fullProgress.filter((p) => p.renders > 0).every((p) => p.etaMs !== undefined && p.etaMs >= 0)).toBe(true);
  });

  it('resumes after an interruption with byte-identical results', async () => {
    const checkpoint = new MemoryCheckpoint();
    const controller = new AbortController();
    const interrupted = computeRelevance({
      loaded, runtime, ...OPTIONS, checkpoint, signal: controller.signal,
      onProgress: (p) => {
        if (p.imagesDone === 1 && p.renders > 2 * full.rows) controller.abort(); // part-way into image 2
      },
    });
    await expect(interrupted).rejects.toThrow();
    const saved = decodeCheckpoint(checkpoint.bytes!, { key: JSON.parse(new TextDecoder().decode(checkpoint.bytes!)).key, length: full.rows * full.dims });
    expect(typeof saved === 'string' ? saved : saved.imagesDone).toBe(1);

    const resumed = await computeRelevance({ loaded, runtime, ...OPTIONS, checkpoint });
    expect(resumed.resumedFrom).toBe(1);
    expect(sameBytes(resumed.matrix, full.matrix)).toBe(true);
  });

  it('ignores a checkpoint made with other options and says why', async () => {
    const checkpoint = new MemoryCheckpoint();
    const controller = new AbortController();
    await expect(
      computeRelevance({
        loaded, runtime, ...OPTIONS, seed: 12, checkpoint, signal: controller.signal,
        onProgress: (p) => { if (p.imagesDone === 1) controller.abort(); },
      }),
    ).rejects.toThrow();
    expect(checkpoint.bytes).not.toBeNull();
    const notices: string[] = [];
    const stop = new AbortController();
    await expect(
      computeRelevance({
        loaded, runtime, ...OPTIONS, checkpoint, signal: stop.signal, onNotice: (m) => notices.push(m),
        onProgress: (p) => {
          expect(p.resumedFrom).toBe(0);
          stop.abort();
        },
      }),
    ).rejects.toThrow();
    expect(notices).toEqual(['Starting afresh: the checkpoint cannot be used because it was made with other options or another version of the pack.']);
  });

  it('refuses a resolution without a graph, listing the valid ones', async () => {
    const error = await computeRelevance({ loaded, runtime, ...OPTIONS, resolution: 24 }).catch((e: unknown) => e);
    expect(isEngineError(error, 'BadArgument')).toBe(true);
    expect((error as Error).message).toContain('Must be one of: 16, 32, 64');
  });
});
