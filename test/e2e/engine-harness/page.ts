// Test page for engine-worker.e2e.test.ts, gpu-stage-tensors.e2e.test.ts and int8-encoder-webgpu.e2e.test.ts: starts ui/worker/worker.ts as a
// real module Worker, drives it through comlink exactly as the panel does (transfer for pixels, proxy for
// progress), and hands the numbers back to the test as plain arrays.
import { proxy, transfer, wrap } from 'comlink';
import type { EditSpec } from '../../../ui/worker/engine-api';
import type { Progress } from '../../../contract/progress';
import type { WorkerEngine } from '../../../ui/worker/worker-engine';

export interface ChainOptions {
  backends?: Array<'webgpu' | 'wasm'>;
}

async function bytes(url: string): Promise<ArrayBuffer> {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`${url}: HTTP ${response.status}`);
  return response.arrayBuffer();
}

async function runChain({ backends }: ChainOptions) {
  const worker = new Worker('/worker.js', { type: 'module', name: 'facetext-engine' });
  const engine = wrap<WorkerEngine>(worker);
  try {
    const wasmBinary = await bytes('/ort.wasm');
    const runtime = await engine.init(transfer({ wasmBinary, ...(backends ? { backends } : {}) }, [wasmBinary]));
    const progress: Progress[] = [];
    const summary = await engine.loadPack({ kind: 'url', url: '/pack/golden-tiny/' }, proxy((p: Progress) => void progress.push(p)));

    // Inversion of the golden aligned face.
    const faceData = new Uint8ClampedArray(await bytes('/inputs/face0.rgba'));
    const face = { width: 256, height: 256, data: faceData };
    const inverted = await engine.invert(transfer(face, [faceData.buffer]));
    const detachedAfterTransfer = faceData.byteLength === 0;
    const latents = await engine.latents(inverted.faceKey);
    const decoded = await engine.synthesize({ s: latents.s, resolution: 'full' });

    // Text direction, then a global edit of golden S (pair 0, β 0.1, α 3).
    const deltaT = await engine.textDirection('face', 'smiling face');
    const bWPlus = new Float32Array(await bytes('/inputs/case_b_wplus0.f32'));
    const bFace = await engine.faceFromWPlus(bWPlus);
    const glasses: EditSpec[] = [{ kind: 'global', neutral: 'face', target: 'face with glasses', alpha: 3, beta: 0.1 }];
    const edited = await engine.editLatents({ faceKey: bFace.faceKey, edits: glasses });
    const editedImage = await engine.synthesize({ s: edited.s, resolution: 'full' });
    const rendered = await engine.render({ faceKey: inverted.faceKey, edits: glasses, resolution: 'full' });
    const renderProgress: Progress[] = [];
    const preview = await engine.render({ faceKey: inverted.faceKey, edits: glasses, resolution: 32 }, proxy((p: Progress) => void renderProgress.push(p)));

    // Mapper edit.
    const mFace = await engine.faceFromWPlus(new Float32Array(await bytes('/inputs/mapper_wplus0.f32')));
    const mapped = await engine.editLatents({ faceKey: mFace.faceKey, edits: [{ kind: 'mapper', mapper: 'beard', strength: 1 }] });
    const mappedImage = await engine.synthesize({ s: mapped.s, resolution: 'full' });

    let betaError: { name: string; message: string } | null = null;
    try {
      await engine.render({ faceKey: bFace.faceKey, edits: [{ kind: 'global', target: 'smiling face', neutral: 'face', alpha: 3, beta: 0.9 }], resolution: 16 });
    } catch (error) {
      betaError = { name: (error as Error).name, message: (error as Error).message };
    }

    const list = (a: ArrayLike<number>) => Array.from(a);
    return {
      runtime,
      summary,
      backendAtEnd: await engine.backend(),
      stats: await engine.stats(),
      detachedAfterTransfer,
      loadProgressStages: [...new Set(progress.map((p) => p.stage))],
      renderProgress: renderProgress.map((p) => ('step' in p ? `${p.stage} ${p.step}/${p.of}` : p.stage === 'load-graph' ? `load-graph ${p.role}` : p.stage)),
      wPlus: list(latents.wPlus),
      decoded: list(decoded.data),
      deltaT: list(deltaT),
      editedS: list(edited.s),
      channelsKept: edited.channelsKept,
      editedImage: list(editedImage.data),
      rendered: { width: rendered.image.width, height: rendered.image.height, data: list(rendered.image.data), channelsKept: rendered.channelsKept },
      preview: { width: preview.image.width, height: preview.image.height },
      mappedWPlus: list(mapped.wPlus),
      mappedImage: list(mappedImage.data),
      betaError,
    };
  } finally {
    worker.terminate();
  }
}

