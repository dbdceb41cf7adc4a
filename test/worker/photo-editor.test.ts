// The photo pipeline on models/packs/golden-tiny (a 64 px generator whose images are noise) and face-api
// on tfjs wasm: detect → align → invert → edit → paste back, several faces, limits and error messages.
import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { Engine } from '../../ui/worker/engine';
import type { EditSpec } from '../../ui/worker/engine-api';
import { alignFace, type AlignTransform } from '../../ui/worker/face/align';
import { detectFaces } from '../../ui/worker/face/detect';
import { pasteRegion } from '../../ui/worker/face/paste-back';
import type { RgbaImage } from '../../ui/worker/image';
import { readFaceModelFiles } from '../../cli/face-model-files';
import { readImageFile } from '../../cli/image-file';
import { packFromDirectory } from '../../cli/read-pack-dir';
import { PhotoEditor } from '../../ui/worker/photo-editor';
import { resizePillow } from '../../ui/worker/resize-pillow';
import type { JobProgress, Progress } from '../../contract/progress';
import { paste, resizeArea, solid } from '../fixtures/make-bad-inputs';
import { GOLDEN_TINY_PACK, goldenPath, readGoldenJson, REPO_ROOT } from '../helpers/golden';
import { failure } from '../helpers/failure';

// detectFaces calls through to face-api, counted: a cache hit is a call that did not happen.
vi.mock('../../ui/worker/face/detect', async (importOriginal) => {
  const actual = await importOriginal<typeof import('../../ui/worker/face/detect')>();
  return { ...actual, detectFaces: vi.fn(actual.detectFaces) };
});

const fixture = (name: string): string => resolve(REPO_ROOT, 'test/fixtures/bad-inputs', name);
const golden = readGoldenJson<{ cases: Record<string, { quad_initial: [number, number][] }> }>('align/align.json');
const EDITS: EditSpec[] = [{ kind: 'mapper', mapper: 'beard', strength: 1 }];

let engine: Engine;
let editor: PhotoEditor;

beforeAll(async () => {
  engine = new Engine();
  await engine.useLoadedPack(await packFromDirectory(GOLDEN_TINY_PACK));
  editor = new PhotoEditor(engine);
  await editor.loadFaceModels(readFaceModelFiles());
}, 120_000);

afterAll(() => engine?.dispose());

/** The paste mask of a face: alignment at the encoder size, as PhotoEditor pastes through it. */
async function transformOf(image: RgbaImage, faceIndex: number): Promise<AlignTransform> {
  const faces = await detectFaces(image);
  return alignFace(image, faces[faceIndex].landmarks, { outputSize: 256 }).transform;
}

/** Pixels (RGBA bytes) changed where the mask is 0, and the share of mask-1 pixels whose RGB changed. */
function diffByMask(before: RgbaImage, after: RgbaImage, transform: AlignTransform): { changedOutside: number; coreChanged: number; core: number } {
  const region = pasteRegion(before.width, before.height, transform);
  const boxWidth = region.right - region.left;
  let changedOutside = 0;
  let core = 0;
  let coreChanged = 0;
  for (let y = 0; y < before.height; y++) {
    for (let x = 0; x < before.width; x++) {
      const inBox = x >= region.left && x < region.right && y >= region.top && y < region.bottom;
      const w = inBox ? region.weights[(y - region.top) * boxWidth + (x - region.left)] : 0;
      const o = (y * before.width + x) * 4;
      const changed = [0, 1, 2, 3].some((c) => before.data[o + c] !== after.data[o + c]);
      if (w === 0 && changed) changedOutside++;
      if (w === 1) {
        core++;
        if (changed) coreChanged++;
      }
    }
  }
  return { changedOutside, core, coreChanged };
}

/** RGBA bytes that differ between two same-size images. */
function changedBytes(a: RgbaImage, b: RgbaImage): number {
  let n = 0;
  for (let i = 0; i < a.data.length; i++) if (a.data[i] !== b.data[i]) n++;
  return n;
}

