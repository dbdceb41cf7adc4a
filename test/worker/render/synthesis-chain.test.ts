// Who frees the synthesis chain's stage tensors (ui/worker/render/synthesis-chain.ts). On WebGPU they are GPU
// buffers that only dispose() frees, so every tensor a stage makes must be disposed exactly once: by the StageCache
// when it drops the stage (a new S, clear, close), else by the render once the next stage has read it. The tensors
// here are stand-ins that behave like onnxruntime's GPU tensors (location 'gpu-buffer' until disposed, then 'none';
// getData downloads); the real ones are checked in Chromium (test/e2e/gpu-stage-tensors.e2e.test.ts).
import { beforeAll, describe, expect, it } from 'vitest';
import { packFromDirectory } from '../../../cli/read-pack-dir';
import type { Pack } from '../../../ui/worker/pack/pack-schema';
import { renderThroughChain, StageCache, synthesisChain, type StageOutput, type StageRunner } from '../../../ui/worker/render/synthesis-chain';
import type { OrtTensor } from '../../../ui/worker/runtime/ort';
import { GOLDEN_TINY_PACK } from '../../helpers/golden';

interface FakeTensor {
  readonly dims: number[];
  readonly size: number;
  readonly type: 'float32';
  location: 'gpu-buffer' | 'cpu' | 'none';
  reads: number; // downloads from the "GPU"
  frees: number; // GPU buffers freed: by dispose(), or by getData's releaseData
  disposeCalls: number;
  getData(releaseData?: boolean): Promise<Float32Array>;
  dispose(): void;
}

const made: FakeTensor[] = [];

/** As ORT's GPU tensor: a download makes it a CPU tensor; its buffer is freed by releaseData then, else by dispose(). */
function gpuTensor(dims: number[], fill: number): FakeTensor {
  const size = dims.reduce((a, b) => a * b, 1);
  let cpu: Float32Array | undefined;
  let held = true;
  const free = () => {
    if (held) tensor.frees++;
    held = false;
  };
  const tensor: FakeTensor = {
    dims,
    size,
    type: 'float32',
    location: 'gpu-buffer',
    reads: 0,
    frees: 0,
    disposeCalls: 0,
    async getData(releaseData?: boolean) {
      if (tensor.location === 'none') throw new Error('read after dispose');
      if (tensor.location === 'gpu-buffer') {
        tensor.reads++;
        cpu = new Float32Array(size).fill(fill);
        tensor.location = 'cpu';
        if (releaseData === true) free();
      }
      return cpu!;
    },
    dispose() {
      tensor.disposeCalls++;
      free();
      tensor.location = 'none';
    },
  };
  made.push(tensor);
  return tensor;
}

let pack: Pack; // golden-tiny: stages 16, 32, then the 64 px synthesis
let ends: number[]; // each stage's styleEnd: the S entries it and the stages before it read

/**
 * A runner whose stages take a moment on the "GPU" (a few macrotasks) and then check that the tensors they were
 * fed are still alive, as a GPU run reading a freed buffer would fail. The image's value is the stage's size.
 */
function fakeRunner(log: string[] = []): StageRunner {
  return async (role, feeds, names) => {
    for (let i = 0; i < 3; i++) await new Promise((resolve) => setTimeout(resolve, 0));
    for (const [name, tensor] of Object.entries(feeds)) {
      if (tensor.location === 'none') throw new Error(`${role} was fed a disposed ${name}`);
    }
    log.push(role);
    const size = role === 'synthesis' ? pack.generator.resolution : Number(role.split(':')[1]);
    const outputs: Record<string, OrtTensor> = { image: gpuTensor([1, 3, size, size], size) as unknown as OrtTensor };
    if (names.includes('features')) outputs.features = gpuTensor([1, 8, size, size], -size) as unknown as OrtTensor;
    return outputs;
  };
}

function s(value: number): Float32Array {
  return new Float32Array(pack.generator.totalS).fill(value);
}

function stage(fill: number): StageOutput {
  return { image: gpuTensor([1, 3, 4, 4], fill) as unknown as OrtTensor, features: gpuTensor([1, 2, 4, 4], fill) as unknown as OrtTensor };
}

