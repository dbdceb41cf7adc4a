// The tensor names each graph role must have (models/README.md, "Graph contracts"), checked right after
// a session is created so a wrongly exported graph fails with its file name, not deep inside a run().
import { EngineError } from '../errors';
import type { ProgressCallback } from '../../../contract/progress';
import { firstLine } from '../graph-sessions';
import type { LoadedPack } from './load-pack';
import type { GraphRole } from './pack-schema';

export interface GraphContract {
  readonly inputs: readonly string[];
  readonly outputs: readonly string[];
}

const FIXED_CONTRACTS = {
  mapping: { inputs: ['z'], outputs: ['w'] },
  affine: { inputs: ['wplus'], outputs: ['s'] },
  synthesis: { inputs: ['s'], outputs: ['image'] },
  encoder: { inputs: ['image'], outputs: ['wplus'] },
  clipText: { inputs: ['tokens'], outputs: ['features'] },
  clipImage: { inputs: ['image'], outputs: ['features'] },
} as const satisfies Record<string, GraphContract>;

const PREVIEW_CONTRACT: GraphContract = { inputs: ['s'], outputs: ['image'] };
const MAPPER_CONTRACT: GraphContract = { inputs: ['wplus'], outputs: ['delta'] };

export function graphContract(role: GraphRole): GraphContract {
  if (role.startsWith('synthesisPreview:')) return PREVIEW_CONTRACT;
  if (role.startsWith('mapper:')) return MAPPER_CONTRACT;
  return FIXED_CONTRACTS[role as keyof typeof FIXED_CONTRACTS];
}

/** The part of a runtime session the contract looks at. */
export interface SessionNames {
  readonly inputNames: readonly string[];
  readonly outputNames: readonly string[];
}

/** Throws GraphInvalid naming the graph file and the names it should have. */
export function checkGraphContract(session: SessionNames, { role, file }: { role: GraphRole; file: string }): void {
  const contract = graphContract(role);
  if (sameNames(session.inputNames, contract.inputs) && sameNames(session.outputNames, contract.outputs)) return;
  throw new EngineError(
    'GraphInvalid',
    `${file} (the ${role} graph) has inputs ${list(session.inputNames)} and outputs ${list(session.outputNames)}; ` +
      `the contract for ${role} is inputs ${list(contract.inputs)} and outputs ${list(contract.outputs)} ` +
      '(models/README.md, "Graph contracts"). Export the pack again with python3 -m models.export.',
  );
}

/** A runtime that turns ONNX bytes into sessions (OrtRuntime, structurally). */
export interface SessionFactory<S extends SessionNames & { release(): Promise<void> }> {
  createSession(name: string, model: Uint8Array): Promise<S>;
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
    session = await runtime.createSession(role, bytes);
  } catch (error) {
    // The hash matched, so the file is what the exporter wrote: it is not a graph onnxruntime can run.
    throw new EngineError('GraphInvalid', `${file} (the ${role} graph) is not a graph onnxruntime can load (${firstLine(error)}). Export the pack again with python3 -m models.export.`);
  }
  try {
    checkGraphContract(session, { role, file });
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
