// APPLY_RESULT, for one image or a batch item: the edited photo becomes a new layer beside the original, or
// (edit again) the updated fill of the result layer it came from; a batch item found inside a selected frame
// goes into a copy of that frame (result-copy.ts). The recipe is prepared first, so a result either arrives
// whole – image, name, recipe, relaunch button – or the document is unchanged.
import { toRecipe, type EditRecipe } from '../contract/recipe';
import { createResultLayer, replaceResultImage } from './place-result';
import { prepareRecipe, resultName } from './recipe';
import type { FrameCopies } from './result-copy';
import type { Target } from './selection';

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

/**
 * One batch item: an image found inside a selected frame goes into this batch's copy of that frame (the copy
 * is the result shown); an image selected by itself, or a rendered frame, gets a new layer as applyResult.
 */
export function applyBatchResult({ target, bytes, recipe, copies }: { target: Target; bytes: Uint8Array; recipe: EditRecipe; copies: FrameCopies }): { result: SceneNode; added: boolean } {
  const { node: original, within } = target;
  if (within === undefined) return applyResult({ original, bytes, recipe, editAgain: null });
  if (original.removed || within.removed) throw new Error(`“${original.name}” is gone: it was deleted while facetext worked.`);
  const prepared = prepareRecipe(toRecipe(recipe, original.id));
  const { copy, added } = copies.write({ frame: within, original, bytes, layerName: resultName(original.name, recipe), copyName: resultName(within.name, recipe), recipe: prepared });
  return { result: copy, added };
}
