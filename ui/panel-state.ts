// The panel's state and its one reducer. Phases: idle (nothing to edit yet) → loading (pack, image, faces)
// → ready (a face is inverted) → previewing (a preview render in flight) → applying (full-size edit, or a batch).
import type { CommandName, ItemError, Recipe, SelectionSummary } from '../plugin/protocol';
import { presetsFor } from '../contract/presets';
import { DEFAULT_FORM, formFromPrompt, formFromRecipe, type EditForm, type LoadedLatent } from './edit-form';
import type { ShownError } from './panel-errors';
import { stageView, type StageView } from './progress-label';
import type { PackSummary } from './worker/engine-api';
import type { RgbaImage } from './worker/image';
import type { IdentityScore, PhotoFace } from './worker/photo-api';
import type { Progress } from '../contract/progress';
import type { Backend } from './worker/runtime/ort';

export type Phase = 'idle' | 'loading' | 'ready' | 'previewing' | 'applying';

export type NoticeTone = 'success' | 'warning' | 'error';

export type EngineStatus =
  | { status: 'starting' }
  | { status: 'ready'; backend: Backend; fallbackReason: string | null }
  | { status: 'failed'; message: string };

/** The TARGET_IMAGE being edited (replies carry its requestId). */
export interface TargetRef {
  requestId: string;
  nodeId: string;
  name: string;
  index: number;
  total: number;
}

/** A step on a progress bar with the time it began (the controller's clock), so the bar can say how long it takes. */
export type TimedStage = StageView & { startedAt: number };

export interface DownloadState {
  file: string;
  loaded: number;
  total: number;
  startedAt: number;
}

export interface OpenPhoto {
  photoId: string;
  width: number;
  height: number;
  faces: PhotoFace[];
}

export interface BatchState {
  requestId: string;
  done: number;
  total: number;
  failed: number;
  cancelling: boolean;
  /** When Apply started it (the panel's clock), for the elapsed and remaining time. */
  startedAt: number;
  /** Set by BATCH_DONE. */
  summary: { completed: number; total: number; cancelled: boolean; errors: ItemError[] } | null;
}

/** The identity meter (components/identity-meter.tsx): null while not measured yet. */
export interface IdentityView {
  /** The original face vs its unedited render (once per face). */
  reconstruction: IdentityScore | null;
  /** The original face vs the latest final preview (or the applied result). */
  edited: IdentityScore | null;
  /** Why there is no score (no recognition net in this build, or it failed); null otherwise. */
  unavailable: string | null;
}

const NO_IDENTITY: IdentityView = { reconstruction: null, edited: null, unavailable: null };

export interface PanelState {
  phase: Phase;
  /** What loading or applying is doing now ("Loading the model pack…"). */
  activity: string | null;
  /** Whether Cancel (or Escape) can stop it: not once a result is being written, nor in a batch (its own Cancel). */
  cancellable: boolean;
  engine: EngineStatus;
  /** The pack's graphs that run off the engine's backend, in words (graph-backends-note.ts); null when none do. */
  graphsNote: string | null;
  command: CommandName | null;
  /** Edit with text from Quick Actions with a prompt: load, detect, edit and apply without interaction. */
  quickRun: boolean;
  selection: SelectionSummary | null;
  packUrl: string;
  pack: PackSummary | null;
  download: DownloadState | null;
  /** The engine's current step, in words (ui/progress-label.ts), and when it began. */
  stage: TimedStage | null;
  target: TargetRef | null;
  photo: OpenPhoto | null;
  faceIndex: number;
  /** The inverted face, and the photo around it as it is (the preview's "before", at preview size). */
  face: { faceKey: string; before: RgbaImage } | null;
  form: EditForm;
  /** Edit again: the recipe the panel was opened with (its latent, if any, is rendered again). */
  recipe: Recipe | null;
  /** A W+ file picked for the 'latent' method. */
  latent: LoadedLatent | null;
  /** The edited face pasted into the photo around it: what Apply writes there, at preview size. */
  preview: { image: RgbaImage; channelsKept: number[] } | null;
  /** The before/after toggle: show `face.before` instead of `preview.image`. */
  showBefore: boolean;
  /** BetaTooHigh, shown under the β slider instead of as an error. */
  betaNote: string | null;
  error: { title: string; message: string } | null;
  /** Engine warnings (prompt cut to CLIP's context, photo downscaled…) and the form's own. */
  warnings: string[];
  /** A one-line outcome ("Added “Portrait (smiling face)”"). */
  notice: string | null;
  /** How the notice reads: a batch with failures is a warning, one where every image failed an error. */
  noticeTone: NoticeTone;
  batch: BatchState | null;
  identity: IdentityView;
}

