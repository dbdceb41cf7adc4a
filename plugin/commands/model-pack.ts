import { showPanelAsync } from '../panel-session';

/** "Model pack…": choose and load the model pack. */
export async function modelPackAsync(): Promise<void> {
  await showPanelAsync({ command: 'model-pack' });
}
