// npm run bench [-- options]: where the time and memory go, against PyTorch and the machine's limit.
// See bench/README.md. Prints a table; --json <file> writes every run, the machine and the versions.
import { execFileSync, spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, homedir, loadavg, tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { bundleBench, BUILD, ROOT } from './bundle.mjs';
import { runChromium } from './chromium.mjs';
import { runPanelBench } from './panel.mjs';
import { median, printPanelReport, printReport, summarise, summarisePanel } from './report.mjs';

const PYTHON = '/usr/bin/python3'; // Debian's torch (package.json "test" uses the same)
const ALL_GROUPS = ['load', 'synthesis', 'preview', 'inversion', 'text', 'edit', 'preset', 'matmul', 'profile', 'panel'];
// `panel` (bench/panel.mjs: the real panel in the playground, on --pack-dir) runs only when named.
const DEFAULT_GROUPS = ALL_GROUPS.filter((g) => g !== 'panel');
// node-wasm-1: the engine's own import ('onnxruntime-web/webgpu', asyncify wasm), 1 thread, as Figma runs it;
// node-wasm-1-plain: ORT's Node build (plain wasm) at 1 thread; node-wasm-all: ORT's Node build on every core.
const ALL_BACKENDS = ['node-wasm-1', 'node-wasm-1-plain', 'node-wasm-all', 'chromium-wasm', 'chromium-webgpu'];
const FULL_PACKS = ['ffhq-random', 'ffhq-random-fp16', 'ffhq-random-fp32enc'];
// Packs built from ffhq-random's checkpoints with other storage: PyTorch's reference is ffhq-random's.
const SAME_WEIGHTS_AS = { 'ffhq-random-fp16': 'ffhq-random', 'ffhq-random-fp32enc': 'ffhq-random' };
const PRESET_COUNT = 2; // presets written into the bench packs (each costs one Δt of 158 prompts)
const GOLDEN = join(ROOT, '..', 'shared', 'golden');
// Debian's torch links the reference netlib BLAS (torch.mm ≈ 4 GFLOP/s). Its single-threaded OpenBLAS is loaded
// into the PyTorch reference's process only: extracted from the .deb into a cache folder, put first on that
// process's LD_LIBRARY_PATH (it provides libblas.so.3 and liblapack.so.3). Nothing is installed.
const OPENBLAS_PACKAGE = 'libopenblas0-serial';
const TORCH_BLAS = ['openblas', 'system'];
const PANEL_MODES = ['inline', 'hosted'];

const USAGE = `usage: npm run bench -- [--packs ${['golden-tiny', ...FULL_PACKS].join(',')}] [--backends ${ALL_BACKENDS.join(',')}]
    [--groups ${ALL_GROUPS.join(',')}] [--repeats 3] [--warmup 1] [--json out.json] [--work DIR]
    [--torch-repeats N] [--no-torch] [--torch-blas openblas|system] [--webgpu-full] [--matmul 1024] [--timeout-min 60]
    [--process-per group|pack]
    [--pack-dir DIR] [--panel-modes inline,hosted] [--hosted-threads N] [--beta B] [--photo PNG] [--photo-side 1536] [--prompt TEXT]
    [--drag-steps 5] [--drag-delta 0.5] [--drag-inputs 12] [--drag-interval-ms 100]
Default: golden-tiny on every backend; ffhq-random on node-wasm-1, node-wasm-all and chromium-wasm; ffhq-random-fp16 on node-wasm-1.
WebGPU here is SwiftShader (a software adapter); it runs only golden-tiny unless --webgpu-full.
--groups panel (only when named): the real panel on the built pack --pack-dir (default models/packs/demo); needs npm run build.
--hosted-threads N: the hosted page's engine runs N wasm threads (its ?threads=N) instead of the policy's min(4, ceil(cores/2)).
--beta B: the panel's β slider is set to B before the prompt (the drag's draft exit depends on the lowest layer the edit changes).
PyTorch runs with Debian's ${OPENBLAS_PACKAGE} (apt-get download, once, into ${openBlasRoot()}); --torch-blas system: the BLAS torch links (reference netlib).`;

function parseArgs(argv) {
  const options = {
    repeats: 3, warmup: 1, groups: DEFAULT_GROUPS, work: join(process.env.TMPDIR || tmpdir(), 'facetext-bench'), matmul: 1024, timeoutMin: 60, torch: true, torchBlas: 'openblas',
    packDir: join(ROOT, 'models', 'packs', 'demo'), panelModes: PANEL_MODES, photo: join(GOLDEN, 'images', 'astronaut.png'), photoSide: 1536, prompt: 'smiling face',
    dragSteps: 5, dragDelta: 0.5, dragInputs: 12, dragIntervalMs: 100,
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const value = () => {
      if (i + 1 >= argv.length) fail(`${arg} needs a value`);
      return argv[++i];
    };
    const list = () => value().split(',').map((s) => s.trim()).filter(Boolean);
    const count = (min) => {
      const n = Number(value());
      if (!Number.isInteger(n) || n < min) fail(`${arg} must be an integer ≥ ${min}`);
      return n;
    };
    if (arg === '--packs') options.packs = list();
    else if (arg === '--backends') options.backends = list();
    else if (arg === '--groups') options.groups = list();
    else if (arg === '--repeats') options.repeats = count(1);
    else if (arg === '--warmup') options.warmup = count(0);
    else if (arg === '--torch-repeats') options.torchRepeats = count(1);
    else if (arg === '--json') options.json = resolve(value());
    else if (arg === '--work') options.work = resolve(value());
    else if (arg === '--matmul') options.matmul = count(64);
    else if (arg === '--timeout-min') options.timeoutMin = count(1);
    else if (arg === '--no-torch') options.torch = false;
    else if (arg === '--torch-blas') options.torchBlas = TORCH_BLAS.includes(value()) ? argv[i] : fail(`--torch-blas must be one of: ${TORCH_BLAS.join(', ')}`);
    else if (arg === '--process-per') options.processPer = ['group', 'pack'].includes(value()) ? argv[i] : fail('--process-per must be group or pack');
    else if (arg === '--webgpu-full') options.webgpuFull = true;
    else if (arg === '--pack-dir') options.packDir = resolve(value());
    else if (arg === '--panel-modes') options.panelModes = list();
    else if (arg === '--hosted-threads') options.hostedThreads = count(1);
    else if (arg === '--beta') options.beta = Number.isFinite(Number(value())) && Number(argv[i]) > 0 && Number(argv[i]) <= 1 ? Number(argv[i]) : fail('--beta must be a number in (0, 1]');
    else if (arg === '--photo') options.photo = resolve(value());
    else if (arg === '--photo-side') options.photoSide = count(64);
    else if (arg === '--prompt') options.prompt = value();
    else if (arg === '--drag-steps') options.dragSteps = count(0);
    else if (arg === '--drag-delta') options.dragDelta = Number.isFinite(Number(value())) && Number(argv[i]) !== 0 ? Number(argv[i]) : fail('--drag-delta must be a non-zero number');
    else if (arg === '--drag-inputs') options.dragInputs = count(0);
    else if (arg === '--drag-interval-ms') options.dragIntervalMs = count(1);
    else if (arg === '--help' || arg === '-h') {
      console.log(USAGE);
      process.exit(0);
    } else fail(`unknown option ${arg}`);
  }
  for (const b of options.backends ?? []) if (!ALL_BACKENDS.includes(b)) fail(`unknown backend ${b}. Must be one of: ${ALL_BACKENDS.join(', ')}`);
  for (const g of options.groups) if (!ALL_GROUPS.includes(g)) fail(`unknown group ${g}. Must be one of: ${ALL_GROUPS.join(', ')}`);
  for (const m of options.panelModes) if (!PANEL_MODES.includes(m)) fail(`unknown panel mode ${m}. Must be one of: ${PANEL_MODES.join(', ')}`);
  if (options.groups.includes('panel') && !existsSync(join(options.packDir, 'pack.json'))) fail(`--pack-dir ${options.packDir} holds no pack.json`);
  for (const p of options.packs ?? []) if (p !== 'golden-tiny' && !FULL_PACKS.includes(p)) fail(`unknown pack ${p}. Must be one of: golden-tiny, ${FULL_PACKS.join(', ')}`);
  return options;
}

function fail(message) {
  console.error(`bench: ${message}\n${USAGE}`);
  process.exit(2);
}

/** (pack, backend) pairs to run. */
function plan(options) {
  if (options.packs === undefined && options.backends === undefined) {
    return [
      ...ALL_BACKENDS.map((backend) => ({ pack: 'golden-tiny', backend })),
      ...['node-wasm-1', 'node-wasm-all', 'chromium-wasm'].map((backend) => ({ pack: 'ffhq-random', backend })),
      { pack: 'ffhq-random-fp16', backend: 'node-wasm-1' },
    ];
  }
  const packs = options.packs ?? ['golden-tiny', 'ffhq-random'];
  const backends = options.backends ?? ALL_BACKENDS;
  return packs.flatMap((pack) => backends.map((backend) => ({ pack, backend })))
    .filter(({ pack, backend }) => backend !== 'chromium-webgpu' || pack === 'golden-tiny' || options.webgpuFull);
}

function log(line) {
  console.error(line);
}

/** Runs a command, echoing its stderr; resolves with stdout. `env`: variables added to this process's. */
function runProcess(command, args, { timeoutMs, label, env }) {
  return new Promise((done, reject) => {
    const child = spawn(command, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], env: env && { ...process.env, ...env } });
    let stdout = '';
    let stderr = '';
    const timer = setTimeout(() => child.kill('SIGTERM'), timeoutMs);
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
      process.stderr.write(chunk);
    });
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) done(stdout);
      else reject(new Error(`${label} failed (${signal ?? `exit ${code}`}): ${stderr.trim().split('\n').slice(-3).join(' | ')}`));
    });
  });
}

