// "Diagnostics…": what a maintainer needs to know about the host the panel really runs in (Figma's desktop app,
// a browser, the playground), as one JSON report. The first run in real Figma tells us what is true there
// (spec/platform.md §7). Every probe is safe: a failing API is reported, never thrown.
import type { EngineClient } from './engine-client';
import type { WorkerEnvironment } from './worker/engine-api';
import { probeStorage, type StorageReport } from './worker/storage-probe';

export const DIAGNOSTICS_VERSION = 1;

export interface DiagnosticsReport {
  version: number;
  collectedAt: string;
  userAgent: string;
  /** 'inline': ui.html carries everything (origin null); 'hosted': the panel page was served from an origin. */
  mode: 'inline' | 'hosted';
  ui: {
    /** Milliseconds from the frame's navigation to: the panel script, DOMContentLoaded, load, the engine ready. */
    scriptStartMs: number | null;
    domContentLoadedMs: number | null;
    loadMs: number | null;
    engineReadyMs: number | null;
    /** Bytes of the panel document: the navigation entry's decoded body size (srcdoc included), else the serialised document. */
    htmlBytes: number;
    htmlBytesSource: 'navigation' | 'document';
  };
  origin: {
    /** 'opaque' for null (Figma's inline panel), else 'hosted'. */
    kind: 'opaque' | 'hosted';
    origin: string;
    isSecureContext: boolean;
  };
  gpu: {
    /** navigator.gpu in the panel's frame. */
    navigatorGpu: boolean;
    /** The adapter the engine looked at, with its own words about itself and the software verdict. */
    adapter: WorkerEnvironment['gpuAdapter'];
  };
  threads: {
    crossOriginIsolated: boolean;
    hardwareConcurrency: number | null;
    /** The wasm threads ORT runs with, read back from ORT after it started (1 unless the worker is crossOriginIsolated). */
    ortThreads: number | null;
  };
  storage: { panel: StorageReport; worker: StorageReport | null };
  worker: {
    kind: 'data:' | 'blob:' | 'url' | null;
    isSecureContext: boolean | null;
    crossOriginIsolated: boolean | null;
    navigatorGpu: boolean | null;
    cryptoSubtle: boolean | null;
  };
  ort: { backend: string | null; fallbackReason: string | null; error: string | null };
}

/** Collects the report; `client` is the started engine (a rejected one is reported as the engine's error). */
export async function collectDiagnostics(engine: Promise<EngineClient>, win: Window = window): Promise<DiagnosticsReport> {
  const [client, panelStorage] = await Promise.all([engine.then((c) => ({ client: c, error: null }), (error: unknown) => ({ client: null, error: describe(error) })), probeStorage()]);
  let environment: WorkerEnvironment | null = null;
  let environmentError: string | null = null;
  if (client.client?.environment !== undefined) {
    try {
      environment = await client.client.environment();
    } catch (error) {
      environmentError = describe(error);
    }
  }
  const origin = win.location.origin;
  const nav = win.performance.getEntriesByType('navigation')[0] as PerformanceNavigationTiming | undefined;
  const mark = (name: string) => win.performance.getEntriesByName(name)[0]?.startTime ?? null;
  const networkBytes = nav !== undefined && nav.decodedBodySize > 0 ? nav.decodedBodySize : 0;
  return {
    version: DIAGNOSTICS_VERSION,
    collectedAt: new Date().toISOString(),
    userAgent: win.navigator.userAgent,
    mode: origin === 'null' ? 'inline' : 'hosted',
    ui: {
      scriptStartMs: round(mark('facetext-ui-start')),
      domContentLoadedMs: round(nav !== undefined && nav.domContentLoadedEventEnd > 0 ? nav.domContentLoadedEventEnd : null),
      loadMs: round(nav !== undefined && nav.loadEventEnd > 0 ? nav.loadEventEnd : null),
      engineReadyMs: round(mark('facetext-engine-ready')),
      htmlBytes: networkBytes > 0 ? networkBytes : new Blob([win.document.documentElement.outerHTML]).size,
      htmlBytesSource: networkBytes > 0 ? 'navigation' : 'document',
    },
    origin: { kind: origin === 'null' ? 'opaque' : 'hosted', origin, isSecureContext: win.isSecureContext },
    gpu: { navigatorGpu: 'gpu' in win.navigator, adapter: environment?.gpuAdapter ?? null },
    threads: { crossOriginIsolated: win.crossOriginIsolated, hardwareConcurrency: win.navigator.hardwareConcurrency ?? null, ortThreads: environment?.numThreads ?? null },
    storage: { panel: panelStorage, worker: environment?.storage ?? null },
    worker: {
      kind: client.client?.workerKind ?? null,
      isSecureContext: environment?.isSecureContext ?? null,
      crossOriginIsolated: environment?.crossOriginIsolated ?? null,
      navigatorGpu: environment?.navigatorGpu ?? null,
      cryptoSubtle: environment?.cryptoSubtle ?? null,
    },
    ort: { backend: client.client?.backend ?? null, fallbackReason: client.client?.fallbackReason ?? null, error: client.error ?? environmentError },
  };
}

