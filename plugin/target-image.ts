// A target's image bytes: the stored file of its IMAGE fill, or a PNG render of a frame without one.
import { MAX_IMAGE_SIDE } from '../contract/limits';
import { imagePaintOf, type Target } from './selection';

/** Frames are rendered at up to 2× so faces keep detail for detection, as Figma's 2× export preset does. */
export const EXPORT_MAX_SCALE = 2;

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
