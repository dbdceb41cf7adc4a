import { showPanel } from '../show-panel';

/** The "Edit again" relaunch button on a result node: reopens the panel for that node. */
export async function editAgainAsync(): Promise<void> {
  showPanel('edit-again', null);
}
