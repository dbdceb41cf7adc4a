// npm run build: everything Figma and the CLI load, in dist/.
//   dist/code.js  plugin/main.ts for Figma's main-thread sandbox (IIFE, ES2017)
//   dist/ui.html  ONE self-contained file: the Preact panel, the engine Worker's source, ORT's wasm and the
//                 face models (face-api nets + tfjs wasm), both gzip + base64, decompressed in the iframe –
//                 Figma loads nothing else (ARCHITECTURE.md)
//   dist/hosted/  the same panel as a page for a static host (hosted mode, ARCHITECTURE.md): index.html,
//                 panel.js/.css, engine-worker.js, ORT's wasm and the face models as separate files
//   dist/cli.js   cli/cli.ts for Node (ESM, executable), with ORT's wasm beside it
// and copies CLIP's vocabulary into the model packs (scripts/copy-vocab.mjs).
// FACETEXT_UI_ORIGIN=https://host.example/facetext/ makes dist/ui.html a small loader that navigates Figma's
// panel frame to that hosted page (which must be listed in manifest.json's networkAccess); unset, ui.html is the
// self-contained inline panel.
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import { chmod, copyFile, mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { gzip } from 'node:zlib';
import * as esbuild from 'esbuild';
import { copyVocab } from './copy-vocab.mjs';
import { hostedLoaderHtml, HOSTED_FILES } from './hosted-loader.mjs';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const DIST = join(ROOT, 'dist');
// The wasm that 'onnxruntime-web/webgpu' (native WebGPU EP) loads; it must come from the same ORT build as the JS.
export const ORT_WASM_NAME = 'ort-wasm-simd-threaded.asyncify.wasm';
export const ORT_WASM_ELEMENT_ID = 'ort-wasm-gz-base64'; // also in ui/engine-client.ts
const ORT_WASM_PATH = createRequire(import.meta.url).resolve(`onnxruntime-web/${ORT_WASM_NAME}`);
export const FACE_MODELS_ELEMENT_ID = 'face-models-gz-base64'; // also in ui/face-model-assets.ts
// What ui/worker/face/detect.ts runs (cli/face-model-files.ts reads the same files in Node).
const FACE_API_MODEL_DIR = join(dirname(createRequire(import.meta.url).resolve('@vladmandic/face-api/package.json')), 'model');
const TFJS_WASM_DIR = join(dirname(createRequire(import.meta.url).resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'dist');

// Node ESM has no require/__filename/__dirname; bundled CommonJS code (tfjs's wasm backend) needs them (spec/face.md).
const NODE_SHIMS = [
  '#!/usr/bin/env node',
  "import { createRequire as __facetextCreateRequire } from 'node:module';",
  "import { fileURLToPath as __facetextFileURLToPath } from 'node:url';",
  "import { dirname as __facetextDirname } from 'node:path';",
  'const require = __facetextCreateRequire(import.meta.url);',
  'const __filename = __facetextFileURLToPath(import.meta.url);',
  'const __dirname = __facetextDirname(__filename);',
].join('\n');

const common = { absWorkingDir: ROOT, bundle: true, logLevel: 'warning', legalComments: 'eof' };

async function buildPlugin() {
  // Figma's sandbox is a restricted JS VM: stay conservative (create-figma-plugin also targets es2017).
  await esbuild.build({ ...common, entryPoints: ['plugin/main.ts'], outfile: join(DIST, 'code.js'), format: 'iife', target: 'es2017', platform: 'browser' });
}

async function bundleToMemory(options) {
  const result = await esbuild.build({ ...common, ...options, write: false, outdir: DIST });
  const text = (ext) => result.outputFiles.find((file) => file.path.endsWith(ext))?.text ?? '';
  return { js: text('.js'), css: text('.css') };
}

/**
 * The engine Worker, bundling onnxruntime-web/webgpu, as a *classic* script: it starts from a data: URL
 * (WebGPU-capable) or, where that is refused, a blob: URL, and Chromium will not start a blob: module worker
 * in a null-origin iframe such as Figma's (ui/engine-client.ts); the hosted page starts the same script from
 * its own URL. ORT's bundle reads import.meta.url to locate files it is not asked to fetch (the wasm arrives as
 * wasmBinary; no proxy worker) and, with wasm threads (a cross-origin isolated hosted page), to start its pthread
 * Workers: they run this same file (ui/worker/README.md, "WASM threads").
 */
function bundleWorker() {
  return bundleToMemory({
    entryPoints: ['ui/worker/worker.ts'],
    format: 'iife',
    platform: 'browser',
    target: 'es2022',
    minify: true,
    define: { 'import.meta.url': 'self.location.href' },
  });
}

/** The panel script: `mode` 'inline' carries the worker's source; 'hosted' starts engine-worker.js by URL. */
function bundlePanel(mode, workerSource) {
  const pluginId = JSON.parse(readFileSync(join(ROOT, 'manifest.json'), 'utf8')).id;
  return bundleToMemory({
    entryPoints: ['ui/main.tsx'],
    format: 'iife',
    platform: 'browser',
    target: 'es2022',
    minify: true,
    jsx: 'automatic',
    jsxImportSource: 'preact',
    define: { __ENGINE_WORKER_SOURCE__: JSON.stringify(workerSource), __FACETEXT_MODE__: JSON.stringify(mode), __FACETEXT_PLUGIN_ID__: JSON.stringify(pluginId) },
  });
}

async function buildUiHtml(worker, [wasmBase64, faceModelsBase64]) {
  const ui = await bundlePanel('inline', worker.js);
  assertInlineable('the panel script', ui.js);
  assertInlineable('the panel styles', ui.css);
  const html = [
    '<!doctype html>',
    '<html lang="en">',
    '<head><meta charset="utf-8"><title>facetext</title>',
    `<style>${ui.css}</style>`,
    '</head>',
    '<body>',
    '<div id="app"></div>',
    `<script type="application/octet-stream" id="${ORT_WASM_ELEMENT_ID}">${wasmBase64}</script>`,
    `<script type="application/octet-stream" id="${FACE_MODELS_ELEMENT_ID}">${faceModelsBase64}</script>`,
    `<script>${ui.js}</script>`,
    '</body>',
    '</html>',
    '',
  ].join('\n');
  await writeFile(join(DIST, 'ui.html'), html);
  return { workerBytes: Buffer.byteLength(worker.js), panelBytes: Buffer.byteLength(ui.js) };
}

/** dist/hosted/: the panel as a page and its assets, each its own file, for any static host (README "Hosting"). */
async function buildHosted(worker, faceModelsRaw) {
  const dir = join(DIST, 'hosted');
  await mkdir(dir, { recursive: true });
  const ui = await bundlePanel('hosted', '');
  const html = [
    '<!doctype html>',
    '<html lang="en">',
    '<head><meta charset="utf-8"><title>facetext</title>',
    `<link rel="stylesheet" href="${HOSTED_FILES.css}">`,
    '</head>',
    '<body>',
    '<div id="app"></div>',
    `<script src="${HOSTED_FILES.panel}"></script>`,
    '</body>',
    '</html>',
    '',
  ].join('\n');
  await Promise.all([
    writeFile(join(dir, 'index.html'), html),
    writeFile(join(dir, HOSTED_FILES.panel), ui.js),
    writeFile(join(dir, HOSTED_FILES.css), ui.css),
    writeFile(join(dir, HOSTED_FILES.worker), worker.js),
    copyFile(ORT_WASM_PATH, join(dir, HOSTED_FILES.ortWasm)),
    writeFile(join(dir, HOSTED_FILES.faceModels), faceModelsRaw),
  ]);
}

/** Inlined code must not end its <script>/<style> element early or open an HTML comment inside it. */
function assertInlineable(what, code) {
  const match = /<\/(script|style)|<!--/i.exec(code);
  if (match) throw new Error(`${what} contains "${match[0]}" at offset ${match.index}, which would break the inlined HTML`);
}

async function buildCli() {
  const outfile = join(DIST, 'cli.js');
  await esbuild.build({ ...common, entryPoints: ['cli/cli.ts'], outfile, format: 'esm', platform: 'node', target: 'node20', banner: { js: NODE_SHIMS } });
  await chmod(outfile, 0o755);
  // Under Node the ORT bundle loads its Emscripten glue and wasm from beside itself (new URL(name, import.meta.url)).
  await copyFile(ORT_WASM_PATH, join(DIST, ORT_WASM_NAME));
  await copyFile(ORT_WASM_PATH.replace(/\.wasm$/, '.mjs'), join(DIST, ORT_WASM_NAME.replace(/\.wasm$/, '.mjs')));
}

/** dist/ui.html as Figma's panel: the inline panel, or (FACETEXT_UI_ORIGIN set) a loader for the hosted page. */
async function buildUi(worker, inlineAssets) {
  const hostedUrl = process.env.FACETEXT_UI_ORIGIN?.trim();
  if (!hostedUrl) return { mode: 'inline', ...(await buildUiHtml(worker, await inlineAssets())) };
  await writeFile(join(DIST, 'ui.html'), hostedLoaderHtml(hostedUrl));
  return { mode: 'hosted', url: hostedUrl };
}

async function compressedWasmBase64() {
  const gzipped = await promisify(gzip)(await readFile(ORT_WASM_PATH), { level: 9 });
  return gzipped.toString('base64');
}

/**
 * The face models as one blob: u32 LE length of a JSON index, the index, then the bytes it points at
 * ({ detector: { manifest, offset, length }, landmarks: …, recognition: …, wasm: { plain: { offset, length }, simd: … } },
 * offsets from the end of the index). ui/face-model-assets.ts reads it: inlined as gzip + base64 in ui.html,
 * a plain file (face-models.bin) in dist/hosted/.
 */
async function faceModelsBlob() {
  const parts = [];
  let offset = 0;
  const add = async (path) => {
    const bytes = await readFile(path);
    parts.push(bytes);
    offset += bytes.length;
    return { offset: offset - bytes.length, length: bytes.length };
  };
  const net = async (name) => {
    const manifest = JSON.parse(await readFile(join(FACE_API_MODEL_DIR, `${name}-weights_manifest.json`), 'utf8'));
    const shards = [];
    for (const path of manifest.flatMap((group) => group.paths)) shards.push(await add(join(FACE_API_MODEL_DIR, path)));
    return { manifest, offset: shards[0].offset, length: shards.reduce((sum, shard) => sum + shard.length, 0) };
  };
  const index = {
    detector: await net('ssd_mobilenetv1_model'),
    landmarks: await net('face_landmark_68_model'),
    recognition: await net('face_recognition_model'),
    wasm: { plain: await add(join(TFJS_WASM_DIR, 'tfjs-backend-wasm.wasm')), simd: await add(join(TFJS_WASM_DIR, 'tfjs-backend-wasm-simd.wasm')) },
  };
  const json = Buffer.from(JSON.stringify(index));
  const header = Buffer.alloc(4);
  header.writeUInt32LE(json.length);
  return Buffer.concat([header, json, ...parts]);
}

async function compressedFaceModelsBase64(raw) {
  const gzipped = await promisify(gzip)(raw, { level: 9 });
  return { base64: gzipped.toString('base64'), rawBytes: raw.length };
}

const mb = (bytes) => `${(bytes / 1e6).toFixed(2)} MB`;

async function main() {
  const started = performance.now();
  await rm(DIST, { recursive: true, force: true });
  await mkdir(DIST, { recursive: true });
  const vocab = copyVocab({ repoRoot: ROOT });
  const faceModelsRaw = faceModelsBlob();
  const worker = bundleWorker();
  let inline; // the compressed assets, made only for an inline ui.html
  const inlineAssets = () => (inline ??= Promise.all([compressedWasmBase64(), faceModelsRaw.then(compressedFaceModelsBase64)]));
  const [, ui] = await Promise.all([
    buildPlugin(),
    worker.then((w) => buildUi(w, async () => { const [wasm, faces] = await inlineAssets(); return [wasm, faces.base64]; })),
    Promise.all([worker, faceModelsRaw]).then(([w, faces]) => buildHosted(w, faces)),
    buildCli(),
  ]);
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  for (const line of vocab) console.log(`  vocab  ${line}`);
  for (const name of ['code.js', 'ui.html', 'cli.js', 'hosted/index.html', `hosted/${HOSTED_FILES.panel}`, `hosted/${HOSTED_FILES.worker}`, `hosted/${HOSTED_FILES.faceModels}`]) {
    console.log(`  ${relative(ROOT, join(DIST, name)).padEnd(28)} ${mb((await stat(join(DIST, name))).size)}`);
  }
  if (ui.mode === 'inline') {
    const [wasm, faces] = await inlineAssets();
    console.log(`  (ui.html: inline panel ${mb(ui.panelBytes)} incl. worker ${mb(ui.workerBytes)}, ORT wasm ${mb((await stat(ORT_WASM_PATH)).size)} as gzip+base64 ${mb(wasm.length)}, face models ${mb(faces.rawBytes)} as gzip+base64 ${mb(faces.base64.length)})`);
  } else {
    console.log(`  (ui.html: a loader for the hosted panel at ${ui.url}; serve dist/hosted/ there)`);
  }
  console.log(`built in ${seconds} s`);
}

main().catch((error) => {
  console.error(`build failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
