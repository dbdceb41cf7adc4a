// The engine's Worker entry: expose the engine over comlink, nothing else (adapter: worker-engine.ts).
import { expose } from 'comlink';
import { WorkerEngine } from './worker-engine';

/** The Worker's API as ui/engine-client.ts wraps it (the adapter class; the engine itself is engine.ts's Engine). */
export type EngineWorker = WorkerEngine;

expose(new WorkerEngine());
