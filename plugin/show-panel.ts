import type { CommandName, ToPlugin, ToUi } from './protocol';

// Figma's recommended panel size for a narrow tool panel; themeColors gives the iframe Figma's CSS variables.
const PANEL_OPTIONS: ShowUIOptions = { width: 320, height: 480, themeColors: true, title: 'facetext' };

/** Opens the panel and tells it, once it has mounted, which command opened it. */
export function showPanel(command: CommandName, prompt: string | null): void {
  figma.showUI(__html__, PANEL_OPTIONS);
  figma.ui.onmessage = (message: ToPlugin) => {
    switch (message.type) {
      case 'UI_READY':
        post({ type: 'SHOW_COMMAND', command, prompt, recipe: null, resultNodeId: null, selection: { targets: [], skipped: [], message: null }, packUrl: null, error: null });
        return;
      case 'CLOSE_PLUGIN':
        figma.closePlugin();
        return;
      case 'REQUEST_TARGET':
      case 'START_BATCH':
      case 'APPLY_RESULT':
      case 'ITEM_FAILED':
      case 'CANCEL_BATCH':
      case 'REMEMBER_PACK_URL':
      case 'NOTIFY':
        return; // handled by the session (in progress)
      default:
        throw new Error(`Unknown message from the panel: ${JSON.stringify(message satisfies never)}`);
    }
  };
}

function post(message: ToUi): void {
  figma.ui.postMessage(message);
}
