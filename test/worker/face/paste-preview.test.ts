// The preview in place equals Apply: the edited face pasted into the preview crop gives the pixels composePhoto's
// paste-back writes into the photo, cropped and scaled the same way, colour match included in both.
import { describe, expect, it } from 'vitest';
import { alignFace } from '../../../ui/worker/face/align';
import { pasteBack, pasteRegion } from '../../../ui/worker/face/paste-back';
import { pastePreview, previewScene, type PreviewScene } from '../../../ui/worker/face/paste-preview';
import type { RgbaImage } from '../../../ui/worker/image';
import { resizePillow } from '../../../ui/worker/resize-pillow';
import { readImageFile } from '../../../cli/image-file';
import { goldenPath, readGoldenJson } from '../../helpers/golden';

const golden = readGoldenJson<{ cases: Record<string, { lm: [number, number][] }> }>('align/align.json');
const CASES = [
  { name: 'a face inside the photo', input: 'images/astronaut.png', lm: golden.cases.case1.lm },
  { name: 'a face whose quad leaves the photo (reflect padding)', input: 'align/astronaut_crop.png', lm: golden.cases.case2.lm },
];

/** An "edit" the colour match must correct: the aligned face with a warm cast and a darker band across the eyes. */
function editedFace(aligned: RgbaImage): RgbaImage {
  const data = new Uint8ClampedArray(aligned.data);
  for (let i = 0; i < data.length; i += 4) {
    const y = Math.floor(i / 4 / aligned.width);
    const band = y > aligned.height * 0.35 && y < aligned.height * 0.5 ? 0.6 : 1;
    data[i] = data[i] * band + 45;
    data[i + 1] = data[i + 1] * band + 10;
    data[i + 2] = data[i + 2] * band - 35;
  }
  return { width: aligned.width, height: aligned.height, data };
}

function crop(image: RgbaImage, scene: PreviewScene): RgbaImage {
  const { left, top, right, bottom } = scene.crop;
  const width = right - left;
  const data = new Uint8ClampedArray(width * (bottom - top) * 4);
  for (let y = top; y < bottom; y++) data.set(image.data.subarray((y * image.width + left) * 4, (y * image.width + right) * 4), (y - top) * width * 4);
  return { width, height: bottom - top, data };
}

/** Mean and largest |difference| over RGB of the pixels the paste mask reaches in the scene, and the share over 4 levels. */
function diffInMask(a: RgbaImage, b: RgbaImage, scene: PreviewScene): { mean: number; max: number; over4: number; pixels: number } {
  expect([a.width, a.height]).toEqual([b.width, b.height]);
  const region = pasteRegion(a.width, a.height, scene.transform);
  const boxWidth = region.right - region.left;
  let sum = 0;
  let max = 0;
  let n = 0;
  let over4 = 0;
  for (let i = 0; i < region.weights.length; i++) {
    if (region.weights[i] === 0) continue;
    const o = ((region.top + Math.floor(i / boxWidth)) * a.width + region.left + (i % boxWidth)) * 4;
    for (let c = 0; c < 3; c++) {
      const d = Math.abs(a.data[o + c] - b.data[o + c]);
      sum += d;
      max = Math.max(max, d);
      if (d > 4) over4++;
    }
    n++;
  }
  return { mean: sum / (3 * n), max, over4: over4 / (3 * n), pixels: n };
}

describe.each(CASES)('preview in place: $name', ({ input, lm }) => {
  const photo = readImageFile(goldenPath(input));
  const aligned = alignFace(photo, lm, { outputSize: 256 });
  const face = editedFace(aligned.image);
  const applied = pasteBack(photo, face, aligned.transform); // what composePhoto writes

  it('at the photo\'s own resolution, the preview is Apply\'s pixels in the crop', () => {
    const scene = previewScene(photo, aligned.transform, 1024);
    expect(Math.max(scene.before.width, scene.before.height)).toBeLessThanOrEqual(1024);
    expect(scene.before).toEqual(crop(photo, scene)); // the "before" is the photo itself
    const preview = pastePreview(scene, face);
    const diff = diffInMask(preview, crop(applied, scene), scene);
    expect(diff.pixels).toBeGreaterThan(10_000);
    expect(diff.max).toBeLessThanOrEqual(1); // float rounding of the shifted quad at most
  });

  it('at preview size, the preview is Apply scaled the same way, within a small tolerance, colour match included', () => {
    const scene = previewScene(photo, aligned.transform, 128);
    expect(Math.max(scene.before.width, scene.before.height)).toBe(128);
    const size = { width: scene.before.width, height: scene.before.height, filter: 'bilinear' as const };
    expect(scene.before).toEqual(resizePillow(crop(photo, scene), size));
    const preview = pastePreview(scene, face);
    const applyScaled = resizePillow(crop(applied, scene), size);
    const same = diffInMask(preview, applyScaled, scene);
    expect(same.pixels).toBeGreaterThan(5_000);
    expect(same.mean).toBeLessThan(1); // measured 0.70 and 0.73
    expect(same.over4).toBeLessThan(0.03); // measured 1.0 %: the edges of the synthetic band, where one preview pixel spans a step
    // The colour match is what makes them agree: without it in the preview, or in Apply, they are far apart.
    const unmatchedPreview = pasteBack(scene.before, face, scene.transform, { colorMatch: false });
    const unmatchedApply = resizePillow(crop(pasteBack(photo, face, aligned.transform, { colorMatch: false }), scene), size);
    expect(diffInMask(unmatchedPreview, applyScaled, scene).mean).toBeGreaterThan(8 * Math.max(1, same.mean));
    expect(diffInMask(preview, unmatchedApply, scene).mean).toBeGreaterThan(8 * Math.max(1, same.mean));
  });
});

describe('preview scene', () => {
  it('refuses a preview size that is not a whole number of pixels within bounds', () => {
    const photo = readImageFile(goldenPath(CASES[0]!.input));
    const { transform } = alignFace(photo, CASES[0]!.lm, { outputSize: 256 });
    for (const size of [0, 15.5, 1025, Number.NaN]) expect(() => previewScene(photo, transform, size)).toThrow(/whole number of pixels from 16 to 1024/);
  });
});