function fake(output: StageOutput): { image: FakeTensor; features: FakeTensor } {
  return output as unknown as { image: FakeTensor; features: FakeTensor };
}

beforeAll(async () => {
  pack = (await packFromDirectory(GOLDEN_TINY_PACK)).pack;
  expect(pack.generator.previewResolutions).toEqual([16, 32]);
  ends = synthesisChain(pack.generator).map((stage) => stage.styleEnd);
});

describe('StageCache owns its stage tensors', () => {
  it('disposes each dropped tensor exactly once: on a new S, a replaced stage, clear and close', async () => {
    const cache = new StageCache();
    const first = [stage(1), stage(2)];
    cache.store(s(1), 0, ends[0], first[0]);
    cache.store(s(1), 1, ends[1], first[1]);
    expect(cache.report()).toEqual({ held: [{ index: 0, features: 'gpu-buffer', image: 'gpu-buffer' }, { index: 1, features: 'gpu-buffer', image: 'gpu-buffer' }], disposed: 0, readBack: 0 });

    const next = stage(3);
    cache.store(s(2), 0, ends[0], next); // another S, from its first entry: both stages of the first are dropped
    expect(first.flatMap((o) => [fake(o).image.frees, fake(o).features.frees])).toEqual([1, 1, 1, 1]);
    expect([fake(next).image.location, fake(next).features.location]).toEqual(['gpu-buffer', 'gpu-buffer']);
    expect(cache.report()).toMatchObject({ held: [{ index: 0 }], disposed: 4 });

    const replacement = stage(4);
    cache.store(s(2), 0, ends[0], replacement); // the same stage again: the one it replaces is dropped
    expect([fake(next).image.frees, fake(replacement).image.frees]).toEqual([1, 0]);

    cache.clear();
    expect([fake(replacement).image.frees, fake(replacement).features.frees]).toEqual([1, 1]);
    expect(cache.report()).toEqual({ held: [], disposed: 8, readBack: 0 });

    const last = stage(5);
    cache.store(s(5), 0, ends[0], last);
    await cache.close();
    expect([fake(last).image.frees, fake(last).features.frees]).toEqual([1, 1]);
    expect(cache.report()).toEqual({ held: [], disposed: 10, readBack: 0 });
    expect(made.filter((t) => t.disposeCalls > 1)).toEqual([]);
  });
});

describe('StageCache keys each stage on the S entries it read', () => {
  it('a change above a stage keeps it (and disposes only the stages it does reach)', () => {
    made.length = 0;
    const cache = new StageCache();
    const [low, high] = [stage(1), stage(2)];
    cache.store(s(1), 0, ends[0], low);
    cache.store(s(1), 1, ends[1], high);
    const above = s(1).fill(7, ends[0]); // only the layers above 16 px differ
    expect(cache.deepest(above, 1)).toEqual({ index: 0, output: low });
    const next = stage(3);
    cache.store(above, 1, ends[1], next);
    expect([fake(low).image.frees, fake(high).image.frees, fake(high).features.frees]).toEqual([0, 1, 1]);
    expect(cache.deepest(above, 1)).toEqual({ index: 1, output: next });
    expect(cache.deepest(s(1), 1)).toEqual({ index: 0, output: low }); // the first S's 16 px stage is the same one
    const first = s(1);
    first[0] = 2; // the first layer: no stage of `above` is this S's
    expect(cache.deepest(first, 1)).toBeUndefined();
    cache.clear();
  });
});

