// The fake's rasteriser for exportAsync: solid and image fills (FILL = cover, FIT = contain) of a node
// and its visible descendants, nearest-neighbour sampled, composited with source-over. Text is drawn as a
// box of its fill at 40 % opacity, enough to tell "something is there" from an empty frame. A frame that
// clips its content (clipsContent) cuts its descendants off at its bounds, as Figma draws it.
import type { Rgba } from './codec';
import type { FakeNode } from './fake-nodes';

export async function renderNodeAsync(root: FakeNode, scale: number): Promise<Rgba> {
  const width = Math.max(1, Math.round(root.width * scale));
  const height = Math.max(1, Math.round(root.height * scale));
  const canvas: Rgba = { width, height, data: new Uint8ClampedArray(width * height * 4) };
  const rootOrigin = root.parent?.childOrigin() ?? { x: 0, y: 0 };
  const left = rootOrigin.x + root.x;
  const top = rootOrigin.y + root.y;
  const draw = async (node: FakeNode, clip: Box) => {
    if (!node.visible) return;
    const origin = node.parent?.childOrigin() ?? { x: 0, y: 0 };
    const box = { x: (origin.x + node.x - left) * scale, y: (origin.y + node.y - top) * scale, width: node.width * scale, height: node.height * scale };
    if ('fills' in node) for (const paint of node.fills) await drawPaint(canvas, paint, box, node.type === 'TEXT' ? 0.4 : 1, node, clip);
    const inner = node.clipsContent && node.type !== 'GROUP' ? intersect(clip, box) : clip;
    for (const child of node.children) await draw(child, inner);
  };
  await draw(root, { x: 0, y: 0, width, height });
  return canvas;
}

interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}

function intersect(a: Box, b: Box): Box {
  const x = Math.max(a.x, b.x);
  const y = Math.max(a.y, b.y);
  return { x, y, width: Math.max(0, Math.min(a.x + a.width, b.x + b.width) - x), height: Math.max(0, Math.min(a.y + a.height, b.y + b.height) - y) };
}

async function drawPaint(canvas: Rgba, paint: Paint, box: Box, opacityFactor: number, node: FakeNode, clip: Box): Promise<void> {
  if (paint.visible === false) return;
  const opacity = (paint.opacity ?? 1) * opacityFactor;
  const x0 = Math.max(0, Math.round(clip.x), Math.round(box.x));
  const y0 = Math.max(0, Math.round(clip.y), Math.round(box.y));
  const x1 = Math.min(canvas.width, Math.round(clip.x + clip.width), Math.round(box.x + box.width));
  const y1 = Math.min(canvas.height, Math.round(clip.y + clip.height), Math.round(box.y + box.height));
  if (paint.type === 'SOLID') {
    const rgba = [paint.color.r * 255, paint.color.g * 255, paint.color.b * 255, 255 * opacity];
    for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) blend(canvas, x, y, rgba);
    return;
  }
  if (paint.type !== 'IMAGE' || paint.imageHash === null) return;
  const image = await node.document.decodeAsync(paint.imageHash);
  const cover = paint.scaleMode !== 'FIT';
  const fit = cover ? Math.max(box.width / image.width, box.height / image.height) : Math.min(box.width / image.width, box.height / image.height);
  const offsetX = box.x + (box.width - image.width * fit) / 2;
  const offsetY = box.y + (box.height - image.height * fit) / 2;
  for (let y = y0; y < y1; y++) {
    const sy = Math.floor((y + 0.5 - offsetY) / fit);
    if (sy < 0 || sy >= image.height) continue;
    for (let x = x0; x < x1; x++) {
      const sx = Math.floor((x + 0.5 - offsetX) / fit);
      if (sx < 0 || sx >= image.width) continue;
      const i = (sy * image.width + sx) * 4;
      blend(canvas, x, y, [image.data[i]!, image.data[i + 1]!, image.data[i + 2]!, image.data[i + 3]! * opacity]);
    }
  }
}

function blend(canvas: Rgba, x: number, y: number, [r, g, b, a]: number[]): void {
  const i = (y * canvas.width + x) * 4;
  const sa = a! / 255;
  const da = canvas.data[i + 3]! / 255;
  const oa = sa + da * (1 - sa);
  if (oa === 0) return;
  canvas.data[i] = (r! * sa + canvas.data[i]! * da * (1 - sa)) / oa;
  canvas.data[i + 1] = (g! * sa + canvas.data[i + 1]! * da * (1 - sa)) / oa;
  canvas.data[i + 2] = (b! * sa + canvas.data[i + 2]! * da * (1 - sa)) / oa;
  canvas.data[i + 3] = oa * 255;
}
