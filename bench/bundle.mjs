// Bundles the benchmark's TypeScript at run time (esbuild, as scripts/build.mjs does) into bench/.build/:
//   node-child.mjs        for Node, importing 'onnxruntime-web/webgpu' as the engine does (its asyncify wasm)
//   node-child-plain.mjs  the same on ORT's Node build (plain wasm; the only one that runs threads in Node)
//   browser-entry.js   for the Chromium page, with ORT's wasm beside it
import { createRequire } from 'node:module';
import { copyFile, mkdir } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const BUILD = join(ROOT, 'bench', '.build');
const ORT_WASM_NAME = 'ort-wasm-simd-threaded.asyncify.wasm'; // what 'onnxruntime-web/webgpu' loads (scripts/build.mjs)
const ORT_WASM_PATH = createRequire(import.meta.url).resolve(`onnxruntime-web/${ORT_WASM_NAME}`);
// Bundled CommonJS dependencies expect these in Node ESM (scripts/build.mjs does the same for dist/cli.js).
const NODE_SHIMS = [
  "import { createRequire as __benchCreateRequire } from 'node:module';",
  "import { fileURLToPath as __benchFileURLToPath } from 'node:url';",
  "import { dirname as __benchDirname } from 'node:path';",
  'const require = __benchCreateRequire(import.meta.url);',
  'const __filename = __benchFileURLToPath(import.meta.url);',
  'const __dirname = __benchDirname(__filename);',
].join('\n');

export async function bundleBench() {
  await mkdir(BUILD, { recursive: true });
  const common = { absWorkingDir: ROOT, bundle: true, logLevel: 'warning', sourcemap: false };
  // onnxruntime-web stays external: Node resolves it from node_modules, and its files find their wasm there.
  const node = { ...common, entryPoints: ['bench/node-child.ts'], format: 'esm', platform: 'node', target: 'node20', banner: { js: NODE_SHIMS }, external: ['onnxruntime-web', 'onnxruntime-web/*'] };
  await Promise.all([
    esbuild.build({ ...node, outfile: join(BUILD, 'node-child.mjs') }),
    // 'onnxruntime-web/webgpu' under Node is the browser bundle, whose wasm backend fails to start threads
    // ("fetch failed"); ORT's Node build runs them. Same CPU kernels, built without asyncify.
    esbuild.build({ ...node, outfile: join(BUILD, 'node-child-plain.mjs'), alias: { 'onnxruntime-web/webgpu': 'onnxruntime-web' } }),
    esbuild.build({ ...common, entryPoints: ['bench/browser-entry.ts'], outfile: join(BUILD, 'browser-entry.js'), format: 'esm', platform: 'browser', target: 'es2022' }),
    copyFile(ORT_WASM_PATH, join(BUILD, ORT_WASM_NAME)),
    copyFile(ORT_WASM_PATH.replace(/\.wasm$/, '.mjs'), join(BUILD, ORT_WASM_NAME.replace(/\.wasm$/, '.mjs'))),
  ]);
  return { nodeChild: join(BUILD, 'node-child.mjs'), nodeChildPlain: join(BUILD, 'node-child-plain.mjs'), browserEntry: join(BUILD, 'browser-entry.js') };
}