/**
 * The synthesis chain's stage tensors (gpu-stage-tensors.e2e.test.ts): a preview at 16, its refine to 32 and the full
 * render of face A's S, then previews of faces B and A in turn (each a new S, so the cache drops the last one's
 * stages), with the engine's stageTensors report after each step. Images come back as floats (synthesize).
 */
async function runStages({ backends }: ChainOptions) {
  const worker = new Worker('/worker.js', { type: 'module', name: 'facetext-engine' });
  const engine = wrap<WorkerEngine>(worker);
  try {
    const wasmBinary = await bytes('/ort.wasm');
    const runtime = await engine.init(transfer({ wasmBinary, ...(backends ? { backends } : {}) }, [wasmBinary]));
    await engine.loadPack({ kind: 'url', url: '/pack/golden-tiny/' });
    const faceA = await engine.faceFromWPlus(new Float32Array(await bytes('/inputs/wplus-a.f32')));
    const faceB = await engine.faceFromWPlus(new Float32Array(await bytes('/inputs/wplus-b.f32')));
    const sA = (await engine.latents(faceA.faceKey)).s;
    const sB = (await engine.latents(faceB.faceKey)).s;
    const steps: Array<{ what: string; image: number[]; stageTensors: Awaited<ReturnType<typeof engine.stats>>['stageTensors'] }> = [];
    const step = async (what: string, s: Float32Array, resolution: 16 | 32 | 'full') => {
      const { data } = await engine.synthesize({ s, resolution });
      steps.push({ what, image: Array.from(data), stageTensors: (await engine.stats()).stageTensors });
    };
    await step('A preview 16', sA, 16);
    await step('A refine 32', sA, 32);
    await step('A full', sA, 'full');
    const runsAfterA = (await engine.stats()).runs;
    for (let i = 0; i < 3; i++) {
      await step(`B preview 32 (${i})`, sB, 32);
      await step(`A preview 32 (${i})`, sA, 32);
    }
    const stats = await engine.stats();
    return { runtime, runsAfterA, stats, steps };
  } finally {
    worker.terminate();
  }
}

/** The golden aligned face inverted with the pack served at /pack/<pack>/ (int8-encoder-webgpu.e2e.test.ts). */
async function runInversion({ backends, pack }: ChainOptions & { pack: string }) {
  const worker = new Worker('/worker.js', { type: 'module', name: 'facetext-engine' });
  const engine = wrap<WorkerEngine>(worker);
  try {
    const wasmBinary = await bytes('/ort.wasm');
    const runtime = await engine.init(transfer({ wasmBinary, ...(backends ? { backends } : {}) }, [wasmBinary]));
    await engine.loadPack({ kind: 'url', url: `/pack/${pack}/` });
    const data = new Uint8ClampedArray(await bytes('/inputs/face0.rgba'));
    const { faceKey } = await engine.invert(transfer({ width: 256, height: 256, data }, [data.buffer]));
    const { wPlus } = await engine.latents(faceKey);
    return { runtime, backendAtEnd: await engine.backend(), stats: await engine.stats(), wPlus: Array.from(wPlus) };
  } finally {
    worker.terminate();
  }
}

export type ChainResult = Awaited<ReturnType<typeof runChain>>;
export type StagesResult = Awaited<ReturnType<typeof runStages>>;
export type InversionResult = Awaited<ReturnType<typeof runInversion>>;
Object.assign(window, { runChain, runStages, runInversion });