function benchResult(stdout) {
  const line = stdout.split('\n').find((l) => l.startsWith('BENCH_RESULT '));
  if (line === undefined) throw new Error(`no BENCH_RESULT line in: ${stdout.slice(-500)}`);
  return JSON.parse(line.slice('BENCH_RESULT '.length));
}

/** Pack folders in the work dir, each with PRESET_COUNT presets (pack.json `presets`). */
async function preparePacks(packIds, options, nodeChildPlain) {
  const dirs = {};
  const timeoutMs = options.timeoutMin * 60_000;
  const full = packIds.filter((p) => FULL_PACKS.includes(p));
  if (full.length > 0) {
    // It reuses a pack only when the exporter that built it is today's (a stamp beside the pack), else rebuilds it.
    log(`the full-size random-weight packs in ${options.work} (exported once per exporter version) …`);
    const args = ['-m', 'models.export.build_ffhq_random', '--work', options.work, '--verify-synthesis'];
    if (full.includes('ffhq-random-fp16')) args.push('--fp16-too');
    if (full.includes('ffhq-random-fp32enc')) args.push('--fp32enc-too');
    await runProcess(PYTHON, args, { timeoutMs, label: 'build_ffhq_random' });
  }
  for (const id of packIds) {
    const dir = join(options.work, 'packs', id);
    if (id === 'golden-tiny' && !existsSync(join(dir, 'pack.json'))) {
      mkdirSync(dir, { recursive: true });
      cpSync(join(ROOT, 'models', 'packs', 'golden-tiny'), dir, { recursive: true }); // a copy: presets are added to it
    }
    const packJson = JSON.parse(readFileSync(join(dir, 'pack.json'), 'utf8'));
    if (packJson.presets === undefined) {
      log(`writing ${PRESET_COUNT} presets into ${dir} …`);
      const config = { writePresets: dir, count: PRESET_COUNT, numThreads: availableParallelism() };
      await runProcess('node', [nodeChildPlain, JSON.stringify(config)], { timeoutMs, label: `presets ${id}` });
    }
    dirs[id] = dir;
  }
  return dirs;
}

