// Runs inside a sandboxed srcdoc iframe (origin null, as Figma's panel) for blob-worker-pack.e2e.test.ts:
// starts the engine exactly as the panel does (ui/engine-client.ts: a data: worker, else a blob: one), loads
// golden-tiny over HTTP and renders a preview. The test bundles this with __ENGINE_WORKER_SOURCE__ defined.
import { ORT_WASM_ELEMENT_ID, startEngine } from '../../../ui/engine-client';
import type { EditSpec } from '../../../ui/worker/engine-api';

async function fetchOk(url: string): Promise<Response> {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`${url}: HTTP ${response.status}`);
  return response;
}

/** What a blob: worker of this frame sees: a secure context? crypto.subtle? */
function probeBlobWorker(): Promise<{ secure: boolean; subtle: string }> {
  const source = 'postMessage({ secure: self.isSecureContext, subtle: typeof (self.crypto && self.crypto.subtle) })';
  const worker = new Worker(URL.createObjectURL(new Blob([source], { type: 'text/javascript' })));
  return new Promise((resolve, reject) => {
    worker.onmessage = (event) => {
      worker.terminate();
      resolve(event.data as { secure: boolean; subtle: string });
    };
    worker.onerror = () => reject(new Error('the probe blob: worker did not start'));
  });
}

async function runPackInEngine(base: string) {
  // The panel reads ORT's wasm from an inlined element; this frame fetches the same gzip+base64 text.
  const element = document.createElement('script');
  element.type = 'application/octet-stream';
  element.id = ORT_WASM_ELEMENT_ID;
  element.textContent = await (await fetchOk(`${base}ort.wasm.gz.b64`)).text();
  document.head.append(element);

  const client = await startEngine({ doc: document });
  const progress: string[] = [];
  const summary = await client.engine.loadPack({ kind: 'url', url: `${base}pack/golden-tiny/` }, (p) => {
    if (p.stage === 'download' && p.loaded === p.total) progress.push(p.file);
  });
  const wPlus = new Float32Array(await (await fetchOk(`${base}inputs/case_b_wplus0.f32`)).arrayBuffer());
  const face = await client.engine.faceFromWPlus(wPlus);
  const edits: EditSpec[] = [{ kind: 'global', neutral: 'face', target: 'smiling face', alpha: 3, beta: 0.1 }];
  const preview = await client.engine.render({ faceKey: face.faceKey, edits, resolution: 32 }, () => undefined);
  return {
    origin: self.origin,
    secureContext: self.isSecureContext,
    blobWorker: await probeBlobWorker(),
    backend: client.backend,
    fallbackReason: client.fallbackReason,
    packId: summary.id,
    faceKey: face.faceKey,
    downloaded: progress,
    preview: { width: preview.image.width, height: preview.image.height, data: Array.from(preview.image.data) },
    channelsKept: preview.channelsKept,
  };
}

export type PackRunResult = Awaited<ReturnType<typeof runPackInEngine>>;

(self as unknown as { runPackInEngine: typeof runPackInEngine }).runPackInEngine = runPackInEngine;
