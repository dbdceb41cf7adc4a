// Builds the demo pack, models/packs/demo, from nothing:
//   1. python3 -m models.demo      graphs + pack.json, placeholder statistics (models/demo/build.py)
//   2. facetext pack stats         S mean/std from the pack's own mapping + affine (models/tools/s-stats.ts)
//   3. facetext pack relevance     fs3 from its synthesis + clipImage (models/tools/relevance.ts)
//   4. facetext pack presets       the Δt of the demo's own chips (models/demo/design.py PRESETS, via design.json)
// and checks the committed size budget. Deterministic: running it again gives the same bytes.
//
//   node models/demo/build-demo-pack.mjs
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import * as esbuild from 'esbuild';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const PACK = join(ROOT, 'models/packs/demo');
const PYTHON = '/usr/bin/python3';
const STATS_SAMPLES = '10000';
const RELEVANCE_IMAGES = '24'; // each covers 52 channels × 2 renders at 256 px
const SIZE_BUDGET = 2 * 1024 * 1024; // issue #6: ≤ 2 MB committed (the vocabulary is not committed)
const VOCAB = 'bpe_simple_vocab_16e6.txt.gz';

function step(title) {
  process.stderr.write(`\n== ${title}\n`);
}

step('graphs and pack.json (python3 -m models.demo)');
const python = spawnSync(PYTHON, ['-m', 'models.demo', '--out', PACK], { cwd: ROOT, stdio: 'inherit' });
if (python.status !== 0) process.exit(python.status ?? 1);

const outdir = join(ROOT, 'models/demo/.build');
mkdirSync(outdir, { recursive: true });
await esbuild.build({
  absWorkingDir: ROOT,
  entryPoints: ['cli/pack-builder-command.ts', 'cli/cli-pack-presets.ts'],
  outdir,
  outExtension: { '.js': '.mjs' },
  bundle: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  // Node gets onnxruntime-web's Node build (wasm EP). Its WebGPU bundle, which ui/worker/runtime/ort.ts imports,
  // starves Node's event loop for minutes after the first session (timers and fs promises stall) outside vitest.
  alias: { 'onnxruntime-web/webgpu': 'onnxruntime-web' },
  external: ['onnxruntime-web'],
  logLevel: 'warning',
});
const { runPackStats, runPackRelevance } = await import(pathToFileURL(join(outdir, 'pack-builder-command.mjs')).href);
const { writePackPresets } = await import(pathToFileURL(join(outdir, 'cli-pack-presets.mjs')).href);

step('S statistics (facetext pack stats)');
let code = await runPackStats(['--pack', PACK, '--samples', STATS_SAMPLES]);
if (code !== 0) process.exit(code);

step('channel relevance (facetext pack relevance)');
code = await runPackRelevance(['--pack', PACK, '--images', RELEVANCE_IMAGES, '--fresh']);
if (code !== 0) process.exit(code);

step('the demo chips\' text directions (facetext pack presets)');
const design = JSON.parse(readFileSync(join(ROOT, 'models/demo/design.json'), 'utf8'));
const written = await writePackPresets({ dir: PACK, presets: design.presets.map(({ label, neutral, target }) => ({ label, neutral, target })) });
process.stderr.write(`wrote ${written.file}: ${written.entries} presets\n`);

const files = JSON.parse(readFileSync(join(PACK, 'pack.json'), 'utf8')).files;
const committed = Object.keys(files).filter((name) => name !== VOCAB).reduce((sum, name) => sum + statSync(join(PACK, name)).size, 0)
  + statSync(join(PACK, 'pack.json')).size;
process.stderr.write(`\ndemo pack: ${committed.toLocaleString('en')} bytes committed (budget ${SIZE_BUDGET.toLocaleString('en')}), vocabulary not counted\n`);
if (committed > SIZE_BUDGET) process.exit(1);
