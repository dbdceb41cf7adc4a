// What the engine reports while it works, tagged by `stage` (as transformers.js's ProgressInfo is). The panel
// turns every variant into words (ui/progress-label.ts, exhaustive). Streams of one kind never go backwards:
// bytes end at `total`, and the steps of one job count 1…`of`.
import type { GraphRole } from './graph-roles';

/** Where an inference step sits in its job ("2 of 4"), and which face when a photo's faces are edited in turn. */
export interface JobStep {
  step: number;
  of: number;
  /** composePhoto with several faces: this face's position (0-based) among `count` faces edited. */
  face?: { index: number; count: number };
}

export type Progress =
  /** Bytes of one pack file arriving; `total` is the size pack.json gives. */
  | { stage: 'download'; file: string; loaded: number; total: number }
  /** Bytes checked (sha256) so far across the pack; `file` is the one just checked. */
  | { stage: 'verify'; file: string; done: number; total: number }
  /** An ONNX graph is being read and compiled into a session. */
  | { stage: 'load-graph'; role: GraphRole }
  /** The aligned face goes through the encoder (e4e) to W+. */
  | ({ stage: 'encode-face' } & JobStep)
  /** A latent mapper moves W+. */
  | ({ stage: 'map-latent'; mapper: string } & JobStep)
  /** W+ becomes the style vector S (the affine layers). */
  | ({ stage: 'styles' } & JobStep)
  /** The prompt pair becomes a text direction Δt (stored preset, or CLIP's text encoder). */
  | ({ stage: 'text-direction'; neutral: string; target: string } & JobStep)
  /** The generator draws the image, at a preview size or the pack's full resolution. */
  | ({ stage: 'render'; size: number; full: boolean } & JobStep);

export type ProgressStage = Progress['stage'];
/** The stages that are steps of an inference job. */
export type JobProgress = Extract<Progress, JobStep>;

export type ProgressCallback = (progress: Progress) => void;
