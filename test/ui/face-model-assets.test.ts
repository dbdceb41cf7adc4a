// The face models inlined in the built dist/ui.html decode, through the panel's reader, to exactly the
// node_modules files the Node side loads (ui/worker/node/face-model-files.ts).
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FACE_MODELS_ELEMENT_ID, faceModelBuffers, readFaceModelAssets } from '../../ui/face-model-assets';
import { readFaceModelFiles } from '../../cli/face-model-files';
import { REPO_ROOT } from '../helpers/golden';

function documentFrom(html: string): Pick<Document, 'getElementById'> {
  return {
    getElementById: (id: string) => {
      const match = new RegExp(`<script type="application/octet-stream" id="${id}">([^<]*)</script>`).exec(html);
      return match ? ({ textContent: match[1] } as HTMLElement) : null;
    },
  };
}

describe('readFaceModelAssets', () => {
  it('reads dist/ui.html’s face models byte for byte, each in its own transferable buffer', async () => {
    const html = readFileSync(resolve(REPO_ROOT, 'dist/ui.html'), 'utf8');
    const models = await readFaceModelAssets(documentFrom(html));
    const expected = readFaceModelFiles();
    expect(models.detector.manifest).toEqual(expected.detector.manifest);
    expect(models.landmarks.manifest).toEqual(expected.landmarks.manifest);
    expect(models.recognition!.manifest).toEqual(expected.recognition!.manifest);
    const pairs = [
      [models.detector.weights, expected.detector.weights],
      [models.landmarks.weights, expected.landmarks.weights],
      [models.recognition!.weights, expected.recognition!.weights],
      [models.wasm.plain, expected.wasm.plain],
      [models.wasm.simd!, expected.wasm.simd!],
    ] as const;
    for (const [actual, wanted] of pairs) {
      expect(actual.length).toBe(wanted.length);
      expect(Buffer.compare(Buffer.from(actual), Buffer.from(wanted))).toBe(0);
    }
    expect(models.detector.weights.length).toBe(5_616_957); // ssd_mobilenetv1_model.bin
    expect(models.recognition!.weights.length).toBe(6_444_032); // face_recognition_model.bin
    const buffers = faceModelBuffers(models);
    expect(new Set(buffers).size).toBe(5);
    buffers.forEach((buffer, i) => expect(buffer.byteLength).toBe(pairs[i][0].length));
  });

  it('says to rebuild when ui.html has no face models', async () => {
    await expect(readFaceModelAssets(documentFrom('<html></html>'))).rejects.toThrow(`ui.html has no #${FACE_MODELS_ELEMENT_ID} element: rebuild the plugin with npm run build`);
  });
});
