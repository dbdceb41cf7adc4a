import { describe, expect, it } from 'vitest';
import { packFromDirectory } from '../../../cli/read-pack-dir';
import { checkGraphContract, graphContract, openGraph } from '../../../ui/worker/pack/graph-contract';
import type { GraphRole } from '../../../ui/worker/pack/pack-schema';
import type { Progress } from '../../../contract/progress';
import { OrtRuntime, float32Tensor } from '../../../ui/worker/runtime/ort';
import { buildOnnxModel } from '../../helpers/onnx-builder';
import { sha256, tinyPack, writePackDir } from './tiny-pack';

async function failure(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a failure, but it succeeded');
}

/** out = x + 1, float32 [N, 2], under the given tensor names. */
function plusOne(input: string, output: string): Uint8Array {
  return buildOnnxModel({
    nodes: [{ op: 'Add', inputs: [input, 'one'], outputs: [output] }],
    inputs: [{ name: input, type: 'float32', dims: ['N', 2] }],
    outputs: [{ name: output, type: 'float32', dims: ['N', 2] }],
    initializers: [{ name: 'one', dims: [], data: new Float32Array([1]) }],
  });
}

/** The tiny test pack with real ONNX graphs for mapping (right names) and affine (names of another role). */
function packWithGraphs(): string {
  const tiny = tinyPack();
  for (const [file, bytes] of [['mapping.onnx', plusOne('z', 'w')], ['affine.onnx', plusOne('w', 's')]] as const) {
    tiny.files.set(file, bytes);
    tiny.json.files[file] = { bytes: bytes.byteLength, sha256: sha256(bytes) };
  }
  return writePackDir(tiny);
}

describe('graph contracts', () => {
  const chained = ['s', 'featuresIn', 'imageIn'];
  // The last column: outputs the next graph reads, kept in GPU buffers on WebGPU (read back only when displayed).
  const table: Array<[GraphRole, number[], string[], string[], string[]]> = [
    ['mapping', [16, 32], ['z'], ['w'], []],
    ['affine', [16, 32], ['wplus'], ['s'], []],
    ['synthesis', [], ['s'], ['image'], []],
    ['synthesis', [16, 32], chained, ['image'], []],
    ['synthesisPreview:16', [16, 32], ['s'], ['image', 'features'], ['image', 'features']],
    ['synthesisPreview:32', [16, 32], chained, ['image', 'features'], ['image', 'features']],
    ['encoder', [16, 32], ['image'], ['wplus'], []],
    ['clipText', [16, 32], ['tokens'], ['features'], []],
    ['clipImage', [16, 32], ['image'], ['features'], []],
    ['mapper:beard', [16, 32], ['wplus'], ['delta'], []],
  ];

  it.each(table)('%s with previews %j takes %j and gives %j, keeping %j on the device (models/README.md)', (role, previews, inputs, outputs, device) => {
    const { deviceOutputs = [], ...names } = graphContract(role, previews);
    expect(names).toEqual({ inputs, outputs });
    expect(deviceOutputs).toEqual(device);
  });

  it('opens a preview stage with its device outputs and any other graph without', async () => {
    const loaded = await packFromDirectory(writePackDir(tinyPack()));
    const asked: Array<[string, unknown]> = [];
    const fakeRuntime = {
      createSession: async (name: string, _model: Uint8Array, options?: { deviceOutputs?: readonly string[] }) => {
        asked.push([name, options?.deviceOutputs]);
        const { inputs, outputs } = graphContract(name as GraphRole, loaded.pack.generator.previewResolutions);
        return { inputNames: inputs, outputNames: outputs, release: async () => undefined };
      },
    };
    const preview = `synthesisPreview:${loaded.pack.generator.previewResolutions[0]}` as GraphRole;
    for (const role of [preview, 'synthesis', 'affine'] as GraphRole[]) await openGraph(fakeRuntime, loaded, role);
    expect(asked).toEqual([[preview, ['image', 'features']], ['synthesis', undefined], ['affine', undefined]]);
  });

  it('opens a graph the exporter stored as int8-qdq on wasm, and every other graph as the runtime chooses', async () => {
    const tiny = tinyPack();
    tiny.json.provenance = { storage: { encoder: 'int8-qdq', synthesis: 'float16', clipText: 'int8' } };
    const loaded = await packFromDirectory(writePackDir(tiny));
    const asked: Array<[string, boolean | undefined]> = [];
    const fakeRuntime = {
      createSession: async (name: string, _model: Uint8Array, options?: { wasm?: boolean }) => {
        asked.push([name, options?.wasm]);
        const { inputs, outputs } = graphContract(name as GraphRole, loaded.pack.generator.previewResolutions);
        return { inputNames: inputs, outputNames: outputs, release: async () => undefined };
      },
    };
    for (const role of ['encoder', 'synthesis', 'clipText', 'affine'] as GraphRole[]) await openGraph(fakeRuntime, loaded, role);
    expect(asked).toEqual([['encoder', true], ['synthesis', undefined], ['clipText', undefined], ['affine', undefined]]);
  });

  it('accepts a session whose names match', () => {
    expect(() => checkGraphContract({ inputNames: ['wplus'], outputNames: ['delta'] }, { role: 'mapper:beard', file: 'mapper-beard.onnx', previewResolutions: [] })).not.toThrow();
    const stage = { inputNames: ['imageIn', 's', 'featuresIn'], outputNames: ['features', 'image'] };
    expect(() => checkGraphContract(stage, { role: 'synthesisPreview:32', file: 'synthesis-preview-32.onnx', previewResolutions: [16, 32] })).not.toThrow();
  });

  it('refuses a stage that does not continue from the previous one (a format-1 preview graph in a chain)', () => {
    expect(() => checkGraphContract({ inputNames: ['s'], outputNames: ['image'] }, { role: 'synthesis', file: 'synthesis.onnx', previewResolutions: [16] })).toThrow(
      'synthesis.onnx (the synthesis graph) has inputs ["s"] and outputs ["image"]; the contract for synthesis is inputs ["s", "featuresIn", "imageIn"] and outputs ["image"]',
    );
  });

  it.each([
    ['a wrong input name', ['x'], ['image']],
    ['a wrong output name', ['s'], ['img']],
    ['an extra output', ['s'], ['image', 'skip']],
    ['no inputs', [], ['image']],
  ])('names the file and the expected names for %s', (_what, inputNames, outputNames) => {
    let error: Error | undefined;
    try {
      checkGraphContract({ inputNames, outputNames }, { role: 'synthesis', file: 'synthesis.onnx', previewResolutions: [] });
    } catch (e) {
      error = e as Error;
    }
    expect(error?.name).toBe('GraphInvalid');
    expect(error?.message).toBe(
      `synthesis.onnx (the synthesis graph) has inputs [${inputNames.map((n) => `"${n}"`).join(', ')}] and outputs [${outputNames.map((n) => `"${n}"`).join(', ')}]; ` +
        'the contract for synthesis is inputs ["s"] and outputs ["image"] (models/README.md, "Graph contracts"). Export the pack again with python3 -m models.export.',
    );
  });
});

