// The panel's flows against a fake main thread, engine and codec: message sequences and engine calls.
import { describe, expect, it } from 'vitest';
import type { SelectionSummary, ToPlugin, ToUi } from '../../plugin/protocol';
import { createBridge, type BridgePort } from '../../ui/bridge';
import type { EngineClient, PanelEngine } from '../../ui/engine-client';
import type { GraphPlacement } from '../../ui/graph-backends-note';
import type { ImageCodec } from '../../ui/image-codec';
import { DEFAULT_PACK_URLS } from '../../ui/pack-source';
import { activeRow, formProblem } from '../../ui/edit-form';
import { vocabularyWarning } from '../../ui/known-words';
import { NO_IDENTITY_SCORE, SMALL_PREVIEW_NO_SCORE, PanelController } from '../../ui/panel-controller';
import type { PackSummary } from '../../ui/worker/engine-api';
import type { ComposePhotoResult, IdentityScore, PhotoFace, PreviewPhotoOptions } from '../../ui/worker/photo-api';
import type { Progress } from '../../contract/progress';

const PACK: PackSummary = {
  id: 'golden-tiny', description: 'tiny', demo: false, resolution: 64, previewResolutions: [16, 32], encoderSize: 64, numWs: 2, wDim: 3,
  mappers: [{ name: 'beard', description: 'a beard' }], presets: [], knownWords: null, backend: 'wasm',
};
const DEMO_PACK: PackSummary = { ...PACK, id: 'demo', demo: true, mappers: [], knownWords: ['smiling', 'beard', 'red'] };
const image = (size: number) => ({ width: size, height: size, data: new Uint8ClampedArray(size * size * 4) });
const face = (index: number, quadSize = 200): PhotoFace => ({ index, box: { x: 0, y: 0, width: quadSize, height: quadSize }, score: 0.9, quad: [], quadSize, tooSmall: quadSize < 100 });
const selection = (n: number): SelectionSummary => ({ targets: Array.from({ length: n }, (_, i) => ({ nodeId: `1:${i}`, name: `Photo ${i}`, source: 'fill' as const })), skipped: [], message: n === 0 ? 'Select an image.' : null });
const tick = async (rounds = 10) => { for (let i = 0; i < rounds; i++) await new Promise((r) => setTimeout(r, 0)); };
const named = (name: string, message: string) => Object.assign(new Error(message), { name });

interface IdentityFake {
  identity?: IdentityScore | null;
  reconstruction?: IdentityScore | null;
  composed?: ComposePhotoResult['identity'];
}

/** The panel opened on a face with the prompt "smiling face" typed and its first preview finished (renders[0]). */
async function firstPreview(fixture: ReturnType<typeof setup>): Promise<ReturnType<typeof setup>> {
  const { sent, emit, controller, renders } = fixture;
  emit(show());
  await tick();
  emit(targetImage((sent.at(-1) as { requestId: string }).requestId));
  await tick();
  controller.setForm({ prompt: 'smiling face' }, { preview: true });
  await tick();
  renders[0]!.finish();
  await controller.previewsIdle();
  return fixture;
}

function setup({ faces = [face(0)], missing = [] as string[], renderError = null as Error | null, pack = PACK, now = (): number => 0, scores = {} as IdentityFake, placement = undefined as (() => GraphPlacement) | undefined } = {}) {
  /** Set `hold.loadPack` / `hold.compose` to keep those calls waiting; `held` then releases or rejects them. */
  const hold = { loadPack: false, compose: false };
  const held: { loadPack?: { resolve: (pack: PackSummary) => void; reject: (error: Error) => void }; compose?: () => void } = {};
  const sent: ToPlugin[] = [];
  let handler: (message: ToUi) => void = () => undefined;
  const port: BridgePort = { post: (message) => sent.push(message), listen: (h) => { const prev = handler; handler = (m) => { prev(m); h(m); }; return () => undefined; } };
  const calls: { method: string; args: unknown }[] = [];
  const renders: { request: PreviewPhotoOptions; finish: () => void }[] = [];
  const engine: PanelEngine = {
    async loadPack(source) {
      calls.push({ method: 'loadPack', args: source });
      if (source.kind === 'url' && missing.includes(source.url)) throw named('PackFileMissing', `${source.url}pack.json is missing`);
      if (hold.loadPack) return new Promise<PackSummary>((resolve, reject) => (held.loadPack = { resolve, reject }));
      return pack;
    },
    async cancelPackLoad() {
      calls.push({ method: 'cancelPackLoad', args: null });
      held.loadPack?.reject(named('Cancelled', 'The model pack load was cancelled; the pack loaded before stays in use.'));
    },
    async openPhoto(_image, options) {
      calls.push({ method: 'openPhoto', args: options });
      return { photoId: 'p1', width: 640, height: 480, faces, notes: [] };
    },
    async selectFace(options) {
      calls.push({ method: 'selectFace', args: options });
      return { faceKey: `key-${options.face}`, aligned: image(64), quad: [] };
    },
    async faceFromWPlus(wPlus) {
      calls.push({ method: 'faceFromWPlus', args: Array.from(wPlus) });
      return { faceKey: `wplus:${wPlus.join(',')}`, cached: false, timings: {} };
    },
    render() {
      throw new Error('the panel previews through previewPhoto');
    },
    async previewCrop(options) {
      calls.push({ method: 'previewCrop', args: options });
      return { image: image(24), crop: { left: 0, top: 0, right: 24, bottom: 24 } };
    },
    previewPhoto(request) {
      calls.push({ method: 'render', args: request });
      return new Promise((resolve, reject) => renders.push({ request, finish: () => (renderError ? reject(renderError) : resolve({ image: image(32), crop: { left: 0, top: 0, right: 32, bottom: 32 }, exit: request.resolution === 'full' ? 1024 : request.resolution, channelsKept: [7], warnings: [], timings: {} })) }));
    },
    async composePhoto(options) {
      calls.push({ method: 'composePhoto', args: options });
      if (hold.compose) await new Promise<void>((resolve) => (held.compose = resolve));
      return { image: image(8), facesEdited: [0], channelsKept: [7], warnings: ['cut to 77 tokens'], timings: {}, ...(scores.composed !== undefined && { identity: scores.composed }) };
    },
    async faceIdentity(options) {
      calls.push({ method: 'faceIdentity', args: options });
      return scores.identity ?? null;
    },
    async faceReconstruction(options) {
      calls.push({ method: 'faceReconstruction', args: options });
      return scores.reconstruction ?? null;
    },
    ...(placement !== undefined && {
      async graphPlacement() {
        calls.push({ method: 'graphPlacement', args: null });
        return placement();
      },
    }),
  };
  const codec: ImageCodec = {
    decode: async () => image(8),
    encodePng: async (img) => ({ bytes: new Uint8Array([137, 80, 78, 71]), width: img.width, height: img.height }),
  };
  const client: EngineClient = { engine, backend: 'wasm', fallbackReason: null };
  const controller = new PanelController({ bridge: createBridge(port), engine: Promise.resolve(client), codec, now });
  controller.start();
  return { controller, sent, calls, renders, hold, held, emit: (message: ToUi) => handler(message) };
}

