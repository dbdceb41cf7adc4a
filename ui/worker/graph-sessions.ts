// The engine's ONNX sessions: one per graph role, opened on first use (a mapper edit never loads clipText,
// nothing loads clipImage), and a count of run() calls per role – the observable that proves caching.
import type { Backend, GraphSession, OrtRuntime, OrtTensor } from './runtime/ort';
import { openGraph } from './pack/graph-contract';
import type { LoadedPack } from './pack/load-pack';
import type { GraphRole } from './pack/pack-schema';
import type { ProgressCallback } from '../../contract/progress';
import { EngineError } from './errors';

export class GraphSessions {
  private readonly sessions = new Map<GraphRole, Promise<GraphSession>>();
  private readonly opened: GraphRole[] = [];
  private readonly runs = new Map<GraphRole, number>();
  private readonly backends = new Map<GraphRole, Backend>();

  constructor(
    private readonly runtime: OrtRuntime,
    private readonly loaded: LoadedPack,
  ) {}

  /**
   * Runs `role` once and returns its float32 output `output`, which must hold `length` numbers. A graph that
   * fails to run or gives something else breaks the pack's contract: GraphInvalid, naming the file.
   */
  async runFloat32(role: GraphRole, feeds: Record<string, OrtTensor>, { output, length, onProgress }: { output: string; length: number; onProgress?: ProgressCallback }): Promise<Float32Array> {
    const session = await this.open(role, onProgress);
    this.runs.set(role, (this.runs.get(role) ?? 0) + 1);
    const file = this.loaded.pack.graphs[role];
    const broken = (what: string) =>
      new EngineError('GraphInvalid', `${file} (the ${role} graph) ${what}. The pack was exported wrongly or belongs to another model: export it again with python3 -m models.export.`);
    let outputs: Record<string, OrtTensor>;
    try {
      outputs = await session.run(feeds);
    } catch (error) {
      throw broken(`failed to run (${firstLine(error)})`);
    }
    const tensor = outputs[output];
    if (tensor === undefined) throw broken(`returned no "${output}" (it returned ${Object.keys(outputs).join(', ')})`);
    const data = await tensor.getData();
    if (!(data instanceof Float32Array)) throw broken(`gave "${output}" as ${tensor.type}, not float32`);
    if (data.length !== length) throw broken(`gave ${data.length} numbers as "${output}"; this pack.json needs ${length}`);
    return data;
  }

  /** The session of `role`, created (and its contract checked) on the first call; a failure is not cached. */
  open(role: GraphRole, onProgress?: ProgressCallback): Promise<GraphSession> {
    let session = this.sessions.get(role);
    if (session === undefined) {
      session = openGraph(this.runtime, this.loaded, role, { onProgress });
      this.sessions.set(role, session);
      session.then(
        (opened) => {
          this.opened.push(role);
          this.backends.set(role, opened.backend);
        },
        () => this.sessions.delete(role),
      );
    }
    return session;
  }

  runCounts(): Partial<Record<GraphRole, number>> {
    return Object.fromEntries(this.runs) as Partial<Record<GraphRole, number>>;
  }

  /** The backend each opened session runs on (a WebGPU session that failed to build runs on wasm). */
  sessionBackends(): Partial<Record<GraphRole, Backend>> {
    return Object.fromEntries(this.backends) as Partial<Record<GraphRole, Backend>>;
  }

  loadedRoles(): GraphRole[] {
    return [...this.opened];
  }

  async releaseAll(): Promise<void> {
    const sessions = [...this.sessions.values()];
    this.sessions.clear();
    for (const session of sessions) await (await session.catch(() => undefined))?.release();
  }
}

/** The first line of an error's message, at most 300 characters (ORT's messages carry whole stack dumps). */
export function firstLine(error: unknown): string {
  const text = (error instanceof Error ? error.message : String(error)).split('\n')[0]!.trim();
  return text.length > 300 ? `${text.slice(0, 299)}…` : text;
}
