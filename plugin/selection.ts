// Selection → image targets: layers with an IMAGE fill, and the image-filled layers inside selected frames
// and groups; a container without any is itself a target, rendered with exportAsync. facetext's own results
// (recipe.ts isResult) are never targets: they are skipped with RESULT_REASON.
import type { SelectionSummary, SkippedNode, TargetInfo, TargetSource } from './protocol';
import { isResult } from './recipe';

/** A usable image in the document: its node and how its bytes are read (target-image.ts). */
export interface Target {
  node: SceneNode;
  source: TargetSource;
  /** The selected frame or group the image was found in (a batch result is a copy of it); absent when selected itself. */
  within?: SceneNode;
}

/** Why a result is skipped (SkippedNode.reason). */
export const RESULT_REASON = 'a facetext result';

export interface FoundTargets {
  targets: Target[];
  skipped: SkippedNode[];
}

/** Said when the selection holds no usable layer; names what to select. */
export const NOTHING_SELECTED_MESSAGE = 'Select a layer with a photo fill, or a frame that contains one, then run facetext again.';

const CONTAINER_TYPES: ReadonlySet<NodeType> = new Set<NodeType>(['FRAME', 'GROUP', 'COMPONENT', 'COMPONENT_SET', 'INSTANCE', 'SECTION']);

/** The first visible IMAGE paint of a node's fills, or null (mixed fills and nodes without fills give null). */
export function imagePaintOf(node: BaseNode): ImagePaint | null {
  if (!('fills' in node)) return null;
  const fills = node.fills;
  if (fills === figma.mixed || !Array.isArray(fills)) return null;
  for (const paint of fills as readonly Paint[]) {
    if (paint.type === 'IMAGE' && paint.visible !== false && paint.imageHash !== null) return paint;
  }
  return null;
}

/** Every target in `selection`, in selection then document order, each node once. */
export function findTargets(selection: readonly SceneNode[]): FoundTargets {
  const targets: Target[] = [];
  const skipped: SkippedNode[] = [];
  const seen = new Set<string>();
  const add = (node: SceneNode, source: TargetSource, within?: SceneNode) => {
    if (seen.has(node.id)) return;
    seen.add(node.id);
    targets.push(within === undefined ? { node, source } : { node, source, within });
  };
  const skipResult = (node: SceneNode) => {
    if (seen.has(node.id)) return;
    seen.add(node.id);
    skipped.push({ nodeId: node.id, name: node.name, reason: RESULT_REASON });
  };
  for (const node of selection) {
    if (isResult(node)) {
      skipResult(node);
      continue;
    }
    const before = targets.length;
    const skippedBefore = skipped.length;
    if (imagePaintOf(node) !== null) add(node, 'fill');
    if (CONTAINER_TYPES.has(node.type) && 'findAll' in node) {
      const images = node.findAll((child) => child.visible && imagePaintOf(child) !== null);
      const results = images.filter((image) => isResult(image));
      for (const image of images) if (!results.includes(image)) add(image, 'fill', node);
      for (const result of results) skipResult(result);
      if (images.length === 0 && imagePaintOf(node) === null) add(node, 'export');
    }
    if (targets.length === before && skipped.length === skippedBefore && !seen.has(node.id)) skipped.push({ nodeId: node.id, name: node.name, reason: reasonFor(node) });
  }
  return { targets, skipped };
}

/** What the panel is told about a selection: the targets without bytes, and a message when there are none. */
export function summarise({ targets, skipped }: FoundTargets): SelectionSummary {
  const infos: TargetInfo[] = targets.map(({ node, source }) => ({ nodeId: node.id, name: node.name, source }));
  return { targets: infos, skipped, message: targets.length === 0 ? nothingUsableMessage(skipped) : null };
}

/** NOTHING_SELECTED_MESSAGE, preceded by why the selected layers do not count. */
export function nothingUsableMessage(skipped: readonly SkippedNode[]): string {
  if (skipped.length === 0) return `Nothing is selected. ${NOTHING_SELECTED_MESSAGE}`;
  const first = skipped[0]!;
  if (first.reason === RESULT_REASON) return resultSelectedMessage(first.name);
  const more = skipped.length > 1 ? ` (and ${skipped.length - 1} more layer${skipped.length > 2 ? 's' : ''} without a photo)` : '';
  return `“${first.name}” is ${first.reason}${more}. ${NOTHING_SELECTED_MESSAGE}`;
}

/** Said when a new edit would start from a result: it offers Edit again instead of stacking edits by accident. */
export function resultSelectedMessage(name: string): string {
  return `“${name}” is a facetext result: to change its edit, click Edit again under Plugins in the right sidebar, or select the original photo for a new edit.`;
}

function reasonFor(node: SceneNode): string {
  const kind = node.type === 'TEXT' ? 'a text layer' : `a ${node.type.toLowerCase().replace(/_/g, ' ')} layer`;
  return `${kind} without an image fill`;
}
