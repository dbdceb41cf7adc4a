// APPLY_RESULT, for one image or a batch item: the edited photo becomes a new layer beside the original, or
// (edit again) the updated fill of the result layer it came from. The recipe is prepared first, so a result
// either arrives whole – image, name, recipe, relaunch button – or the document is unchanged.
import { toRecipe, type EditRecipe } from '../contract/recipe';
import { createResultLayer, replaceResultImage } from './place-result';
import { prepareRecipe, resultName } from './recipe';

/** Edit again: the result layer that an apply for `source` updates instead of adding a new one. */
export interface EditAgainTarget {
  source: SceneNode;
  result: SceneNode;
}

export interface ApplyOptions {
  /** The original the panel was sent (never the id the panel names). */
  original: SceneNode;
  bytes: Uint8Array;
  recipe: EditRecipe;
  editAgain: EditAgainTarget | null;
}

/** Writes the result; returns it and whether it was added (false: an earlier result was updated). */
export function applyResult({ original, bytes, recipe, editAgain }: ApplyOptions): { result: SceneNode; added: boolean } {
  if (original.removed) throw new Error(`“${original.name}” is gone: it was deleted while facetext worked.`);
  const prepared = prepareRecipe(toRecipe(recipe, original.id));
  const name = resultName(original.name, recipe);
  if (editAgain !== null && original.id === editAgain.source.id && !editAgain.result.removed) {
    replaceResultImage(editAgain.result, bytes, name, prepared);
    return { result: editAgain.result, added: false };
  }
  return { result: createResultLayer(original, bytes, name, prepared), added: true };
}
