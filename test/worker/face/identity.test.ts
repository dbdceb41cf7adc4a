// The identity meter's engine: faceRecognitionNet descriptors of the aligned face crop (real weights on tfjs
// wasm), the distance → score mapping, and PhotoEditor's identity and reconstruction scores on the demo pack.
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { readFaceModelFiles } from '../../../cli/face-model-files';
import { readImageFile } from '../../../cli/image-file';
import { packFromDirectory } from '../../../cli/read-pack-dir';
import { Engine } from '../../../ui/worker/engine';
import { alignFace } from '../../../ui/worker/face/align';
import { detectFaces } from '../../../ui/worker/face/detect';
import {
  cropForDescriptor, descriptorDistance, DESCRIPTOR_INPUT_SIZE, faceDescriptor, identityCrop, identityScore, SAME_PERSON_DISTANCE,
} from '../../../ui/worker/face/identity';
import type { RgbaImage } from '../../../ui/worker/image';
import { MIN_IDENTITY_RENDER } from '../../../ui/worker/photo-api';
import { PhotoEditor } from '../../../ui/worker/photo-editor';
import { DEMO_PACK } from '../../demo/demo-pack';
import { goldenPath, REPO_ROOT } from '../../helpers/golden';
import { failure } from '../../helpers/failure';

const ASTRONAUT = readImageFile(goldenPath('images/astronaut.png'));
// face-api's own demo photos: groups of people other than the astronaut.
const FACE_API_SAMPLE = join(dirname(createRequire(import.meta.url).resolve('@vladmandic/face-api/package.json')), 'demo/sample5.jpg');

let engine: Engine;
let editor: PhotoEditor;

beforeAll(async () => {
  engine = new Engine();
  await engine.useLoadedPack(await packFromDirectory(DEMO_PACK));
  editor = new PhotoEditor(engine);
  await editor.loadFaceModels(readFaceModelFiles());
}, 120_000);

/** The descriptor of every face in `image`, through the crop PhotoEditor uses (alignment at 256 px). */
async function descriptors(image: RgbaImage): Promise<Float32Array[]> {
  const out: Float32Array[] = [];
  for (const face of await detectFaces(image)) {
    const aligned = alignFace(image, face.landmarks, { outputSize: 256 });
    out.push(await faceDescriptor(cropForDescriptor(aligned.image, identityCrop(face.landmarks, aligned.transform))));
  }
  return out;
}

function mirrored(image: RgbaImage): RgbaImage {
  const data = new Uint8ClampedArray(image.data.length);
  for (let y = 0; y < image.height; y++) {
    for (let x = 0; x < image.width; x++) {
      const from = (y * image.width + x) * 4;
      data.set(image.data.subarray(from, from + 4), (y * image.width + image.width - 1 - x) * 4);
    }
  }
  return { width: image.width, height: image.height, data };
}

describe('identityScore', () => {
  it('maps distance to 0–100 through the calibrated anchors, never rising with distance', () => {
    expect([0, 0.3, SAME_PERSON_DISTANCE, 0.7, 0.8, 1.5].map(identityScore)).toEqual([100, 85, 50, 25, 0, 0]);
    const scores = Array.from({ length: 101 }, (_, i) => identityScore(i / 100));
    scores.slice(1).forEach((score, i) => expect(score).toBeLessThanOrEqual(scores[i]));
  });

  it('gives 0 for a distance that is not a number', () => {
    expect(identityScore(Number.NaN)).toBe(0);
    expect(identityScore(-1)).toBe(0);
  });
});

describe('faceDescriptor', () => {
  it('is 128 numbers, the same for the same crop (distance 0)', async () => {
    const [face] = await detectFaces(ASTRONAUT);
    const aligned = alignFace(ASTRONAUT, face.landmarks, { outputSize: 256 });
    const crop = cropForDescriptor(aligned.image, identityCrop(face.landmarks, aligned.transform));
    expect([crop.width, crop.height]).toEqual([DESCRIPTOR_INPUT_SIZE, DESCRIPTOR_INPUT_SIZE]);
    const [a, b] = [await faceDescriptor(crop), await faceDescriptor(crop)];
    expect(a.length).toBe(128);
    expect(descriptorDistance(a, b)).toBeLessThan(1e-5);
  });

  it('puts other people farther from the astronaut than her mirror image', async () => {
    const [astronaut] = await descriptors(ASTRONAUT);
    const [mirror] = await descriptors(mirrored(ASTRONAUT));
    const others = await descriptors(readImageFile(FACE_API_SAMPLE));
    const same = descriptorDistance(astronaut, mirror);
    const different = others.map((other) => descriptorDistance(astronaut, other));
    expect(others.length).toBeGreaterThanOrEqual(3);
    expect(same).toBeLessThan(0.35); // measured 0.22
    for (const distance of different) expect(distance).toBeGreaterThan(same + 0.25); // measured 0.67–0.83
    expect(identityScore(same)).toBeGreaterThan(80);
    for (const distance of different) expect(identityScore(distance)).toBeLessThan(40);
  });
});