describe('one face: the astronaut photo', () => {
  const photo = readImageFile(goldenPath('images/astronaut.png'));

  it('finds one face whose quad is within a few px of the dlib-based golden quad', async ({ annotate }) => {
    const opened = await editor.openPhoto(photo, { name: 'astronaut.png' });
    expect([opened.width, opened.height, opened.faces.length, opened.notes]).toEqual([512, 512, 1, []]);
    const [face] = opened.faces;
    const worst = Math.max(...face.quad.map(([x, y], i) => Math.hypot(x - golden.cases.case1.quad_initial[i][0], y - golden.cases.case1.quad_initial[i][1])));
    await annotate(`quad corners within ${worst.toFixed(2)} px of golden case1 (qsize ${face.quadSize.toFixed(1)}), score ${face.score.toFixed(3)}`);
    expect(worst).toBeLessThan(8);
    expect(face.quadSize).toBeGreaterThan(160);
    expect([face.index, face.tooSmall]).toEqual([0, false]);
    expect(face.score).toBeGreaterThan(0.9);
  });

  it('gives the same photo the same id without detecting again', async () => {
    const fresh = new PhotoEditor(engine); // an empty photo cache
    vi.mocked(detectFaces).mockClear();
    const a = await fresh.openPhoto(photo, { name: 'astronaut.png' });
    expect(detectFaces).toHaveBeenCalledTimes(1);
    const b = await fresh.openPhoto({ ...photo, data: photo.data.slice() }, { name: 'astronaut.png' }); // same pixels, another buffer
    expect(detectFaces).toHaveBeenCalledTimes(1); // found by its pixel hash: no second detection
    expect(b.photoId).toBe(a.photoId);
    expect(b.faces).toEqual(a.faces);
  });

  it('selectFace returns exactly alignFace’s 256 px crop and its encoder key', async () => {
    const { photoId } = await editor.openPhoto(photo, { name: 'astronaut.png' });
    const selected = await editor.selectFace({ photoId, face: 0 });
    const [detected] = await detectFaces(photo);
    const expected = alignFace(photo, detected.landmarks, { outputSize: 256 });
    expect([selected.aligned.width, selected.aligned.height]).toEqual([256, 256]);
    expect(changedBytes(selected.aligned, expected.image)).toBe(0);
    expect(selected.faceKey).toBe((await engine.invert(expected.image)).faceKey);
    expect(selected.quad).toEqual(expected.quad);
  });

  it('composePhoto pastes the edited face back: same size, unchanged outside the mask, changed inside', async () => {
    const { photoId } = await editor.openPhoto(photo, { name: 'astronaut.png' });
    const result = await editor.composePhoto({ photoId, face: 0, edits: EDITS });
    expect([result.image.width, result.image.height]).toEqual([512, 512]);
    expect(result.facesEdited).toEqual([0]);
    expect(result.channelsKept).toEqual([]);
    const diff = diffByMask(photo, result.image, await transformOf(photo, 0));
    expect(diff.changedOutside).toBe(0);
    expect(diff.core).toBeGreaterThan(5000);
    expect(diff.coreChanged / diff.core).toBeGreaterThan(0.9); // golden-tiny renders noise: nearly every pixel differs
    expect(result.timings['render.synthesis']).toBeGreaterThan(0);
    expect(result.timings.pasteBack).toBeGreaterThan(0);
  });

  it('previewPhoto shows what composePhoto writes, previewCrop the photo as it is: the same pixels in the crop at the same resolution, close at preview size', async () => {
    const { photoId } = await editor.openPhoto(photo, { name: 'astronaut.png' });
    const { faceKey } = await editor.selectFace({ photoId, face: 0 });
    const applied = (await editor.composePhoto({ photoId, face: 0, edits: EDITS })).image;
    const cropOf = (image: RgbaImage, { left, top, right, bottom }: { left: number; top: number; right: number; bottom: number }): RgbaImage => {
      const data = new Uint8ClampedArray((right - left) * (bottom - top) * 4);
      for (let y = top; y < bottom; y++) data.set(image.data.subarray((y * image.width + left) * 4, (y * image.width + right) * 4), (y - top) * (right - left) * 4);
      return { width: right - left, height: bottom - top, data };
    };
    const meanAbs = (a: RgbaImage, b: RgbaImage) => a.data.reduce((sum, v, i) => sum + Math.abs(v - b.data[i]!), 0) / a.data.length;
    const maxAbs = (a: RgbaImage, b: RgbaImage) => a.data.reduce((most, v, i) => Math.max(most, Math.abs(v - b.data[i]!)), 0);

    // The generator's full resolution, the photo's own scale: Apply's pixels.
    const same = await editor.previewPhoto({ photoId, face: 0, faceKey, edits: EDITS, resolution: 'full', size: 1024 });
    const region = cropOf(applied, same.crop);
    expect([same.image.width, same.image.height]).toEqual([region.width, region.height]);
    const before = await editor.previewCrop({ photoId, face: 0, size: 1024 });
    expect(before).toEqual({ image: cropOf(photo, same.crop), crop: same.crop }); // the "before" is the photo itself
    expect(maxAbs(same.image, region)).toBeLessThanOrEqual(1);
    expect(meanAbs(same.image, before.image)).toBeGreaterThan(5); // and the face in it is edited
    expect(same.timings.pastePreview).toBeGreaterThan(0);
    expect(same.exit).toBe(64); // golden-tiny's generator resolution

    // A preview exit says which it was, whatever size it is pasted at.
    const exit16 = await editor.previewPhoto({ photoId, face: 0, faceKey, edits: EDITS, resolution: 16, size: 128 });
    expect([exit16.exit, Math.max(exit16.image.width, exit16.image.height)]).toEqual([16, 128]);

    // The panel's size: Apply's crop scaled the same way, within a small tolerance.
    const small = await editor.previewPhoto({ photoId, face: 0, faceKey, edits: EDITS, resolution: 'full', size: 128 });
    expect(small.crop).toEqual(same.crop);
    const size = { width: small.image.width, height: small.image.height, filter: 'bilinear' as const };
    expect(Math.max(size.width, size.height)).toBe(128);
    expect(meanAbs(small.image, resizePillow(region, size))).toBeLessThan(1.5); // measured 0.99 on golden-tiny's noise faces, the hardest case
  });
});

