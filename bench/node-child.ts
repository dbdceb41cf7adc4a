// One Node benchmark process: a pack, a thread count and some stage groups. bench/run.mjs starts one per
// group, so each group's peak RSS is its own (ORT's wasm memory grows and never shrinks).
//
//   node bench/.build/node-child.mjs '{"pack": "<dir>", "numThreads": 1, "groups": ["synthesis"], …}'
//   node bench/.build/node-child.mjs '{"writePresets": "<dir>", "count": 2, "numThreads": 2}'
// Prints one line "BENCH_RESULT <json>" on stdout.
import { readFileSync } from 'node:fs';
import { captureStdout } from './capture-stdout';
import { availableParallelism } from 'node:os';
import { benchStages, type Group } from './bench-stages';
import { PRESETS } from '../contract/presets';
import { writePackPresets } from '../cli/cli-pack-presets';
import { packFromDirectory } from '../cli/read-pack-dir';

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

function report(value: unknown): void {
  process.stdout.write(`BENCH_RESULT ${JSON.stringify(value)}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