const show = (overrides: Partial<Extract<ToUi, { type: 'SHOW_COMMAND' }>> = {}): ToUi => ({
  type: 'SHOW_COMMAND', command: 'edit-with-text', prompt: null, recipe: null, resultNodeId: null, selection: selection(1), packUrl: null, error: null, ...overrides,
});
const targetImage = (requestId: string, index = 0, total = 1): ToUi => ({
  type: 'TARGET_IMAGE', requestId, nodeId: `1:${index}`, name: `Photo ${index}`, index, total, bytes: new Uint8Array([1]), width: 8, height: 8, source: 'fill',
});

/** A float32 .npy of shape [2, 3] holding `values`, as numpy writes it (header padded to a multiple of 64). */
function npy(values: number[], shape = '(2, 3)'): File {
  let header = `{'descr': '<f4', 'fortran_order': False, 'shape': ${shape}, }`;
  header += ' '.repeat(64 - ((10 + header.length + 1) % 64)) + '\n';
  const body = new Uint8Array(new Float32Array(values).buffer);
  return new File([new Uint8Array([0x93, ...new TextEncoder().encode('NUMPY'), 1, 0, header.length, 0]), header, body], 'wplus.npy');
}

describe('PanelController', () => {
  it('loads the default pack (falling back from a missing demo pack), remembers it and asks for the selected image', async () => {
    const { sent, calls, emit, controller } = setup({ missing: [DEFAULT_PACK_URLS[0]!] });
    emit(show());
    await tick();
    expect(calls.filter((c) => c.method === 'loadPack').map((c) => (c.args as { url: string }).url)).toEqual([...DEFAULT_PACK_URLS]);
    expect(sent.map((m) => m.type)).toEqual(['UI_READY', 'REMEMBER_PACK_URL', 'REQUEST_TARGET']);
    expect(sent[1]).toEqual({ type: 'REMEMBER_PACK_URL', url: DEFAULT_PACK_URLS[1] });
    expect(controller.getState().pack?.id).toBe('golden-tiny');
  });

  it('says beside the badge which graphs run off the engine’s backend once they have opened, and nothing when all run on it', async () => {
    // The engine as on WebGPU with an int8-qdq encoder: the encoder opens on wasm when a face is encoded.
    const sessionBackends: GraphPlacement['sessionBackends'] = {};
    const { sent, calls, emit, controller } = setup({ placement: () => ({ backend: 'webgpu', sessionBackends: { ...sessionBackends } }) });
    emit(show());
    await tick();
    expect(controller.getState().graphsNote).toBeNull(); // the pack is loaded; no graph has opened yet
    sessionBackends.encoder = 'wasm';
    sessionBackends.affine = 'webgpu';
    emit(targetImage((sent.at(-1) as { requestId: string }).requestId));
    await tick();
    expect(controller.getState().face?.faceKey).toBe('key-0');
    expect(controller.getState().graphsNote).toBe('Face encoder: CPU (int8, faster there)');

    const uniform = setup({ placement: () => ({ backend: 'webgpu', sessionBackends: { encoder: 'webgpu', affine: 'webgpu' } }) });
    uniform.emit(show());
    await tick();
    uniform.emit(targetImage((uniform.sent.at(-1) as { requestId: string }).requestId));
    await tick();
    expect(uniform.controller.getState().face?.faceKey).toBe('key-0');
    expect(uniform.calls.filter((c) => c.method === 'graphPlacement').length).toBeGreaterThan(0);
    expect(uniform.controller.getState().graphsNote).toBeNull();
    // Nothing is asked of the engine before a pack is loaded (its stats need one).
    expect(calls.findIndex((c) => c.method === 'graphPlacement')).toBeGreaterThan(calls.findIndex((c) => c.method === 'loadPack'));
  });

  it('sends nothing but UI_READY when nothing is selected, and shows the selection message', async () => {
    const { sent, calls, emit, controller } = setup();
    emit(show({ prompt: 'a smiling face', selection: selection(0) }));
    await tick();
    expect(sent).toEqual([{ type: 'UI_READY' }]);
    expect(calls).toEqual([]);
    expect(controller.getState().error).toEqual({ title: 'Nothing to edit', message: 'Select an image.' });
  });

  it('reports a pack loaded from "Model pack…" with nothing selected as done, not as "Nothing to edit"', async () => {
    const { emit, controller } = setup();
    emit(show({ command: 'model-pack', selection: selection(0) }));
    await tick();
    controller.setPackUrl('http://example.test/packs/a/');
    controller.loadPackFromUrl();
    await tick();
    expect(controller.getState()).toMatchObject({ error: null, notice: 'Loaded pack golden-tiny. Select a photo with a face to edit it.' });
  });

  it('runs a Quick Actions prompt through to APPLY_RESULT without interaction', async () => {
    const { sent, calls, emit, controller } = setup();
    emit(show({ prompt: 'grey hair', packUrl: 'http://example.test/packs/a/' }));
    await tick();
    const request = sent.find((m) => m.type === 'REQUEST_TARGET') as Extract<ToPlugin, { type: 'REQUEST_TARGET' }>;
    emit(targetImage(request.requestId));
    await tick();
    expect(calls.map((c) => c.method)).toEqual(['loadPack', 'openPhoto', 'selectFace', 'previewCrop', 'composePhoto']);
    expect(sent.some((m) => m.type === 'REMEMBER_PACK_URL')).toBe(false); // already remembered
    const apply = sent.find((m) => m.type === 'APPLY_RESULT') as Extract<ToPlugin, { type: 'APPLY_RESULT' }>;
    expect(apply).toMatchObject({ requestId: request.requestId, index: 0, nodeId: '1:0', width: 8, height: 8 });
    expect(apply.recipe).toEqual({ edits: [{ kind: 'global', target: 'grey hair', neutral: 'face with hair', alpha: 4.1, beta: 0.15 }], latent: null, packId: 'golden-tiny', faceIndex: 0 });
    expect(controller.getState().phase).toBe('applying');
    emit({ type: 'RESULT_APPLIED', requestId: request.requestId, index: 0, resultNodeId: '9:9', name: 'Photo 0 (grey hair)', added: true });
    await tick();
    expect(controller.getState()).toMatchObject({ phase: 'ready', notice: 'Added “Photo 0 (grey hair)”.', warnings: ['cut to 77 tokens'], quickRun: false });
  });

  it('stops a Quick Actions run at a photo with several faces and lets the user choose', async () => {
    const { sent, calls, emit, controller } = setup({ faces: [face(0, 300), face(1, 200), face(2, 40)] });
    emit(show({ prompt: 'beard' }));
    await tick();
    emit(targetImage((sent.at(-1) as { requestId: string }).requestId));
    await tick();
    expect(calls.map((c) => c.method)).not.toContain('composePhoto');
    expect(controller.getState().warnings.join(' ')).toMatch(/2 faces found .*face 1 is selected.*then Apply/);
    controller.chooseFace(1);
    await tick();
    expect(calls.filter((c) => c.method === 'selectFace').map((c) => c.args)).toEqual([{ photoId: 'p1', face: 0 }, { photoId: 'p1', face: 1 }]);
    controller.apply();
    await tick();
    expect(calls.find((c) => c.method === 'composePhoto')?.args).toMatchObject({ photoId: 'p1', face: 1 });
    expect((sent.find((m) => m.type === 'APPLY_RESULT') as { recipe: { faceIndex: number } }).recipe.faceIndex).toBe(1);
  });

  it('renders previews at the largest preview resolution and drops stale slider values', async () => {
    const { sent, calls, emit, controller, renders } = setup();
    emit(show());
    await tick();
    emit(targetImage((sent.at(-1) as { requestId: string }).requestId));
    await tick();
    expect(renders).toHaveLength(0); // no prompt yet
    controller.setForm({ prompt: 'smiling face' }, { preview: true });
    for (const alpha of [1, 2, 3, 4, 5]) controller.setForm({ alpha }, { preview: true });
    await tick();
    expect(renders).toHaveLength(1);
    expect(controller.getState().phase).toBe('previewing');
    renders[0]!.finish();
    await tick();
    expect(renders.map((r) => (r.request.edits[0] as { alpha: number }).alpha)).toEqual([4.1, 5]);
    expect(renders[1]!.request).toMatchObject({ faceKey: 'key-0', resolution: 32, photoId: 'p1', face: 0, size: 256 }); // pasted into the photo's crop
    expect(calls.find((c) => c.method === 'previewCrop')!.args).toEqual({ photoId: 'p1', face: 0, size: 256 }); // the same crop, as it is: the "before"
    renders[1]!.finish();
    await controller.previewsIdle();
    expect(controller.getState()).toMatchObject({ phase: 'ready', preview: { channelsKept: [7] } });
  });

  it('asks the engine for draft frames while a slider drags and refines at the preview size on release; only the refined frame is final', async () => {
    const { controller, renders } = await firstPreview(setup());
    for (const alpha of [1, 2, 3]) controller.setForm({ alpha }, { preview: 'draft' }); // slider input events
    await tick();
    renders[1]!.finish();
    await tick();
    // The engine picks each draft's exit (the smallest that shows what changed, ≤ the preview size it is given).
    expect(renders.slice(1).map((r) => [r.request.resolution, r.request.draft, (r.request.edits[0] as { alpha: number }).alpha])).toEqual([[32, true, 1], [32, true, 3]]);
    renders[2]!.finish();
    await controller.previewsIdle();
    expect(controller.getState().phase).toBe('previewing'); // a draft frame is on screen, not the answer
    controller.refinePreview(); // the slider's change event
    await tick();
    expect(renders[3]!.request).toMatchObject({ resolution: 32 });
    expect(renders[3]!.request.draft).toBeUndefined();
    expect((renders[3]!.request.edits[0] as { alpha: number }).alpha).toBe(3);
    renders[3]!.finish();
    await controller.previewsIdle();
    expect(controller.getState().phase).toBe('ready');
  });

  it('with a single preview exit, a drag frame is an ordinary preview and ends the preview itself (no refine)', async () => {
    const { controller, renders } = await firstPreview(setup({ pack: { ...PACK, previewResolutions: [32] } }));
    controller.setForm({ alpha: 2 }, { preview: 'draft' });
    await tick();
    expect(renders[1]!.request).toMatchObject({ resolution: 32 });
    expect(renders[1]!.request.draft).toBeUndefined();
    renders[1]!.finish();
    await controller.previewsIdle();
    expect(controller.getState().phase).toBe('ready');
    controller.refinePreview();
    await tick();
    expect(renders).toHaveLength(2);
  });

  it('says Updated for an edit-again result, drops a finished download bar, and clears an error once a preview works', async () => {
    const { sent, emit, controller, renders } = setup();
    emit(show({ command: 'edit-again', recipe: { version: 2, edits: [{ kind: 'global', target: 'old face', neutral: 'face', alpha: 3, beta: 0.15 }], latent: null, packId: 'golden-tiny', faceIndex: 0, sourceNodeId: '1:0' } }));
    await tick();
    const request = sent.find((m) => m.type === 'REQUEST_TARGET') as Extract<ToPlugin, { type: 'REQUEST_TARGET' }>;
    emit(targetImage(request.requestId));
    await tick();
    renders.forEach((r) => r.finish());
    await tick();
    controller.apply();
    await tick();
    emit({ type: 'RESULT_APPLIED', requestId: request.requestId, index: 0, resultNodeId: '9:9', name: 'Photo 0 · old face', added: false });
    await tick();
    expect(controller.getState().notice).toBe('Updated “Photo 0 · old face”.');

    // The progress callback the controller hands the engine: a download bar while bytes arrive, none once they are in.
    const onProgress = (controller as unknown as { onProgress: (p: Progress) => void }).onProgress;
    onProgress({ stage: 'download', file: 'affine.onnx', loaded: 10, total: 100 });
    expect(controller.getState().download).toEqual({ file: 'affine.onnx', loaded: 10, total: 100, startedAt: 0 });
    onProgress({ stage: 'download', file: 'affine.onnx', loaded: 100, total: 100 });
    expect(controller.getState().download).toBeNull();

    controller.dismissError();
    emit({ type: 'SELECTION_ERROR', requestId: null, message: 'The layer is gone.' });
    expect(controller.getState().error).not.toBeNull();
    controller.setForm({ alpha: 2 }, { preview: true });
    await tick();
    renders.at(-1)!.finish();
    await tick();
    expect(controller.getState().error).toBeNull();
  });

  it('shows BetaTooHigh as a note under β, not as an error banner', async () => {
    const { sent, emit, controller, renders } = setup({ renderError: named('BetaTooHigh', 'β 0.3 keeps no channel') });
    emit(show({ recipe: { version: 2, edits: [{ kind: 'global', target: 'old face', neutral: 'face', alpha: 3, beta: 0.3 }], latent: null, packId: 'golden-tiny', faceIndex: 0, sourceNodeId: '1:0' }, command: 'edit-again' }));
    await tick();
    emit(targetImage((sent.at(-1) as { requestId: string }).requestId));
    await tick();
    expect(renders[0]!.request.edits).toEqual([{ kind: 'global', target: 'old face', neutral: 'face', alpha: 3, beta: 0.3 }]);
    renders[0]!.finish();
    await tick();
    expect(controller.getState()).toMatchObject({ phase: 'ready', error: null, betaNote: 'β 0.3 keeps no channel' }); // the engine's own words
  });

  it('edits each batch item with the recipe fixed at Start, fails photos with several faces, and cancels', async () => {
    const { sent, calls, emit, controller } = setup();
    emit(show({ command: 'batch-edit', selection: selection(3) }));
    await tick();
    emit(targetImage((sent.at(-1) as { requestId: string }).requestId, 0, 3)); // the preview target
    await tick();
    controller.setForm({ prompt: 'sad face' });
    controller.apply();
    await tick();
    const start = sent.at(-1) as Extract<ToPlugin, { type: 'START_BATCH' }>;
    expect(start.type).toBe('START_BATCH');
    controller.setForm({ prompt: 'changed while running' });
    emit(targetImage(start.requestId, 0, 3));
    await tick();
    const apply = sent.at(-1) as Extract<ToPlugin, { type: 'APPLY_RESULT' }>;
    expect(apply).toMatchObject({ type: 'APPLY_RESULT', requestId: start.requestId, index: 0, recipe: { edits: [{ target: 'sad face' }] } });
    emit({ type: 'BATCH_PROGRESS', requestId: start.requestId, done: 1, total: 3, failed: 0 });
    calls.length = 0;
    (controller as unknown as { options: { engine: Promise<EngineClient> } }).options.engine.then(({ engine }) => {
      engine.openPhoto = async () => ({ photoId: 'p2', width: 10, height: 10, faces: [face(0), face(1)], notes: [] });
    });
    await tick();
    emit(targetImage(start.requestId, 1, 3));
    await tick();
    expect(sent.at(-1)).toMatchObject({ type: 'ITEM_FAILED', index: 1, message: expect.stringMatching(/has 2 faces/) });
    controller.cancelBatch();
    controller.cancelBatch();
    expect(sent.filter((m) => m.type === 'CANCEL_BATCH')).toEqual([{ type: 'CANCEL_BATCH', requestId: start.requestId }]);
    emit({ type: 'BATCH_PROGRESS', requestId: start.requestId, done: 2, total: 3, failed: 1 });
    emit({ type: 'BATCH_DONE', requestId: start.requestId, completed: 1, total: 3, cancelled: true, resultNodeIds: ['9:1'], errors: [{ nodeId: '1:1', name: 'Photo 1', message: 'has 2 faces' }] });
    expect(controller.getState()).toMatchObject({ notice: 'Batch cancelled: 1 of 3 images edited, 1 failed.', batch: { done: 2, failed: 1, summary: { cancelled: true } } });
  });

  it('ignores a TARGET_IMAGE for a request it no longer waits for', async () => {
    const { sent, calls, emit } = setup();
    emit(show());
    await tick();
    emit(targetImage('target-999'));
    await tick();
    expect(calls.map((c) => c.method)).toEqual(['loadPack']);
    expect(sent.map((m) => m.type)).toEqual(['UI_READY', 'REMEMBER_PACK_URL', 'REQUEST_TARGET']);
  });

  it('renders a picked latent instead of the inversion, applies it to that face, and stores its W+ for Edit again', async () => {
    const { sent, calls, emit, controller } = setup();
    emit(show());
    await tick();
    emit(targetImage((sent.at(-1) as { requestId: string }).requestId));
    await tick();
    controller.loadLatent(npy([0.5, -1, 2, 0.25, 3, -0.5]));
    await tick();
    expect(controller.getState()).toMatchObject({ form: { rows: [{ method: 'latent' }] }, latent: { file: 'wplus.npy', faceKey: 'wplus:0.5,-1,2,0.25,3,-0.5' } });
    expect(calls.filter((c) => c.method === 'render').at(-1)!.args).toMatchObject({ faceKey: 'wplus:0.5,-1,2,0.25,3,-0.5', edits: [] });
    controller.apply();
    await tick();
    const compose = calls.find((c) => c.method === 'composePhoto')!.args as { face: number; edits: unknown[]; latent: Float32Array };
    expect([compose.face, compose.edits, Array.from(compose.latent)]).toEqual([0, [], [0.5, -1, 2, 0.25, 3, -0.5]]);
    const recipe = (sent.find((m) => m.type === 'APPLY_RESULT') as Extract<ToPlugin, { type: 'APPLY_RESULT' }>).recipe;
    expect(recipe.edits).toEqual([]);
    expect(recipe.latent?.file).toBe('wplus.npy');
    expect(Array.from(new Float32Array(Uint8Array.from(atob(recipe.latent!.wPlus), (c) => c.charCodeAt(0)).buffer))).toEqual([0.5, -1, 2, 0.25, 3, -0.5]);

    // Edit again on that result: the stored W+ is rendered again, without picking the file.
    const again = setup();
    again.emit(show({ command: 'edit-again', recipe: { version: 2, ...recipe, sourceNodeId: '1:0' } }));
    await tick();
    again.emit(targetImage((again.sent.at(-1) as { requestId: string }).requestId));
    await tick();
    expect(again.calls.find((c) => c.method === 'faceFromWPlus')!.args).toEqual([0.5, -1, 2, 0.25, 3, -0.5]);
    expect(again.calls.filter((c) => c.method === 'render').at(-1)!.args).toMatchObject({ faceKey: 'wplus:0.5,-1,2,0.25,3,-0.5', edits: [] });
  });

  it('refuses a latent of the wrong shape in one line, and a latent in a batch', async () => {
    const { sent, emit, controller } = setup();
    emit(show());
    await tick();
    emit(targetImage((sent.at(-1) as { requestId: string }).requestId));
    await tick();
    controller.loadLatent(npy([1, 2, 3, 4, 5, 6, 7, 8], '(2, 4)'));
    await tick();
    expect(controller.getState().error).toEqual({ title: 'Check the settings', message: 'wplus.npy has shape [2, 4], not [2, 3] for this pack. A W+ latent is a float32 .npy of shape [2, 3], as python3 -m models.optimize writes it.' });
    expect(controller.getState().latent).toBeNull();
    const batch = setup();
    batch.emit(show({ command: 'batch-edit', selection: selection(2) }));
    await tick();
    batch.controller.setForm({ method: 'latent' });
    batch.controller.apply();
    await tick();
    expect(batch.controller.getState().error?.message).toBe('A latent is one face of one photo: apply it with Edit with text…, not in a batch.');
    expect(batch.sent.some((m) => m.type === 'START_BATCH')).toBe(false);
  });

  it('previews, applies and batches the whole edit stack, and Edit again re-opens every row', async () => {
    const { sent, calls, emit, controller, renders } = setup();
    emit(show());
    await tick();
    emit(targetImage((sent.at(-1) as { requestId: string }).requestId));
    await tick();
    controller.setForm({ prompt: 'smiling face', alpha: 2.5 }, { preview: true });
    controller.addEdit();
    controller.setForm({ prompt: 'face with grey hair', neutral: 'face with hair' });
    controller.setForm({ beta: 0.2 }, { preview: true, row: 1 });
    controller.setForm({ alpha: 3 }, { preview: true, row: 0 });
    await tick();
    renders[0]!.finish();
    await tick();
    const stack = [
      { kind: 'global', target: 'smiling face', neutral: 'face', alpha: 3, beta: 0.15 },
      { kind: 'global', target: 'face with grey hair', neutral: 'face with hair', alpha: 4.1, beta: 0.2 },
    ];
    expect(renders.at(-1)!.request.edits).toEqual(stack); // the newest slider values of both rows
    renders.at(-1)!.finish();
    await controller.previewsIdle();
    controller.apply();
    await tick();
    expect((calls.find((c) => c.method === 'composePhoto')!.args as { edits: unknown }).edits).toEqual(stack);
    const recipe = (sent.find((m) => m.type === 'APPLY_RESULT') as Extract<ToPlugin, { type: 'APPLY_RESULT' }>).recipe;
    expect(recipe.edits).toEqual(stack);

    const again = setup();
    again.emit(show({ command: 'edit-again', recipe: { version: 2, ...recipe, sourceNodeId: '1:0' } }));
    await tick();
    again.emit(targetImage((again.sent.at(-1) as { requestId: string }).requestId));
    await tick();
    expect(again.controller.getState().form.rows).toMatchObject([
      { method: 'global', prompt: 'smiling face', neutral: 'face', alpha: 3, beta: 0.15 },
      { method: 'global', prompt: 'face with grey hair', neutral: 'face with hair', alpha: 4.1, beta: 0.2 },
    ]);
    expect(again.renders[0]!.request.edits).toEqual(stack);

    // Removing a row previews what is left; a batch carries the whole stack.
    const batch = setup();
    batch.emit(show({ command: 'batch-edit', selection: selection(2) }));
    await tick();
    batch.controller.setForm({ method: 'mapper:beard', mapperStrength: 1.5 });
    batch.controller.addEdit();
    batch.controller.setForm({ prompt: 'sad face' });
    batch.controller.apply();
    await tick();
    const start = batch.sent.at(-1) as Extract<ToPlugin, { type: 'START_BATCH' }>;
    batch.emit(targetImage(start.requestId, 0, 2));
    await tick();
    expect((batch.sent.at(-1) as Extract<ToPlugin, { type: 'APPLY_RESULT' }>).recipe.edits).toEqual([
      { kind: 'mapper', mapper: 'beard', strength: 1.5 },
      { kind: 'global', target: 'sad face', neutral: 'face', alpha: 4.1, beta: 0.15 },
    ]);
  });

  it('warns under the prompt about words the demo pack does not know, without blocking the edit', async () => {
    const { emit, controller, sent } = setup({ pack: DEMO_PACK });
    emit(show());
    await tick();
    const request = sent.find((m) => m.type === 'REQUEST_TARGET') as Extract<ToPlugin, { type: 'REQUEST_TARGET' }>;
    emit(targetImage(request.requestId));
    await tick();
    const warning = () => {
      const state = controller.getState();
      return vocabularyWarning(activeRow(state.form), state.pack);
    };
    expect(controller.getState().pack?.knownWords).toEqual(['smiling', 'beard', 'red']);
    controller.setForm({ prompt: 'face with curly hair' });
    expect(warning()).toBe('The demo pack does not know “face with curly hair”, so this edit would change nothing. It knows: smiling, beard, red.');
    expect(formProblem(controller.getState().form, null, null)).toBeNull();
    controller.setForm({ prompt: 'face with a beard' });
    expect(warning()).toBeNull();
  });

  it('names the row of a stack that cannot run, and never renders it', async () => {
    const { sent, emit, controller, renders } = setup();
    emit(show());
    await tick();
    emit(targetImage((sent.at(-1) as { requestId: string }).requestId));
    await tick();
    controller.setForm({ prompt: 'smiling face' });
    controller.addEdit();
    controller.preview();
    await tick();
    expect(renders).toHaveLength(0);
    expect(controller.getState().warnings).toEqual(['Edit 2: The prompt is empty: describe the face you want, e.g. “smiling face”.']);
    controller.removeEdit(1);
    await tick();
    expect(renders.map((r) => r.request.edits.length)).toEqual([1]);
  });

  it('cancels a single Apply before the result is sent: nothing is written and the panel says Cancelled', async () => {
    const { sent, emit, controller, renders, hold, held } = setup();
    emit(show());
    await tick();
    emit(targetImage((sent.at(-1) as { requestId: string }).requestId));
    await tick();
    renders.forEach((r) => r.finish());
    await tick();
    hold.compose = true;
    controller.setForm({ prompt: 'smiling face' });
    controller.apply();
    await tick();
    expect(controller.getState()).toMatchObject({ phase: 'applying', cancellable: true });
    controller.cancel();
    expect(controller.getState()).toMatchObject({ phase: 'ready', notice: 'Cancelled.', noticeTone: 'warning', error: null, stage: null });
    held.compose!(); // the engine finishes later: its result is dropped
    await tick();
    expect(sent.some((m) => m.type === 'APPLY_RESULT')).toBe(false);
    expect(controller.getState()).toMatchObject({ phase: 'ready', notice: 'Cancelled.', error: null });
    hold.compose = false;
    controller.apply(); // and Apply works again
    await tick();
    expect(sent.filter((m) => m.type === 'APPLY_RESULT')).toHaveLength(1);
  });

  it('cancels a pack load: the engine stops it, the pack loaded before stays, and nothing is remembered', async () => {
    const { sent, calls, emit, controller, hold, renders } = setup();
    emit(show());
    await tick();
    emit(targetImage((sent.at(-1) as { requestId: string }).requestId));
    await tick();
    renders.forEach((r) => r.finish());
    await tick();
    expect(controller.getState()).toMatchObject({ phase: 'ready', pack: { id: 'golden-tiny' } });
    hold.loadPack = true;
    controller.setPackUrl('http://example.test/packs/other/');
    controller.loadPackFromUrl();
    await tick();
    expect(controller.getState()).toMatchObject({ phase: 'loading', cancellable: true });
    controller.cancel();
    await tick();
    expect(calls.filter((c) => c.method === 'cancelPackLoad')).toHaveLength(1);
    expect(controller.getState()).toMatchObject({ pack: { id: 'golden-tiny' }, notice: 'Cancelled.', error: null, cancellable: false });
    expect(controller.getState().phase).toBe('ready'); // the face of the pack before is still there
    expect(sent.filter((m) => m.type === 'REMEMBER_PACK_URL').map((m) => (m as { url: string }).url)).toEqual([DEFAULT_PACK_URLS[0]]);
  });

  it('does nothing on Cancel while a result is being written or when nothing runs', async () => {
    const { sent, emit, controller, renders } = setup();
    emit(show());
    await tick();
    emit(targetImage((sent.at(-1) as { requestId: string }).requestId));
    await tick();
    renders.forEach((r) => r.finish());
    await tick();
    controller.setForm({ prompt: 'smiling face' });
    const idle = controller.getState();
    controller.cancel();
    expect(controller.getState()).toBe(idle);
    controller.apply();
    await tick();
    expect(controller.getState()).toMatchObject({ phase: 'applying', activity: 'Writing the result layer…', cancellable: false });
    controller.cancel();
    expect(controller.getState().notice).toBeNull();
    const apply = sent.at(-1) as Extract<ToPlugin, { type: 'APPLY_RESULT' }>;
    emit({ type: 'RESULT_APPLIED', requestId: apply.requestId, index: 0, resultNodeId: '9:9', name: 'Photo 0 · x', added: true });
    await tick();
    expect(controller.getState()).toMatchObject({ phase: 'ready', notice: 'Added “Photo 0 · x”.' });
  });

  it('times each step with its clock: a download keeps its start while bytes arrive, a new step starts again', async () => {
    let t = 1_000;
    const { controller } = setup({ now: () => t });
    const onProgress = (controller as unknown as { onProgress: (p: Progress) => void }).onProgress;
    onProgress({ stage: 'download', file: 'encoder.onnx', loaded: 0, total: 100 });
    t = 5_000;
    onProgress({ stage: 'download', file: 'encoder.onnx', loaded: 40, total: 100 });
    expect(controller.getState().download).toEqual({ file: 'encoder.onnx', loaded: 40, total: 100, startedAt: 1_000 });
    onProgress({ stage: 'encode-face', step: 1, of: 2 });
    t = 9_000;
    onProgress({ stage: 'encode-face', step: 1, of: 2 });
    expect(controller.getState().stage).toMatchObject({ label: 'Encoding the face', startedAt: 5_000 });
    onProgress({ stage: 'styles', step: 2, of: 2 });
    expect(controller.getState().stage).toMatchObject({ label: 'Computing the face’s styles', startedAt: 9_000 });
  });
});

