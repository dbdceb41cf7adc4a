// Which of the pack's graphs run somewhere other than the engine's backend, in one line a designer reads: since
// int8 packs (pack.json provenance.storage 'int8-qdq') the face encoder runs on the CPU even under WebGPU, and
// the backend badge alone would say the inversion runs on the GPU.
import type { GraphRole } from '../contract/graph-roles';
import type { Backend } from './worker/runtime/ort';

/** The engine's backend now and the backend each graph opened so far runs on (EngineStats.sessionBackends). */
export interface GraphPlacement {
  backend: Backend;
  sessionBackends: Partial<Record<GraphRole, Backend>>;
}

const FIXED_NAMES: Record<string, string> = {
  encoder: 'Face encoder',
  affine: 'Style layers',
  synthesis: 'Full-size render',
  mapping: 'Random faces',
  clipText: 'Text encoder',
  clipImage: 'Image encoder',
};

/** A graph role in the panel's words (no graph file names reach the panel, as in progress-label.ts). */
export function graphName(role: GraphRole): string {
  if (role.startsWith('synthesisPreview:')) return `Preview (${role.slice('synthesisPreview:'.length)} px)`;
  if (role.startsWith('mapper:')) return `Mapper “${role.slice('mapper:'.length)}”`;
  return FIXED_NAMES[role] ?? role;
}

/**
 * "Face encoder: CPU (int8, faster there)", or null when every opened graph runs on the engine's backend. The
 * reason follows from runtime/ort.ts: under WebGPU only a graph that asks for wasm (int8ExecRoles) opens there,
 * since a WebGPU build failure moves the whole engine to wasm; graphs left on WebGPU then were opened before it.
 */
export function graphBackendsNote({ backend, sessionBackends }: GraphPlacement): string | null {
  const elsewhere = (Object.entries(sessionBackends) as Array<[GraphRole, Backend]>).filter(([, on]) => on !== backend);
  if (elsewhere.length === 0) return null;
  const where = backend === 'webgpu' ? 'CPU (int8, faster there)' : 'GPU (opened before the engine moved to the CPU)';
  return `${elsewhere.map(([role]) => graphName(role)).join(', ')}: ${where}`;
}