/** The report as label → value lines for the panel (the JSON is the complete form). */
export function diagnosticsRows(report: DiagnosticsReport): Array<[string, string]> {
  const yes = (value: boolean | null) => (value === null ? 'unknown' : value ? 'yes' : 'no');
  const ms = (value: number | null) => (value === null ? '–' : `${Math.round(value)} ms`);
  const storage = (r: StorageReport | null) => (r === null ? 'unknown' : (['cacheStorage', 'indexedDB', 'opfs', 'localStorage'] as const).map((k) => `${STORAGE_NAMES[k]} ${r[k].ok ? '✓' : '✗'}`).join(', '));
  const { adapter } = report.gpu;
  const estimate = report.storage.panel.estimate;
  return [
    ['Mode', report.mode],
    ['UI load', `script ${ms(report.ui.scriptStartMs)}, load ${ms(report.ui.loadMs)}, engine ready ${ms(report.ui.engineReadyMs)}`],
    ['UI size', `${(report.ui.htmlBytes / 1e6).toFixed(2)} MB (${report.ui.htmlBytesSource})`],
    ['Origin', `${report.origin.kind} (${report.origin.origin})`],
    ['Secure context', `panel ${yes(report.origin.isSecureContext)}, worker ${yes(report.worker.isSecureContext)}`],
    ['Worker', report.worker.kind ?? 'not started'],
    ['WebGPU', `panel ${yes(report.gpu.navigatorGpu)}, worker ${yes(report.worker.navigatorGpu)}`],
    ['GPU adapter', adapter === null ? 'none' : `${[adapter.vendor, adapter.architecture, adapter.description].filter((s) => s !== '').join(' · ') || 'no info'}${adapter.software ? ' (software)' : ''}`],
    ['Threads', `crossOriginIsolated ${yes(report.threads.crossOriginIsolated)}, ${report.threads.hardwareConcurrency ?? '?'} cores, ORT ${report.threads.ortThreads ?? '?'} thread(s)`],
    ['Storage (panel)', storage(report.storage.panel)],
    ['Storage (worker)', storage(report.storage.worker)],
    ['Free quota', 'error' in estimate ? estimate.error : `${((estimate.quota - estimate.usage) / 1e6).toFixed(0)} MB free of ${(estimate.quota / 1e6).toFixed(0)} MB`],
    ['ORT backend', report.ort.error !== null ? `error: ${report.ort.error}` : `${report.ort.backend ?? '?'}${report.ort.fallbackReason !== null ? ` (${report.ort.fallbackReason})` : ''}`],
  ];
}

const STORAGE_NAMES = { cacheStorage: 'Cache Storage', indexedDB: 'IndexedDB', opfs: 'OPFS', localStorage: 'localStorage' } as const;

const round = (value: number | null): number | null => (value === null ? null : Math.round(value * 10) / 10);

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
