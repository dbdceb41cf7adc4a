// What the panel does, apart from drawing it: answers the main thread's messages (plugin/protocol.ts), drives
// the engine (pack, faces, previews, full-size edits, batches) and keeps PanelState through panelReducer.
// Preact-free, so test/ui/panel-controller.test.ts runs it against a fake bridge, engine and codec.
import type { SelectionSummary, ToUi } from '../plugin/protocol';
import type { Bridge } from './bridge';
import type { EditRecipe } from '../contract/recipe';
import {
  addRow, editsFor, formProblem, promptWarnings, recipeFor, removeRow, selectRow, updateRow, usesLatent, type EditForm, type EditRow,
} from './edit-form';
import { decodeLatent, readLatentPick } from './latent-file';
import type { EngineClient, PanelEngine } from './engine-client';
import { graphBackendsNote } from './graph-backends-note';
import type { ImageCodec } from './image-codec';
import { canDraft, DEFAULT_PACK_URLS, normalisePackUrl, previewResolution } from './pack-source';
import { describeError, messageOf } from './panel-errors';
import { canCancel, INITIAL_STATE, panelReducer, type PanelAction, type PanelState } from './panel-state';
import { createPreviewScheduler, type PreviewScheduler } from './preview-scheduler';
import type { Preset } from '../contract/presets';
import type { PackFileLike, PackSummary } from './worker/engine-api';
import type { PreviewPhotoOptions } from './worker/photo-api';
import type { Progress } from '../contract/progress';
import { MIN_IDENTITY_RENDER, type ComposePhotoResult } from './worker/photo-api';

type TargetImage = Extract<ToUi, { type: 'TARGET_IMAGE' }>;
type ApplyReply = Extract<ToUi, { type: 'RESULT_APPLIED' | 'APPLY_FAILED' }>;

export interface PanelControllerOptions {
  bridge: Bridge;
  engine: Promise<EngineClient>;
  codec: ImageCodec;
  /** The clock progress steps are timed with (ms); tests pass a fake one. */
  now?: () => number;
}

const EMPTY_SELECTION: SelectionSummary = { targets: [], skipped: [], message: null };
/** The preview shows the photo around the face at this many pixels on its longer side: the 128 px box at 2× density. */
export const PREVIEW_CROP_SIDE = 256;

/**
 * One flow the user can cancel (a pack load, reading and encoding a face, a single Apply until its result is
 * sent). cancel() rejects every step it waits on at once; what the engine still computes is dropped.
 */
class Job {
  cancelled = false;
  private fire!: (error: Error) => void;
  private readonly whenCancelled = new Promise<never>((_, reject) => (this.fire = reject));

  constructor() {
    this.whenCancelled.catch(() => undefined); // observed by step(); no unhandled rejection when nothing waits
  }

  cancel(): void {
    this.cancelled = true;
    this.fire(Object.assign(new Error('Cancelled.'), { name: 'Cancelled' }));
  }

  /** `work`, unless the job is cancelled first. */
  step<T>(work: Promise<T>): Promise<T> {
    return Promise.race([work, this.whenCancelled]);
  }
}

export class PanelController {
  private state: PanelState = INITIAL_STATE;
  private readonly listeners = new Set<(state: PanelState) => void>();
  private readonly scheduler: PreviewScheduler<PreviewPhotoOptions>;
  private engine: PanelEngine | null = null;
  private nextId = 0;
  private targetRequest: string | null = null; // the REQUEST_TARGET whose TARGET_IMAGE we wait for
  private applyWaiter: { requestId: string; index: number; settle: (reply: ApplyReply) => void } | null = null;
  private batchForm: EditForm | null = null;
  private packRemembered: string | null = null;
  private identityFrame = 0; // the preview frame whose identity score may still be shown
  private readonly reconstructing = new Set<string>(); // faceKeys whose reconstruction score was asked for
  private readonly jobs = new Set<Job>();
  /** The job of the flow running now (set by run(); flows read it before their first await). */
  private job: Job = new Job();
  private readonly onProgress = (progress: Progress) => this.dispatch({ type: 'progress', progress, at: this.now() });

