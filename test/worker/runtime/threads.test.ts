// The wasm thread policy (ui/worker/runtime/threads.ts): which count each host gets, and which explicit counts
// the engine and the hosted page's `threads` parameter accept.
import { describe, expect, it } from 'vitest';
import { MAX_WASM_THREADS, defaultWasmThreads, threadsParam, wasmThreadsProblem } from '../../../ui/worker/runtime/threads';

describe('defaultWasmThreads', () => {
  it('gives 1 thread wherever the context is not cross-origin isolated, whatever the cores', () => {
    for (const cores of [1, 2, 8, 64]) {
      expect(defaultWasmThreads({ crossOriginIsolated: false, hardwareConcurrency: cores })).toBe(1);
      expect(defaultWasmThreads({ hardwareConcurrency: cores })).toBe(1); // Node: no crossOriginIsolated at all
    }
  });

  it('gives ORT\'s min(4, ceil(cores / 2)) when isolated: half the cores stay free for Figma', () => {
    const got = [1, 2, 3, 4, 5, 6, 7, 8, 16, 64].map((cores) => defaultWasmThreads({ crossOriginIsolated: true, hardwareConcurrency: cores }));
    expect(got).toEqual([1, 1, 2, 2, 3, 3, 4, 4, 4, 4]);
  });

  it('assumes 2 cores when the browser does not say or says nonsense', () => {
    for (const cores of [undefined, 0, -3, 2.5, Number.NaN]) expect(defaultWasmThreads({ crossOriginIsolated: true, hardwareConcurrency: cores })).toBe(1);
  });
});

describe('explicit thread counts', () => {
  it('accepts whole numbers from 1 to the maximum only', () => {
    for (const ok of [1, 2, 4, MAX_WASM_THREADS]) expect(wasmThreadsProblem(ok)).toBeUndefined();
    for (const bad of [0, -1, 1.5, MAX_WASM_THREADS + 1, Number.NaN, Infinity, '2', null, undefined]) {
      expect(wasmThreadsProblem(bad), String(bad)).toMatch(/^`numThreads` must be a whole number from 1 to 16, got /);
    }
  });

  it('reads the hosted page\'s ?threads=N strictly: absent is the policy, anything malformed is an error', () => {
    expect(threadsParam('')).toBeUndefined();
    expect(threadsParam('?other=1')).toBeUndefined();
    expect(threadsParam('?threads=2')).toBe(2);
    expect(threadsParam(`?x=1&threads=${MAX_WASM_THREADS}`)).toBe(MAX_WASM_THREADS);
    for (const bad of ['0', '17', '2.0', ' 2', '2x', '', '-1', '1e1', '0x2', '99999999999']) {
      expect(() => threadsParam(`?threads=${encodeURIComponent(bad)}`), bad).toThrow(/^The page's threads parameter must be a whole number from 1 to 16, got "/);
    }
  });
});