function torchCheckpoints(packId, work) {
  if (packId === 'golden-tiny') {
    return { stylegan: join(GOLDEN, 'stylegan2-tiny/stylegan2-tiny.pt'), e4e: join(GOLDEN, 'e4e-tiny/e4e-tiny.pt'), clip: join(GOLDEN, 'clip-tiny/clip-tiny.jit.pt') };
  }
  const c = join(work, 'checkpoints'); // ffhq-random-fp16 holds the same weights, rounded
  return { stylegan: join(c, 'stylegan2-ffhq-random.pt'), e4e: join(c, 'e4e-ffhq-random.pt'), clip: join(c, 'clip-vit-b-32-random.pt') };
}

function openBlasRoot() {
  return join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'facetext', OPENBLAS_PACKAGE);
}

/** <root>/usr/lib/<triplet>/openblas-serial, the folder holding OpenBLAS's libblas.so.3, if extracted. */
function findOpenBlas(root) {
  const lib = join(root, 'usr', 'lib');
  if (!existsSync(lib)) return undefined;
  for (const triplet of readdirSync(lib)) {
    const dir = join(lib, triplet, 'openblas-serial');
    if (existsSync(join(dir, 'libblas.so.3'))) return dir;
  }
  return undefined;
}

/**
 * Debian's OpenBLAS for the PyTorch reference: `apt-get download` + `dpkg-deb -x` into the cache, once.
 * Returns { dir } or { problem } (then the reference runs on the system BLAS and the report withholds its ratios).
 */