describe('openGraph', () => {
  it('reads the graph from the pack, reports load-graph and returns a session that runs', async () => {
    const loaded = await packFromDirectory(packWithGraphs());
    const runtime = await OrtRuntime.create({ backends: ['wasm'] });
    const events: Progress[] = [];
    const session = await openGraph(runtime, loaded, 'mapping', { onProgress: (p) => events.push(p) });
    expect(events).toEqual([{ stage: 'load-graph', role: 'mapping' }]);
    const { w } = await session.run({ z: float32Tensor(new Float32Array([1, -2, 0.5, 3]), [2, 2]) });
    expect(Array.from((await w.getData()) as Float32Array)).toEqual([2, -1, 1.5, 4]);
    await session.release();
  });

  it('rejects a real ONNX graph with another role\'s tensor names', async () => {
    const loaded = await packFromDirectory(packWithGraphs());
    const runtime = await OrtRuntime.create({ backends: ['wasm'] });
    const error = await failure(openGraph(runtime, loaded, 'affine'));
    expect(error.name).toBe('GraphInvalid');
    expect(error.message).toMatch(/^affine\.onnx \(the affine graph\) has inputs \["w"\] and outputs \["s"\]; the contract for affine is inputs \["wplus"\] and outputs \["s"\]/);
  });

  it('releases the session of a graph that breaks the contract', async () => {
    const loaded = await packFromDirectory(packWithGraphs());
    let released = 0;
    const fakeRuntime = {
      createSession: async (name: string, model: Uint8Array) => {
        expect(name).toBe('mapping');
        expect(model.byteLength).toBe(loaded.pack.files.get('mapping.onnx')!.bytes);
        return { inputNames: ['x'], outputNames: ['w'], release: async () => void released++ };
      },
    };
    expect((await failure(openGraph(fakeRuntime, loaded, 'mapping'))).name).toBe('GraphInvalid');
    expect(released).toBe(1);
  });

  it('does not create a session from a damaged graph file', async () => {
    const tiny = tinyPack();
    tiny.files.set('mapping.onnx', new Uint8Array(100)); // right size, wrong bytes
    const loaded = await packFromDirectory(writePackDir(tiny));
    let created = 0;
    const fakeRuntime = {
      createSession: async () => {
        created++;
        return { inputNames: ['z'], outputNames: ['w'], release: async () => undefined };
      },
    };
    expect((await failure(openGraph(fakeRuntime, loaded, 'mapping'))).name).toBe('PackFileCorrupt');
    expect(created).toBe(0);
  });
});