describe('PanelController after Apply', () => {
  it('stays on the original when the plugin selects the new result, so a second Apply edits the original again', async () => {
    const { sent, emit, controller, renders } = setup();
    emit(show({ prompt: null }));
    await tick();
    const request = sent.find((m) => m.type === 'REQUEST_TARGET') as Extract<ToPlugin, { type: 'REQUEST_TARGET' }>;
    emit(targetImage(request.requestId));
    await tick();
    renders.forEach((r) => r.finish());
    await tick();
    controller.setForm({ prompt: 'smiling face' });
    for (const round of [1, 2]) {
      controller.apply();
      await tick();
      emit({ type: 'RESULT_APPLIED', requestId: request.requestId, index: 0, resultNodeId: `9:${round}`, name: 'Photo 0 · smiling face', added: true });
      // The plugin selects the result; results are no targets, so the selection holds none and says why.
      emit({ type: 'SELECTION_CHANGED', selection: { targets: [], skipped: [{ nodeId: `9:${round}`, name: 'Photo 0 · smiling face', reason: 'a facetext result' }], message: '“Photo 0 · smiling face” is a facetext result…' } });
      await tick();
      expect(controller.getState()).toMatchObject({ phase: 'ready', target: { nodeId: '1:0' }, error: null });
    }
    expect(sent.filter((m) => m.type === 'REQUEST_TARGET')).toHaveLength(1);
    expect(sent.filter((m) => m.type === 'APPLY_RESULT').map((m) => [m.requestId, m.nodeId])).toEqual([[request.requestId, '1:0'], [request.requestId, '1:0']]);
  });
});

