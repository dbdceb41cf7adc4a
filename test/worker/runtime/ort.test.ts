import { describe, expect, it, vi } from 'vitest';
import { OrtRuntime, float32Tensor, int32Tensor } from '../../../ui/worker/runtime/ort';
import { buildOnnxModel } from '../../helpers/onnx-builder';

// y = LeakyRelu(Conv(x, W, b), 0.2) with x [1,1,4,4], W [2,1,3,3], pads 1.
const W = Float32Array.from({ length: 18 }, (_, i) => (i % 7) / 4 - 0.6);
const B = new Float32Array([0.25, -0.5]);
const convModel = buildOnnxModel({
  nodes: [
    { op: 'Conv', inputs: ['x', 'W', 'B'], outputs: ['c'], attributes: { kernel_shape: [3, 3], pads: [1, 1, 1, 1] } },
    { op: 'LeakyRelu', inputs: ['c'], outputs: ['y'], attributes: { alpha: 0.2 }, floats: ['alpha'] },
  ],
  inputs: [{ name: 'x', type: 'float32', dims: [1, 1, 4, 4] }],
  outputs: [{ name: 'y', type: 'float32', dims: [1, 2, 4, 4] }],
  initializers: [
    { name: 'W', dims: [2, 1, 3, 3], data: W },
    { name: 'B', dims: [2], data: B },
  ],
});

// y = float(tokens) * 2 with a dynamic length, as the CLIP text graph takes int32 tokens.
const tokenModel = buildOnnxModel({
  nodes: [
    { op: 'Cast', inputs: ['tokens'], outputs: ['f'], attributes: { to: 1 } },
    { op: 'Mul', inputs: ['f', 'two'], outputs: ['y'] },
  ],
  inputs: [{ name: 'tokens', type: 'int32', dims: [1, 'L'] }],
  outputs: [{ name: 'y', type: 'float32', dims: [1, 'L'] }],
  initializers: [{ name: 'two', dims: [], data: new Float32Array([2]) }],
});

function referenceConv(x: Float32Array): Float32Array {
  const y = new Float32Array(2 * 16);
  for (let o = 0; o < 2; o++) {
    for (let r = 0; r < 4; r++) {
      for (let c = 0; c < 4; c++) {
        let sum = B[o]!;
        for (let kr = 0; kr < 3; kr++) {
          for (let kc = 0; kc < 3; kc++) {
            const rr = r + kr - 1;
            const cc = c + kc - 1;
            if (rr >= 0 && rr < 4 && cc >= 0 && cc < 4) sum += W[o * 9 + kr * 3 + kc]! * x[rr * 4 + cc]!;
          }
        }
        y[o * 16 + r * 4 + c] = sum >= 0 ? sum : 0.2 * sum;
      }
    }
  }
  return y;
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i]! - b[i]!));
  return max;
}

const input = (seed: number): Float32Array => Float32Array.from({ length: 16 }, (_, i) => Math.sin(seed + i * 0.7));

