// Issue 12, faces: tilted faces the detector misses upright, and detections that are not human faces.
import { beforeAll, describe, expect, it } from 'vitest';
import { faceQuad } from '../../../ui/worker/face/align';
import { detectCandidates, detectFaces, type Face } from '../../../ui/worker/face/detect';
import { findFace } from '../../../ui/worker/face/face-errors';
import { faceGeometryProblem, measureFaceGeometry, type FaceBox } from '../../../ui/worker/face/face-geometry';
import type { Point, Quad } from '../../../ui/worker/face/quad-transform';
import type { RgbaImage } from '../../../ui/worker/image';
import { readImageFile } from '../../../cli/image-file';
import { resizeArea } from '../../fixtures/make-bad-inputs';
import { failure } from '../../helpers/failure';
import { goldenPath, readGoldenJson, REPO_ROOT } from '../../helpers/golden';
import { loadFaceModelsFromNodeModules } from './load-face-models';

const photo = readImageFile(goldenPath('images/astronaut.png'));
// scikit-image's cat: ssd_mobilenetv1 scores it 0.93 as a face.
const cat = readImageFile(goldenPath('images/chelsea.png'));
const twoFaces = readImageFile(`${REPO_ROOT}/test/fixtures/bad-inputs/02-two-faces.jpg`);
const golden = readGoldenJson<{ cases: Record<string, { lm: [number, number][]; dlib: { dets: { rect_ltrb: number[]; landmarks: [number, number][] }[] } }> }>('align/align.json');

// As in detect.test.ts: the quad must follow a known rotation within 3 % of its side (the detector's own
// error against dlib is 2.8 %).
const MAX_QUAD_ERROR = 0.03;

type Affine = [number, number, number, number, number, number]; // x' = a x + b y + c, y' = d x + e y + f

function apply([a, b, c, d, e, f]: Affine, [x, y]: readonly number[]): Point {
  return [a * x + b * y + c, d * x + e * y + f];
}

/**
 * The photo rotated clockwise by `degrees` about its centre onto a canvas that holds all of it (corners
 * mid-grey, bilinear): a tilted portrait. Written independently of ui/worker/face/rotate-image.ts.
 */
function tilt(image: RgbaImage, degrees: number): { image: RgbaImage; m: Affine } {
  const r = (degrees * Math.PI) / 180;
  const [cos, sin] = [Math.cos(r), Math.sin(r)];
  const width = Math.ceil(Math.abs(cos) * image.width + Math.abs(sin) * image.height);
  const height = Math.ceil(Math.abs(sin) * image.width + Math.abs(cos) * image.height);
  const [cx, cy, ox, oy] = [(image.width - 1) / 2, (image.height - 1) / 2, (width - 1) / 2, (height - 1) / 2];
  const m: Affine = [cos, -sin, ox - cos * cx + sin * cy, sin, cos, oy - sin * cx - cos * cy];
  const inverse: Affine = [cos, sin, cx - cos * ox - sin * oy, -sin, cos, cy + sin * ox - cos * oy];
  const out: RgbaImage = { width, height, data: new Uint8ClampedArray(width * height * 4) };
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const [u, v] = apply(inverse, [x, y]);
      const o = (y * width + x) * 4;
      out.data[o + 3] = 255;
      const [x0, y0] = [Math.floor(u), Math.floor(v)];
      if (x0 < 0 || y0 < 0 || x0 + 1 >= image.width || y0 + 1 >= image.height) {
        out.data.fill(128, o, o + 3);
        continue;
      }
      for (let ch = 0; ch < 3; ch++) {
        const p = (yy: number, xx: number): number => image.data[(yy * image.width + xx) * 4 + ch];
        const top = p(y0, x0) + (p(y0, x0 + 1) - p(y0, x0)) * (u - x0);
        const bottom = p(y0 + 1, x0) + (p(y0 + 1, x0 + 1) - p(y0 + 1, x0)) * (u - x0);
        out.data[o + ch] = top + (bottom - top) * (v - y0);
      }
    }
  }
  return { image: out, m };
}

