// Where a result goes and how it is written: a new rectangle beside the original (never touching it), or the
// updated fill of an earlier result. Each write is all-or-nothing: what can fail runs before the document
// changes, and a layer whose insertion fails is removed again.
import { writeRecipe, type PreparedRecipe } from './recipe';

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

/**
 * The layer the result is placed beside: the original, or the outermost auto-layout frame or instance
 * around it (the result then goes in that one's parent, at the original's height), so neither an
 * auto-layout flow nor an instance ever changes.
 */
function placementAnchor(original: SceneNode): { anchor: SceneNode; offsetY: number } {
  let anchor: SceneNode = original;
  let offsetY = 0;
  const movable = (parent: BaseNode | null): parent is SceneNode => parent !== null && parent.type !== 'PAGE' && parent.type !== 'DOCUMENT' && parent.parent !== null;
  while (movable(anchor.parent) && (isAutoLayout(anchor.parent) || isInsideInstance(anchor.parent))) {
    offsetY += anchor.y;
    anchor = anchor.parent;
  }
  return { anchor, offsetY };
}

/**
 * A new rectangle beside `original` with `bytes` as its image fill, named `name`, carrying `recipe`. Same
 * size as the original, placed by placementAnchor and placeRightOf. Throws before creating anything when the
 * image cannot be stored (createImage), and removes the rectangle when inserting it fails.
 */
export function createResultLayer(original: SceneNode, bytes: Uint8Array, name: string, recipe: PreparedRecipe): RectangleNode {
  const image = figma.createImage(bytes);
  const { anchor, offsetY } = placementAnchor(original);
  const parent = anchor.parent as BaseNode & ChildrenMixin;
  const siblings = parent.children.filter((child) => child.id !== anchor.id && child.visible);
  const box = placeRightOf(anchor, offsetY, original, siblings);
  const result = figma.createRectangle();
  try {
    result.name = name;
    result.resize(original.width, original.height);
    result.fills = [{ type: 'IMAGE', imageHash: image.hash, scaleMode: 'FILL' }];
    parent.insertChild(parent.children.indexOf(anchor) + 1, result);
    result.x = box.x;
    result.y = box.y;
    writeRecipe(result, recipe);
  } catch (error) {
    result.remove();
    throw error;
  }
  return result;
}

/** Replaces a result layer's image fill, name and recipe (edit again), keeping its place and size. */
export function replaceResultImage(result: SceneNode, bytes: Uint8Array, name: string, recipe: PreparedRecipe): void {
  if (!('fills' in result)) throw new Error(`“${result.name}” cannot hold an image fill.`);
  const image = figma.createImage(bytes);
  result.fills = [{ type: 'IMAGE', imageHash: image.hash, scaleMode: 'FILL' }];
  result.name = name;
  writeRecipe(result, recipe);
}

/** Selects `nodes` and scrolls the canvas to them. */
export function revealNodes(nodes: readonly SceneNode[]): void {
  if (nodes.length === 0) return;
  figma.currentPage.selection = nodes;
  figma.viewport.scrollAndZoomIntoView(nodes);
}