describe('OrtRuntime', () => {
  it('uses wasm in Node, where there is no navigator.gpu', async () => {
    const runtime = await OrtRuntime.create();
    expect(runtime.backend).toBe('wasm');
    expect(runtime.fallbackReason).toBeUndefined();
  });

  it('falls back to wasm and says why when WebGPU is asked for but missing', async () => {
    const runtime = await OrtRuntime.create({ backends: ['webgpu', 'wasm'] });
    expect(runtime.backend).toBe('wasm');
    expect(runtime.fallbackReason).toMatch(/no navigator\.gpu/);
    await expect(OrtRuntime.create({ backends: ['webgpu'] })).rejects.toThrow(/No usable backend among webgpu/);
  });

  it('rejects unknown backends, listing the valid ones', async () => {
    await expect(OrtRuntime.create({ backends: ['cuda' as 'wasm'] })).rejects.toThrow('Must be one of: webgpu, wasm');
  });

  it('runs a Conv + LeakyRelu graph and matches a reference computation', async () => {
    const runtime = await OrtRuntime.create();
    const session = await runtime.createSession('conv', convModel);
    expect(session.name).toBe('conv');
    expect(session.backend).toBe('wasm');
    expect(session.inputNames).toEqual(['x']);
    expect(session.outputNames).toEqual(['y']);
    const x = input(0);
    const { y } = await session.run({ x: float32Tensor(x, [1, 1, 4, 4]) });
    expect(y!.dims).toEqual([1, 2, 4, 4]);
    const expected = referenceConv(x);
    expect(maxAbsDiff(y!.data as Float32Array, expected)).toBeLessThan(1e-5);
    // The graph really has negative pre-activations, so LeakyRelu's slope is exercised.
    expect(Array.from(expected).some((v) => v < 0)).toBe(true);
    await session.release();
  });

  it('completes concurrent runs on two sessions, each with its own correct result', async () => {
    const runtime = await OrtRuntime.create();
    const conv = await runtime.createSession('conv', convModel);
    const tokens = await runtime.createSession('tokens', tokenModel);
    const inputs = [input(1), input(2), input(3)];
    const [a, b, t, c] = await Promise.all([
      conv.run({ x: float32Tensor(inputs[0]!, [1, 1, 4, 4]) }),
      conv.run({ x: float32Tensor(inputs[1]!, [1, 1, 4, 4]) }),
      tokens.run({ tokens: int32Tensor(new Int32Array([49406, 320, 49407]), [1, 3]) }),
      conv.run({ x: float32Tensor(inputs[2]!, [1, 1, 4, 4]) }),
    ]);
    for (const [result, x] of [[a, inputs[0]], [b, inputs[1]], [c, inputs[2]]] as const) {
      expect(maxAbsDiff(result.y!.data as Float32Array, referenceConv(x!))).toBeLessThan(1e-5);
    }
    expect(Array.from(t.y!.data as Float32Array)).toEqual([98812, 640, 98814]);
    await Promise.all([conv.release(), tokens.release()]);
  });

  it('feeds a wasm session a CPU copy of a GPU-buffer tensor and leaves that tensor to its owner', async () => {
    // A chain stage that fell back to wasm gets the previous WebGPU stage's output (ui/worker/render/synthesis-chain.ts).
    // Node has no WebGPU, so the GPU tensor is a stand-in with ORT's Tensor shape: data only through getData().
    const runtime = await OrtRuntime.create();
    const session = await runtime.createSession('conv', convModel, { deviceOutputs: ['y'] }); // ignored on wasm
    const x = input(5);
    let reads = 0;
    let disposed = 0;
    const onGpu = {
      type: 'float32', dims: [1, 1, 4, 4], size: 16, location: 'gpu-buffer',
      getData: async (release?: boolean) => {
        reads++;
        if (release === true) disposed++;
        return Float32Array.from(x);
      },
      dispose: () => void disposed++,
    } as unknown as Parameters<typeof session.run>[0][string];
    const { y } = await session.run({ x: onGpu });
    expect(y!.location).toBe('cpu');
    expect(maxAbsDiff(y!.data as Float32Array, referenceConv(x))).toBeLessThan(1e-5);
    expect([reads, disposed]).toEqual([1, 0]);
    await session.release();
  });

  it('rejects runs on a released session and keeps serving the others', async () => {
    const runtime = await OrtRuntime.create();
    const released = await runtime.createSession('released', tokenModel);
    const alive = await runtime.createSession('alive', tokenModel);
    await released.release();
    await expect(released.run({ tokens: int32Tensor(new Int32Array([1]), [1, 1]) })).rejects.toThrow(/released was released/);
    const { y } = await alive.run({ tokens: int32Tensor(new Int32Array([5, 7]), [1, 2]) });
    expect(Array.from(y!.data as Float32Array)).toEqual([10, 14]);
  });

  it('turns a failing run into a rejection without blocking the queue', async () => {
    const runtime = await OrtRuntime.create();
    const session = await runtime.createSession('conv', convModel);
    const bad = session.run({ x: float32Tensor(new Float32Array(9), [1, 1, 3, 3]) });
    const good = session.run({ x: float32Tensor(input(4), [1, 1, 4, 4]) });
    await expect(bad).rejects.toThrow();
    expect(maxAbsDiff((await good).y!.data as Float32Array, referenceConv(input(4)))).toBeLessThan(1e-5);
  });
});

