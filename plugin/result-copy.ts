// A batch result for an image found inside a selected frame: a copy of that frame (clone()) placed beside it
// (placeBeside), in which the copied image layer shows the result. The designer sees the edit in its layout,
// next to the original, and the original is never touched. One copy per frame per batch: further images of
// the same frame are replaced in the same copy. The copy is marked with RESULT_OF_KEY, so it and everything in
// it count as results (recipe.ts isResult); the replaced layer carries the recipe and the Edit again button,
// and the copy carries the button too (commands/edit-again.ts opens the copy's one edited layer).
import { placeBeside, replaceResultImage } from './place-result';
import { RESULT_OF_KEY, type PreparedRecipe } from './recipe';

export interface CopyWrite {
  /** The selected frame (or group, instance…) the image was found in. */
  frame: SceneNode;
  /** The image layer inside `frame` that was edited. */
  original: SceneNode;
  bytes: Uint8Array;
  /** The name of the replaced layer in the copy, and of the copy itself. */
  layerName: string;
  copyName: string;
  recipe: PreparedRecipe;
}

/** The frame copies one batch has made, by the id of the frame they copy. */
export class FrameCopies {
  private readonly copies = new Map<string, SceneNode>();

  /**
   * Writes one image's result into the copy of its frame, making the copy first if this batch has none.
   * All-or-nothing: a new copy is removed again when any step fails; in an existing copy the layer is put back.
   */
  write({ frame, original, bytes, layerName, copyName, recipe }: CopyWrite): { copy: SceneNode; layer: SceneNode; added: boolean } {
    const path = pathFrom(frame, original);
    const existing = this.copies.get(frame.id);
    if (existing !== undefined && !existing.removed) {
      const layer = nodeAt(existing, path, original.name);
      replaceResultImage(layer, bytes, layerName, recipe);
      return { copy: existing, layer, added: true };
    }
    figma.createImage(bytes); // throws (e.g. "Image is too large") before anything exists
    const { parent, index, box } = placeBeside(frame, frame);
    const copy = frame.clone();
    try {
      parent.insertChild(index, copy);
      copy.x = box.x;
      copy.y = box.y;
      copy.name = copyName;
      copy.setPluginData(RESULT_OF_KEY, frame.id);
      copy.setRelaunchData({ 'edit-again': recipe.relaunch }); // Edit again on the copy opens its edited layer
      const layer = nodeAt(copy, path, original.name);
      replaceResultImage(layer, bytes, layerName, recipe);
      this.copies.set(frame.id, copy);
      return { copy, layer, added: true };
    } catch (error) {
      copy.remove();
      throw error;
    }
  }
}

/** Child indexes from `frame` down to `node` (a copy has the same structure, with new ids). */
function pathFrom(frame: SceneNode, node: SceneNode): number[] {
  const path: number[] = [];
  for (let at: SceneNode = node; at.id !== frame.id; ) {
    const parent = at.parent;
    if (parent === null || !('children' in parent) || parent.type === 'PAGE') throw new Error(`“${node.name}” is no longer inside “${frame.name}”.`);
    path.unshift(parent.children.indexOf(at));
    at = parent as SceneNode;
  }
  return path;
}

function nodeAt(root: SceneNode, path: readonly number[], name: string): SceneNode {
  let at: SceneNode | undefined = root;
  for (const index of path) at = at !== undefined && 'children' in at ? at.children[index] : undefined;
  if (at === undefined) throw new Error(`The copy of “${root.name}” no longer holds “${name}”.`);
  return at;
}
