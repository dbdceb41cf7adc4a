import { showPanel } from '../show-panel';

/** "Batch edit selected frames…": opens the panel in batch mode. */
export async function batchEditAsync(): Promise<void> {
  showPanel('batch-edit', null);
}
