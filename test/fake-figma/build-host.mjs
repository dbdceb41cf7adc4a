// Bundles the host simulator (host.ts + the fake Figma API) into one browser script, in memory.
// scripts/serve.mjs serves it at /fake-figma/host.js for the playground and the end-to-end tests.
import * as esbuild from 'esbuild';
import { fileURLToPath } from 'node:url';

const ENTRY = fileURLToPath(new URL('./host.ts', import.meta.url));

/** The bundled host-simulator script. */
export async function buildHostAsync() {
  const result = await esbuild.build({ entryPoints: [ENTRY], bundle: true, write: false, format: 'iife', platform: 'browser', target: 'es2022', logLevel: 'silent' });
  return result.outputFiles[0].text;
}
