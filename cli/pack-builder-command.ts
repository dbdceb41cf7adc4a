// `facetext pack stats` and `facetext pack relevance`: the S statistics and the channel-relevance matrix
// (fs3) of any pack, computed with the pack's own graphs and written back into it (tools/s-stats.ts,
// tools/relevance.ts). Progress with an ETA goes to stderr. Ctrl-C during `pack relevance` keeps the
// checkpoint; running the same command again resumes it.
import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { isEngineError } from '../ui/worker/errors';
import { OrtRuntime } from '../ui/worker/runtime/ort';
import { DEFAULT_TRUNCATION } from '../models/tools/latent-codes';
import {
  computeRelevance, DEFAULT_CLIP_BATCH, DEFAULT_RELEVANCE_IMAGES, DEFAULT_SIGMA, type RelevanceProgress,
} from '../models/tools/relevance';
import type { CheckpointStore } from '../models/tools/relevance-checkpoint';
import { computeSStats, DEFAULT_STATS_SAMPLES } from '../models/tools/s-stats';
import { packDirArg } from './pack-dir-arg';
import { packFromDirectory } from './read-pack-dir';
import { readRegularFile } from './read-regular-file';
import { float32Bytes, writePackFiles } from './write-pack-files';

export const CHECKPOINT_NAME = 'relevance.partial'; // beside pack.json; not listed in it, removed when done
const EXIT_USAGE = 2;
const EXIT_INTERRUPTED = 130; // 128 + SIGINT, as shells report it
const REPORT_EVERY_MS = 1000;
// A checkpoint is JSON holding float64 sums (channels × CLIP dims) in base64: tens of MB for a full-size pack.
const MAX_CHECKPOINT_BYTES = 2 ** 30;

export const PACK_STATS_USAGE = `Usage: facetext pack stats --pack <dir> [--samples N] [--truncation ψ] [--seed n]

S mean and std per channel from N random z (mapping → truncation → affine), written into the pack
(s-mean.f32, s-std.f32 and their hashes in pack.json).
  --samples N       number of z (default ${DEFAULT_STATS_SAMPLES}; upstream 100000)
  --truncation ψ    w = w_avg + ψ(w − w_avg), in (0, 1] (default ${DEFAULT_TRUNCATION}, upstream)
  --seed n          z stream seed (default 0)
`;

export const PACK_RELEVANCE_USAGE = `Usage: facetext pack relevance --pack <dir> [--images N] [--sigma k] [--resolution r] [options]

Channel relevance (fs3): every conv S channel rendered at mean ± kσ, CLIP-encoded, the normalised
difference averaged over N images; written into the pack (relevance.f32 and its hash in pack.json).
Run \`facetext pack stats\` first: the statistics decide mean and σ.
  --images N        random S codes (default ${DEFAULT_RELEVANCE_IMAGES}, upstream)
  --sigma k         render at mean ± kσ (default ${DEFAULT_SIGMA}, upstream)
  --resolution r    render with the synthesisPreview:<r> graph: faster, coarser (default: full synthesis)
  --batch n         renders per clipImage run (default ${DEFAULT_CLIP_BATCH})
  --truncation ψ    for the S codes (default ${DEFAULT_TRUNCATION})
  --seed n          z stream seed (default 0)
  --checkpoint f    where the partial result is kept (default <pack>/${CHECKPOINT_NAME}); an interrupted
                    run resumes from it when run again with the same options
  --fresh           ignore an existing checkpoint
`;

/** Where the commands write; tests replace it. */
export interface CommandIo {
  stderr: (text: string) => void;
  /** Aborts the run as Ctrl-C does (tests); SIGINT is also listened to. */
  signal?: AbortSignal;
}

const defaultIo: CommandIo = { stderr: (text) => process.stderr.write(text) };

