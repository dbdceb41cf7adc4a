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
}

export function stageView(progress: Progress): StageView {
  switch (progress.stage) {
    case 'download':
      return { label: `Downloading ${progress.file}`, value: progress.loaded, max: progress.total };
    case 'verify':
      return { label: `Checking ${progress.file}`, value: progress.done, max: progress.total };
    case 'load-graph':
      return { label: `Loading ${graphWords(progress.role)}`, value: 0, max: 1 };
    case 'encode-face':
    case 'map-latent':
    case 'styles':
    case 'text-direction':
    case 'render': {
      const words = jobWords(progress);
      const label = progress.face !== undefined && progress.face.count > 1 ? `Face ${progress.face.index + 1} of ${progress.face.count}: ${lowerFirst(words)}` : words;
      return { label, value: progress.step, max: progress.of, detail: `${progress.step} of ${progress.of}` };
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