describe('renderThroughChain frees what it does not cache', () => {
  it('without a cache, disposes every stage tensor once the next stage has read it, and reads back only the image it returns', async () => {
    made.length = 0;
    const log: string[] = [];
    const preview = await renderThroughChain({ run: fakeRunner(log), pack, s: s(1), size: 32 });
    expect(log).toEqual(['synthesisPreview:16', 'synthesisPreview:32']);
    expect(preview.length).toBe(3 * 32 * 32);
    expect(preview[0]).toBe(32);
    expect(made.map((t) => t.frees)).toEqual([1, 1, 1, 1]); // 16's image, features; 32's image, features
    expect(made.map((t) => t.reads)).toEqual([0, 0, 1, 0]); // only the displayed 32 px image came back

    made.length = 0;
    const full = await renderThroughChain({ run: fakeRunner(), pack, s: s(1), size: 64 });
    expect(full[0]).toBe(64);
    expect(made.map((t) => t.frees)).toEqual([1, 1, 1, 1, 1]); // the last image is read with releaseData
    expect(made.map((t) => t.reads)).toEqual([0, 0, 0, 0, 1]);
  });

  it('disposes the stage it made and the bad outputs when a stage breaks the contract', async () => {
    made.length = 0;
    const good = fakeRunner();
    const broken: StageRunner = async (role, feeds, names) => {
      const outputs = await good(role, feeds, names);
      if (role === 'synthesisPreview:32') outputs.features = gpuTensor([1, 8, 31, 31], 0) as unknown as OrtTensor;
      return outputs;
    };
    await expect(renderThroughChain({ run: broken, pack, s: s(1), size: 64 })).rejects.toThrow(/"features" of shape \[1, 8, 31, 31\]/);
    expect(made.filter((t) => t.location !== 'none')).toEqual([made[3]]); // only the 32 px features the test replaced
  });
});

describe('renders over one StageCache', () => {
  it('a preview, its refine and the full render read back only the displayed images; the cache holds the stages on the GPU', async () => {
    made.length = 0;
    const cache = new StageCache();
    const log: string[] = [];
    const run = fakeRunner(log);
    const small = await renderThroughChain({ run, pack, s: s(1), size: 16, cache });
    small.fill(NaN); // the caller's own copy (a Worker transfers it away)
    const again = await renderThroughChain({ run, pack, s: s(1), size: 16, cache });
    expect(again[0]).toBe(16); // read back once; the cache kept it as a CPU tensor
    await renderThroughChain({ run, pack, s: s(1), size: 32, cache });
    await renderThroughChain({ run, pack, s: s(1), size: 64, cache });
    expect(log).toEqual(['synthesisPreview:16', 'synthesisPreview:32', 'synthesis']);
    // The displayed images came back (and left the GPU); the features stay there for the next render at this S.
    expect(cache.report()).toEqual({ held: [{ index: 0, features: 'gpu-buffer', image: 'cpu' }, { index: 1, features: 'gpu-buffer', image: 'cpu' }], disposed: 0, readBack: 2 });
    expect(made.map((t) => t.reads)).toEqual([1, 0, 1, 0, 1]); // 16 px and 32 px images once each, then the full image
    await cache.close();
    expect(made.map((t) => t.frees)).toEqual([1, 1, 1, 1, 1]);

    // A render queued after close (its pack was replaced) is cancelled before it runs anything.
    await expect(renderThroughChain({ run, pack, s: s(2), size: 32, cache })).rejects.toMatchObject({ name: 'Cancelled' });
    expect(log).toEqual(['synthesisPreview:16', 'synthesisPreview:32', 'synthesis']);
  });

  it('a render at another S, or a close, waits for the render in flight, so no tensor it feeds a stage is disposed', async () => {
    made.length = 0;
    const cache = new StageCache();
    const run = fakeRunner();
    const [a, b] = await Promise.all([
      renderThroughChain({ run, pack, s: s(1), size: 64, cache }),
      renderThroughChain({ run, pack, s: s(2), size: 64, cache }),
    ]);
    expect([a[0], b[0]]).toEqual([64, 64]);
    expect(cache.report()).toMatchObject({ held: [{ index: 0 }, { index: 1 }], disposed: 4 }); // the first S's two stages
    // A pack change while a render is in flight: close waits for it, so the render finishes with live inputs.
    const inFlight = renderThroughChain({ run, pack, s: s(3), size: 32, cache });
    const closing = cache.close();
    expect((await inFlight)[0]).toBe(32);
    await closing;
    expect(made.filter((t) => t.frees !== 1 || t.disposeCalls > 1)).toEqual([]);
  });
});
