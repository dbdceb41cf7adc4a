// The benchmark's per-node-type profile reads onnxruntime-web's own profiler output: this runs the real
// profiler on a golden-tiny graph, so a change in ORT's output format fails here, not silently in a bench run.
import { readFileSync } from 'node:fs';
import * as ort from 'onnxruntime-web/webgpu';
import { describe, expect, it } from 'vitest';
import { captureStdout } from '../../bench/capture-stdout';
import { parseProfileEvents, summariseLastRun } from '../../bench/ort-profile';
import { OrtRuntime } from '../../ui/worker/runtime/ort';

const GRAPH = 'models/packs/golden-tiny/synthesis-preview-16.onnx';

async function profiledRuns(runs: number): Promise<{ printed: string; lastRunMs: number }> {
  await OrtRuntime.create({ backends: ['wasm'] }); // sets ort.env up as the engine does (1 thread)
  const session = await ort.InferenceSession.create(readFileSync(GRAPH), { executionProviders: ['wasm'], graphOptimizationLevel: 'all', enableProfiling: true });
  try {
    const dims = session.inputMetadata[0]!.isTensor ? (session.inputMetadata[0] as { shape: readonly (number | string)[] }).shape.map(Number) : [];
    const s = new ort.Tensor('float32', new Float32Array(dims.reduce((a, b) => a * b, 1)).fill(0.5), dims);
    let lastRunMs = 0;
    for (let i = 0; i < runs; i++) {
      const t = performance.now();
      await session.run({ s });
      lastRunMs = performance.now() - t;
    }
    const printed = await captureStdout(() => session.endProfiling(), (text) => /^\]\s*$/m.test(text));
    return { printed, lastRunMs };
  } finally {
    await session.release();
  }
}

describe('bench profile: ORT profiler events → time per node type of the last run', () => {
  it('sums every node of the last of two runs once, by node type, slowest first', async () => {
    const { printed, lastRunMs } = await profiledRuns(2);
    const events = parseProfileEvents(printed);
    const runs = events.filter((e) => e.cat === 'Session' && e.name === 'model_run');
    expect(runs).toHaveLength(2);
    const kernelsOfFirstRun = events.filter((e) => e.cat === 'Node' && e.name.endsWith('_kernel_time') && e.ts <= runs[0]!.ts + runs[0]!.dur).length;

    const profile = summariseLastRun(events);
    const byOp = Object.fromEntries(profile.byOp.map((o) => [o.op, o]));
    // Every node runs once per run; the preview graph up to 16 px has 2 up-convs plus 2 skip upsamplers.
    expect(profile.byOp.reduce((sum, o) => sum + o.nodes, 0)).toBe(kernelsOfFirstRun);
    expect(byOp.ConvTranspose?.nodes).toBe(4);
    expect(byOp.Conv?.nodes).toBeGreaterThanOrEqual(4);
    expect(profile.byOp.reduce((sum, o) => sum + o.share, 0)).toBeCloseTo(1, 9);
    expect(profile.byOp.reduce((sum, o) => sum + o.ms, 0)).toBeCloseTo(profile.kernelMs, 6);
    expect(profile.kernelMs).toBeGreaterThan(0);
    expect(profile.kernelMs).toBeLessThanOrEqual(lastRunMs);
    const slowest = profile.slowest.map((n) => n.ms);
    expect(slowest).toEqual([...slowest].sort((a, b) => b - a));
    // Which node is slowest depends on timing; that every listed node carries its shapes does not.
    expect(profile.slowest).toHaveLength(Math.min(12, kernelsOfFirstRun));
    for (const node of profile.slowest) expect(node.output?.every(Number.isInteger), node.node).toBe(true);
  });

  it('refuses output without a model_run event', () => {
    expect(() => summariseLastRun(parseProfileEvents('[\n]\n'))).toThrow('the profile holds no model_run event');
  });
});