describe('PhotoEditor identity scores', () => {
  it('scores the original aligned face 100 against itself, and refuses a render too small to judge', async () => {
    const { photoId } = await editor.openPhoto(ASTRONAUT, { name: 'astronaut.png' });
    const { aligned } = await editor.selectFace({ photoId, face: 0 });
    const self = await editor.faceIdentity({ photoId, face: 0, image: aligned });
    expect(self!.distance).toBeLessThan(1e-5);
    expect(self!.score).toBe(100);
    const small = { width: 64, height: 64, data: new Uint8ClampedArray(64 * 64 * 4) };
    const error = await failure(() => editor.faceIdentity({ photoId, face: 0, image: small }));
    expect(error).toMatchObject({ name: 'BadArgument', message: `An identity score needs a square RGBA render at least ${MIN_IDENTITY_RENDER} px wide.` });
  });

  it('scores the latest previewPhoto of a face when no render is given, as the panel asks after each frame', async () => {
    const { photoId } = await editor.openPhoto(ASTRONAUT, { name: 'astronaut.png' });
    const { faceKey } = await editor.selectFace({ photoId, face: 0 });
    const request = { faceKey, edits: [{ kind: 'global', target: 'smiling face', neutral: 'face', alpha: 6, beta: 0.1 }] as const, resolution: 128 };
    await editor.previewPhoto({ photoId, face: 0, size: 256, ...request, edits: [...request.edits] });
    const scored = await editor.faceIdentity({ photoId, face: 0 });
    const render = await engine.render({ ...request, edits: [...request.edits] }); // the same render, deterministic
    expect(await editor.faceIdentity({ photoId, face: 0, image: render.image })).toEqual(scored);
    expect(scored!.distance).toBeGreaterThan(0);
  });

  it('scores nothing on a demo portrait the demo pack takes whole (no detected face): null, not a made-up number', async () => {
    const portrait = readImageFile(resolve(REPO_ROOT, 'playground/samples/demo-portrait-1.png'));
    const { photoId } = await editor.openPhoto(portrait, { name: 'demo-portrait-1.png' });
    const edits = [{ kind: 'global', target: 'smiling face', neutral: 'face', alpha: 6, beta: 0.1 }] as const;
    const composed = await editor.composePhoto({ photoId, face: 0, edits: [...edits], identity: true });
    expect(composed.identity).toBeNull();
    expect(await editor.faceReconstruction({ photoId, face: 0 })).toBeNull();
    expect(await editor.faceIdentity({ photoId, face: 0 })).toBeNull();
  });

  it('gives the reconstruction once per face and, with identity: true, every edited face’s scores', async () => {
    const { photoId } = await editor.openPhoto(ASTRONAUT, { name: 'astronaut.png' });
    const reconstruction = await editor.faceReconstruction({ photoId, face: 0 });
    expect(reconstruction!.distance).toBeGreaterThan(0);
    expect(reconstruction!.score).toBe(identityScore(reconstruction!.distance));
    const synthesize = vi.spyOn(engine, 'synthesize');
    expect(await editor.faceReconstruction({ photoId, face: 0 })).toEqual(reconstruction);
    expect(synthesize).not.toHaveBeenCalled(); // cached per face: no second render
    synthesize.mockRestore();

    const edits = [{ kind: 'global', target: 'smiling face', neutral: 'face', alpha: 6, beta: 0.1 }] as const;
    const composed = await editor.composePhoto({ photoId, face: 0, edits: [...edits], identity: true });
    expect(composed.identity).toHaveLength(1);
    const [scores] = composed.identity!;
    expect(scores.face).toBe(0);
    expect(scores.reconstruction).toEqual(reconstruction);
    expect(scores.identity.distance).toBeGreaterThan(0);
    expect(scores.identity.distance).toBeLessThan(2);
    expect(scores.identity.score).toBe(identityScore(scores.identity.distance));
    expect(composed.timings.identity).toBeGreaterThan(0);
    // Without identity: true nothing is scored.
    expect((await editor.composePhoto({ photoId, face: 0, edits: [...edits] })).identity).toBeUndefined();
  });
});