export async function runPackStats(args: string[], io: CommandIo = defaultIo): Promise<number> {
  const flags = parseFlags(args, { numbers: ['samples', 'truncation', 'seed'], strings: ['pack'], switches: [] }, io, PACK_STATS_USAGE);
  if (typeof flags === 'number') return flags;
  return runCommand(io, async (signal) => {
    const dir = resolve(requirePack(flags.strings));
    const loaded = await packFromDirectory(dir);
    const runtime = await OrtRuntime.create();
    const samples = flags.numbers.samples ?? DEFAULT_STATS_SAMPLES;
    const progress = progressPrinter(io, 'pack stats');
    const began = performance.now();
    const stats = await computeSStats({
      loaded, runtime, samples, truncation: flags.numbers.truncation, seed: flags.numbers.seed ?? 0, signal,
      onProgress: ({ done, total }) => {
        const elapsed = performance.now() - began;
        progress(`${done}/${total} samples`, done / total, elapsed, done < total ? (elapsed * (total - done)) / done : 0, done === total);
      },
    });
    const { sMean, sStd } = loaded.pack.globalDirection;
    await writePackFiles(dir, new Map([[sMean.file, float32Bytes(stats.mean)], [sStd.file, float32Bytes(stats.std)]]));
    io.stderr(`pack stats: wrote ${sMean.file} and ${sStd.file} (${stats.mean.length} channels, ${samples} samples) and updated pack.json\n`);
  });
}

export async function runPackRelevance(args: string[], io: CommandIo = defaultIo): Promise<number> {
  const flags = parseFlags(
    args,
    { numbers: ['images', 'sigma', 'resolution', 'batch', 'truncation', 'seed'], strings: ['pack', 'checkpoint'], switches: ['fresh'] },
    io,
    PACK_RELEVANCE_USAGE,
  );
  if (typeof flags === 'number') return flags;
  return runCommand(io, async (signal) => {
    const dir = resolve(requirePack(flags.strings));
    const loaded = await packFromDirectory(dir);
    const runtime = await OrtRuntime.create();
    const checkpointPath = resolve(flags.strings.checkpoint ?? join(dir, CHECKPOINT_NAME));
    const checkpoint = fileCheckpoint(checkpointPath);
    if (flags.switches.has('fresh')) await checkpoint.remove();
    const progress = progressPrinter(io, 'pack relevance');
    const n = flags.numbers;
    const relevance = await computeRelevance({
      loaded, runtime, checkpoint, signal,
      images: n.images, sigma: n.sigma, resolution: n.resolution, batch: n.batch, truncation: n.truncation, seed: n.seed ?? 0,
      onNotice: (message) => io.stderr(`pack relevance: ${message}\n`),
      onProgress: (p: RelevanceProgress) => {
        const resumed = p.resumedFrom > 0 ? ` (resumed after ${p.resumedFrom})` : '';
        const fraction = p.rendersLeft > 0 ? p.renders / p.rendersLeft : 1;
        progress(`image ${Math.min(p.imagesDone + 1, p.images)}/${p.images}${resumed}, ${p.renders}/${p.rendersLeft} renders`, fraction, p.elapsedMs, p.etaMs, p.imagesDone === p.images);
      },
    });
    const { file } = loaded.pack.globalDirection.relevance;
    await writePackFiles(dir, new Map([[file, float32Bytes(relevance.matrix)]]));
    await checkpoint.remove();
    io.stderr(`pack relevance: wrote ${file} (${relevance.rows} × ${relevance.dims}) and updated pack.json\n`);
    if (relevance.zeroRows > 0) {
      io.stderr(
        `pack relevance: ${relevance.zeroRows} channels never changed the CLIP feature and have zero rows` +
          (n.resolution !== undefined ? ` (conv layers above ${n.resolution} px do not reach the preview image; render at full resolution to cover them)` : '') +
          '.\n',
      );
    }
  });
}

