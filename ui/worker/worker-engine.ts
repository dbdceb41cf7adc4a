// The Worker host's thin adapter around Engine (spec/style.md §3): settings arrive once through init(),
// images leave with their buffers transferred, progress callbacks arrive as comlink proxies. The only
// engine file that imports comlink.
import { transfer } from 'comlink';
import { Engine } from './engine';
import type {
  EditedLatents, EditOptions, EngineOptions, EngineStats, FloatImage, InvertResult, PackSourceSpec, PackSummary,
  RenderOptions, RenderResolution, RenderResult, RuntimeOptions, RuntimeReport, WorkerEnvironment,
} from './engine-api';
import type { RgbaImage } from './image';
import type {
  ComposePhotoOptions, ComposePhotoResult, FaceIdentityOptions, FaceModelsInput, IdentityScore, OpenPhotoOptions, OpenPhotoResult, PreviewCropOptions,
  PreviewCropResult, PreviewPhotoOptions, PreviewPhotoResult, ReconstructionOptions, SelectFaceOptions, SelectFaceResult,
} from './photo-api';
import { PhotoEditor } from './photo-editor';
import { probeStorage } from './storage-probe';
import type { ProgressCallback } from '../../contract/progress';

/** init() takes the runtime options at the top level (ui/engine-client.ts sends { wasmBinary }) plus maxFaces. */
export type WorkerEngineOptions = RuntimeOptions & Pick<EngineOptions, 'maxFaces'>;

export class WorkerEngine {
  private engine: Engine | undefined;
  private photos: PhotoEditor | undefined;

  /** Creates the engine and starts its runtime. Call once, before anything else. */
  async init({ maxFaces, ...runtime }: WorkerEngineOptions = {}): Promise<RuntimeReport> {
    if (this.engine !== undefined) throw new Error('init() was already called; this worker has an engine');
    this.engine = new Engine({ runtime, maxFaces });
    this.photos = new PhotoEditor(this.engine);
    return this.engine.start();
  }

  backend() {
    return this.ready().backend();
  }

  /** This Worker's context and runtime, for Diagnostics. */
  async environment(): Promise<WorkerEnvironment> {
    const g = globalThis as { isSecureContext?: boolean; crossOriginIsolated?: boolean; navigator?: { hardwareConcurrency?: number; gpu?: unknown }; crypto?: { subtle?: unknown } };
    const [runtime, storage] = await Promise.all([this.ready().runtimeDetails(), probeStorage()]);
    return {
      isSecureContext: g.isSecureContext === true,
      crossOriginIsolated: g.crossOriginIsolated === true,
      hardwareConcurrency: g.navigator?.hardwareConcurrency ?? null,
      navigatorGpu: g.navigator?.gpu !== undefined,
      cryptoSubtle: g.crypto?.subtle !== undefined,
      ...runtime,
      storage,
    };
  }

  loadPack(source: PackSourceSpec, onProgress?: ProgressCallback): Promise<PackSummary> {
    return this.ready().loadPack(source, onProgress);
  }

  cancelPackLoad(): void {
    this.ready().cancelPackLoad();
  }

  invert(aligned: RgbaImage, onProgress?: ProgressCallback): Promise<InvertResult> {
    return this.ready().invert(aligned, onProgress);
  }

  faceFromWPlus(wPlus: Float32Array): Promise<InvertResult> {
    return this.ready().faceFromWPlus(wPlus);
  }

  async latents(faceKey: string): Promise<{ wPlus: Float32Array; s: Float32Array }> {
    const latents = await this.ready().latents(faceKey);
    return transfer(latents, [latents.wPlus.buffer, latents.s.buffer]);
  }

  async editLatents(options: EditOptions, onProgress?: ProgressCallback): Promise<EditedLatents> {
    const edited = await this.ready().editLatents(options, onProgress);
    return transfer(edited, [edited.wPlus.buffer, edited.s.buffer]);
  }

  async synthesize(options: { s: Float32Array; resolution: RenderResolution }, onProgress?: ProgressCallback): Promise<FloatImage> {
    const image = await this.ready().synthesize(options, onProgress);
    return transfer(image, [image.data.buffer]);
  }

  async render(options: RenderOptions, onProgress?: ProgressCallback): Promise<RenderResult> {
    const result = await this.ready().render(options, onProgress);
    return transfer(result, [result.image.data.buffer]);
  }

  async textDirection(neutral: string, target: string): Promise<Float32Array> {
    const deltaT = await this.ready().textDirection(neutral, target);
    return transfer(deltaT, [deltaT.buffer]);
  }

  // Whole photos (photo-editor.ts): face models as bytes, detect, align + invert, edit and paste back.
  loadFaceModels(models: FaceModelsInput): Promise<void> {
    return this.photoEditor().loadFaceModels(models);
  }

  openPhoto(image: RgbaImage, options?: OpenPhotoOptions): Promise<OpenPhotoResult> {
    return this.photoEditor().openPhoto(image, options);
  }

  async selectFace(options: SelectFaceOptions, onProgress?: ProgressCallback): Promise<SelectFaceResult> {
    const selected = await this.photoEditor().selectFace(options, onProgress);
    return transfer(selected, [selected.aligned.data.buffer]);
  }

  async composePhoto(options: ComposePhotoOptions, onProgress?: ProgressCallback): Promise<ComposePhotoResult> {
    const composed = await this.photoEditor().composePhoto(options, onProgress);
    return transfer(composed, [composed.image.data.buffer]);
  }

  async previewPhoto(options: PreviewPhotoOptions, onProgress?: ProgressCallback): Promise<PreviewPhotoResult> {
    const preview = await this.photoEditor().previewPhoto(options, onProgress);
    return transfer(preview, [preview.image.data.buffer]);
  }

  async previewCrop(options: PreviewCropOptions): Promise<PreviewCropResult> {
    const crop = await this.photoEditor().previewCrop(options);
    return transfer(crop, [crop.image.data.buffer]);
  }

  faceIdentity(options: FaceIdentityOptions): Promise<IdentityScore | null> {
    return this.photoEditor().faceIdentity(options);
  }

  faceReconstruction(options: ReconstructionOptions): Promise<IdentityScore | null> {
    return this.photoEditor().faceReconstruction(options);
  }

  checkEdits(edits: EditOptions['edits']): void {
    this.ready().checkEdits(edits);
  }

  stats(): EngineStats {
    return this.ready().stats();
  }

  dispose(): Promise<void> {
    return this.ready().dispose();
  }

  private photoEditor(): PhotoEditor {
    if (this.photos === undefined) throw new Error('Call init() before using the engine');
    return this.photos;
  }

  private ready(): Engine {
    if (this.engine === undefined) throw new Error('Call init() before using the engine');
    return this.engine;
  }
}
