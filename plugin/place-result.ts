// Where a result goes and how it is written: a new rectangle beside the original (never touching it), or the
// updated fill of an earlier result. A result is placed where it is drawn whole: frames clip their content by
// default, so a spot cut off by a clipping frame is passed over for one beside that frame. Each write is
// all-or-nothing: what can fail runs before the document changes, and a layer whose insertion fails is removed.
import { RECIPE_KEY, writeRecipe, type PreparedRecipe } from './recipe';
import { imagePaintOf } from './selection';

/** Horizontal gap between an original and its result, in canvas px (Figma's default 8-px grid × 5). */
export const RESULT_GAP = 40;

/** A rectangle in its parent's coordinates. */
export interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}

/**
 * Where a `size`-sized result goes: right of `anchor` by RESULT_GAP, and further right past any sibling
 * it would overlap, at the anchor's y + `offsetY`.
 */
export function placeRightOf(anchor: Box, offsetY: number, size: { width: number; height: number }, siblings: readonly Box[]): Box {
  const box: Box = { x: anchor.x + anchor.width + RESULT_GAP, y: anchor.y + offsetY, width: size.width, height: size.height };
  for (let moved = true; moved; ) {
    moved = false;
    for (const other of siblings) {
      if (overlaps(box, other)) {
        box.x = other.x + other.width + RESULT_GAP;
        moved = true;
      }
    }
  }
  return box;
}

function overlaps(a: Box, b: Box): boolean {
  return a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;
}

function isAutoLayout(node: BaseNode | null): node is FrameNode | ComponentNode | InstanceNode {
  return node !== null && 'layoutMode' in node && node.layoutMode !== 'NONE';
}

/** Instances and the layers inside them take no new children (Figma refuses insertChild there). */
function isInsideInstance(node: BaseNode): boolean {
  for (let at: BaseNode | null = node; at !== null; at = at.parent) if (at.type === 'INSTANCE') return true;
  return false;
}

/** Groups (and boolean operations) have no coordinate system of their own: their children use their parent's. */
function sharesParentCoordinates(node: BaseNode): boolean {
  return node.type === 'GROUP' || node.type === 'BOOLEAN_OPERATION';
}

/**
 * Whether `box`, in `parent`'s child coordinates, is drawn whole: inside the bounds of every ancestor from
 * `parent` up that clips its content (frames do by default). Rotation is not considered.
 */
export function fullyVisibleIn(parent: BaseNode, box: Box): boolean {
  let { x, y } = box;
  for (let at: BaseNode | null = parent; at !== null && at.type !== 'PAGE' && at.type !== 'DOCUMENT'; at = at.parent) {
    const scene = at as SceneNode;
    if ('clipsContent' in scene && scene.clipsContent && (x < 0 || y < 0 || x + box.width > scene.width || y + box.height > scene.height)) return false;
    if (!sharesParentCoordinates(scene)) {
      x += scene.x;
      y += scene.y;
    }
  }
  return true;
}

/** Where a result goes: a child of `parent` at `index`, at `box`. */
export interface Placement {
  parent: BaseNode & ChildrenMixin;
  index: number;
  box: Box;
}

/**
 * Where a result of `size` for `original` goes, never changing a layer that exists. Right of the original in
 * its parent (placeRightOf) when that spot is drawn whole; otherwise beside the parent, one level up, at the
 * original's height – repeated while the spot would be cut off by a clipping frame, and always past an
 * auto-layout frame (its flow would take the result in) or an instance (it takes no new children).
 */
export function placeBeside(original: SceneNode, size: { width: number; height: number }): Placement {
  let anchor: SceneNode = original;
  let offsetY = 0;
  const movable = (parent: BaseNode | null): parent is SceneNode => parent !== null && parent.type !== 'PAGE' && parent.type !== 'DOCUMENT' && parent.parent !== null;
  for (;;) {
    const parent = anchor.parent as BaseNode & ChildrenMixin;
    const mustLeave = movable(parent) && (isAutoLayout(parent) || isInsideInstance(parent));
    if (!mustLeave) {
      const siblings = parent.children.filter((child) => child.id !== anchor.id && child.visible);
      const box = placeRightOf(anchor, offsetY, size, siblings);
      if (!movable(parent) || fullyVisibleIn(parent, box)) return { parent, index: parent.children.indexOf(anchor) + 1, box };
    }
    const up = parent as SceneNode;
    offsetY += anchor.y - (sharesParentCoordinates(up) ? up.y : 0);
    anchor = up;
  }
}

/** `fills` with every visible IMAGE paint of `oldHash` now showing `newHash` (crop, filters and scale mode kept). */
export function withImageReplaced(fills: readonly Paint[], oldHash: string, newHash: string): Paint[] {
  return fills.map((paint) => (paint.type === 'IMAGE' && paint.visible !== false && paint.imageHash === oldHash ? { ...paint, imageHash: newHash } : paint));
}

/** The result's fill: the original's image paint (crop, filters) showing the result, or a plain FILL for a render. */
function resultPaint(original: SceneNode, hash: string): ImagePaint {
  const paint = imagePaintOf(original);
  return paint === null ? { type: 'IMAGE', imageHash: hash, scaleMode: 'FILL' } : { ...paint, imageHash: hash };
}

/**
 * A new rectangle beside `original` with `bytes` as its image fill, named `name`, carrying `recipe`. Same
 * size as the original, placed by placeBeside. Throws before creating anything when the image cannot be
 * stored (createImage), and removes the rectangle when any later step fails.
 */
export function createResultLayer(original: SceneNode, bytes: Uint8Array, name: string, recipe: PreparedRecipe): RectangleNode {
  const image = figma.createImage(bytes);
  const { parent, index, box } = placeBeside(original, original);
  const result = figma.createRectangle();
  try {
    result.name = name;
    result.resize(original.width, original.height);
    result.fills = [resultPaint(original, image.hash)];
    parent.insertChild(index, result);
    result.x = box.x;
    result.y = box.y;
    writeRecipe(result, recipe);
  } catch (error) {
    result.remove();
    throw error;
  }
  return result;
}

/**
 * Replaces the image a result layer shows (edit again, or a batch item in a frame copy), its name and recipe,
 * keeping its place, size and other fills. On a failure the layer is put back as it was.
 */
export function replaceResultImage(result: SceneNode, bytes: Uint8Array, name: string, recipe: PreparedRecipe): void {
  const shown = imagePaintOf(result);
  if (!('fills' in result) || shown === null || shown.imageHash === null) throw new Error(`“${result.name}” no longer has an image fill to replace.`);
  const image = figma.createImage(bytes);
  const before = { fills: result.fills as readonly Paint[], name: result.name, json: result.getPluginData(RECIPE_KEY), relaunch: result.getRelaunchData() };
  try {
    result.fills = withImageReplaced(before.fills, shown.imageHash, image.hash);
    result.name = name;
    writeRecipe(result, recipe);
  } catch (error) {
    result.fills = before.fills;
    result.name = before.name;
    result.setPluginData(RECIPE_KEY, before.json);
    result.setRelaunchData(before.relaunch);
    throw error;
  }
}

/** Selects `nodes` and scrolls the canvas to them. */
export function revealNodes(nodes: readonly SceneNode[]): void {
  if (nodes.length === 0) return;
  figma.currentPage.selection = nodes;
  figma.viewport.scrollAndZoomIntoView(nodes);
}
