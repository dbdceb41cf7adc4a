// Engine progress (contract/progress.ts) → what the panel shows: words a designer reads (never a graph's
// name) and how far along the bar is. Exhaustive: a new stage does not compile until it has its words.
import type { GraphRole } from '../contract/graph-roles';
import type { Progress } from '../contract/progress';

/** One line of the progress bar. */
export interface StageView {
  label: string;
  value: number;
  max: number;
  /** "2 of 4" for the steps of a job; absent for bytes. */
  detail?: string;
  /** value/max measures the work (bytes, items), so the time left can be estimated; a job's steps differ too much. */
  measurable: boolean;
}

export function stageView(progress: Progress): StageView {
  switch (progress.stage) {
    case 'download':
      return { label: `Downloading ${progress.file}`, value: progress.loaded, max: progress.total, measurable: true };
    case 'verify':
      return { label: `Checking ${progress.file}`, value: progress.done, max: progress.total, measurable: true };
    case 'load-graph':
      return { label: `Loading ${graphWords(progress.role)}`, value: 0, max: 1, measurable: false };
    case 'encode-face':
    case 'map-latent':
    case 'styles':
    case 'text-direction':
    case 'render': {
      const words = jobWords(progress);
      const label = progress.face !== undefined && progress.face.count > 1 ? `Face ${progress.face.index + 1} of ${progress.face.count}: ${lowerFirst(words)}` : words;
      return { label, value: progress.step, max: progress.of, detail: `${progress.step} of ${progress.of}`, measurable: false };
    }
    default:
      throw new Error(`Unknown progress stage: ${JSON.stringify(progress satisfies never)}`);
  }
}

function jobWords(progress: Extract<Progress, { step: number }>): string {
  switch (progress.stage) {
    case 'encode-face':
      return 'Encoding the face';
    case 'map-latent':
      return `Running the “${progress.mapper}” mapper`;
    case 'styles':
      return 'Computing the face’s styles';
    case 'text-direction':
      return `Reading the prompt “${progress.target}”`;
    case 'render':
      return progress.full ? 'Rendering at full size' : `Rendering the preview (${progress.size} px)`;
    default:
      throw new Error(`Unknown job stage: ${JSON.stringify(progress satisfies never)}`);
  }
}

/** "the face encoder", "the 128 px preview generator", "the “afro” mapper". */
export function graphWords(role: GraphRole): string {
  if (role.startsWith('synthesisPreview:')) return `the ${role.slice('synthesisPreview:'.length)} px preview generator`;
  if (role.startsWith('mapper:')) return `the “${role.slice('mapper:'.length)}” mapper`;
  const fixed: Record<string, string> = {
    mapping: 'the mapping network',
    affine: 'the style layers',
    synthesis: 'the generator',
    encoder: 'the face encoder',
    clipText: 'the text model',
    clipImage: 'the image model',
  };
  return fixed[role] ?? `the ${role} model`;
}

function lowerFirst(text: string): string {
  return text.charAt(0).toLowerCase() + text.slice(1);
}

/** A step's time shows once it has run this long; shorter steps would only flicker. */
export const SHOW_ELAPSED_AFTER_MS = 2000;
/** No estimate before this share is done: the first bytes or items say little about the rest. */
export const ESTIMATE_AFTER_SHARE = 0.05;

/**
 * The time words after a bar's detail: nothing for the first 2 s, then the elapsed time ("8 s"), and where the
 * work is measurable (`done` of `total` bytes or items) an estimate from the rate so far ("8 s · about 20 s left").
 */
export function timeWords({ startedAt, now, done, total }: { startedAt: number; now: number; done?: number; total?: number }): string | undefined {
  const elapsed = now - startedAt;
  if (!(elapsed >= SHOW_ELAPSED_AFTER_MS)) return undefined;
  const spent = durationWords(elapsed);
  if (done === undefined || total === undefined || !(total > 0) || !(done < total)) return spent;
  const share = done / total;
  if (!(share >= ESTIMATE_AFTER_SHARE)) return spent;
  return `${spent} · about ${durationWords((elapsed * (1 - share)) / share)} left`;
}

/** "3 s", "59 s", "1 min 5 s", "12 min" (whole seconds, rounded up: "0 s left" would be wrong while work remains). */
export function durationWords(ms: number): string {
  const seconds = Math.max(1, Math.ceil(Math.round(ms) / 1000)); // whole ms first: 60000.0000001 is a minute
  if (seconds < 60) return `${seconds} s`;
  const minutes = Math.floor(seconds / 60);
  const rest = seconds % 60;
  return minutes >= 10 || rest === 0 ? `${minutes + (minutes >= 10 && rest >= 30 ? 1 : 0)} min` : `${minutes} min ${rest} s`;
}
