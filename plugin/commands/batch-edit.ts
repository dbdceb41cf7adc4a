import { showPanelAsync } from '../panel-session';

/** "Batch edit selected frames…": opens the panel in batch mode over every image in the selection. */
export async function batchEditAsync(): Promise<void> {
  await showPanelAsync({ command: 'batch-edit' });
}
