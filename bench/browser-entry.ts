// The benchmark page's script (bench/chromium.mjs serves it): window.facetextBench(config) runs the stages
// on 'wasm' or 'webgpu' with the pack fetched from the bench server, and reports the WebGPU adapter.
import { benchStages, type Group, type StageResult } from './bench-stages';
import { packFromUrl } from '../ui/worker/pack/pack-from-url';
import type { Backend } from '../ui/worker/runtime/ort';

interface PageConfig {
  packUrl: string;
  backend: Backend;
  numThreads: number;
  groups: Group[];
  repeats: number;
  warmup: number;
  matmul?: { url: string; n: number };
  prompt?: string;
}

interface AdapterReport {
  vendor?: string;
  architecture?: string;
  device?: string;
  description?: string;
  isFallbackAdapter?: boolean;
  features?: string[];
}

async function adapterInfo(): Promise<AdapterReport | null> {
  const gpu = (navigator as unknown as { gpu?: { requestAdapter(): Promise<unknown> } }).gpu;
  if (gpu === undefined) return null;
  const adapter = (await gpu.requestAdapter()) as null | { info?: AdapterReport; isFallbackAdapter?: boolean; features?: Set<string> };
  if (adapter === null) return null;
  const info = adapter.info ?? {}; // GPUAdapterInfo's fields are prototype getters: copy them one by one
  const { vendor, architecture, device, description } = info;
  return { vendor, architecture, device, description, isFallbackAdapter: adapter.isFallbackAdapter ?? info.isFallbackAdapter, features: [...(adapter.features ?? [])] };
}

async function facetextBench(config: PageConfig): Promise<{ results: StageResult[]; adapter: AdapterReport | null; userAgent: string; crossOriginIsolated: boolean }> {
  const matmul = config.matmul && { model: new Uint8Array(await (await fetch(config.matmul.url)).arrayBuffer()), n: config.matmul.n };
  const results = await benchStages({
    openPack: () => packFromUrl(config.packUrl),
    runtime: { backends: [config.backend], numThreads: config.numThreads },
    groups: config.groups,
    repeats: config.repeats,
    warmup: config.warmup,
    matmul,
    prompt: config.prompt,
    log: (line) => console.log(`[bench] ${line}`),
  });
  return { results, adapter: await adapterInfo(), userAgent: navigator.userAgent, crossOriginIsolated: globalThis.crossOriginIsolated === true };
}

(globalThis as unknown as { facetextBench: typeof facetextBench }).facetextBench = facetextBench;
