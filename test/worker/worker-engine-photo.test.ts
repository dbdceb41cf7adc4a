// The photo methods as the panel reaches them: WorkerEngine exposed with comlink over a MessageChannel
// (what worker.ts does in the browser), the pack served over HTTP, pixels transferred both ways, and
// EngineError names surviving the boundary (the panel switches on `name`).
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, normalize, resolve } from 'node:path';
import { expose, proxy, releaseProxy, transfer, wrap, type Remote } from 'comlink';
import { afterAll, beforeAll, describe, expect, expectTypeOf, it } from 'vitest';
import type { EditSpec } from '../../ui/worker/engine-api';
import type { RgbaImage } from '../../ui/worker/image';
import { readFaceModelFiles } from '../../cli/face-model-files';
import { readImageFile } from '../../cli/image-file';
import type { ComposePhotoResult, FaceModelsInput, OpenPhotoResult, SelectFaceResult } from '../../ui/worker/photo-api';
import type { JobProgress, Progress } from '../../contract/progress';
import { WorkerEngine } from '../../ui/worker/worker-engine';
import { GOLDEN_TINY_PACK, goldenPath, REPO_ROOT } from '../helpers/golden';

const fixture = (name: string): string => resolve(REPO_ROOT, 'test/fixtures/bad-inputs', name);
const EDITS: EditSpec[] = [{ kind: 'mapper', mapper: 'beard', strength: 1 }];

let server: Server;
let packUrl: string;
let channel: MessageChannel;
let remote: Remote<WorkerEngine>;

beforeAll(async () => {
  server = createServer((request, response) => {
    const path = normalize(join(GOLDEN_TINY_PACK, decodeURIComponent(new URL(request.url!, 'http://x').pathname)));
    try {
      const body = readFileSync(path);
      response.writeHead(200, { 'content-length': body.length }).end(body);
    } catch {
      response.writeHead(404).end();
    }
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  packUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  channel = new MessageChannel();
  expose(new WorkerEngine(), channel.port1);
  remote = wrap<WorkerEngine>(channel.port2);
  await remote.init();
  const models = readFaceModelFiles();
  await remote.loadFaceModels(transfer(models, [models.detector.weights.buffer, models.landmarks.weights.buffer] as ArrayBuffer[]));
}, 120_000);

afterAll(async () => {
  remote?.[releaseProxy]();
  channel?.port1.close();
  channel?.port2.close();
  await new Promise((done) => server?.close(done));
});

async function failure(run: () => Promise<unknown>): Promise<Error> {
  try {
    await run();
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected an error');
}

describe('the remote photo API', () => {
  it('has the names and shapes the panel calls', () => {
    expectTypeOf<Remote<WorkerEngine>['loadFaceModels']>().parameter(0).toEqualTypeOf<FaceModelsInput>();
    expectTypeOf<Remote<WorkerEngine>['openPhoto']>().parameters.toEqualTypeOf<[RgbaImage, { name?: string }?]>();
    expectTypeOf<Awaited<ReturnType<Remote<WorkerEngine>['openPhoto']>>>().toEqualTypeOf<OpenPhotoResult>();
    expectTypeOf<OpenPhotoResult['faces'][number]>().toMatchTypeOf<{
      index: number; box: { x: number; y: number; width: number; height: number }; score: number; quad: [number, number][]; tooSmall: boolean;
    }>();
    expectTypeOf<Awaited<ReturnType<Remote<WorkerEngine>['selectFace']>>>().toEqualTypeOf<SelectFaceResult>();
    expectTypeOf<Awaited<ReturnType<Remote<WorkerEngine>['composePhoto']>>>().toEqualTypeOf<ComposePhotoResult>();
    expectTypeOf<Parameters<Remote<WorkerEngine>['composePhoto']>[0]['face']>().toEqualTypeOf<number | 'all'>();
  });

  it('opens, selects and composes through comlink, with the pixels transferred', async () => {
    await remote.loadPack({ kind: 'url', url: packUrl });
    const photo = readImageFile(goldenPath('images/astronaut.png'));
    const sent = { width: photo.width, height: photo.height, data: new Uint8ClampedArray(photo.data) };
    const opened = await remote.openPhoto(transfer(sent, [sent.data.buffer]), { name: 'astronaut.png' });
    expect(sent.data.byteLength).toBe(0); // transferred, not copied
    expect([opened.width, opened.height, opened.faces.length]).toEqual([512, 512, 1]);
    const selected = await remote.selectFace({ photoId: opened.photoId, face: 0 });
    expect([selected.aligned.width, selected.aligned.data.length]).toEqual([256, 256 * 256 * 4]);
    const events: Progress[] = [];
    const composed = await remote.composePhoto({ photoId: opened.photoId, face: 'all', edits: EDITS }, proxy((p: Progress) => void events.push(p)));
    expect([composed.image.width, composed.image.height, composed.image.data.length]).toEqual([512, 512, 512 * 512 * 4]);
    expect(composed.facesEdited).toEqual([0]);
    let changed = 0;
    for (let i = 0; i < photo.data.length; i++) if (photo.data[i] !== composed.image.data[i]) changed++;
    expect(changed).toBeGreaterThan(30_000);
    const last = events.filter((e): e is JobProgress => 'step' in e).at(-1);
    expect(last).toBeDefined();
    expect(last!.step).toBe(last!.of); // the proxied callback saw the stream to its end
  });

  it('keeps the EngineError names across the boundary: NoFace, FaceTooSmall, BadArgument, ImageInvalid', async () => {
    const noFace = await failure(() => remote.openPhoto(readImageFile(fixture('01-no-face.png')), { name: '01-no-face.png' }));
    expect([noFace.name, noFace.message]).toEqual(['NoFace', 'No face found in 01-no-face.png. Select a photo with a clearly visible, roughly frontal face.']);
    const small = await remote.openPhoto(readImageFile(fixture('07-face-too-small.png')), { name: '07-face-too-small.png' });
    const tooSmall = await failure(() => remote.selectFace({ photoId: small.photoId, face: 0 }));
    expect(tooSmall.name).toBe('FaceTooSmall');
    expect(tooSmall.message).toMatch(/is too small to edit/);
    const badIndex = await failure(() => remote.composePhoto({ photoId: small.photoId, face: 3, edits: EDITS }));
    expect(badIndex.name).toBe('BadArgument');
    const tiny = await failure(() => remote.openPhoto(readImageFile(fixture('03-tiny-16px.png')), { name: '03-tiny-16px.png' }));
    expect(tiny.name).toBe('ImageInvalid');
  });
});
