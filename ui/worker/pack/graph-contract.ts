// The tensor names each graph role must have (models/README.md, "Graph contracts"), checked right after
// a session is created so a wrongly exported graph fails with its file name, not deep inside a run().
import { EngineError } from '../errors';
import type { ProgressCallback } from '../../../contract/progress';
import { firstLine } from '../graph-sessions';
import type { LoadedPack } from './load-pack';
import { previewRole, type GraphRole, type Pack } from './pack-schema';

export interface GraphContract {
  readonly inputs: readonly string[];
  readonly outputs: readonly string[];
  /** Outputs the next graph reads (kept in GPU buffers on WebGPU); the rest are read on the CPU. */
  readonly deviceOutputs?: readonly string[];
}

const FIXED_CONTRACTS = {
  mapping: { inputs: ['z'], outputs: ['w'] },
  affine: { inputs: ['wplus'], outputs: ['s'] },
  encoder: { inputs: ['image'], outputs: ['wplus'] },
  clipText: { inputs: ['tokens'], outputs: ['features'] },
  clipImage: { inputs: ['image'], outputs: ['features'] },
} as const satisfies Record<string, GraphContract>;

const MAPPER_CONTRACT: GraphContract = { inputs: ['wplus'], outputs: ['delta'] };

/**
 * The synthesis chain (models/README.md, "The synthesis chain"): the first stage takes S alone, a later one also
 * the previous stage's features and image; every stage but the last (synthesis) also returns its features. A
 * preview stage's features and image feed the next stage, so they stay on the device (its image is read back only
 * when that preview is the one displayed); the last stage's image is always displayed.
 */
function stageContract(first: boolean, last: boolean): GraphContract {
  const inputs = first ? ['s'] : ['s', 'featuresIn', 'imageIn'];
  return last ? { inputs, outputs: ['image'] } : { inputs, outputs: ['image', 'features'], deviceOutputs: ['image', 'features'] };
}

/** The tensor names of `role` in a pack whose synthesis chain stops at `previewResolutions` (ascending). */
export function graphContract(role: GraphRole, previewResolutions: readonly number[]): GraphContract {
  if (role === 'synthesis') return stageContract(previewResolutions.length === 0, true);
  if (role.startsWith('synthesisPreview:')) return stageContract(role === previewRole(previewResolutions[0] ?? NaN), false);
  if (role.startsWith('mapper:')) return MAPPER_CONTRACT;
  return FIXED_CONTRACTS[role as keyof typeof FIXED_CONTRACTS];
}

/** The part of a runtime session the contract looks at. */
export interface SessionNames {
  readonly inputNames: readonly string[];
  readonly outputNames: readonly string[];
}

/** Throws GraphInvalid naming the graph file and the names it should have. */
export function checkGraphContract(
  session: SessionNames,
  { role, file, previewResolutions }: { role: GraphRole; file: string; previewResolutions: readonly number[] },
): void {
  const contract = graphContract(role, previewResolutions);
  if (sameNames(session.inputNames, contract.inputs) && sameNames(session.outputNames, contract.outputs)) return;
  throw new EngineError(
    'GraphInvalid',
    `${file} (the ${role} graph) has inputs ${list(session.inputNames)} and outputs ${list(session.outputNames)}; ` +
      `the contract for ${role} is inputs ${list(contract.inputs)} and outputs ${list(contract.outputs)} ` +
      '(models/README.md, "Graph contracts"). Export the pack again with python3 -m models.export.',
  );
}

/** What a session of `role` is opened with: its device outputs, and wasm for an int8-executing graph (pack-schema.ts, int8ExecRoles). */
export function graphSessionOptions(pack: Pack, role: GraphRole): { deviceOutputs?: readonly string[]; wasm?: boolean } {
  const { deviceOutputs } = graphContract(role, pack.generator.previewResolutions);
  return { ...(deviceOutputs === undefined ? {} : { deviceOutputs }), ...(pack.int8ExecRoles.includes(role) ? { wasm: true } : {}) };
}

/** A runtime that turns ONNX bytes into sessions (OrtRuntime, structurally). */
export interface SessionFactory<S extends SessionNames & { release(): Promise<void> }> {
  createSession(name: string, model: Uint8Array, options?: { deviceOutputs?: readonly string[]; wasm?: boolean }): Promise<S>;
}

/** Reads a role's graph from the pack, creates its session and checks the contract (releasing the session if it fails). */
export async function openGraph<S extends SessionNames & { release(): Promise<void> }>(
  runtime: SessionFactory<S>,
  loaded: LoadedPack,
  role: GraphRole,
  { onProgress }: { onProgress?: ProgressCallback } = {},
): Promise<S> {
  const file = loaded.pack.graphs[role];
  if (file === undefined) {
    throw new EngineError('PackInvalid', `Pack ${loaded.pack.id} has no ${role} graph (its graphs: ${Object.keys(loaded.pack.graphs).join(', ')}). Load a pack that has one.`);
  }
  onProgress?.({ stage: 'load-graph', role });
  const bytes = await loaded.readFile(file);
  let session: S;
  try {
    session = await runtime.createSession(role, bytes, graphSessionOptions(loaded.pack, role));
  } catch (error) {
    // The hash matched, so the file is what the exporter wrote: it is not a graph onnxruntime can run.
    throw new EngineError('GraphInvalid', `${file} (the ${role} graph) is not a graph onnxruntime can load (${firstLine(error)}). Export the pack again with python3 -m models.export.`);
  }
  try {
    checkGraphContract(session, { role, file, previewResolutions: loaded.pack.generator.previewResolutions });
  } catch (error) {
    await session.release();
    throw error;
  }
  return session;
}

function sameNames(actual: readonly string[], expected: readonly string[]): boolean {
  return actual.length === expected.length && expected.every((name) => actual.includes(name));
}

function list(names: readonly string[]): string {
  return `[${names.map((n) => JSON.stringify(n)).join(', ')}]`;
}
