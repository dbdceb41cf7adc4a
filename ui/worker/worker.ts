// The engine's Worker entry: expose the engine over comlink, nothing else (adapter: worker-engine.ts).
import { expose } from 'comlink';
import { WorkerEngine } from './worker-engine';

/** The Worker's API as ui/engine-client.ts wraps it (the adapter class; the engine itself is engine.ts's Engine). */
export type EngineWorker = WorkerEngine;

// With wasm threads (a cross-origin isolated hosted page) ORT's pthread Workers start this same script: the bundle
// defines import.meta.url as self.location.href (scripts/build.mjs). Emscripten names them "em-pthread…"; they
// run ORT's thread loop and are no engine, so nothing is exposed there.
if (!self.name.startsWith('em-pthread')) expose(new WorkerEngine());
