import { readRecipe, RECIPE_KEY } from '../recipe';
import { showPanelAsync } from '../panel-session';

/**
 * The "Edit again" relaunch button on a result layer: reopens the panel with that layer's recipe and its
 * original as the target; applying updates the result layer. A damaged recipe or a deleted original opens
 * the panel with the reason in its error banner (and a notification) instead of failing.
 */
export async function editAgainAsync(): Promise<void> {
  const result = editedLayer(figma.currentPage.selection[0]);
  if (result === undefined) {
    figma.notify('Select a layer facetext made, then click Edit again.', { error: true });
    await showPanelAsync({ command: 'edit-again', error: 'Select a layer facetext made, then click Edit again.' });
    return;
  }
  const recipe = editedCount(result) > 1
    ? { error: `“${result.name}” holds ${editedCount(result)} edited photos: select the one to change inside it, then click Edit again.` }
    : readRecipe(result);
  if ('error' in recipe) {
    figma.notify(recipe.error, { error: true });
    await showPanelAsync({ command: 'edit-again', error: recipe.error });
    return;
  }
  const source = await figma.getNodeByIdAsync(recipe.sourceNodeId);
  if (source === null || !('visible' in source) || source.removed) {
    const error = `The original of “${result.name}” (layer ${recipe.sourceNodeId}) was deleted, so it cannot be edited again.`;
    figma.notify(error, { error: true });
    await showPanelAsync({ command: 'edit-again', error });
    return;
  }
  await showPanelAsync({ command: 'edit-again', edit: { recipe, result, source: source as SceneNode } });
}

/**
 * The layer whose recipe Edit again opens: the selected one, or – for a batch's frame copy, which holds its
 * recipes on the replaced image layers – the one edited layer inside it.
 */
function editedLayer(selected: SceneNode | undefined): SceneNode | undefined {
  if (selected === undefined || selected.getPluginData(RECIPE_KEY) !== '' || !('findAll' in selected)) return selected;
  const edited = selected.findAll((node) => node.getPluginData(RECIPE_KEY) !== '');
  return edited.length === 1 ? edited[0] : selected;
}

/** How many layers with a recipe a selected layer without one holds (a frame copy may hold several). */
function editedCount(node: SceneNode): number {
  return node.getPluginData(RECIPE_KEY) === '' && 'findAll' in node ? node.findAll((child) => child.getPluginData(RECIPE_KEY) !== '').length : 0;
}
