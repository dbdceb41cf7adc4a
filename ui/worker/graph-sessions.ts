// The engine's ONNX sessions: one per graph role, opened on first use (a mapper edit never loads clipText,
// nothing loads clipImage), and a count of run() calls per role – the observable that proves caching.
import type { Backend, GraphSession, OrtRuntime, OrtTensor } from './runtime/ort';
import { openGraph } from './pack/graph-contract';
import type { LoadedPack } from './pack/load-pack';
import type { GraphRole } from './pack/pack-schema';
import type { ProgressCallback } from '../../contract/progress';

export class GraphSessions {
  private readonly sessions = new Map<GraphRole, Promise<GraphSession>>();
  private readonly opened: GraphRole[] = [];
  private readonly runs = new Map<GraphRole, number>();
  private readonly backends = new Map<GraphRole, Backend>();

  constructor(
    private readonly runtime: OrtRuntime,
    private readonly loaded: LoadedPack,
  ) {}

  /** Runs `role` once and returns its float32 output `output`. */
  async runFloat32(role: GraphRole, feeds: Record<string, OrtTensor>, { output, onProgress }: { output: string; onProgress?: ProgressCallback }): Promise<Float32Array> {
    const session = await this.open(role, onProgress);
    this.runs.set(role, (this.runs.get(role) ?? 0) + 1);
    const outputs = await session.run(feeds);
    const tensor = outputs[output];
    if (tensor === undefined) throw new Error(`the ${role} graph returned no "${output}" (it returned ${Object.keys(outputs).join(', ')})`);
    const data = await tensor.getData();
    if (!(data instanceof Float32Array)) throw new Error(`the ${role} graph's "${output}" is ${tensor.type}, not float32`);
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
