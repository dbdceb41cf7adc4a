import { showPanel } from '../show-panel';

/** "Model pack…": choose and load the model pack. */
export async function modelPackAsync(): Promise<void> {
  showPanel('model-pack', null);
}
