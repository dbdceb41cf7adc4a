// What the engine reports while it works, tagged by `stage` (as transformers.js's ProgressInfo is).
// Each stream of one stage never goes backwards and ends at its total.
import type { GraphRole } from './graph-roles';

export type Progress =
  /** Bytes of one pack file arriving over the network; `total` is the size pack.json gives. */
  | { stage: 'download'; file: string; loaded: number; total: number }
  /** `pack verify`: bytes checked so far across the whole pack; `file` is the one just checked. */
  | { stage: 'verify'; file: string; done: number; total: number }
  /** An ONNX graph is being read and compiled into a session. */
  | { stage: 'load-graph'; role: GraphRole }
  /** Step `step` (1-based) of `of` of one inference job, e.g. "synthesis". */
  | { stage: 'infer'; step: number; of: number; what: string };

export type ProgressStage = Progress['stage'];

export type ProgressCallback = (progress: Progress) => void;
