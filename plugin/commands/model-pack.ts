import { showPanelAsync } from '../show-panel';

/** "Model pack…": choose and load the model pack. */
export async function modelPackAsync(): Promise<void> {
  await showPanelAsync({ command: 'model-pack' });
}
