// `facetext pack stats` / `pack relevance` (cli/pack-builder-command.ts) on a copy of golden-tiny:
// they write the pack's files and hashes so that the pack still verifies, print progress with an ETA, keep a
// checkpoint when interrupted and resume from it to the same bytes as a direct run.
import { cpSync, existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { CHECKPOINT_NAME, runPackRelevance, runPackStats, type CommandIo } from '../../cli/pack-builder-command';
import { packFromDirectory } from '../../cli/read-pack-dir';
import { float32Bytes } from '../../cli/write-pack-files';
import { OrtRuntime } from '../../ui/worker/runtime/ort';
import { computeRelevance } from '../../models/tools/relevance';
import { computeSStats } from '../../models/tools/s-stats';
import { GOLDEN_TINY_PACK } from '../helpers/golden';

function packCopy(): string {
  const dir = join(mkdtempSync(join(tmpdir(), 'facetext-builder-')), 'golden-tiny');
  cpSync(GOLDEN_TINY_PACK, dir, { recursive: true });
  return dir;
}

function capture(signal?: AbortSignal): CommandIo & { text: () => string } {
  const chunks: string[] = [];
  return { stderr: (t) => chunks.push(t), signal, text: () => chunks.join('') };
}

/** Problems of every listed file except the (uncommitted) CLIP vocabulary. */
async function verifyProblems(dir: string): Promise<string[]> {
  const loaded = await packFromDirectory(dir);
  const checks = await loaded.verifyAll();
  return checks.filter((c) => c.file !== loaded.pack.clip.vocab && c.problem !== null).map((c) => `${c.file}: ${c.problem!.message}`);
}

let runtime: OrtRuntime;
beforeAll(async () => {
  runtime = await OrtRuntime.create();
});

describe('pack stats', () => {
  it('writes the statistics computeSStats gives, with hashes the pack verifies', async () => {
    const dir = packCopy();
    const io = capture();
    expect(await runPackStats(['--pack', dir, '--samples', '300', '--seed', '4', '--truncation', '0.5'], io)).toBe(0);
    expect(io.text()).toMatch(/pack stats: 300\/300 samples · 100% · \d+ s elapsed · done/);
    const stats = await computeSStats({ loaded: await packFromDirectory(GOLDEN_TINY_PACK), runtime, samples: 300, seed: 4, truncation: 0.5 });
    expect(Buffer.from(readFileSync(join(dir, 's-mean.f32'))).equals(Buffer.from(float32Bytes(stats.mean)))).toBe(true);
    expect(Buffer.from(readFileSync(join(dir, 's-std.f32'))).equals(Buffer.from(float32Bytes(stats.std)))).toBe(true);
    expect(await verifyProblems(dir)).toEqual([]);
  });

  it.each([
    [['--samples', '10'], '--pack is required'],
    [['--pack', 'x', '--samples'], '--samples needs a value'],
    [['--pack', 'x', '--samples', 'many'], '--samples must be a number, got "many"'],
    [['--pack', 'x', '--images', '3'], 'Unknown argument "--images". Must be one of: --pack, --samples, --truncation, --seed'],
  ])('exits 2 on %j and says: %s', async (args, message) => {
    const io = capture();
    expect(await runPackStats(args, io)).toBe(2);
    expect(io.text()).toContain(message);
  });
});

describe('pack relevance', () => {
  const args = (dir: string) => ['--pack', dir, '--images', '2', '--resolution', '16'];

  it('exits 130 when interrupted, keeps a checkpoint, and resumes to the bytes of a direct run', async () => {
    const dir = packCopy();
    const controller = new AbortController();
    const first = capture(controller.signal);
    const stderr = first.stderr;
    first.stderr = (text) => {
      stderr(text);
      if (text.includes('image 2/2')) controller.abort(); // part-way into the second image
    };
    expect(await runPackRelevance(args(dir), first)).toBe(130);
    expect(first.text()).toContain('run the same command again to resume');
    expect(existsSync(join(dir, CHECKPOINT_NAME))).toBe(true);

    const second = capture();
    expect(await runPackRelevance(args(dir), second)).toBe(0);
    expect(second.text()).toContain('(resumed after 1)');
    expect(second.text()).toMatch(/ETA \d+ s/);
    expect(second.text()).toContain('80 channels never changed the CLIP feature and have zero rows (conv layers above 16 px');
    expect(existsSync(join(dir, CHECKPOINT_NAME))).toBe(false);
    expect(await verifyProblems(dir)).toEqual([]);

    const direct = await computeRelevance({ loaded: await packFromDirectory(GOLDEN_TINY_PACK), runtime, images: 2, resolution: 16 });
    expect(Buffer.from(readFileSync(join(dir, 'relevance.f32'))).equals(Buffer.from(float32Bytes(direct.matrix)))).toBe(true);
  });

  it('exits 1 with the valid sizes for a resolution the pack cannot render', async () => {
    const io = capture();
    expect(await runPackRelevance(['--pack', packCopy(), '--resolution', '20'], io)).toBe(1);
    expect(io.text()).toContain('BadArgument: --resolution 20: this pack renders at 16, 32, 64');
  });
});