  constructor(private readonly options: PanelControllerOptions) {
    this.scheduler = createPreviewScheduler<PreviewPhotoOptions, Awaited<ReturnType<PanelEngine['previewPhoto']>>>({
      run: async (request) => {
        this.dispatch({ type: 'preview-started' });
        return (await this.ready()).previewPhoto(request, this.onProgress);
      },
      onResult: (result, request, { superseded }) => {
        // A drag's draft frame is shown, but only the refined frame ends the preview (and is scored).
        const final = !superseded && request.draft !== true;
        this.dispatch({ type: 'preview-result', image: result.image, channelsKept: result.channelsKept, warnings: [...promptWarnings(this.state.form), ...result.warnings], final });
        if (final) {
          void this.measureIdentity();
          void this.refreshGraphsNote();
        }
      },
      onError: (error) => this.dispatch({ type: 'preview-failed', error: describeError(error) }),
    });
  }

  // ------------------------------------------------------------------ store
  getState(): PanelState {
    return this.state;
  }

  subscribe(listener: (state: PanelState) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private dispatch(action: PanelAction): void {
    this.state = panelReducer(this.state, action);
    for (const listener of this.listeners) listener(this.state);
  }

  /** Listens to the main thread, says UI_READY, waits for the engine. Returns the unsubscribe function. */
  start(): () => void {
    const { bridge, engine } = this.options;
    const offs = (['SHOW_COMMAND', 'SELECTION_CHANGED', 'TARGET_IMAGE', 'NOTHING_SELECTED', 'SELECTION_ERROR', 'RESULT_APPLIED', 'APPLY_FAILED', 'BATCH_PROGRESS', 'BATCH_DONE'] as const).map(
      (type) => bridge.on(type, (message) => this.receive(message)),
    );
    bridge.send({ type: 'UI_READY' });
    engine.then(
      (client) => {
        this.engine = client.engine;
        this.dispatch({ type: 'engine', engine: { status: 'ready', backend: client.backend, fallbackReason: client.fallbackReason } });
      },
      (error: unknown) => this.dispatch({ type: 'engine', engine: { status: 'failed', message: messageOf(error) } }),
    );
    return () => offs.forEach((off) => off());
  }

  // ------------------------------------------------------------------ main thread → panel
  receive(message: ToUi): void {
    switch (message.type) {
      case 'SHOW_COMMAND': {
        const selection = message.selection ?? EMPTY_SELECTION; // parsed at the edge: older hosts omit it
        this.packRemembered = message.packUrl ?? null;
        this.dispatch({ type: 'command', command: message.command, prompt: message.prompt ?? null, recipe: message.recipe ?? null, selection, packUrl: message.packUrl ?? DEFAULT_PACK_URLS[0]!, error: message.error ?? null });
        // "Model pack…" waits for the user; "Diagnostics…" only reports (ui/diagnostics-view.tsx).
        if (message.command !== 'model-pack' && message.command !== 'diagnostics' && message.error == null) this.run(() => this.openSelectionAsync());
        return;
      }
      case 'SELECTION_CHANGED': {
        this.dispatch({ type: 'selection', selection: message.selection });
        const { command, batch, phase, target } = this.state;
        const first = message.selection.targets[0];
        const editing = command === 'edit-with-text' || command === 'batch-edit';
        if (editing && (batch === null || batch.summary !== null) && (phase === 'idle' || phase === 'ready') && first !== undefined && first.nodeId !== target?.nodeId) {
          this.run(() => this.openSelectionAsync());
        }
        return;
      }
      case 'TARGET_IMAGE':
        if (this.state.batch !== null && message.requestId === this.state.batch.requestId) void this.editBatchItemAsync(message);
        else if (message.requestId === this.targetRequest) this.run(() => this.openTargetAsync(message));
        return;
      case 'NOTHING_SELECTED':
      case 'SELECTION_ERROR': {
        const ours = message.requestId === null || message.requestId === this.targetRequest || message.requestId === this.state.batch?.requestId;
        if (!ours) return;
        const title = message.type === 'NOTHING_SELECTED' ? 'Nothing to edit' : 'The image could not be read';
        this.dispatch({ type: 'failed', error: { show: 'banner', title, message: message.message } });
        return;
      }
      case 'RESULT_APPLIED':
      case 'APPLY_FAILED':
        if (this.applyWaiter !== null && message.requestId === this.applyWaiter.requestId && message.index === this.applyWaiter.index) this.applyWaiter.settle(message);
        return;
      case 'BATCH_PROGRESS':
        if (message.requestId === this.state.batch?.requestId) this.dispatch({ type: 'batch-progress', done: message.done, total: message.total, failed: message.failed });
        return;
      case 'BATCH_DONE':
        if (message.requestId === this.state.batch?.requestId) {
          this.batchForm = null;
          this.dispatch({ type: 'batch-done', completed: message.completed, total: message.total, cancelled: message.cancelled, errors: message.errors });
        }
        return;
      default:
        throw new Error(`Unknown message from the main thread: ${JSON.stringify(message satisfies never)}`);
    }
  }

  // ------------------------------------------------------------------ user actions
  setPackUrl(url: string): void {
    this.dispatch({ type: 'pack-url', url });
  }

  /** Loads the pack at the typed URL, then the selected image. Refused while something runs on the current pack. */
  loadPackFromUrl(): void {
    if (this.refuseWhileBusy()) return;
    const url = normalisePackUrl(this.state.packUrl);
    if (url === null) {
      this.dispatch({ type: 'failed', error: { show: 'banner', title: 'Check the pack URL', message: `“${this.state.packUrl}” is not an http(s) URL. Type the address of a pack folder, e.g. ${DEFAULT_PACK_URLS[0]}` } });
      return;
    }
    this.run(async () => {
      await this.loadPackAsync([url]);
      await this.openSelectionAsync();
    });
  }

  /** Loads a pack from a picked folder (its files are read again on every run: nothing persists). */
  loadPackFromFiles(files: PackFileLike[]): void {
    if (files.length === 0 || this.refuseWhileBusy()) return;
    this.run(async () => {
      this.dispatch({ type: 'busy', activity: `Reading the pack folder (${files.length} files)…` });
      const { job } = this;
      const engine = await this.ready();
      const pack = await this.packLoadStep(job, engine, engine.loadPack({ kind: 'files', files }, this.onProgress));
      this.dispatch({ type: 'pack-loaded', pack });
      await this.openSelectionAsync();
    });
  }

  /** A pack switch mid-edit would mix packs: say so instead while anything is loading, rendering or applying. */
  private refuseWhileBusy(): boolean {
    const { phase, batch } = this.state;
    const busy = phase === 'loading' || phase === 'applying' || phase === 'previewing' || (batch !== null && batch.summary === null);
    if (busy) this.dispatch({ type: 'warnings', warnings: ['Wait for the current step to finish before loading another model pack.'] });
    return busy;
  }

  /** Changes one row of the edit list (the active one unless `row` is given), and previews the stack if asked. */
  /** `preview: 'draft'` is a slider being dragged: a cheaper exit where the pack has one, until refinePreview() on release. */
  setForm(change: Partial<EditRow>, { preview = false, row }: { preview?: boolean | 'draft'; row?: number } = {}): void {
    this.dispatch({ type: 'form', form: updateRow(this.state.form, change, row) });
    if (preview !== false) this.preview({ draft: preview === 'draft' });
  }

  /** A slider was released (or moved by a key): the preview at the pack's preview size, when the drag drew less. */
  refinePreview(): void {
    const { pack } = this.state;
    if (pack !== null && canDraft(pack)) this.preview();
  }

  /** Adds an empty edit row (up to MAX_EDITS) and makes it the one the prompt field edits. */
  addEdit(): void {
    this.dispatch({ type: 'form', form: addRow(this.state.form) });
  }

  /** Removes a row and previews what is left of the stack. */
  removeEdit(index: number): void {
    this.dispatch({ type: 'form', form: removeRow(this.state.form, index) });
    this.preview();
  }

  /** Makes a row the one the prompt field, chips and method list edit. */
  selectEdit(index: number): void {
    this.dispatch({ type: 'form', form: selectRow(this.state.form, index) });
  }

  applyPreset(preset: Pick<Preset, 'neutral' | 'target'>): void {
    this.setForm({ prompt: preset.target, neutral: preset.neutral, method: 'global' }, { preview: true });
  }

  /** Schedules a preview of the current form (latest wins): the inverted face, or the picked latent. */
  preview({ draft = false }: { draft?: boolean } = {}): void {
    const { face, pack, form, phase, latent, photo, faceIndex } = this.state;
    if (face === null || photo === null || pack === null || phase === 'applying' || phase === 'loading') return;
    const problem = formProblem(form, pack, latent);
    if (problem !== null) {
      this.dispatch({ type: 'warnings', warnings: [problem] });
      return;
    }
    const faceKey = usesLatent(form) ? latent!.faceKey : face.faceKey;
    const request = { faceKey, edits: editsFor(form), resolution: previewResolution(pack), photoId: photo.photoId, face: faceIndex, size: PREVIEW_CROP_SIDE };
    this.scheduler.request(draft && canDraft(pack) ? { ...request, draft: true } : request);
  }

  /** A W+ file from the offline optimiser: checked against the pack's W+, then rendered instead of the inversion. */
  loadLatent(file: Pick<File, 'name' | 'size' | 'arrayBuffer'>): void {
    const { pack } = this.state;
    if (pack === null) return;
    this.run(async () => {
      const wPlus = await readLatentPick(file, pack);
      await this.useLatentAsync(file.name, wPlus);
    });
  }

  private async useLatentAsync(file: string, wPlus: Float32Array): Promise<void> {
    const { faceKey } = await (await this.ready()).faceFromWPlus(wPlus);
    this.dispatch({ type: 'latent', latent: { file, wPlus, faceKey } });
    if (usesLatent(this.state.form)) this.preview();
    else this.setForm({ method: 'latent' }, { preview: true });
  }

  chooseFace(index: number): void {
    if (this.state.photo === null || index === this.state.faceIndex && this.state.face !== null) return;
    this.run(() => this.selectFaceAsync(index));
  }

  toggleBefore(): void {
    this.dispatch({ type: 'toggle-before' });
  }

  dismissError(): void {
    this.dispatch({ type: 'dismiss-error' });
  }

  /** Apply: the chosen face at full size (or, for batch-edit, every selected image). */
  apply(): void {
    if (this.state.command === 'batch-edit') this.run(() => this.startBatchAsync());
    else this.run(() => this.applyAsync());
  }

  /** Cancel (button or Escape): the batch after its item in flight, else the pack load, face or Apply that runs. */
  cancel(): void {
    const { batch } = this.state;
    if (!canCancel(this.state)) return;
    if (batch !== null && batch.summary === null) {
      this.cancelBatch();
      return;
    }
    this.targetRequest = null; // a TARGET_IMAGE still on its way is ignored
    for (const job of this.jobs) job.cancel();
    this.dispatch({ type: 'cancelled' });
  }

  cancelBatch(): void {
    const { batch } = this.state;
    if (batch === null || batch.summary !== null || batch.cancelling) return;
    this.options.bridge.send({ type: 'CANCEL_BATCH', requestId: batch.requestId });
    this.dispatch({ type: 'batch-cancelling' });
  }

  /** The clock the panel's progress times are measured with. */
  now(): number {
    return (this.options.now ?? Date.now)();
  }

  /** Resolves once no preview is rendering or waiting (tests). */
  previewsIdle(): Promise<void> {
    return this.scheduler.idle();
  }

  // ------------------------------------------------------------------ flows
  /** Runs a flow; its error becomes the banner (or the β note), never an unhandled rejection. */
  private run(flow: () => Promise<void>): void {
    const job = new Job();
    this.jobs.add(job);
    this.job = job;
    flow()
      .catch((error: unknown) => {
        if (!job.cancelled) this.dispatch({ type: 'failed', error: describeError(error) });
      })
      .finally(() => {
        this.jobs.delete(job);
        void this.refreshGraphsNote();
      });
  }

  /** Re-reads where the pack's graphs run once a flow or preview may have opened some (the note by the backend badge). */
  private async refreshGraphsNote(): Promise<void> {
    const { engine } = this;
    if (engine?.graphPlacement === undefined || this.state.pack === null) return;
    try {
      this.dispatch({ type: 'graphs-note', note: graphBackendsNote(await engine.graphPlacement()) });
    } catch (error) {
      this.dispatch({ type: 'graphs-note', note: `Where the graphs run is unknown: ${messageOf(error)}` });
    }
  }

  private async ready(): Promise<PanelEngine> {
    if (this.engine !== null) return this.engine;
    try {
      return (await this.options.engine).engine;
    } catch (error) {
      throw new Error(`The engine did not start, so nothing can be edited: ${messageOf(error)}`);
    }
  }

  /** Loads the first URL that has a pack (a missing pack.json moves on to the next URL). */
  private async loadPackAsync(urls: readonly string[]): Promise<void> {
    const { job } = this;
    const engine = await this.ready();
    for (const [i, url] of urls.entries()) {
      this.dispatch({ type: 'busy', activity: `Loading the model pack from ${url}…` });
      try {
        const pack = await this.packLoadStep(job, engine, engine.loadPack({ kind: 'url', url }, this.onProgress));
        this.scheduler.clear();
        this.dispatch({ type: 'pack-loaded', pack });
        this.dispatch({ type: 'pack-url', url });
        if (url !== this.packRemembered) {
          this.options.bridge.send({ type: 'REMEMBER_PACK_URL', url });
          this.packRemembered = url;
        }
        return;
      } catch (error) {
        const name = (error as { name?: unknown })?.name;
        if (name !== 'PackFileMissing' || i === urls.length - 1) throw error;
      }
    }
  }

  /**
   * A pack load the user may cancel. It is not simply dropped: the engine keeps its previous pack only when the
   * load itself stops, so a cancel asks the engine to stop and waits until the load has settled.
   */
  private async packLoadStep(job: Job, engine: PanelEngine, load: Promise<PackSummary>): Promise<PackSummary> {
    try {
      return await job.step(load);
    } catch (error) {
      if (!job.cancelled) throw error;
      void engine.cancelPackLoad();
      const late = await load.catch(() => null);
      if (late !== null) this.dispatch({ type: 'pack-loaded', pack: late }); // it finished first: the engine uses it
      throw error;
    }
  }

  /** Makes sure a pack is loaded (the remembered or typed URL, else the defaults), then asks for image 1. */
  private async openSelectionAsync(): Promise<void> {
    const selection = this.state.selection ?? EMPTY_SELECTION;
    if (selection.targets.length === 0) {
      const { command, pack } = this.state;
      // "Model pack…" is done once the pack loads: an empty selection is no failure there.
      if (command === 'model-pack' && pack !== null) this.dispatch({ type: 'notice', notice: `Loaded pack ${pack.id}. Select a photo with a face to edit it.` });
      else if (selection.message !== null) this.dispatch({ type: 'failed', error: { show: 'banner', title: 'Nothing to edit', message: selection.message } });
      return;
    }
    if (this.state.pack === null) {
      const typed = normalisePackUrl(this.state.packUrl);
      const urls = typed === null || (this.packRemembered === null && typed === DEFAULT_PACK_URLS[0]) ? DEFAULT_PACK_URLS : [typed];
      await this.loadPackAsync(urls);
    }
    this.scheduler.clear();
    const requestId = this.newId('target');
    this.targetRequest = requestId;
    this.dispatch({ type: 'busy', activity: `Reading “${selection.targets[0]!.name}”…` });
    this.options.bridge.send({ type: 'REQUEST_TARGET', requestId, index: 0 });
  }

  private async openTargetAsync(message: TargetImage): Promise<void> {
    const { requestId, nodeId, name, index, total } = message;
    const { job } = this;
    this.dispatch({ type: 'target', target: { requestId, nodeId, name, index, total } });
    this.dispatch({ type: 'busy', activity: `Finding faces in “${name}”…` });
    const engine = await this.ready();
    const image = await job.step(this.options.codec.decode(message.bytes, { name }));
    const opened = await job.step(engine.openPhoto(image, { name: `“${name}”` }));
    if (this.targetRequest !== requestId) return; // the selection moved on
    const usable = opened.faces.filter((face) => !face.tooSmall);
    const wanted = opened.faces[this.state.faceIndex];
    const faceIndex = wanted !== undefined && !wanted.tooSmall ? wanted.index : (usable[0] ?? opened.faces[0]!).index;
    const notes = [...opened.notes];
    if (usable.length > 1) notes.push(`${usable.length} faces found in “${name}”: face ${faceIndex + 1} is selected. Choose another in the face list${this.state.quickRun ? ', then Apply' : ''}.`);
    this.dispatch({ type: 'photo', photo: { photoId: opened.photoId, width: opened.width, height: opened.height, faces: opened.faces }, faceIndex, notes });
    await this.selectFaceAsync(faceIndex, job);
    if (this.state.quickRun && usable.length <= 1 && this.targetRequest === requestId) await this.applyAsync(job);
  }

  private async selectFaceAsync(faceIndex: number, job = this.job): Promise<void> {
    const { photo } = this.state;
    if (photo === null) return;
    this.scheduler.clear();
    this.dispatch({ type: 'busy', activity: `Encoding face ${faceIndex + 1}…` });
    const engine = await this.ready();
    const selected = await job.step(engine.selectFace({ photoId: photo.photoId, face: faceIndex }, this.onProgress));
    const crop = await job.step(engine.previewCrop({ photoId: photo.photoId, face: faceIndex, size: PREVIEW_CROP_SIDE }));
    if (this.state.photo?.photoId !== photo.photoId) return;
    this.dispatch({ type: 'face-selected', faceIndex, faceKey: selected.faceKey, before: crop.image });
    const stored = this.state.recipe?.latent ?? null; // Edit again on a result made from a latent: render that W+ again
    if (stored !== null && this.state.latent === null && this.state.pack !== null) await this.useLatentAsync(stored.file, decodeLatent(stored.wPlus, this.state.pack));
    if (!this.state.quickRun && formProblem(this.state.form, this.state.pack, this.state.latent) === null) this.preview();
  }

  /**
   * After a final preview frame is shown: its identity score, then (once per face) the reconstruction score.
   * Separate engine calls, so a preview never waits for them; a failure only empties the meter.
   */
  private async measureIdentity(): Promise<void> {
    const { photo, face, faceIndex, identity, pack } = this.state;
    const resolution = pack === null ? null : previewResolution(pack);
    if (photo === null || face === null || resolution === null || identity.unavailable !== null) return;
    if (resolution !== 'full' && resolution < MIN_IDENTITY_RENDER) {
      this.dispatch({ type: 'identity', faceKey: face.faceKey, unavailable: SMALL_PREVIEW_NO_SCORE });
      return;
    }
    const { faceKey } = face;
    const frame = ++this.identityFrame;
    const target = { photoId: photo.photoId, face: faceIndex };
    try {
      const engine = await this.ready();
      const edited = await engine.faceIdentity(target); // the frame just shown: the engine keeps its render
      if (edited === null) {
        this.dispatch({ type: 'identity', faceKey, unavailable: NO_IDENTITY_SCORE });
        return;
      }
      if (frame === this.identityFrame) this.dispatch({ type: 'identity', faceKey, edited });
      if (this.state.identity.reconstruction === null && !this.reconstructing.has(faceKey)) {
        this.reconstructing.add(faceKey);
        const reconstruction = await engine.faceReconstruction(target);
        if (reconstruction !== null) this.dispatch({ type: 'identity', faceKey, reconstruction });
      }
    } catch (error) {
      this.dispatch({ type: 'identity', faceKey, unavailable: `No identity score: ${messageOf(error)}` });
    }
  }

  private async applyAsync(job = this.job): Promise<void> {
    const { target, photo, face, pack, form, faceIndex, latent } = this.state;
    if (target === null || photo === null || face === null || pack === null) {
      throw new Error('Select an image with a face and wait for it to load before applying.');
    }
    const problem = formProblem(form, pack, latent);
    if (problem !== null) throw new Error(problem);
    this.scheduler.clear();
    this.dispatch({ type: 'applying', activity: `Editing “${target.name}” at full size…` });
    const engine = await this.ready();
    const used = usesLatent(form) ? latent : null;
    const result = await job.step(engine.composePhoto({ photoId: photo.photoId, face: faceIndex, edits: editsFor(form), identity: true, ...(used !== null ? { latent: used.wPlus } : {}) }, this.onProgress));
    const scored = result.identity?.[0];
    if (scored !== undefined) this.dispatch({ type: 'identity', faceKey: face.faceKey, edited: scored.identity, ...(used === null && { reconstruction: scored.reconstruction }) });
    const png = await job.step(this.options.codec.encodePng(result.image));
    // From here the main thread writes: all-or-nothing on its side, so the panel no longer offers Cancel.
    this.dispatch({ type: 'applying', activity: 'Writing the result layer…', cancellable: false });
    const reply = await this.sendApply({ requestId: target.requestId, index: target.index, nodeId: target.nodeId, png, recipe: { ...recipeFor(form, { packId: pack.id, faceIndex, latent: used }), ...recipeIdentity(result) } });
    if (reply.type === 'APPLY_FAILED') throw new Error(reply.message);
    this.dispatch({ type: 'applied', notice: `${reply.added ? 'Added' : 'Updated'} “${reply.name}”.`, warnings: [...promptWarnings(form), ...result.warnings] });
  }

  private sendApply({ requestId, index, nodeId, png, recipe }: { requestId: string; index: number; nodeId: string; png: { bytes: Uint8Array; width: number; height: number }; recipe: EditRecipe }): Promise<ApplyReply> {
    const reply = new Promise<ApplyReply>((settle) => (this.applyWaiter = { requestId, index, settle }));
    this.options.bridge.send({ type: 'APPLY_RESULT', requestId, index, nodeId, bytes: png.bytes, width: png.width, height: png.height, recipe });
    return reply.finally(() => (this.applyWaiter = null));
  }

  private async startBatchAsync(): Promise<void> {
    const { form, selection } = this.state;
    if (usesLatent(form)) throw new Error('A latent is one face of one photo: apply it with Edit with text…, not in a batch.');
    const problem = formProblem(form, this.state.pack, null);
    if (problem !== null) throw new Error(problem);
    if ((selection?.targets.length ?? 0) === 0) throw new Error(selection?.message ?? 'Select the frames or images to edit, then click Apply.');
    if (this.state.pack === null) await this.loadPackAsync(normalisePackUrl(this.state.packUrl) === null ? DEFAULT_PACK_URLS : [normalisePackUrl(this.state.packUrl)!]);
    this.scheduler.clear();
    this.batchForm = form;
    const requestId = this.newId('batch');
    this.dispatch({ type: 'batch-started', requestId, total: selection!.targets.length, at: this.now() });
    this.options.bridge.send({ type: 'START_BATCH', requestId });
  }

  /** One batch item: the main thread waits for APPLY_RESULT or ITEM_FAILED before it sends the next. */
  private async editBatchItemAsync(message: TargetImage): Promise<void> {
    const { requestId, index, nodeId, name } = message;
    const form = this.batchForm ?? this.state.form;
    const { bridge, codec } = this.options;
    try {
      const engine = await this.ready();
      const pack = this.state.pack;
      if (pack === null) throw new Error('No model pack is loaded.');
      const image = await codec.decode(message.bytes, { name });
      const opened = await engine.openPhoto(image, { name: `“${name}”` });
      const usable = opened.faces.filter((face) => !face.tooSmall);
      if (usable.length > 1) {
        throw new Error(`“${name}” has ${usable.length} faces; a batch edits photos with one face. Edit it on its own with Edit with text… and choose the face.`);
      }
      const face = (usable[0] ?? opened.faces[0]!).index;
      const result = await engine.composePhoto({ photoId: opened.photoId, face, edits: editsFor(form), identity: true }, this.onProgress);
      const png = await codec.encodePng(result.image);
      bridge.send({ type: 'APPLY_RESULT', requestId, index, nodeId, bytes: png.bytes, width: png.width, height: png.height, recipe: { ...recipeFor(form, { packId: pack.id, faceIndex: face, latent: null }), ...recipeIdentity(result) } });
    } catch (error) {
      bridge.send({ type: 'ITEM_FAILED', requestId, index, nodeId, message: messageOf(error) });
    }
  }

  private newId(prefix: string): string {
    this.nextId += 1;
    return `${prefix}-${this.nextId}`;
  }
}

/** Why the meter is empty when the engine scores nothing (photo-editor.ts `scores`). */
export const SMALL_PREVIEW_NO_SCORE = `No likeness score while previewing: this pack's previews are under ${MIN_IDENTITY_RENDER} px, too small for the face-recognition net. Apply scores the result.`;
export const NO_IDENTITY_SCORE = 'No identity score for this face: it was not found by the face detector (a demo pack’s cartoon taken whole), or this build has no face-recognition net.';

/** The recipe's identity field: the applied face's score, when the engine measured one. */
function recipeIdentity(result: ComposePhotoResult): Pick<EditRecipe, 'identity'> {
  const scored = result.identity?.[0]?.identity;
  return scored === undefined ? {} : { identity: { score: scored.score, distance: Math.round(scored.distance * 1000) / 1000 } };
}