describe('OrtRuntime run queue', () => {
  it('never lets two runs overlap, as onnxruntime-web in the browser would fail with "Session already started"', async () => {
    // A stand-in for the browser build, whose runs are asynchronous and refuse to overlap.
    let active = 0;
    let maxActive = 0;
    const order: string[] = [];
    vi.resetModules();
    vi.doMock('onnxruntime-web/webgpu', () => ({
      env: { wasm: {}, webgpu: {} },
      Tensor: class {
        constructor(readonly type: string, readonly data: Float32Array) {}
      },
      InferenceSession: {
        create: async () => ({
          inputNames: ['x'],
          outputNames: ['y'],
          run: async (feeds: { x: { tag?: string; data: Float32Array } }) => {
            if (feeds.x.tag === undefined) return { y: { getData: async () => feeds.x.data.map((v) => v * v) } }; // smoke test
            if (active > 0) throw new Error('Session already started');
            active++;
            maxActive = Math.max(maxActive, active);
            order.push(`start ${feeds.x.tag}`);
            await new Promise((resolve) => setTimeout(resolve, 5));
            order.push(`end ${feeds.x.tag}`);
            active--;
            return { y: feeds.x.tag };
          },
          release: async () => undefined,
        }),
      },
    }));
    try {
      const { OrtRuntime: MockedRuntime } = await import('../../../ui/worker/runtime/ort');
      const runtime = await MockedRuntime.create({ backends: ['wasm'] });
      const one = await runtime.createSession('one', new Uint8Array());
      const two = await runtime.createSession('two', new Uint8Array());
      const feed = (tag: string) => ({ x: { tag } as never });
      const results = await Promise.all([one.run(feed('a')), two.run(feed('b')), one.run(feed('c'))]);
      expect(results.map((r) => r.y)).toEqual(['a', 'b', 'c']);
      expect(maxActive).toBe(1);
      expect(order).toEqual(['start a', 'end a', 'start b', 'end b', 'start c', 'end c']);
    } finally {
      vi.doUnmock('onnxruntime-web/webgpu');
      vi.resetModules();
    }
  });
});

describe('OrtRuntime on WebGPU, a session asked on wasm', () => {
  it('opens that session on the wasm EP and leaves the runtime, its fallback reason and other sessions on WebGPU', async () => {
    // A stand-in ORT (the WebGPU EP needs a real GPU) that records the execution providers each session asks for.
    const providers: string[][] = [];
    vi.resetModules();
    vi.doMock('onnxruntime-web/webgpu', () => ({
      env: { wasm: {}, webgpu: {} },
      Tensor: class {
        constructor(readonly type: string, readonly data: Float32Array, readonly dims: readonly number[]) {}
        readonly location = 'cpu';
      },
      InferenceSession: {
        create: async (_model: Uint8Array, options: { executionProviders: string[] }) => {
          providers.push(options.executionProviders);
          return {
            inputNames: ['x'],
            outputNames: ['y'],
            run: async (feeds: { x: { data: Float32Array } }) => ({ y: { getData: async () => feeds.x.data.map((v) => v * v) } }),
            release: async () => undefined,
          };
        },
      },
    }));
    vi.stubGlobal('navigator', { gpu: { requestAdapter: async () => ({ info: { vendor: 'nvidia', architecture: 'ada', description: 'NVIDIA GeForce RTX 4070' } }) } });
    try {
      const { OrtRuntime: MockedRuntime } = await import('../../../ui/worker/runtime/ort');
      const runtime = await MockedRuntime.create();
      expect([runtime.backend, runtime.fallbackReason]).toEqual(['webgpu', undefined]);
      providers.length = 0; // the smoke test's
      const encoder = await runtime.createSession('encoder', new Uint8Array(), { wasm: true });
      const synthesis = await runtime.createSession('synthesis', new Uint8Array(), { deviceOutputs: ['y'] });
      expect([encoder.backend, synthesis.backend]).toEqual(['wasm', 'webgpu']);
      expect(providers).toEqual([['wasm'], ['webgpu']]);
      expect([runtime.backend, runtime.fallbackReason]).toEqual(['webgpu', undefined]);
    } finally {
      vi.unstubAllGlobals();
      vi.doUnmock('onnxruntime-web/webgpu');
      vi.resetModules();
    }
  });
});