export const INITIAL_STATE: PanelState = {
  phase: 'idle',
  activity: null,
  cancellable: false,
  engine: { status: 'starting' },
  graphsNote: null,
  command: null,
  quickRun: false,
  selection: null,
  packUrl: '',
  pack: null,
  download: null,
  stage: null,
  target: null,
  photo: null,
  faceIndex: 0,
  face: null,
  form: DEFAULT_FORM,
  recipe: null,
  latent: null,
  preview: null,
  showBefore: false,
  betaNote: null,
  error: null,
  warnings: [],
  notice: null,
  noticeTone: 'success',
  batch: null,
  identity: NO_IDENTITY,
};

export type PanelAction =
  | { type: 'engine'; engine: EngineStatus }
  | { type: 'graphs-note'; note: string | null }
  | { type: 'command'; command: CommandName; prompt: string | null; recipe: Recipe | null; selection: SelectionSummary; packUrl: string; error: string | null }
  | { type: 'selection'; selection: SelectionSummary }
  | { type: 'pack-url'; url: string }
  | { type: 'busy'; activity: string } // → loading
  | { type: 'pack-loaded'; pack: PackSummary }
  | { type: 'progress'; progress: Progress; at: number }
  | { type: 'target'; target: TargetRef }
  | { type: 'photo'; photo: OpenPhoto; faceIndex: number; notes: string[] }
  | { type: 'face-selected'; faceIndex: number; faceKey: string; before: RgbaImage } // → ready
  | { type: 'form'; form: EditForm }
  | { type: 'latent'; latent: LoadedLatent }
  | { type: 'preview-started' } // → previewing
  | { type: 'preview-result'; image: RgbaImage; channelsKept: number[]; warnings: string[]; final: boolean }
  | { type: 'preview-failed'; error: ShownError }
  | { type: 'toggle-before' }
  | { type: 'applying'; activity: string; cancellable?: boolean } // → applying
  | { type: 'cancelled' } // → ready or idle, "Cancelled."
  | { type: 'applied'; notice: string; warnings: string[] } // → ready
  | { type: 'failed'; error: ShownError } // → back to ready or idle
  | { type: 'warnings'; warnings: string[] }
  | { type: 'notice'; notice: string }
  | { type: 'batch-started'; requestId: string; total: number; at: number }
  | { type: 'batch-progress'; done: number; total: number; failed: number }
  | { type: 'batch-cancelling' }
  | { type: 'batch-done'; completed: number; total: number; cancelled: boolean; errors: ItemError[] }
  | { type: 'dismiss-error' }
  // A score for the face `faceKey` (ignored once another face is selected).
  | { type: 'identity'; faceKey: string; reconstruction?: IdentityScore; edited?: IdentityScore; unavailable?: string };

/** Whether Cancel does something now: a running batch (after its item in flight), or a cancellable load or Apply. */
export function canCancel(state: PanelState): boolean {
  const { batch, phase } = state;
  if (batch !== null && batch.summary === null) return !batch.cancelling;
  return state.cancellable && (phase === 'loading' || phase === 'applying');
}

/** Where a phase that ended returns to: ready once a face is inverted, else idle. */
function settled(state: PanelState): Phase {
  return state.face !== null ? 'ready' : 'idle';
}