function prepareOpenBlas() {
  const root = openBlasRoot();
  const found = findOpenBlas(root);
  if (found) return { dir: found };
  log(`extracting Debian's ${OPENBLAS_PACKAGE} into ${root} (once; nothing is installed) …`);
  mkdirSync(join(root, '..'), { recursive: true });
  const download = mkdtempSync(join(root, '..', 'download-'));
  try {
    execFileSync('apt-get', ['download', OPENBLAS_PACKAGE], { cwd: download, stdio: ['ignore', 'pipe', 'pipe'] });
    const deb = readdirSync(download).find((f) => f.endsWith('.deb'));
    if (deb === undefined) throw new Error('apt-get download wrote no .deb');
    execFileSync('dpkg-deb', ['-x', join(download, deb), root]);
  } catch (error) {
    const detail = String(error.stderr ?? error.message).trim().split('\n').slice(-2).join(' | ');
    return { problem: `could not get ${OPENBLAS_PACKAGE} (${detail}); run 'apt-get update' (as root) or use --torch-blas system` };
  } finally {
    rmSync(download, { recursive: true, force: true });
  }
  const dir = findOpenBlas(root);
  return dir ? { dir } : { problem: `${OPENBLAS_PACKAGE} extracted into ${root} holds no openblas-serial/libblas.so.3` };
}

async function torchReference({ packId, dir, threads, textLengths, options, withMatmul, blasDir }) {
  const ckpt = torchCheckpoints(packId, options.work);
  const packJson = JSON.parse(readFileSync(join(dir, 'pack.json'), 'utf8'));
  const only = [options.groups.some((g) => g === 'synthesis' || g === 'preview' || g === 'preset') && 'synthesis', options.groups.includes('inversion') && 'inversion', options.groups.includes('text') && 'text'].filter(Boolean);
  const args = ['bench/torch_reference.py', '--stylegan', ckpt.stylegan, '--e4e', ckpt.e4e, '--clip', ckpt.clip,
    '--previews', packJson.generator.previewResolutions.join(','), '--text-lengths', textLengths.join(','),
    '--prompts', String(2 * packJson.templates.length), '--threads', String(threads),
    '--repeats', String(options.torchRepeats ?? options.repeats), '--warmup', String(options.warmup), '--only', only.join(',') || 'none'];
  if (withMatmul) args.push('--matmul', String(options.matmul));
  log(`torch reference ${packId}, ${threads} thread(s), ${blasDir ? `OpenBLAS from ${blasDir}` : 'the system BLAS'} …`);
  const env = blasDir ? { LD_LIBRARY_PATH: [blasDir, process.env.LD_LIBRARY_PATH].filter(Boolean).join(':') } : undefined;
  return JSON.parse(await runProcess(PYTHON, args, { timeoutMs: options.timeoutMin * 60_000, label: `torch ${packId}`, env }));
}

