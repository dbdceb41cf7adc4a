// cli/image-file.ts in-process: Adobe CMYK and YCCK JPEGs decode to the colours they were made from, and
// image sizes are checked on the header before anything is decoded.
import { mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { PNG } from 'pngjs';
import { describe, expect, it } from 'vitest';
import type { RgbaImage } from '../../ui/worker/image';
import { decodeImageBytes, MAX_IMAGE_PIXELS, MAX_IMAGE_SIDE, readImageFile } from '../../cli/image-file';
import { resizeArea } from '../fixtures/make-bad-inputs';
import { jpegHeaderOnly, pngBomb, pngChunk, pngHeaderOnly } from '../fixtures/image-bombs';
import { failure } from '../helpers/failure';
import { goldenPath, REPO_ROOT } from '../helpers/golden';

const fixture = (name: string): string => resolve(REPO_ROOT, 'test/fixtures/bad-inputs', name);
const FACE = readImageFile(goldenPath('align/astronaut_crop.png')); // what make-bad-inputs.ts encodes

/** Mean and largest absolute difference over the RGB channels. */
function difference(a: RgbaImage, b: RgbaImage): { mean: number; max: number } {
  expect([a.width, a.height]).toEqual([b.width, b.height]);
  let sum = 0;
  let max = 0;
  for (let i = 0; i < a.data.length; i++) {
    if (i % 4 === 3) continue;
    const d = Math.abs(a.data[i] - b.data[i]);
    sum += d;
    max = Math.max(max, d);
  }
  return { mean: sum / ((a.data.length / 4) * 3), max };
}

describe('CMYK JPEGs as Photoshop writes them', () => {
  it('05-cmyk.jpg (Adobe APP14, inverted CMYK) decodes within JPEG noise of the RGB face it was made from', () => {
    const image = readImageFile(fixture('05-cmyk.jpg'));
    const { mean, max } = difference(image, FACE);
    expect(mean).toBeLessThan(4); // measured 2.24
    expect(max).toBeLessThan(48); // measured 24
    expect(image.data[3]).toBe(255);
  });

  it('11-ycck.jpg (Adobe APP14 transform 2, YCCK) decodes within JPEG noise too', () => {
    const { mean, max } = difference(readImageFile(fixture('11-ycck.jpg')), resizeArea(FACE, 128, 128));
    expect(mean).toBeLessThan(4);
    expect(max).toBeLessThan(64);
  });

  it('refuses a 4-component JPEG without the Adobe marker, saying why', async () => {
    const error = await failure(() => readImageFile(fixture('12-cmyk-no-adobe-marker.jpg')));
    expect([error.name, error.message]).toEqual([
      'ImageInvalid',
      "12-cmyk-no-adobe-marker.jpg is a CMYK JPEG without Adobe's colour marker (APP14), so whether its inks are inverted is unknown. Save it again from Photoshop, or as an RGB JPEG or PNG.",
    ]);
  });
});

describe('image files are read bounded', () => {
  it('reads an image through a symbolic link to a regular file (a link the user named is followed)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'facetext-image-file-'));
    try {
      symlinkSync(goldenPath('align/astronaut_crop.png'), join(dir, 'linked.png'));
      const image = readImageFile(join(dir, 'linked.png'));
      expect(Buffer.from(image.data).equals(Buffer.from(FACE.data))).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('image sizes are checked on the header', () => {
  it('the bomb generator writes a real PNG: a small one decodes to black', () => {
    const png = PNG.sync.read(Buffer.from(pngBomb(300, 200)));
    expect([png.width, png.height]).toEqual([300, 200]);
    expect(png.data.every((v, i) => v === (i % 4 === 3 ? 255 : 0))).toBe(true);
  });

  it('refuses a 20000² PNG bomb without decoding it', async () => {
    const bomb = pngBomb(20000, 20000);
    expect(bomb.length).toBeLessThan(1.5e6);
    const error = await failure(() => decodeImageBytes(bomb, 'bomb.png'));
    expect(error.name).toBe('ImageInvalid');
    expect(error.message).toMatch(/^bomb\.png declares 20000×20000 px \(400 MP, 1\.1 MiB of file\); at most 16384 px a side and 100 MP are decoded\./);
  });

  const refused: Array<[title: string, bytes: () => Uint8Array, message: RegExp]> = [
    ['a side one pixel over the cap', () => pngHeaderOnly(MAX_IMAGE_SIDE + 1, 8), /declares 16385×8 px/],
    ['a height one pixel over the cap', () => pngHeaderOnly(8, MAX_IMAGE_SIDE + 1), /declares 8×16385 px/],
    ['one pixel over the pixel budget', () => pngHeaderOnly(MAX_IMAGE_PIXELS / 10_000 + 1, 10_000), /declares 10001×10000 px \(100\.01 MP/],
    ['an IHDR of 2³²−1 px a side', () => pngHeaderOnly(0xffffffff, 0xffffffff), /declares 4294967295×4294967295 px/],
    ['a 65535² JPEG frame', () => jpegHeaderOnly(65535, 65535), /declares 65535×65535 px/],
    ['a JPEG of zero height (a DNL marker would give it later)', () => jpegHeaderOnly(64, 0), /declares an empty image \(64×0 px\)/],
    ['a PNG whose first chunk is not IHDR', () => Buffer.concat([pngHeaderOnly(1, 1).subarray(0, 8), pngChunk('tEXt', new TextEncoder().encode('k\0v')), pngHeaderOnly(1, 1).subarray(8)]),
      /is not a readable PNG: its header ends or breaks off before the image size/],
    ['a JPEG with only SOI', () => Uint8Array.from([0xff, 0xd8, 0xff, 0xd9]), /is not a readable JPEG: its header ends or breaks off before the image size \(4 bytes\)/],
  ];
  it.each(refused)('refuses %s', async (_title, bytes, message) => {
    const error = await failure(() => decodeImageBytes(bytes(), 'x'));
    expect(error.name).toBe('ImageInvalid');
    expect(error.message).toMatch(message);
  });

  it('decodes an image exactly at the side cap', () => {
    const png = new PNG({ width: MAX_IMAGE_SIDE, height: 1 });
    png.data.fill(200);
    const image = decodeImageBytes(PNG.sync.write(png), 'strip.png');
    expect([image.width, image.height, image.data[0]]).toEqual([MAX_IMAGE_SIDE, 1, 200]);
  });
});
