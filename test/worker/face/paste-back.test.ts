import { describe, expect, it } from 'vitest';
import { alignFace, type AlignedFace } from '../../../ui/worker/face/align';
import { pasteBack, pasteRegion } from '../../../ui/worker/face/paste-back';
import { alignedToSource } from '../../../ui/worker/face/quad-transform';
import type { RgbaImage } from '../../../ui/worker/image';
import { readImageFile } from '../../../cli/image-file';
import { goldenPath, readGoldenJson } from '../../helpers/golden';

const golden = readGoldenJson<{ cases: Record<string, { lm: [number, number][] }> }>('align/align.json');
const CASES = [
  { name: 'case1 (crop only)', input: 'images/astronaut.png', lm: golden.cases.case1.lm },
  { name: 'case2 (reflect padding)', input: 'align/astronaut_crop.png', lm: golden.cases.case2.lm },
];

function upsample(image: RgbaImage, size: number): RgbaImage {
  // Bilinear, pixel-centre aligned: what a generator at `size` would produce for the same square.
  const out: RgbaImage = { width: size, height: size, data: new Uint8ClampedArray(size * size * 4) };
  const s = image.width / size;
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const u = Math.min(image.width - 1, Math.max(0, (x + 0.5) * s - 0.5));
      const v = Math.min(image.height - 1, Math.max(0, (y + 0.5) * s - 0.5));
      const x0 = Math.floor(u);
      const y0 = Math.floor(v);
      const x1 = Math.min(x0 + 1, image.width - 1);
      const y1 = Math.min(y0 + 1, image.height - 1);
      for (let c = 0; c < 4; c++) {
        const at = (xx: number, yy: number): number => image.data[(yy * image.width + xx) * 4 + c];
        const top = at(x0, y0) + (at(x1, y0) - at(x0, y0)) * (u - x0);
        const bottom = at(x0, y1) + (at(x1, y1) - at(x0, y1)) * (u - x0);
        out.data[(y * size + x) * 4 + c] = Math.round(top + (bottom - top) * (v - y0));
      }
    }
  }
  return out;
}

/** PSNR over RGB of pixels where the weight is 1 (the mask's core), and the count of pixels changed outside the mask. */
function compare(original: RgbaImage, pasted: RgbaImage, aligned: AlignedFace): { psnr: number; corePixels: number; changedOutside: number } {
  const region = pasteRegion(original.width, original.height, aligned.transform);
  const boxWidth = region.right - region.left;
  let se = 0;
  let n = 0;
  let changedOutside = 0;
  for (let y = 0; y < original.height; y++) {
    for (let x = 0; x < original.width; x++) {
      const inBox = x >= region.left && x < region.right && y >= region.top && y < region.bottom;
      const w = inBox ? region.weights[(y - region.top) * boxWidth + (x - region.left)] : 0;
      const o = (y * original.width + x) * 4;
      if (w === 0) {
        for (let c = 0; c < 4; c++) if (pasted.data[o + c] !== original.data[o + c]) changedOutside++;
      } else if (w === 1) {
        for (let c = 0; c < 3; c++) se += (pasted.data[o + c] - original.data[o + c]) ** 2;
        n += 3;
      }
    }
  }
  return { psnr: 10 * Math.log10((255 * 255) / (se / n)), corePixels: n / 3, changedOutside };
}

// Measured: 256² → case1 37.15 dB, case2 37.98 dB; 1024² → 36.99 / 37.79 dB.
const MIN_PSNR_DB = 33;