/** Runs a command body: exit 0, 1 with the error's message, or 130 when interrupted. */
async function runCommand(io: CommandIo, body: (signal: AbortSignal) => Promise<void>): Promise<number> {
  const controller = new AbortController();
  const onSigint = () => controller.abort(new Error('interrupted'));
  const forward = () => controller.abort(io.signal?.reason);
  process.once('SIGINT', onSigint);
  io.signal?.addEventListener('abort', forward, { once: true });
  try {
    await body(controller.signal);
    return 0;
  } catch (error) {
    if (controller.signal.aborted) {
      io.stderr('\ninterrupted: the checkpoint keeps the images finished so far; run the same command again to resume.\n');
      return EXIT_INTERRUPTED;
    }
    const kind = isEngineError(error) ? `${(error as Error).name}: ` : '';
    io.stderr(`\n${kind}${error instanceof Error ? error.message : String(error)}\n`);
    return 1;
  } finally {
    process.off('SIGINT', onSigint);
    io.signal?.removeEventListener('abort', forward);
  }
}

interface FlagSpec {
  numbers: string[];
  strings: string[];
  switches: string[];
}

interface Flags {
  numbers: Record<string, number | undefined>;
  strings: Record<string, string | undefined>;
  switches: Set<string>;
}

/** The parsed flags, or an exit code after printing what is wrong. */
function parseFlags(args: readonly string[], spec: FlagSpec, io: CommandIo, usage: string): Flags | number {
  const flags: Flags = { numbers: {}, strings: {}, switches: new Set() };
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (arg === '--help' || arg === '-h') {
      io.stderr(usage);
      return 0;
    }
    const name = arg.startsWith('--') ? arg.slice(2) : '';
    if (spec.switches.includes(name)) {
      flags.switches.add(name);
      continue;
    }
    if (!spec.numbers.includes(name) && !spec.strings.includes(name)) {
      const known = [...spec.strings, ...spec.numbers, ...spec.switches].map((f) => `--${f}`).join(', ');
      io.stderr(`Unknown argument "${arg}". Must be one of: ${known}\n\n${usage}`);
      return EXIT_USAGE;
    }
    const value = args[++i];
    if (value === undefined) {
      io.stderr(`--${name} needs a value.\n\n${usage}`);
      return EXIT_USAGE;
    }
    if (spec.strings.includes(name)) {
      flags.strings[name] = value;
      continue;
    }
    const number = Number(value);
    if (value.trim() === '' || !Number.isFinite(number)) {
      io.stderr(`--${name} must be a number, got "${value}".\n\n${usage}`);
      return EXIT_USAGE;
    }
    flags.numbers[name] = number;
  }
  if (flags.strings.pack === undefined) {
    io.stderr(`--pack is required: the pack folder, the one that holds pack.json.\n\n${usage}`);
    return EXIT_USAGE;
  }
  return flags;
}

function requirePack(strings: Record<string, string | undefined>): string {
  return packDirArg(strings.pack!);
}

/** Prints "label · 42% · 12 s elapsed · ETA 30 s" at most once a second, and always the last line. */
function progressPrinter(io: CommandIo, label: string) {
  let last = -Infinity;
  return (what: string, fraction: number, elapsedMs: number, etaMs: number | undefined, final: boolean) => {
    const t = performance.now();
    if (!final && t - last < REPORT_EVERY_MS) return;
    last = t;
    const eta = etaMs === undefined ? 'ETA …' : final ? 'done' : `ETA ${formatDuration(etaMs)}`;
    io.stderr(`${label}: ${what} · ${Math.floor(fraction * 100)}% · ${formatDuration(elapsedMs)} elapsed · ${eta}\n`);
  };
}

export function formatDuration(ms: number): string {
  const seconds = Math.round(ms / 1000);
  if (seconds < 60) return `${seconds} s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes} min ${seconds % 60} s`;
  return `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
}

/** A checkpoint file, replaced atomically (write beside it, then rename). */
export function fileCheckpoint(path: string): CheckpointStore {
  return {
    async read() {
      // Bounded: --checkpoint names any path, and a FIFO or a device there must not block or fill memory.
      if (!existsSync(path)) return null;
      return readRegularFile(path, { maxBytes: MAX_CHECKPOINT_BYTES, kind: 'PackFileCorrupt', what: 'The relevance checkpoint' });
    },
    async write(bytes) {
      const { writeFile, rename } = await import('node:fs/promises');
      await writeFile(`${path}.writing`, bytes);
      await rename(`${path}.writing`, path);
    },
    async remove() {
      await rm(path, { force: true });
    },
  };
}