async function main() {
  const options = parseArgs(process.argv.slice(2));
  const withPanel = options.groups.includes('panel');
  options.groups = options.groups.filter((g) => g !== 'panel'); // the stage groups, run on the pack × backend pairs
  const pairs = options.groups.length > 0 ? plan(options) : [];
  const cores = availableParallelism();
  const startedAt = new Date().toISOString();
  const loadBefore = loadavg();
  mkdirSync(options.work, { recursive: true });
  const { nodeChild, nodeChildPlain } = await bundleBench();
  const packIds = [...new Set(pairs.map((p) => p.pack))];
  const dirs = await preparePacks(packIds, options, nodeChildPlain);
  const matmulFile = join(BUILD, `matmul-${options.matmul}.onnx`);
  if (options.groups.includes('matmul')) {
    execFileSync(PYTHON, ['bench/graph_macs.py', '--matmul-out', matmulFile, '--matmul', String(options.matmul)], { cwd: ROOT });
  }
  const matmul = options.groups.includes('matmul') ? { file: matmulFile, n: options.matmul } : undefined;
  const timeoutMs = options.timeoutMin * 60_000;
  const runs = [];

  for (const { pack, backend } of pairs.filter((p) => p.backend.startsWith('node-'))) {
    const numThreads = backend === 'node-wasm-all' ? cores : 1;
    const child = backend === 'node-wasm-1' ? nodeChild : nodeChildPlain;
    // Full-size packs: one process per group, so each group's peak RSS is its own and big graphs never share
    // ORT's wasm memory. Small packs: one process (each start compiles ORT's 27 MB wasm again).
    const perGroup = options.processPer === 'group' || (options.processPer === undefined && FULL_PACKS.includes(pack));
    for (const groups of perGroup ? options.groups.map((g) => [g]) : [options.groups]) {
      const group = groups.join(',');
      log(`${backend} ${pack}: ${group}`);
      const config = { pack: dirs[pack], numThreads, groups, repeats: options.repeats, warmup: options.warmup, matmul: groups.includes('matmul') ? matmul : undefined };
      try {
        const out = benchResult(await runProcess('node', [child, JSON.stringify(config)], { timeoutMs, label: `${backend} ${pack} ${group}` }));
        runs.push({ pack, backend, numThreads, group, results: out.results, peakRssMiB: out.maxRssMiB });
        for (const r of out.results) if (r.ms.length > 0) log(`    ${r.stage}: median ${median(r.ms).toFixed(1)} ms (n=${r.ms.length})`);
        log(`    peak RSS ${out.maxRssMiB.toFixed(0)} MiB`);
      } catch (error) {
        log(`  ${error.message}`);
        runs.push({ pack, backend, numThreads, group, error: error.message, results: [] });
      }
    }
  }
  const chromiumInfo = {};
  for (const backend of ['chromium-wasm', 'chromium-webgpu']) {
    const forBackend = pairs.filter((p) => p.backend === backend);
    if (forBackend.length === 0) continue;
    log(`${backend}: ${forBackend.map((p) => p.pack).join(', ')}`);
    const out = await runChromium({
      buildDir: BUILD, backend: backend === 'chromium-webgpu' ? 'webgpu' : 'wasm', numThreads: 1, repeats: options.repeats, warmup: options.warmup,
      runs: forBackend.map(({ pack }) => ({ packId: pack, packDir: dirs[pack], groups: options.groups })), matmul, timeoutMs, log,
    });
    for (const page of out) {
      if (page.error) log(`  ${backend} ${page.packId}: ${page.error}`);
      chromiumInfo[backend] = { version: page.chromiumVersion, userAgent: page.userAgent, adapter: page.adapter, flags: page.flags, crossOriginIsolated: page.crossOriginIsolated };
      runs.push({ pack: page.packId, backend, numThreads: 1, group: 'all', results: page.results ?? [], error: page.error, adapter: page.adapter });
    }
  }

  const torch = [];
  const torchBlas = { requested: options.torchBlas };
  if (options.torch && pairs.length > 0 && options.torchBlas === 'openblas') Object.assign(torchBlas, prepareOpenBlas());
  if (torchBlas.problem) log(`  warning: ${torchBlas.problem}`);
  if (options.torch) {
    const threadCounts = [...new Set(pairs.map((p) => (p.backend === 'node-wasm-all' ? cores : 1)))];
    const torchPacks = [...new Set(pairs.map((p) => SAME_WEIGHTS_AS[p.pack] ?? p.pack))];
    let first = true;
    for (const packId of torchPacks) {
      const lengths = new Set([77]);
      for (const run of runs.filter((r) => (SAME_WEIGHTS_AS[r.pack] ?? r.pack) === packId)) {
        for (const r of run.results) if (r.role === 'clipText' && r.info?.tokens) lengths.add(r.info.tokens);
      }
      for (const threads of threadCounts) {
        try {
          const dir = dirs[packId] ?? dirs[Object.keys(SAME_WEIGHTS_AS).find((p) => SAME_WEIGHTS_AS[p] === packId && dirs[p])];
          const ref = await torchReference({ packId, dir, threads, textLengths: [...lengths], options, withMatmul: first && options.groups.includes('matmul'), blasDir: torchBlas.dir });
          torch.push({ pack: packId, threads, ...ref });
        } catch (error) {
          log(`  ${error.message}`);
          torch.push({ pack: packId, threads, error: error.message, stages: [] });
        }
      }
      first = false; // the GEMM rates are measured once per thread count
    }
  }

  let panel;
  if (withPanel) {
    log(`panel: ${options.packDir}, modes ${options.panelModes.join(', ')}${options.hostedThreads === undefined ? '' : ` (hosted: ${options.hostedThreads} threads)`}, photo ${options.photo} at ${options.photoSide} px`);
    const packId = basename(options.packDir).replace(/[^A-Za-z0-9._-]/g, '_');
    const panelRuns = await runPanelBench({ ...options, packId, modes: options.panelModes, timeoutMs }, log);
    panel = { packDir: options.packDir, packId, photo: options.photo, photoSide: options.photoSide, prompt: options.prompt, hostedThreads: options.hostedThreads ?? null, beta: options.beta ?? null, summary: summarisePanel(panelRuns), runs: panelRuns };
  }

  const meta = {
    startedAt, finishedAt: new Date().toISOString(), loadAverageBefore: loadBefore, loadAverageAfter: loadavg(),
    cpuModel: cpus()[0]?.model, cores, node: process.version,
    onnxruntimeWeb: JSON.parse(readFileSync(join(ROOT, 'node_modules/onnxruntime-web/package.json'), 'utf8')).version,
    torch: torch.find((t) => t.torch)?.torch, cpu: torch.find((t) => t.cpu)?.cpu, blas: torch.find((t) => t.blas)?.blas, torchBlas,
    chromium: chromiumInfo, gitCommit: gitCommit(), options: { ...options, json: undefined },
    caveat: 'Timings were taken on a shared machine; compare numbers from one run only.',
  };
  const summary = summarise({ runs, torch, cores });
  if (pairs.length > 0) printReport({ summary, meta });
  if (panel) printPanelReport(panel);
  if (options.json) {
    writeFileSync(options.json, `${JSON.stringify({ meta, summary, runs, torch, panel }, null, 2)}\n`);
    log(`wrote ${options.json}`);
  }
}

function gitCommit() {
  try {
    return execFileSync('git', ['rev-parse', 'HEAD'], { cwd: ROOT, encoding: 'utf8' }).trim();
  } catch {
    return null;
  }
}

main().catch((error) => {
  console.error(`bench: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  process.exit(1);
});
