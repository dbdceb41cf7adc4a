import { showPanelAsync } from '../panel-session';

/** "Diagnostics…": the panel reports what this host allows (origin, worker, WebGPU, storage, threads) as JSON. */
export async function diagnosticsAsync(): Promise<void> {
  await showPanelAsync({ command: 'diagnostics' });
}
