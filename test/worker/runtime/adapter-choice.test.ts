// Runtime choice: a software or fallback WebGPU adapter is not preferred over wasm (it is 2.4–5.8× slower
// here, issue 13), but `backends: ['webgpu']` still uses it. navigator.gpu is faked in Node; the real
// adapter (SwiftShader) is covered by test/e2e/engine-worker.e2e.test.ts and ui-boots.e2e.test.ts.
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { OrtRuntime, describeAdapter } from '../../../ui/worker/runtime/ort';

const SWIFTSHADER_INFO = { vendor: 'google', architecture: 'swiftshader', device: '', description: '', isFallbackAdapter: true };

function fakeGpu(adapter: object | null) {
  const requestAdapter = vi.fn(async () => adapter);
  vi.stubGlobal('navigator', { gpu: { requestAdapter } });
  return requestAdapter;
}

// Node 20 has no navigator: load ORT's wasm before faking one, so its loader never sees a "browser".
beforeAll(async () => {
  await OrtRuntime.create();
});

afterEach(() => {
  vi.unstubAllGlobals();
});

describe('describeAdapter', () => {
  it('calls SwiftShader (as Chromium reports it) a software adapter', async () => {
    expect(await describeAdapter({ info: SWIFTSHADER_INFO })).toEqual({
      vendor: 'google', architecture: 'swiftshader', device: '', description: '', software: true, infoAvailable: true, shaderF16: false,
    });
  });

  it("reports whether the adapter offers 'shader-f16' (what a float16-compute graph would need)", async () => {
    const features = (names: string[]) => ({ has: (name: string) => names.includes(name) });
    expect((await describeAdapter({ info: SWIFTSHADER_INFO, features: features(['shader-f16', 'timestamp-query']) })).shaderF16).toBe(true);
    expect((await describeAdapter({ info: SWIFTSHADER_INFO, features: features(['timestamp-query']) })).shaderF16).toBe(false);
    expect((await describeAdapter({})).shaderF16).toBe(false);
  });

  it('reads isFallbackAdapter from the info or the adapter, and software names from any field', async () => {
    expect((await describeAdapter({ info: { vendor: 'x', isFallbackAdapter: true } })).software).toBe(true);
    expect((await describeAdapter({ info: { vendor: 'x' }, isFallbackAdapter: true })).software).toBe(true);
    expect((await describeAdapter({ info: { vendor: 'mesa', description: 'llvmpipe (LLVM 15.0.6, 256 bits)' } })).software).toBe(true);
    expect((await describeAdapter({ info: { vendor: 'microsoft', description: 'Microsoft Basic Render Driver' } })).software).toBe(true);
    expect((await describeAdapter({ info: { vendor: 'x', device: 'Software Adapter' } })).software).toBe(true);
  });

  it('keeps real GPUs as hardware', async () => {
    for (const info of [
      { vendor: 'nvidia', architecture: 'ada', description: 'NVIDIA GeForce RTX 4070' },
      { vendor: 'apple', architecture: 'metal-3', description: '' },
      { vendor: 'intel', architecture: 'gen-12lp', description: 'Intel(R) Iris(R) Xe Graphics', isFallbackAdapter: false },
    ]) {
      expect((await describeAdapter({ info })).software, JSON.stringify(info)).toBe(false);
    }
  });

  it('falls back to requestAdapterInfo() on older browsers, and says when there is no info at all', async () => {
    expect(await describeAdapter({ requestAdapterInfo: async () => SWIFTSHADER_INFO })).toMatchObject({ software: true, infoAvailable: true });
    expect(await describeAdapter({})).toMatchObject({ software: false, infoAvailable: false });
    expect(await describeAdapter({ isFallbackAdapter: true })).toMatchObject({ software: true, infoAvailable: false });
  });
});

describe('OrtRuntime.create with a software adapter', () => {
  it('runs on wasm by default and says why, without trying WebGPU', async () => {
    const requestAdapter = fakeGpu({ info: SWIFTSHADER_INFO });
    const runtime = await OrtRuntime.create();
    expect(requestAdapter).toHaveBeenCalledTimes(1);
    expect(runtime.backend).toBe('wasm');
    expect(runtime.fallbackReason).toBe('WebGPU adapter is a software renderer (SwiftShader): running on WebAssembly, which is faster here');
    expect(runtime.gpuAdapter).toMatchObject({ architecture: 'swiftshader', software: true });
  });

  it('names the renderer from the description (llvmpipe)', async () => {
    fakeGpu({ info: { vendor: 'mesa', architecture: '', description: 'llvmpipe (LLVM 15.0.6, 256 bits)' } });
    const runtime = await OrtRuntime.create({ backends: ['webgpu', 'wasm'] });
    expect(runtime.fallbackReason).toBe('WebGPU adapter is a software renderer (llvmpipe): running on WebAssembly, which is faster here');
  });
  // A hardware adapter, or `backends: ['webgpu']` on SwiftShader, goes on to ORT's WebGPU EP, which hangs in
  // Node on a fake navigator.gpu: those paths are the e2e tests' (engine-worker forces WebGPU on SwiftShader).
});