function cornerError(a: Quad, b: Quad): number {
  return Math.max(...a.map((p, i) => Math.hypot(p[0] - b[i][0], p[1] - b[i][1])));
}

function problemOf(face: Pick<Face, 'landmarks' | 'box'>): string | null {
  return faceGeometryProblem(measureFaceGeometry(face.landmarks, face.box));
}

describe('tilted faces: detected again on rotated copies (±30° when nothing is found, then turned upright)', () => {
  let upright: Face;
  beforeAll(async () => {
    await loadFaceModelsFromNodeModules();
    [upright] = await detectFaces(photo);
  });

  // ±25°: the issue's case. 55°: one pass finds it with a quad 38 % of qsize off. −70°: found only by the
  // ±30° retry, 6 % off until turned upright.
  for (const degrees of [25, -25, 55, -70]) {
    it(`finds the astronaut tilted by ${degrees}° with the quad of the upright detection, rotated`, async ({ annotate }) => {
      const tilted = tilt(photo, degrees);
      const faces = await detectFaces(tilted.image);
      expect(faces).toHaveLength(1);
      const expected = faceQuad(upright.landmarks).quad.map((p) => apply(tilted.m, p)) as Quad;
      const { quad, qsize } = faceQuad(faces[0].landmarks);
      const error = cornerError(quad, expected);
      const pass = faces[0].rotated === undefined ? 'the upright pass' : `the copy rotated by ${faces[0].rotated}°`;
      await annotate(`found by ${pass}, score ${faces[0].score.toFixed(3)}; quad corners ${error.toFixed(2)} px = ${((100 * error) / qsize).toFixed(2)} % of qsize ${qsize.toFixed(0)}`);
      expect(error).toBeLessThan(MAX_QUAD_ERROR * qsize);
      // The box is in the tilted photo's coordinates and holds the face.
      const { eyeAvg } = faceQuad(faces[0].landmarks).steps;
      const { x, y, width, height } = faces[0].box;
      expect(eyeAvg[0]).toBeGreaterThan(x);
      expect(eyeAvg[0]).toBeLessThan(x + width);
      expect(eyeAvg[1]).toBeGreaterThan(y);
      expect(eyeAvg[1]).toBeLessThan(y + height);
    });
  }

  it('finds both faces of 02-two-faces.jpg tilted by 25°, though the upright pass sees only the larger', async ({ annotate }) => {
    const uprightQuads = (await detectFaces(twoFaces)).map((face) => faceQuad(face.landmarks).quad);
    expect(uprightQuads).toHaveLength(2);
    const tilted = tilt(twoFaces, 25);
    expect(await detectCandidates(tilted.image)).toHaveLength(1);
    const faces = await detectFaces(tilted.image);
    expect(faces).toHaveLength(2);
    const errors = faces.map((face, i) => {
      const { quad, qsize } = faceQuad(face.landmarks);
      return cornerError(quad, uprightQuads[i].map((p) => apply(tilted.m, p)) as Quad) / qsize;
    });
    await annotate(`quad corners ${errors.map((e) => `${(100 * e).toFixed(2)} %`).join(', ')} of qsize`);
    for (const error of errors) expect(error).toBeLessThan(MAX_QUAD_ERROR);
  });

  it('−25° is the case the issue reported: the upright pass alone finds nothing, the retry finds it', async () => {
    const tilted = tilt(photo, -25);
    expect(await detectCandidates(tilted.image)).toEqual([]);
    const [face] = await detectFaces(tilted.image);
    expect(face.rotated).toBe(30); // seen at +5° there: not turned again
    expect(face.score).toBeGreaterThan(0.9);
  });

  it('finds nothing in a photo without a face after the retry either', async () => {
    expect(await detectFaces(readImageFile(`${REPO_ROOT}/playground/samples/no-face.png`))).toEqual([]);
    expect(await detectFaces(readImageFile(`${REPO_ROOT}/test/fixtures/bad-inputs/01-no-face.png`))).toEqual([]);
  });

  it('leaves faces within 15° of upright as the one detector pass found them: same boxes, scores and landmarks, no rotation', async () => {
    for (const image of [photo, twoFaces]) {
      const faces = await detectFaces(image);
      const candidates = await detectCandidates(image);
      expect(faces.length).toBeGreaterThan(0);
      expect(faces).toEqual(candidates.sort((a, b) => b.box.width * b.box.height - a.box.width * a.box.height));
      for (const face of faces) expect(face.rotated).toBeUndefined();
    }
    expect(faceQuad(upright.landmarks).qsize).toBeCloseTo(169, -1);
  });
});

