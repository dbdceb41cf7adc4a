// The demo pack's own portraits through the photo pipeline, as the playground runs them: face-api finds no face
// in the flat cartoon, so the demo pack takes the square image whole as its aligned face (face/own-framing.ts),
// inverts it, edits it and pastes it back 1:1. The chip then shows on the photo the panel writes.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFaceModelFiles } from '../../cli/face-model-files';
import { readImageFile } from '../../cli/image-file';
import { packFromDirectory } from '../../cli/read-pack-dir';
import { DEFAULT_ALPHA, DEFAULT_BETA } from '../../contract/edit-spec';
import { Engine } from '../../ui/worker/engine';
import { OWN_FRAMING_NOTE, takesWholeImage } from '../../ui/worker/face/own-framing';
import type { RgbaImage } from '../../ui/worker/image';
import { PhotoEditor } from '../../ui/worker/photo-editor';
import { encoderInput } from '../../ui/worker/render/to-rgba';
import { DEMO_PACK, DESIGN, DemoPack, SAMPLES } from './demo-pack';

let engine: Engine;
let editor: PhotoEditor;
let demo: DemoPack;
const portrait = readImageFile(join(SAMPLES, DESIGN.portraits[0]!));

beforeAll(async () => {
  engine = new Engine();
  await engine.useLoadedPack(await packFromDirectory(DEMO_PACK));
  editor = new PhotoEditor(engine);
  await editor.loadFaceModels(readFaceModelFiles());
  demo = await DemoPack.open();
}, 120_000);

afterAll(() => engine?.dispose());

/** The attributes the demo measures on an RGBA photo of the generator's size. */
async function attributesOf(image: RgbaImage) {
  return demo.attributes(encoderInput(image, demo.loaded.pack.encoder));
}

describe('demo portraits in the photo pipeline', () => {
  it('takes a square portrait with no detectable face whole, says so, and aligns it 1:1', async () => {
    const opened = await editor.openPhoto(portrait, { name: 'Demo portrait 1' });
    expect(opened.faces).toEqual([expect.objectContaining({ index: 0, box: { x: 0, y: 0, width: 256, height: 256 }, quadSize: 256, tooSmall: false })]);
    expect(opened.notes).toContain(OWN_FRAMING_NOTE);
    const { aligned } = await editor.selectFace({ photoId: opened.photoId, face: 0 });
    expect(aligned.width).toBe(256);
    expect(Array.from(aligned.data)).toEqual(Array.from(portrait.data));
  });

  it.each(DESIGN.presets.filter((p) => ['smiling', 'beard', 'glasses'].includes(p.label)))('applies "$label" so the written photo shows it', async ({ target, neutral, attribute, sign }) => {
    const opened = await editor.openPhoto(portrait, { name: 'Demo portrait 1' });
    const before = await attributesOf(portrait);
    const { image } = await editor.composePhoto({ photoId: opened.photoId, face: 0, edits: [{ kind: 'global', target, neutral, alpha: DEFAULT_ALPHA, beta: DEFAULT_BETA }] });
    const after = await attributesOf(image);
    expect(sign * (after[attribute]! - before[attribute]!)).toBeGreaterThan(0.3);
  });

  it('is the demo pack\'s only, and for square images only: a real pack or a wide image still finds no face', () => {
    expect(takesWholeImage({ demo: true }, { width: 256, height: 256 })).toBe(true);
    expect(takesWholeImage({ demo: false }, { width: 256, height: 256 })).toBe(false);
    expect(takesWholeImage({ demo: true }, { width: 300, height: 256 })).toBe(false);
  });
});
