// The engine's ONNX sessions: one per graph role, opened on first use (a mapper edit never loads clipText,
// nothing loads clipImage), and a count of run() calls per role – the observable that proves caching.
//
// Memory: once a session exists its file's bytes are dropped (onnxruntime holds the weights). Roles marked
// transient (the encoder, clipText: a flow needs them once per face or per text direction) are released
// when the last `using` span over them ends, and opened again, reading their file again, on the next use.
// That only pays where re-reading is cheap (a disk, a picked folder, a persistent cache): a pack that
// comes over the network keeps its sessions, or every new face would download the encoder again.
import type { Backend, GraphSession, OrtRuntime, OrtTensor } from './runtime/ort';
import { openGraph } from './pack/graph-contract';
import type { LoadedPack } from './pack/load-pack';
import type { GraphRole } from './pack/pack-schema';
import type { ProgressCallback } from '../../contract/progress';
import { EngineError } from './errors';

/** Roles a flow needs once per face (encoder) or per text direction (clipText). */
export const TRANSIENT_ROLES: readonly GraphRole[] = ['encoder', 'clipText'];

export interface GraphSessionsOptions {
  /** Roles to release when no `using` span holds them. Default: TRANSIENT_ROLES where the pack re-reads cheaply, else none. */
  releaseWhenIdle?: readonly GraphRole[];
}

export class GraphSessions {
  private readonly sessions = new Map<GraphRole, Promise<GraphSession>>();
  private readonly opened: GraphRole[] = [];
  private readonly opens = new Map<GraphRole, number>();
  private readonly runs = new Map<GraphRole, number>();
  private readonly backends = new Map<GraphRole, Backend>();
  private readonly holds = new Map<GraphRole, number>();
  private readonly transient: ReadonlySet<GraphRole>;

  constructor(
    private readonly runtime: OrtRuntime,
    private readonly loaded: LoadedPack,
    { releaseWhenIdle = loaded.cheapRereads ? TRANSIENT_ROLES : [] }: GraphSessionsOptions = {},
  ) {
    this.transient = new Set(releaseWhenIdle);
  }

  /**
   * Runs `work` while holding `role`: a transient role's session stays open until the last span over it ends,
   * then it is released (the next use opens it again). Spans over other roles change nothing.
   */
  async using<T>(role: GraphRole, work: () => Promise<T>): Promise<T> {
    this.holds.set(role, (this.holds.get(role) ?? 0) + 1);
    try {
      return await work();
    } finally {
      const left = this.holds.get(role)! - 1;
      if (left > 0) this.holds.set(role, left);
      else {
        this.holds.delete(role);
        if (this.transient.has(role)) await this.release(role);
      }
    }
  }

  /**
   * Runs `role` once and returns its float32 output `output`, read on the CPU, which must hold `length` numbers. A
   * graph that fails to run or gives something else breaks the pack's contract: GraphInvalid, naming the file.
   */
  async runFloat32(role: GraphRole, feeds: Record<string, OrtTensor>, { output, length, onProgress }: { output: string; length: number; onProgress?: ProgressCallback }): Promise<Float32Array> {
    const { [output]: tensor } = await this.runTensors(role, feeds, [output], onProgress);
    const data = (await tensor.getData(true)) as Float32Array; // releaseData: a GPU copy is not needed after this
    if (data.length !== length) throw this.broken(role, `gave ${data.length} numbers as "${output}"; this pack.json needs ${length}`);
    return data;
  }

  /**
   * Runs `role` once and returns its float32 outputs `names` as tensors, where the session left them: in GPU buffers
   * for a WebGPU session's device outputs (graph-contract.ts), else on the CPU. The caller owns them and disposes
   * them; outputs not asked for are disposed here. GraphInvalid as runFloat32.
   */
  async runTensors(role: GraphRole, feeds: Record<string, OrtTensor>, names: readonly string[], onProgress?: ProgressCallback): Promise<Record<string, OrtTensor>> {
    const session = await this.open(role, onProgress);
    this.runs.set(role, (this.runs.get(role) ?? 0) + 1);
    let outputs: Record<string, OrtTensor>;
    try {
      outputs = await session.run(feeds);
    } catch (error) {
      throw this.broken(role, `failed to run (${firstLine(error)})`);
    }
    return takeFloat32Outputs(outputs, names, (what) => this.broken(role, what));
  }

