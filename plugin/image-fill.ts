// Image bytes in and out: read a target's stored image (or render a frame), and write an edited photo
// as a new layer beside the original without touching the original.
import { imagePaintOf, type Target } from './selection';

/** Figma's cap on an image side (spec/platform.md §2: createImage throws above it). */
export const MAX_IMAGE_SIDE = 4096;
/** Frames are rendered at up to 2× so faces keep detail for detection, as Figma's 2× export preset does. */
export const EXPORT_MAX_SCALE = 2;
/** Horizontal gap between an original and its result, in canvas px (Figma's default 8-px grid × 5). */
export const RESULT_GAP = 40;

export interface TargetImage {
  bytes: Uint8Array;
  width: number;
  height: number;
}

/** The target's image: the fill's stored file bytes, or a PNG render of a frame at ≤ MAX_IMAGE_SIDE px. */
export async function readTargetImageAsync({ node, source }: Target): Promise<TargetImage> {
  if (source === 'fill') {
    const paint = imagePaintOf(node);
    const image = paint?.imageHash ? figma.getImageByHash(paint.imageHash) : null;
    if (image === null) throw new Error(`“${node.name}” no longer has an image fill. Select it again.`);
    const [bytes, size] = await Promise.all([image.getBytesAsync(), image.getSizeAsync()]);
    return { bytes, width: size.width, height: size.height };
  }
  const scale = exportScale(node.width, node.height);
  const bytes = await node.exportAsync({ format: 'PNG', constraint: { type: 'SCALE', value: scale }, colorProfile: 'SRGB' });
  const size = pngSize(bytes);
  return { bytes, ...size };
}

/** The export scale that keeps both sides ≤ MAX_IMAGE_SIDE, at most EXPORT_MAX_SCALE. */
export function exportScale(width: number, height: number): number {
  const longest = Math.max(width, height, 1);
  return Math.min(EXPORT_MAX_SCALE, MAX_IMAGE_SIDE / longest);
}

/** Width and height from a PNG's IHDR chunk. */
export function pngSize(bytes: Uint8Array): { width: number; height: number } {
  const isPng = bytes.length >= 24 && bytes[0] === 0x89 && bytes[1] === 0x50 && bytes[2] === 0x4e && bytes[3] === 0x47;
  if (!isPng) throw new Error(`exportAsync returned ${bytes.length} bytes that are not a PNG.`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return { width: view.getUint32(16), height: view.getUint32(20) };
}

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

/**
 * A new rectangle beside `original` with `bytes` as its image fill, named `name`. Same size and parent;
 * inside an auto-layout frame it goes beside that frame instead (in the frame's parent, at the original's
 * height), so the auto-layout flow – and the original's position in it – never changes.
 */
export function createResultLayer(original: SceneNode, bytes: Uint8Array, name: string): RectangleNode {
  const image = figma.createImage(bytes);
  let anchor: SceneNode = original;
  let offsetY = 0;
  while (isAutoLayout(anchor.parent) && anchor.parent.parent !== null && anchor.parent.parent.type !== 'DOCUMENT') {
    offsetY += anchor.y;
    anchor = anchor.parent;
  }
  const parent = anchor.parent as BaseNode & ChildrenMixin;
  const siblings = parent.children.filter((child) => child.id !== anchor.id && child.visible);
  const box = placeRightOf(anchor, offsetY, original, siblings);
  const result = figma.createRectangle();
  result.name = name;
  result.resize(original.width, original.height);
  result.fills = [{ type: 'IMAGE', imageHash: image.hash, scaleMode: 'FILL' }];
  parent.insertChild(parent.children.indexOf(anchor) + 1, result);
  result.x = box.x;
  result.y = box.y;
  return result;
}

/** Replaces a result layer's image fill (edit again), keeping its place and size. */
export function replaceResultImage(result: SceneNode, bytes: Uint8Array, name: string): void {
  if (!('fills' in result)) throw new Error(`“${result.name}” cannot hold an image fill.`);
  const image = figma.createImage(bytes);
  result.fills = [{ type: 'IMAGE', imageHash: image.hash, scaleMode: 'FILL' }];
  result.name = name;
}

/** Selects `nodes` and scrolls the canvas to them. */
export function revealNodes(nodes: readonly SceneNode[]): void {
  if (nodes.length === 0) return;
  figma.currentPage.selection = nodes;
  figma.viewport.scrollAndZoomIntoView(nodes);
}

/** `<original name> · <prompt>` */
export function resultName(originalName: string, prompt: string): string {
  return `${originalName} · ${prompt}`;
}