describe('face geometry: detections that are not human faces are refused', () => {
  beforeAll(loadFaceModelsFromNodeModules);

  const realFaces: [string, () => RgbaImage, number][] = [
    ['astronaut.png', () => photo, 1],
    ['the 256 px crop', () => readImageFile(goldenPath('align/astronaut_crop.png')), 1],
    ['09-grey.png', () => readImageFile(`${REPO_ROOT}/test/fixtures/bad-inputs/09-grey.png`), 1],
    ['02-two-faces.jpg', () => twoFaces, 2],
    ['07-face-too-small.png (144 px)', () => readImageFile(`${REPO_ROOT}/test/fixtures/bad-inputs/07-face-too-small.png`), 1],
    ['the astronaut squeezed to 0.7 of its width (like a turned head)', () => resizeArea(photo, 358, 512), 1],
    ['the astronaut squeezed to 0.7 of its height (like a raised chin)', () => resizeArea(photo, 512, 358), 1],
  ];
  for (const [what, image, count] of realFaces) {
    it(`accepts every face of ${what}`, async ({ annotate }) => {
      const candidates = await detectCandidates(image());
      expect(candidates).toHaveLength(count);
      for (const face of candidates) expect(problemOf(face)).toBeNull();
      expect(await detectFaces(image())).toHaveLength(count);
      const g = measureFaceGeometry(candidates[0].landmarks, candidates[0].box);
      await annotate(`mouthWidth ${g.mouthWidth.toFixed(2)}, eyeToMouth ${g.eyeToMouth.toFixed(2)}, chinBelowEyes ${g.chinBelowEyes.toFixed(2)}, extentInBox ${g.extentInBox.map((v) => v.toFixed(2)).join(' × ')}`);
    });
  }

  it("accepts dlib's landmarks of the golden align cases", () => {
    for (const { dlib } of Object.values(golden.cases)) {
      const [left, top, right, bottom] = dlib.dets[0].rect_ltrb;
      expect(problemOf({ landmarks: dlib.dets[0].landmarks, box: { x: left, y: top, width: right - left, height: bottom - top } })).toBeNull();
    }
  });

  it('refuses the cat the detector scores 0.93, upright and on the rotated copies: NoFace', async ({ annotate }) => {
    const [candidate] = await detectCandidates(cat);
    expect(candidate.score).toBeGreaterThan(0.9);
    const problem = problemOf(candidate);
    expect(problem).toMatch(/mouthWidth 0\.5\d is under 0\.55/);
    await annotate(`the cat: ${problem}`);
    expect(await detectFaces(cat)).toEqual([]);
    const error = await failure(() => findFace(cat, { name: 'chelsea.png' }));
    expect(error.name).toBe('NoFace');
  });

  // Astronaut landmarks and box, reshaped into what no human face looks like.
  let astronaut: Promise<Face> | undefined;
  const faceOf = async (): Promise<Face> => {
    astronaut ??= detectCandidates(photo).then((faces) => faces[0]);
    return structuredClone(await astronaut);
  };
  const around = (points: [number, number][], indices: number[], f: (p: Point, centre: Point) => Point): [number, number][] => {
    const centre: Point = [0, 1].map((k) => indices.reduce((s, i) => s + points[i][k], 0) / indices.length) as Point;
    return points.map((p, i) => (indices.includes(i) ? f(p, centre) : p));
  };
  const range = (from: number, to: number): number[] => Array.from({ length: to - from }, (_, i) => from + i);
  const nonFaces: [string, (face: Face) => Pick<Face, 'landmarks' | 'box'>, RegExp][] = [
    ['the mouth above the eyes', (f) => ({ ...f, landmarks: around(f.landmarks, range(48, 68), ([x, y], c) => [x, y - 2.2 * (c[1] - f.landmarks[39][1])]) }), /mouthBelowEyes/],
    ['a mouth half as wide as the eyes are apart (a cat)', (f) => ({ ...f, landmarks: around(f.landmarks, range(48, 68), ([x, y], c) => [c[0] + 0.45 * (x - c[0]), y]) }), /mouthWidth .* under 0\.55/],
    ['a mouth twice as wide as the eyes are apart', (f) => ({ ...f, landmarks: around(f.landmarks, range(48, 68), ([x, y], c) => [c[0] + 1.9 * (x - c[0]), y]) }), /mouthWidth .* over 1\.6/],
    ['the mouth far below the eyes', (f) => ({ ...f, landmarks: around(f.landmarks, range(48, 68), ([x, y]) => [x, y + 60]) }), /eyeToMouth .* over 1\.8|chinBelowEyes/],
    ['the chin at the mouth', (f) => ({ ...f, landmarks: f.landmarks.map(([x, y], i) => (i >= 5 && i <= 11 ? [x, Math.min(y, f.landmarks[57][1] - 20)] : [x, y])) }), /chinBelowEyes .* under 1/],
    ['the points filling half the box (a shape fitted into a larger thing)', (f) => ({ ...f, landmarks: around(f.landmarks, range(0, 68), ([x, y], c) => [c[0] + 0.45 * (x - c[0]), c[1] + 0.45 * (y - c[1])]) }), /extentWidth|extentHeight/],
    ['the points beside the box', (f) => ({ ...f, box: { ...f.box, x: f.box.x + 2 * f.box.width } }), /insideBox .* under 0\.9/],
    ['all points on one spot', (f) => ({ ...f, landmarks: f.landmarks.map((): [number, number] => [200, 100]) }), /mouthBelowEyes is not a number/],
  ];
  for (const [what, reshape, reason] of nonFaces) {
    it(`refuses ${what}`, async () => {
      const face = await faceOf();
      expect(problemOf(face)).toBeNull();
      expect(problemOf(reshape(face))).toMatch(reason);
    });
  }

  it('refuses random points in the box, 50 seeded draws', async () => {
    const { box } = await faceOf();
    let seed = 12;
    const random = (): number => {
      seed = (seed * 16807) % 2147483647; // Park–Miller
      return seed / 2147483647;
    };
    for (let draw = 0; draw < 50; draw++) {
      const landmarks = Array.from({ length: 68 }, (): [number, number] => [box.x + random() * box.width, box.y + random() * box.height]);
      expect(problemOf({ landmarks, box }), `draw ${draw}`).not.toBeNull();
    }
  });

  it('measures the same on a face rolled by any angle (the measures are in the face frame)', async () => {
    const face = await faceOf();
    const reference = measureFaceGeometry(face.landmarks, face.box);
    for (const degrees of [30, 90, 135, 180, -90]) {
      const r = (degrees * Math.PI) / 180;
      const rotate = ([x, y]: readonly number[]): [number, number] => [Math.cos(r) * x - Math.sin(r) * y, Math.sin(r) * x + Math.cos(r) * y];
      const landmarks = face.landmarks.map(rotate);
      const rotated = measureFaceGeometry(landmarks, boundsOf(landmarks));
      for (const key of ['mouthBelowEyes', 'eyeToMouth', 'mouthWidth', 'chinBelowEyes'] as const) expect(rotated[key], `${key} at ${degrees}°`).toBeCloseTo(reference[key], 9);
    }
  });
});

function boundsOf(points: readonly (readonly number[])[]): FaceBox {
  const xs = points.map((p) => p[0]);
  const ys = points.map((p) => p[1]);
  return { x: Math.min(...xs), y: Math.min(...ys), width: Math.max(...xs) - Math.min(...xs), height: Math.max(...ys) - Math.min(...ys) };
}