  /** GraphInvalid for `role`'s file: what it did breaks the contract. */
  broken(role: GraphRole, what: string): EngineError {
    const file = this.loaded.pack.graphs[role];
    return new EngineError('GraphInvalid', `${file} (the ${role} graph) ${what}. The pack was exported wrongly or belongs to another model: export it again with python3 -m models.export.`);
  }

  /** The session of `role`, created (and its contract checked) on the first call; a failure is not cached. */
  open(role: GraphRole, onProgress?: ProgressCallback): Promise<GraphSession> {
    let session = this.sessions.get(role);
    if (session === undefined) {
      const file = this.loaded.pack.graphs[role];
      const pending = openGraph(this.runtime, this.loaded, role, { onProgress });
      session = pending;
      this.sessions.set(role, pending);
      pending.then(
        (opened) => {
          if (!this.opened.includes(role)) this.opened.push(role);
          this.opens.set(role, (this.opens.get(role) ?? 0) + 1);
          this.backends.set(role, opened.backend);
          // onnxruntime holds the weights now. Keep the bytes only while another role that reads the same
          // file has yet to open (a second download otherwise).
          if (file !== undefined && !this.awaitsFile(file)) this.loaded.forget(file);
        },
        () => {
          if (this.sessions.get(role) === pending) this.sessions.delete(role);
        },
      );
    }
    return session;
  }

  /** Releases `role`'s session now (a later use opens it again); nothing when it is not open. */
  async release(role: GraphRole): Promise<void> {
    const session = this.sessions.get(role);
    if (session === undefined) return;
    this.sessions.delete(role);
    await (await session.catch(() => undefined))?.release();
  }

  /** Whether a role whose graph is `file` has no session and has never had one. */
  private awaitsFile(file: string): boolean {
    return Object.entries(this.loaded.pack.graphs).some(([role, f]) => f === file && !this.sessions.has(role as GraphRole) && !this.opened.includes(role as GraphRole));
  }

  /** Sessions created per role since the pack was loaded (more than 1: released and opened again). */
  openCounts(): Partial<Record<GraphRole, number>> {
    return Object.fromEntries(this.opens) as Partial<Record<GraphRole, number>>;
  }

  /** Roles with a live (or opening) session now. */
  openRoles(): GraphRole[] {
    return [...this.sessions.keys()];
  }

  runCounts(): Partial<Record<GraphRole, number>> {
    return Object.fromEntries(this.runs) as Partial<Record<GraphRole, number>>;
  }

  /** The backend each opened session runs on (a WebGPU session that failed to build runs on wasm). */
  sessionBackends(): Partial<Record<GraphRole, Backend>> {
    return Object.fromEntries(this.backends) as Partial<Record<GraphRole, Backend>>;
  }

  /** Roles that have had a session, each once, in the order they were first opened. */
  loadedRoles(): GraphRole[] {
    return [...this.opened];
  }

  async releaseAll(): Promise<void> {
    const sessions = [...this.sessions.values()];
    this.sessions.clear();
    for (const session of sessions) await (await session.catch(() => undefined))?.release();
  }
}

/**
 * The float32 tensors `names` of a run's `outputs`; every other output is disposed (a GPU buffer would otherwise
 * outlive the run). A missing or non-float32 output disposes them all and throws `broken(what)`.
 */
export function takeFloat32Outputs(outputs: Record<string, OrtTensor>, names: readonly string[], broken: (what: string) => Error): Record<string, OrtTensor> {
  const problem = names
    .map((name) => {
      const tensor = outputs[name];
      if (tensor === undefined) return `returned no "${name}" (it returned ${Object.keys(outputs).join(', ')})`;
      return tensor.type === 'float32' ? undefined : `gave "${name}" as ${tensor.type}, not float32`;
    })
    .find((p) => p !== undefined);
  for (const [name, tensor] of Object.entries(outputs)) if (problem !== undefined || !names.includes(name)) tensor.dispose();
  if (problem !== undefined) throw broken(problem);
  return Object.fromEntries(names.map((name) => [name, outputs[name]!]));
}

/** The first line of an error's message, at most 300 characters (ORT's messages carry whole stack dumps). */
export function firstLine(error: unknown): string {
  const text = (error instanceof Error ? error.message : String(error)).split('\n')[0]!.trim();
  return text.length > 300 ? `${text.slice(0, 299)}…` : text;
}
