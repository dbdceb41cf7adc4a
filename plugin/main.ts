// Figma main thread: a dispatch table from manifest command to handler, and the one top-level catch.
import type { CommandName } from './protocol';
import { batchEditAsync } from './commands/batch-edit';
import { diagnosticsAsync } from './commands/diagnostics';
import { editAgainAsync } from './commands/edit-again';
import { editWithTextAsync } from './commands/edit-with-text';
import { modelPackAsync } from './commands/model-pack';
import { promptSuggestions } from './prompt-suggestions';

const COMMANDS: Record<CommandName, (parameters: ParameterValues | undefined) => Promise<void>> = {
  'edit-with-text': editWithTextAsync,
  'batch-edit': batchEditAsync,
  'edit-again': editAgainAsync,
  'model-pack': modelPackAsync,
  'diagnostics': diagnosticsAsync,
};

// Quick Actions query mode: suggest prompts while the user types (only "Edit with text…" has a parameter).
figma.parameters.on('input', ({ key, query, result }: ParameterInputEvent) => {
  if (key === 'prompt') result.setSuggestions(promptSuggestions(query));
});

// 'run' fires after Quick Actions input is complete (or at once), carrying figma.command and the parameters.
figma.on('run', ({ command, parameters }: RunEvent) => {
  runAsync(command, parameters).catch((error: unknown) => {
    figma.notify(error instanceof Error ? error.message : String(error), { error: true });
    figma.closePlugin();
  });
});

async function runAsync(command: string, parameters: ParameterValues | undefined): Promise<void> {
  if (!Object.prototype.hasOwnProperty.call(COMMANDS, command)) {
    throw new Error(`facetext has no command "${command}". Must be one of: ${Object.keys(COMMANDS).join(', ')}`);
  }
  await COMMANDS[command as CommandName](parameters);
}
