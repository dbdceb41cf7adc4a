import { showPanelAsync } from '../panel-session';

/** "Edit with text…": the prompt may come from Quick Actions (parameterOnly is false, so it can be empty). */
export async function editWithTextAsync(parameters: ParameterValues | undefined): Promise<void> {
  const prompt = typeof parameters?.prompt === 'string' && parameters.prompt.trim() !== '' ? parameters.prompt.trim() : null;
  await showPanelAsync({ command: 'edit-with-text', prompt });
}
