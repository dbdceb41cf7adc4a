// One Node benchmark process: a pack, a thread count and some stage groups. bench/run.mjs starts one per
// group, so each group's peak RSS is its own (ORT's wasm memory grows and never shrinks).
//
//   node bench/.build/node-child.mjs '{"pack": "<dir>", "numThreads": 1, "groups": ["synthesis"], …}'
//   node bench/.build/node-child.mjs '{"writePresets": "<dir>", "count": 2, "numThreads": 2}'
// Prints one line "BENCH_RESULT <json>" on stdout.
import fs, { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { benchStages, type Group } from './bench-stages';
import { PRESETS } from '../ui/worker/edit/presets';
import { writePackPresets } from '../ui/worker/node/cli-pack-presets';
import { packFromDirectory } from '../ui/worker/node/read-pack-dir';

interface ChildConfig {
  pack?: string;
  writePresets?: string;
  count?: number;
  numThreads?: number;
  groups?: Group[];
  repeats?: number;
  warmup?: number;
  matmul?: { file: string; n: number };
  prompt?: string;
}

async function main(): Promise<void> {
  const config = JSON.parse(process.argv[2] ?? '{}') as ChildConfig;
  const numThreads = config.numThreads ?? 1;
  if (config.writePresets !== undefined) {
    const written = await writePackPresets({
      dir: config.writePresets,
      presets: PRESETS.slice(0, config.count ?? PRESETS.length),
      runtime: { backends: ['wasm'], numThreads },
    });
    report({ written });
    return;
  }
  if (config.pack === undefined) throw new Error('give "pack" or "writePresets"');
  const dir = config.pack;
  const matmul = config.matmul && { model: new Uint8Array(readFileSync(config.matmul.file)), n: config.matmul.n };
  const results = await benchStages({
    openPack: () => packFromDirectory(dir),
    runtime: { backends: ['wasm'], numThreads },
    groups: config.groups ?? [],
    repeats: config.repeats ?? 3,
    warmup: config.warmup ?? 1,
    matmul,
    prompt: config.prompt,
    captureStdout,
    log: (line) => process.stderr.write(`  [${config.groups?.join(',')}] ${line}\n`),
  });
  report({ results, maxRssMiB: process.resourceUsage().maxRSS / 1024, cores: availableParallelism() });
}

/**
 * What was written to stdout (fd 1) from calling `work` until `done(text)` holds (or 60 s pass), instead of
 * stdout. ORT's Emscripten module prints with fs.writeSync(1, …), and its asyncify build (the engine's) prints
 * the profile after endProfiling() has returned.
 */
async function captureStdout(work: () => void, done: (text: string) => boolean): Promise<string> {
  const writeSync = fs.writeSync;
  let text = '';
  fs.writeSync = ((fd: number, data: unknown, ...rest: unknown[]) => {
    if (fd !== 1 || typeof data !== 'string') return (writeSync as (...args: unknown[]) => number)(fd, data, ...rest);
    text += data;
    return Buffer.byteLength(data);
  }) as typeof fs.writeSync;
  try {
    work();
    for (const start = Date.now(); !done(text) && Date.now() - start < 60_000; ) await new Promise((wake) => setTimeout(wake, 10));
  } finally {
    fs.writeSync = writeSync;
  }
  return text;
}

function report(value: unknown): void {
  process.stdout.write(`BENCH_RESULT ${JSON.stringify(value)}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