describe('PanelController identity meter', () => {
  const LIKENESS = { distance: 0.25, score: 88 };
  const INVERSION = { distance: 0.31, score: 84 };

  // The demo pack previews at 128 px, golden-tiny (PACK) at 32.
  async function previewFrame(scores: IdentityFake, previewResolutions = [64, 128]) {
    const ctx = setup({ scores, pack: { ...PACK, previewResolutions } });
    ctx.emit(show({ packUrl: 'http://example.test/packs/a/' }));
    await tick();
    const request = ctx.sent.find((m) => m.type === 'REQUEST_TARGET') as Extract<ToPlugin, { type: 'REQUEST_TARGET' }>;
    ctx.emit(targetImage(request.requestId));
    await tick();
    ctx.controller.setForm({ prompt: 'smiling face' }, { preview: true });
    await tick();
    ctx.renders.at(-1)!.finish();
    await tick();
    return ctx;
  }

  it('scores a final preview of ≥ 128 px after showing it, and asks for the reconstruction once per face', async () => {
    const { controller, calls, renders } = await previewFrame({ identity: LIKENESS, reconstruction: INVERSION });
    expect(controller.getState().preview).not.toBeNull();
    expect(controller.getState().identity).toEqual({ edited: LIKENESS, reconstruction: INVERSION, unavailable: null });
    const methods = calls.map((c) => c.method);
    expect(methods.slice(methods.indexOf('render'))).toEqual(['render', 'faceIdentity', 'faceReconstruction']);
    expect(calls.find((c) => c.method === 'faceIdentity')!.args).toEqual({ photoId: 'p1', face: 0 }); // the engine keeps the frame's render

    controller.setForm({ alpha: 6 }, { preview: true });
    await tick();
    renders.at(-1)!.finish();
    await tick();
    expect(calls.filter((c) => c.method === 'faceIdentity')).toHaveLength(2);
    expect(calls.filter((c) => c.method === 'faceReconstruction')).toHaveLength(1);
    expect(controller.getState().identity.reconstruction).toEqual(INVERSION);
  });

  it('does not score previews under 128 px (a blur, not a face)', async () => {
    const { controller, calls } = await previewFrame({ identity: LIKENESS, reconstruction: INVERSION }, [16, 32]);
    expect(controller.getState().preview).not.toBeNull();
    expect(calls.map((c) => c.method)).not.toContain('faceIdentity');
    expect(controller.getState().identity).toEqual({ edited: null, reconstruction: null, unavailable: SMALL_PREVIEW_NO_SCORE }); // the meter says why
  });

  it('says why the meter is empty when the engine scores nothing', async () => {
    const { controller } = await previewFrame({ identity: null });
    expect(controller.getState().identity).toEqual({ edited: null, reconstruction: null, unavailable: NO_IDENTITY_SCORE });
  });

  it('stores the applied result’s identity score in the recipe and shows it', async () => {
    const composed = [{ face: 0, identity: { distance: 0.41234, score: 72 }, reconstruction: INVERSION }];
    const { controller, sent, calls } = await previewFrame({ identity: LIKENESS, reconstruction: INVERSION, composed });
    controller.apply();
    await tick();
    expect(calls.find((c) => c.method === 'composePhoto')!.args).toMatchObject({ identity: true });
    const apply = sent.find((m) => m.type === 'APPLY_RESULT') as Extract<ToPlugin, { type: 'APPLY_RESULT' }>;
    expect(apply.recipe.identity).toEqual({ score: 72, distance: 0.412 });
    expect(controller.getState().identity.edited).toEqual({ distance: 0.41234, score: 72 });
  });
});