export function panelReducer(state: PanelState, action: PanelAction): PanelState {
  switch (action.type) {
    case 'engine':
      return { ...state, engine: action.engine };
    case 'graphs-note':
      return action.note === state.graphsNote ? state : { ...state, graphsNote: action.note };
    case 'command': {
      const form = action.recipe !== null ? formFromRecipe(action.recipe) : action.prompt !== null ? formFromPrompt(action.prompt, presetsFor(state.pack?.presets)) : state.form;
      return {
        ...state,
        command: action.command,
        quickRun: action.command === 'edit-with-text' && action.prompt !== null,
        selection: action.selection,
        packUrl: action.packUrl,
        form,
        recipe: action.recipe,
        faceIndex: action.recipe?.faceIndex ?? 0,
        error: action.error !== null ? { title: 'facetext cannot edit this layer', message: action.error } : null,
      };
    }
    case 'selection':
      return { ...state, selection: action.selection };
    case 'pack-url':
      return { ...state, packUrl: action.url };
    case 'busy':
      return { ...state, phase: 'loading', activity: action.activity, cancellable: true, error: null, notice: null };
    case 'pack-loaded':
      // A new pack forgets the faces and any latent (the engine drops them too).
      return { ...state, pack: action.pack, face: null, latent: null, preview: null, phase: 'idle', activity: null, stage: null, identity: NO_IDENTITY };
    case 'progress': {
      const { progress, at } = action;
      // A finished download leaves no bar behind; the next file's bytes bring it back.
      if (progress.stage === 'download') {
        if (progress.loaded >= progress.total) return { ...state, download: null };
        const startedAt = state.download?.file === progress.file ? state.download.startedAt : at;
        return { ...state, download: { file: progress.file, loaded: progress.loaded, total: progress.total, startedAt } };
      }
      const view = stageView(progress);
      // A step is its words: "2 of 4" moving on keeps the clock only while the words stay the same.
      return { ...state, stage: { ...view, startedAt: state.stage?.label === view.label ? state.stage.startedAt : at } };
    }
    case 'target':
      return { ...state, target: action.target, photo: null, face: null, latent: null, preview: null, showBefore: false, betaNote: null, warnings: [], identity: NO_IDENTITY };
    case 'photo': {
      // Several faces stop a Quick Actions run: the user picks one, then applies.
      const usable = action.photo.faces.filter((face) => !face.tooSmall).length;
      return { ...state, photo: action.photo, faceIndex: action.faceIndex, warnings: action.notes, quickRun: state.quickRun && usable <= 1 };
    }
    case 'face-selected':
      return { ...state, faceIndex: action.faceIndex, face: { faceKey: action.faceKey, before: action.before }, preview: null, phase: 'ready', activity: null, stage: null, identity: NO_IDENTITY };
    case 'form':
      return { ...state, form: action.form, notice: null };
    case 'latent':
      return { ...state, latent: action.latent };
    case 'preview-started':
      return state.phase === 'ready' ? { ...state, phase: 'previewing' } : state;
    case 'preview-result':
      return {
        ...state,
        preview: { image: action.image, channelsKept: action.channelsKept },
        betaNote: null,
        error: action.final ? null : state.error, // a preview that works ends an earlier failure's banner
        warnings: action.warnings,
        showBefore: false,
        phase: action.final && state.phase === 'previewing' ? 'ready' : state.phase,
        stage: action.final ? null : state.stage,
        identity: { ...state.identity, edited: null }, // measured again for this frame (panel-controller.ts)
      };
    case 'preview-failed': {
      const phase = state.phase === 'previewing' ? 'ready' : state.phase;
      if (action.error.show === 'nothing') return { ...state, phase };
      if (action.error.show === 'beta') return { ...state, phase, betaNote: action.error.message, preview: null, stage: null };
      // The last preview showed another setting: the original face is shown instead of a stale edit.
      return { ...state, phase, error: { title: action.error.title, message: action.error.message }, preview: null, stage: null };
    }
    case 'toggle-before':
      return { ...state, showBefore: !state.showBefore };
    case 'applying':
      return { ...state, phase: 'applying', activity: action.activity, cancellable: action.cancellable ?? true, error: null, notice: null };
    case 'cancelled':
      return { ...state, phase: settled(state), activity: null, cancellable: false, stage: null, download: null, quickRun: false, notice: 'Cancelled.', noticeTone: 'warning' };
    case 'applied':
      return { ...state, phase: settled(state), activity: null, stage: null, notice: action.notice, noticeTone: 'success', warnings: action.warnings, quickRun: false };
    case 'failed': {
      // A batch that never started (NOTHING_SELECTED) is dropped; a finished one keeps its summary.
      const batch = state.batch !== null && state.batch.summary === null ? null : state.batch;
      const base = { ...state, phase: settled(state), activity: null, stage: null, quickRun: false, batch };
      if (action.error.show === 'nothing') return base;
      if (action.error.show === 'beta') return { ...base, betaNote: action.error.message };
      return { ...base, error: { title: action.error.title, message: action.error.message } };
    }
    case 'warnings':
      return { ...state, warnings: action.warnings };
    case 'notice':
      return { ...state, notice: action.notice, noticeTone: 'success', error: null };
    case 'batch-started':
      return { ...state, phase: 'applying', activity: 'Editing the selected images…', cancellable: false, error: null, notice: null, batch: { requestId: action.requestId, done: 0, total: action.total, failed: 0, cancelling: false, startedAt: action.at, summary: null } };
    case 'batch-progress':
      return state.batch === null ? state : { ...state, batch: { ...state.batch, done: action.done, total: action.total, failed: action.failed } };
    case 'batch-cancelling':
      return state.batch === null ? state : { ...state, batch: { ...state.batch, cancelling: true } };
    case 'batch-done': {
      if (state.batch === null) return state;
      const { completed, total, cancelled, errors } = action;
      const notice = `${cancelled ? 'Batch cancelled: ' : ''}${completed} of ${total} image${total === 1 ? '' : 's'} edited${errors.length > 0 ? `, ${errors.length} failed` : ''}.`;
      const noticeTone: NoticeTone = errors.length === 0 ? 'success' : completed === 0 ? 'error' : 'warning';
      return { ...state, phase: settled(state), activity: null, stage: null, notice, noticeTone, batch: { ...state.batch, done: state.batch.done, summary: { completed, total, cancelled, errors } } };
    }
    case 'dismiss-error':
      return { ...state, error: null };
    case 'identity': {
      if (state.face?.faceKey !== action.faceKey) return state;
      const { reconstruction = state.identity.reconstruction, edited = state.identity.edited, unavailable = state.identity.unavailable } = action;
      return { ...state, identity: { reconstruction, edited, unavailable } };
    }
    default:
      throw new Error(`Unknown panel action: ${JSON.stringify(action satisfies never)}`);
  }
}
