// Main thread ↔ UI messages: types only. ui/ imports this file with `import type`.
// Handlers switch on `type` exhaustively.

/** The manifest's menu and relaunch commands (test/plugin/manifest.test.ts keeps the three lists equal). */
export type CommandName = 'edit-with-text' | 'batch-edit' | 'edit-again' | 'model-pack';

/** Main thread → panel. */
export type ToUi = {
  type: 'SHOW_COMMAND'; // which command opened the panel, with its Quick Actions input
  command: CommandName;
  prompt: string | null; // the `prompt` parameter, null when the user skipped it
};

/** Panel → main thread. */
export type ToPlugin =
  | { type: 'UI_READY' } // the panel has mounted and listens for ToUi messages
  | { type: 'CLOSE_PLUGIN' };
