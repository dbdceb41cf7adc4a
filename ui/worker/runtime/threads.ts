// How many wasm threads the engine asks onnxruntime-web for: the one home of that policy and of its bounds.
// Imports nothing, so the hosted page can check its `threads` parameter without bundling ORT.

/** The most threads anyone may ask for; ORT's own default never exceeds 4, and each thread is a Worker. */
export const MAX_WASM_THREADS = 16;

export interface ThreadHost {
  crossOriginIsolated?: boolean;
  hardwareConcurrency?: number;
}

/**
 * ORT's own default, kept deliberately: min(4, ceil(cores / 2)) where threads are possible (crossOriginIsolated),
 * leaving the other cores to Figma itself; 1 where they are not (the inline panel, any frame without isolation;
 * Node, like Figma's frame, gets 1 too).
 */
export function defaultWasmThreads({ crossOriginIsolated, hardwareConcurrency }: ThreadHost): number {
  if (crossOriginIsolated !== true) return 1;
  const cores = Number.isInteger(hardwareConcurrency) && hardwareConcurrency! > 0 ? hardwareConcurrency! : 2;
  return Math.min(4, Math.ceil(cores / 2));
}

/** The problem with an explicit thread count, or undefined when it is a whole number from 1 to MAX_WASM_THREADS. */
export function wasmThreadsProblem(threads: unknown): string | undefined {
  if (typeof threads === 'number' && Number.isInteger(threads) && threads >= 1 && threads <= MAX_WASM_THREADS) return undefined;
  return `\`numThreads\` must be a whole number from 1 to ${MAX_WASM_THREADS}, got ${typeof threads === 'number' ? threads : JSON.stringify(threads) ?? String(threads)}`;
}

/**
 * The hosted page's `threads` parameter (`?threads=2`: the playground, the bench and the e2e tests measure a thread
 * count other than the policy's): undefined when absent, else the number; a malformed or out-of-range value throws
 * (the page is started with it, so a typo must not silently fall back).
 */
export function threadsParam(search: string): number | undefined {
  const raw = new URLSearchParams(search).get('threads');
  if (raw === null) return undefined;
  const threads = /^[0-9]{1,3}$/.test(raw) ? Number(raw) : Number.NaN;
  const problem = wasmThreadsProblem(threads);
  if (problem !== undefined) throw new Error(`The page's threads parameter must be a whole number from 1 to ${MAX_WASM_THREADS}, got "${raw.slice(0, 20)}"`);
  return threads;
}
