import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { findFace } from '../../../ui/worker/face/face-errors';
import type { RgbaImage } from '../../../ui/worker/image';
import { readImageFile } from '../../../cli/image-file';
import { makeBadInputs, paste, resizeArea, solid } from '../../fixtures/make-bad-inputs';
import { goldenPath, REPO_ROOT } from '../../helpers/golden';
import { loadFaceModelsFromNodeModules } from './load-face-models';
import { failure } from '../../helpers/failure';

const DIR = resolve(REPO_ROOT, 'test/fixtures/bad-inputs');
const fixture = (name: string): string => resolve(DIR, name);
const generated = makeBadInputs();

describe('bad-input fixtures', () => {
  it('are exactly what make-bad-inputs.ts generates', () => {
    for (const [name, bytes] of generated) {
      if (process.env.UPDATE_FIXTURES) writeFileSync(fixture(name), bytes);
      expect(existsSync(fixture(name)), name).toBe(true);
      expect(Buffer.compare(readFileSync(fixture(name)), Buffer.from(bytes)), `${name} differs from the generator`).toBe(0);
    }
  });
});

describe('image files', () => {
  const invalid: [string, RegExp][] = [
    ['04-truncated.jpg', /04-truncated\.jpg is a truncated JPEG .*get the file again/],
    ['12-cmyk-no-adobe-marker.jpg', /12-cmyk-no-adobe-marker\.jpg is a CMYK JPEG without Adobe's colour marker \(APP14\)/],
    ['06-not-an-image.png', /06-not-an-image\.png is neither a PNG nor a JPEG file \(38 bytes\)/],
    ['08-truncated.png', /08-truncated\.png is not a readable PNG .*export it again/],
  ];
  for (const [name, message] of invalid) {
    it(`refuses ${name} with ImageInvalid and a message saying what to do`, async () => {
      const error = await failure(() => readImageFile(fixture(name)));
      expect(error.name).toBe('ImageInvalid');
      expect(error.message).toMatch(message);
    });
  }

  it('expands a grey PNG to RGBA with equal channels', () => {
    const grey = readImageFile(fixture('09-grey.png'));
    expect([grey.width, grey.height]).toEqual([256, 256]);
    const o = (100 * 256 + 100) * 4;
    expect(grey.data[o]).toBe(grey.data[o + 1]);
    expect(grey.data[o]).toBe(grey.data[o + 2]);
    expect(grey.data[o + 3]).toBe(255);
  });

  it('expands a palette PNG to its colours', () => {
    const image = readImageFile(fixture('10-palette.png'));
    const at = (x: number, y: number): number[] => Array.from(image.data.subarray((y * 8 + x) * 4, (y * 8 + x) * 4 + 4));
    expect([at(0, 0), at(7, 0), at(0, 7), at(7, 7)]).toEqual([[255, 0, 0, 255], [0, 255, 0, 255], [0, 0, 255, 255], [255, 255, 255, 255]]);
  });

  it('reads a JPEG within JPEG noise of the source', () => {
    const image = readImageFile(fixture('02-two-faces.jpg'));
    expect([image.width, image.height]).toEqual([448, 256]);
    const face = readImageFile(goldenPath('align/astronaut_crop.png'));
    let sum = 0;
    for (let y = 0; y < 256; y++) for (let x = 0; x < 256; x++) for (let c = 0; c < 3; c++) sum += Math.abs(image.data[(y * 448 + x) * 4 + c] - face.data[(y * 256 + x) * 4 + c]);
    expect(sum / (256 * 256 * 3)).toBeLessThan(4);
  });
});

describe('findFace', () => {
  beforeAll(loadFaceModelsFromNodeModules);

  it('01: no face → NoFace with the documented message', async () => {
    const error = await failure(() => findFace(readImageFile(fixture('01-no-face.png')), { name: '01-no-face.png' }));
    expect(error.name).toBe('NoFace');
    expect(error.message).toBe('No face found in 01-no-face.png. Select a photo with a clearly visible, roughly frontal face.');
  });

  it('02: two faces → the larger one, both listed largest first', async () => {
    const found = await findFace(readImageFile(fixture('02-two-faces.jpg')));
    expect(found.faces).toHaveLength(2);
    expect(found.face.box.x).toBeLessThan(200);
    expect(found.faces[1].box.x).toBeGreaterThan(256);
    expect(found.faces[0].box.width).toBeGreaterThan(found.faces[1].box.width * 1.2);
    expect(found.note).toBeUndefined();
  });

  it('03: a 16 px image → ImageInvalid that names the size', async () => {
    const error = await failure(() => findFace(readImageFile(fixture('03-tiny-16px.png')), { name: '03-tiny-16px.png' }));
    expect(error.name).toBe('ImageInvalid');
    expect(error.message).toMatch(/03-tiny-16px\.png is only 16×16 px; a face needs at least 32×32 px/);
  });

  it('07: a face under 64 px across → FaceTooSmall that names the size', async () => {
    const error = await failure(() => findFace(readImageFile(fixture('07-face-too-small.png')), { name: '07-face-too-small.png' }));
    expect(error.name).toBe('FaceTooSmall');
    expect(error.message).toMatch(/The face in 07-face-too-small\.png is (4\d|5\d) px across; at least 64 px are needed/);
  });

  it('a photo over 4096 px is detected on a ≤ 4096 px copy, with a note, in full-size coordinates', async ({ annotate }) => {
    const face = readImageFile(goldenPath('align/astronaut_crop.png'));
    const big: RgbaImage = solid(4600, 1300, 128);
    paste(big, resizeArea(face, 1024, 1024), 3000, 100); // resizeArea upscales by nearest neighbour: the face ×4
    const small = await findFace(face);
    const found = await findFace(big, { name: 'big.png' });
    expect(found.note).toBe('big.png is 4600×1300 px; faces were detected on a copy scaled to at most 4096 px per side.');
    // Landmarks map back to the full-size photo: 4× the 256 px crop's, shifted by the paste offset.
    let worst = 0;
    found.face.landmarks.forEach(([x, y], i) => {
      const [sx, sy] = small.face.landmarks[i];
      worst = Math.max(worst, Math.hypot(x - (3000 + (sx + 0.5) * 4 - 0.5), y - (100 + (sy + 0.5) * 4 - 0.5)));
    });
    await annotate(`worst landmark deviation from 4× the 256 px detection ${worst.toFixed(1)} px (qsize ${found.quadSize.toFixed(0)})`);
    expect(worst).toBeLessThan(0.05 * found.quadSize);
  });
});
