// Pillow's antialiased resize. BILINEAR as e4e's torchvision Resize((256, 256)) applies it: the golden
// e4e-tiny/input_1_resized.png is chelsea.png through exactly that. LANCZOS is covered through the
// face alignment's shrink step (test/worker/face/align.test.ts).
import { describe, expect, it } from 'vitest';
import { readImageFile } from '../../cli/image-file';
import { resizePillow } from '../../ui/worker/resize-pillow';
import { goldenPath } from '../helpers/golden';

describe('resizePillow (bilinear)', () => {
  it('reproduces Pillow: chelsea.png (451×300) → 256×256 equals e4e-tiny/input_1_resized.png byte for byte', () => {
    const source = readImageFile(goldenPath('images/chelsea.png'));
    const expected = readImageFile(goldenPath('e4e-tiny/input_1_resized.png'));
    expect([source.width, source.height]).toEqual([451, 300]);
    const resized = resizePillow(source, { width: 256, height: 256, filter: 'bilinear' });
    let worst = { diff: 0, index: -1 };
    for (let i = 0; i < resized.data.length; i++) {
      const diff = Math.abs(resized.data[i] - expected.data[i]);
      if (diff > worst.diff) worst = { diff, index: i };
    }
    expect(worst.diff, `largest difference at byte ${worst.index}`).toBe(0);
  });

  it('upscales with plain bilinear interpolation (support 1 when enlarging)', () => {
    const source = { width: 2, height: 1, data: new Uint8ClampedArray([0, 0, 0, 255, 200, 100, 40, 255]) };
    const out = resizePillow(source, { width: 4, height: 1, filter: 'bilinear' });
    // Centres at 0.25, 0.75, 1.25, 1.75 source pixels → weights 1, .75/.25, .25/.75, 1 (edges clamp).
    expect(Array.from(out.data)).toEqual([0, 0, 0, 255, 50, 25, 10, 255, 150, 75, 30, 255, 200, 100, 40, 255]);
  });
});
