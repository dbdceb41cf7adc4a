// The engine's Worker entry: expose the engine over comlink, nothing else (adapter: worker-engine.ts).
import { expose } from 'comlink';
import { WorkerEngine } from './worker-engine';

export type { WorkerEngine };
/** The remote API as ui/engine-client.ts names it. */
export type Engine = WorkerEngine;

expose(new WorkerEngine());