describe('pasteBack', () => {
  for (const c of CASES) {
    const original = readImageFile(goldenPath(c.input));
    const aligned = alignFace(original, c.lm);
    for (const size of [256, 1024]) {
      it(`${c.name}: pasting back the unedited ${size}² crop reproduces the photo (≥ ${MIN_PSNR_DB} dB) and leaves the rest bit-identical`, async ({ annotate }) => {
        const face = size === 256 ? aligned.image : upsample(aligned.image, size);
        const pasted = pasteBack(original, face, aligned.transform);
        const result = compare(original, pasted, aligned);
        await annotate(`PSNR ${result.psnr.toFixed(2)} dB over ${result.corePixels} core pixels`);
        expect(result.corePixels).toBeGreaterThan(10_000);
        expect(result.psnr).toBeGreaterThanOrEqual(MIN_PSNR_DB);
        expect(result.changedOutside).toBe(0);
      });
    }

    it(`${c.name}: the mask stays inside the quad and inside the unpadded, unblurred region`, () => {
      const region = pasteRegion(original.width, original.height, aligned.transform);
      const [vl, vt, vr, vb] = aligned.transform.valid;
      const boxWidth = region.right - region.left;
      let inside = 0;
      for (let i = 0; i < region.weights.length; i++) {
        if (region.weights[i] === 0) continue;
        inside++;
        const a = region.aligned[i * 2];
        const b = region.aligned[i * 2 + 1];
        // 0.04 = (1 − outer) / 2: the fade ends 4 % of the side inside the quad.
        expect(Math.min(a, b, 1 - a, 1 - b)).toBeGreaterThan(0.039);
        const x = region.left + (i % boxWidth);
        const y = region.top + Math.floor(i / boxWidth);
        expect(x >= Math.floor(vl) && x < Math.ceil(vr) && y >= Math.floor(vt) && y < Math.ceil(vb)).toBe(true);
      }
      expect(inside).toBeGreaterThan(15_000);
    });
  }

  it('case2 (padding): the valid region excludes the band the padding blur reached', () => {
    const original = readImageFile(goldenPath('align/astronaut_crop.png'));
    const { transform } = alignFace(original, golden.cases.case2.lm);
    // pad_final = [52, 53, 52, 52], crop = [0, 0, 184, 165]: ceil(pad / 3) = 18 px on each side.
    expect(transform.valid).toEqual([18, 18, 166, 147]);
  });

  it('an edited face changes the pixels under the mask and keeps the photo outside it', () => {
    const original = readImageFile(goldenPath('images/astronaut.png'));
    const aligned = alignFace(original, golden.cases.case1.lm);
    // "Edit": invert the face's red channel in a 64² square at the centre of the aligned crop.
    const edited: RgbaImage = { ...aligned.image, data: new Uint8ClampedArray(aligned.image.data) };
    for (let y = 96; y < 160; y++) for (let x = 96; x < 160; x++) edited.data[(y * 256 + x) * 4] = 255 - edited.data[(y * 256 + x) * 4];
    const pasted = pasteBack(original, edited, aligned.transform, { colorMatch: false });
    const [u, v] = alignedToSource(aligned.transform, 128, 128).map(Math.round);
    const o = (v * 512 + u) * 4;
    expect(Math.abs(pasted.data[o] - (255 - original.data[o]))).toBeLessThanOrEqual(12);
    expect(Array.from(pasted.data.subarray(0, 4))).toEqual(Array.from(original.data.subarray(0, 4)));
  });

  it('colour matching removes a global brightness drift of the face', async ({ annotate }) => {
    const original = readImageFile(goldenPath('images/astronaut.png'));
    const aligned = alignFace(original, golden.cases.case1.lm);
    const drifted: RgbaImage = { ...aligned.image, data: aligned.image.data.map((v, i) => (i % 4 === 3 ? v : v * 0.9 + 20)) };
    const matched = compare(original, pasteBack(original, drifted, aligned.transform), aligned).psnr;
    const unmatched = compare(original, pasteBack(original, drifted, aligned.transform, { colorMatch: false }), aligned).psnr;
    await annotate(`PSNR ${unmatched.toFixed(2)} dB without colour matching, ${matched.toFixed(2)} dB with`);
    expect(matched).toBeGreaterThan(unmatched + 5);
  });

  it('rejects a non-square face and inverted radii', () => {
    const original = readImageFile(goldenPath('images/astronaut.png'));
    const { transform } = alignFace(original, golden.cases.case1.lm);
    expect(() => pasteBack(original, { width: 4, height: 2, data: new Uint8ClampedArray(32) }, transform)).toThrow(/square face image, got 4×2/);
    expect(() => pasteRegion(512, 512, transform, { inner: 0.9, outer: 0.5 })).toThrow(/0 ≤ inner < outer ≤ 1/);
  });
});