describe('two faces: 02-two-faces.jpg', () => {
  const photo = readImageFile(fixture('02-two-faces.jpg'));

  it('lists both faces, largest first, and edits both with face "all" in one stream of progress', async () => {
    const { photoId, faces } = await editor.openPhoto(photo, { name: '02-two-faces.jpg' });
    expect(faces.map((f) => f.index)).toEqual([0, 1]);
    expect(faces[0].quadSize).toBeGreaterThan(faces[1].quadSize);
    expect(faces[0].box.x).toBeLessThan(200);
    expect(faces[1].box.x).toBeGreaterThan(256);
    const events: Progress[] = [];
    const result = await editor.composePhoto({ photoId, face: 'all', edits: EDITS }, (p) => events.push(p));
    expect(result.facesEdited).toEqual([0, 1]);
    for (const index of [0, 1]) {
      const diff = diffByMask(photo, result.image, await transformOf(photo, index));
      expect(diff.coreChanged / diff.core, `face ${index}`).toBeGreaterThan(0.9);
    }
    const infer = events.filter((e): e is JobProgress => 'step' in e);
    expect(infer.length).toBeGreaterThan(2);
    const stepFaces = infer.map((e) => e.face);
    expect(stepFaces.every((face) => face?.count === 2)).toBe(true); // each step says which of the two faces it is for
    expect(stepFaces.map((face) => face!.index)).toEqual(stepFaces.map((face) => face!.index).sort()); // face 0's steps, then face 1's
    expect(new Set(stepFaces.map((face) => face!.index))).toEqual(new Set([0, 1]));
    for (let i = 1; i < infer.length; i++) expect(infer[i].step).toBeGreaterThanOrEqual(infer[i - 1].step);
    expect(infer.at(-1)!.step).toBe(infer.at(-1)!.of);
    expect(new Set(infer.map((e) => e.of)).size).toBe(1);
  });

  it('edits only face 1 when asked: face 0’s region stays bit-identical', async () => {
    const { photoId } = await editor.openPhoto(photo, { name: '02-two-faces.jpg' });
    const result = await editor.composePhoto({ photoId, face: 1, edits: EDITS });
    expect(result.facesEdited).toEqual([1]);
    const second = diffByMask(photo, result.image, await transformOf(photo, 1));
    expect(second.changedOutside).toBe(0);
    expect(second.coreChanged / second.core).toBeGreaterThan(0.9);
    const first = diffByMask(photo, result.image, await transformOf(photo, 0));
    expect(first.coreChanged).toBe(0);
  });

  it('inverts every face of a photo with one encoder session (released after the photo, on a disk pack)', async () => {
    const own = new Engine({ runtime: { backends: ['wasm'], numThreads: 1 } });
    try {
      await own.useLoadedPack(await packFromDirectory(GOLDEN_TINY_PACK));
      const ownEditor = new PhotoEditor(own);
      await ownEditor.loadFaceModels(readFaceModelFiles());
      const { photoId } = await ownEditor.openPhoto(photo, { name: '02-two-faces.jpg' });
      await ownEditor.composePhoto({ photoId, face: 'all', edits: EDITS });
      const stats = own.stats();
      expect([stats.runs.encoder, stats.graphOpens.encoder]).toEqual([2, 1]);
      expect(stats.graphsOpen).not.toContain('encoder');
    } finally {
      await own.dispose();
    }
  });

  it('composes a given latent in place of the inversion: the face\'s own W+ gives the same pixels, another W+ others', async () => {
    const { photoId } = await editor.openPhoto(photo, { name: '02-two-faces.jpg' });
    const inverted = await editor.composePhoto({ photoId, face: 1, edits: EDITS });
    const { faceKey } = await editor.selectFace({ photoId, face: 1 });
    const { wPlus } = await engine.latents(faceKey);
    const fromLatent = await editor.composePhoto({ photoId, face: 1, edits: EDITS, latent: wPlus });
    expect(Buffer.from(fromLatent.image.data).equals(Buffer.from(inverted.image.data))).toBe(true);
    const other = await editor.composePhoto({ photoId, face: 1, edits: [], latent: wPlus.map((v) => v * 0.5) });
    const mask = diffByMask(photo, other.image, await transformOf(photo, 1));
    expect(mask.changedOutside).toBe(0); // pasted through face 1's alignment only
    expect(mask.coreChanged / mask.core).toBeGreaterThan(0.9);
    const all = await failure(() => editor.composePhoto({ photoId, face: 'all', edits: [], latent: wPlus }));
    expect([all.name, all.message]).toEqual(['BadArgument', 'A latent is one face: compose it with one face index, not "all".']);
  });

  it('refuses a face index that does not exist, listing the valid ones', async () => {
    const { photoId } = await editor.openPhoto(photo, { name: '02-two-faces.jpg' });
    const error = await failure(() => editor.composePhoto({ photoId, face: 2, edits: EDITS }));
    expect(error.name).toBe('BadArgument');
    expect(error.message).toBe('There is no face 2 in 02-two-faces.jpg: it has 2 faces. Must be one of: 0 to 1, all');
  });
});

describe('limits and errors', () => {
  it('01: no face → NoFace', async () => {
    const error = await failure(() => editor.openPhoto(readImageFile(fixture('01-no-face.png')), { name: '01-no-face.png' }));
    expect([error.name, error.message]).toEqual(['NoFace', 'No face found in 01-no-face.png. Select a photo with a clearly visible, roughly frontal face.']);
  });

  it('03: a 16 px image → ImageInvalid naming its size', async () => {
    const error = await failure(() => editor.openPhoto(readImageFile(fixture('03-tiny-16px.png')), { name: '03-tiny-16px.png' }));
    expect(error.name).toBe('ImageInvalid');
    expect(error.message).toMatch(/^03-tiny-16px\.png is only 16×16 px; a face needs at least 32×32 px/);
  });

  it('04 and 12: a truncated JPEG and a CMYK JPEG without the Adobe marker are refused before they reach the engine', async () => {
    for (const [name, message] of [['04-truncated.jpg', /is a truncated JPEG/], ['12-cmyk-no-adobe-marker.jpg', /is a CMYK JPEG without Adobe's colour marker/]] as const) {
      const error = await failure(() => readImageFile(fixture(name)));
      expect([error.name, error.message]).toEqual(['ImageInvalid', expect.stringMatching(message)]);
    }
  });

  it('refuses pixels that are not RGBA of the stated size with ImageInvalid', async () => {
    const error = await failure(() => editor.openPhoto({ width: 100, height: 100, data: new Uint8ClampedArray(100 * 100 * 3) }, { name: 'layer 1' }));
    expect(error.name).toBe('ImageInvalid');
    expect(error.message).toMatch(/^layer 1 could not be read as pixels \(100×100, 30000 bytes of RGBA/);
  });

  it('07: a face under 64 px is listed as too small; selecting or composing it → FaceTooSmall', async () => {
    const { photoId, faces } = await editor.openPhoto(readImageFile(fixture('07-face-too-small.png')), { name: '07-face-too-small.png' });
    expect(faces).toHaveLength(1);
    expect(faces[0].tooSmall).toBe(true);
    expect(faces[0].quadSize).toBeLessThan(64);
    for (const run of [() => editor.selectFace({ photoId, face: 0 }), () => editor.composePhoto({ photoId, face: 'all', edits: EDITS })]) {
      const error = await failure(run);
      expect(error.name).toBe('FaceTooSmall');
      expect(error.message).toMatch(/^The face in 07-face-too-small\.png is too small to edit: \d\d px across; at least 64 px are needed\./);
    }
  });

  it('an unknown photo id → BadArgument that says to open the photo again', async () => {
    const error = await failure(() => editor.selectFace({ photoId: 'photo:1x1:00', face: 0 }));
    expect(error.name).toBe('BadArgument');
    expect(error.message).toMatch(/Open the photo again\.$/);
  });

  it('09: a grey photo is edited in grey', async () => {
    const photo = readImageFile(fixture('09-grey.png'));
    const { photoId, notes } = await editor.openPhoto(photo, { name: '09-grey.png' });
    expect(notes).toEqual(['09-grey.png is greyscale: edited faces are converted to grey to match.']);
    const { image } = await editor.composePhoto({ photoId, face: 0, edits: EDITS });
    let coloured = 0;
    for (let i = 0; i < image.data.length; i += 4) if (image.data[i] !== image.data[i + 1] || image.data[i] !== image.data[i + 2]) coloured++;
    expect(coloured).toBe(0);
    expect(changedBytes(photo, image)).toBeGreaterThan(10_000);
  });

  it('a transparent photo is aligned over white and keeps its alpha, unchanged outside the mask', async () => {
    const photo = readImageFile(goldenPath('images/astronaut.png'));
    for (let y = 0; y < 512; y++) for (let x = 0; x < 512; x++) photo.data[(y * 512 + x) * 4 + 3] = x > 400 ? 0 : 255;
    const { photoId, notes } = await editor.openPhoto(photo, { name: 'cut-out.png' });
    expect(notes).toEqual(['cut-out.png has transparent pixels: faces were found and aligned on it over white; the result keeps its transparency.']);
    const { image } = await editor.composePhoto({ photoId, face: 0, edits: EDITS });
    let alphaChanged = 0;
    for (let i = 3; i < image.data.length; i += 4) if (image.data[i] !== photo.data[i]) alphaChanged++;
    expect(alphaChanged).toBe(0);
    const opaque = readImageFile(goldenPath('images/astronaut.png'));
    const diff = diffByMask(photo, image, await transformOf(opaque, 0));
    expect(diff.changedOutside).toBe(0);
    expect(diff.coreChanged / diff.core).toBeGreaterThan(0.9);
  });

  it('a photo over 4096 px is processed and returned at ≤ 4096 px with a note', async ({ annotate }) => {
    const face = readImageFile(goldenPath('align/astronaut_crop.png'));
    const big = solid(4600, 1300, 128);
    paste(big, resizeArea(face, 1024, 1024), 3000, 100);
    const opened = await editor.openPhoto(big, { name: 'big.png' });
    expect([opened.width, opened.height]).toEqual([4096, 1158]);
    expect(opened.notes).toEqual(["big.png is 4600×1300 px; it was processed and returned at 4096×1158 px (Figma's images are at most 4096 px per side)."]);
    expect(opened.faces).toHaveLength(1);
    // The face's quad in the 4096 px photo: the 256 px crop's, ×4 (paste) × 4096/4600 (fit), offset by the paste.
    const scale = (4 * 4096) / 4600;
    const small = (await editor.openPhoto(face, { name: 'crop' })).faces[0];
    const worst = Math.max(...opened.faces[0].quad.map(([x, y], i) => Math.hypot(x - ((small.quad[i][0] + 0.5) * scale + 3000 * (4096 / 4600) - 0.5), y - ((small.quad[i][1] + 0.5) * scale + 100 * (4096 / 4600) - 0.5))));
    await annotate(`quad within ${worst.toFixed(1)} px of the scaled 256 px detection (qsize ${opened.faces[0].quadSize.toFixed(0)})`);
    expect(worst).toBeLessThan(0.05 * opened.faces[0].quadSize);
    const result = await editor.composePhoto({ photoId: opened.photoId, face: 'all', edits: EDITS });
    expect([result.image.width, result.image.height]).toEqual([4096, 1158]);
    expect(result.facesEdited).toEqual([0]);
  }, 120_000);
});
