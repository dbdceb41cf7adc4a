// The parts of the panel bench (bench/panel.mjs) that run inside Chromium: adding the photo to the fake document,
// and, in the panel's frame, stamping frames and engine calls and driving the α slider.
/* global window, document, requestAnimationFrame, CanvasRenderingContext2D, Worker, OffscreenCanvas, createImageBitmap */
import { readFileSync } from 'node:fs';

const PHOTO_NAME = 'Bench photo';

/** The photo layer: `source` (a PNG with a face) scaled in the page to `side` px, added to the fake document. */
export async function addPhotoAsync(page, source, side) {
  return page.evaluate(async ({ base64, side, name }) => {
    const bytes = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
    const bitmap = await createImageBitmap(new Blob([bytes], { type: 'image/png' }));
    const canvas = new OffscreenCanvas(side, side);
    const context = canvas.getContext('2d');
    context.imageSmoothingQuality = 'high';
    context.drawImage(bitmap, 0, 0, side, side);
    const png = new Uint8Array(await (await canvas.convertToBlob({ type: 'image/png' })).arrayBuffer());
    window.facetextHost.doc.createImageLayer({ bytes: png, name, x: 0, y: 1300, width: side, height: side });
    return { name, bytes: png.byteLength };
  }, { base64: readFileSync(source).toString('base64'), side, name: PHOTO_NAME });
}

/** Runs in the panel's frame: wraps putImageData and Worker.postMessage to stamp frames and preview requests. */
export function instrumentPanel() {
  if (window.__benchFrames) return;
  const frames = [];
  const sends = [];
  const waiters = [];
  window.__benchFrames = frames;
  window.__benchSends = sends;
  window.__benchWaiters = waiters;
  const put = CanvasRenderingContext2D.prototype.putImageData;
  CanvasRenderingContext2D.prototype.putImageData = function (...args) {
    put.apply(this, args);
    if (this.canvas.dataset.testid !== 'preview-image') return;
    const frame = { drawnAt: performance.now(), shownAt: null, phase: document.querySelector('main')?.dataset.phase ?? null, showing: this.canvas.dataset.showing };
    frames.push(frame);
    requestAnimationFrame(() => {
      frame.shownAt = performance.now();
      for (const wake of waiters.splice(0)) wake();
    });
  };
  // Engine calls still unanswered (comlink: a call carries an id, its reply the same id), to start a drag on an
  // idle engine rather than behind the identity meter's scoring.
  const pending = new Set();
  window.__benchPending = pending;
  const listening = new WeakSet();
  const post = Worker.prototype.postMessage;
  Worker.prototype.postMessage = function (message, ...rest) {
    if (!listening.has(this)) {
      listening.add(this);
      this.addEventListener('message', (event) => {
        if (pending.delete(event.data?.id)) for (const wake of waiters.splice(0)) wake();
      });
    }
    if (message?.type === 'APPLY' && typeof message.id === 'string') pending.add(message.id);
    if (message?.type === 'APPLY' && message.path?.at(-1) === 'previewPhoto') {
      sends.push({ at: performance.now(), resolution: message.argumentList?.[0]?.value?.resolution ?? null });
    }
    return post.call(this, message, ...rest);
  };
}

/** Runs in the panel's frame: the α-drag (module comment). Returns raw times in ms. */
export async function dragInPanel({ steps, delta, dragInputs, dragIntervalMs, timeoutMs }) {
  const frames = window.__benchFrames;
  const sends = window.__benchSends;
  const slider = document.querySelector('[data-testid="alpha-slider"]');
  if (slider === null || slider.disabled) throw new Error('no enabled α slider');
  const until = (condition, what) => new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), timeoutMs);
    const check = () => {
      if (condition()) {
        clearTimeout(timer);
        resolve();
      } else window.__benchWaiters.push(check);
    };
    check();
  });
  const shown = (index) => frames[index]?.shownAt != null;
  const move = (value) => {
    slider.value = String(value);
    const at = performance.now();
    slider.dispatchEvent(new Event('input', { bubbles: true }));
    return at;
  };
  const release = () => {
    const at = performance.now();
    slider.dispatchEvent(new Event('change', { bubbles: true }));
    return at;
  };
  const max = Number(slider.max);
  let value = Number(slider.value);
  const next = () => (value = Math.min(max, Math.round((value + delta) * 100) / 100));
  const settle = async () => {
    const from = frames.length;
    const releasedAt = release();
    await until(() => frames.slice(from).some((f, i) => f.phase === 'ready' && shown(from + i)), 'the refined frame');
    const final = frames.slice(from).find((f) => f.phase === 'ready');
    return { releasedAt, refinedMs: final.shownAt - releasedAt, resolution: sends.at(-1)?.resolution ?? null };
  };

  // Steps: one input, its frame, the next (on an idle engine).
  await until(() => window.__benchPending.size === 0, 'the engine to be idle');
  const stepMs = [];
  const stepResolutions = [];
  for (let i = 0; i < steps; i++) {
    const from = frames.length;
    const sentFrom = sends.length;
    const at = move(next());
    await until(() => shown(from), `the frame of step ${i + 1}`);
    stepMs.push(frames[from].shownAt - at);
    stepResolutions.push(sends[sentFrom]?.resolution ?? null);
  }
  const stepsRelease = await settle();
  await until(() => window.__benchPending.size === 0, 'the engine to be idle after the refined frame');

  // A steady drag: an input every dragIntervalMs; frames come as the latest-wins scheduler lets them.
  const dragFrom = frames.length;
  const sentFrom = sends.length;
  const inputs = [];
  for (let i = 0; i < dragInputs; i++) {
    inputs.push(move(next()));
    await new Promise((resolve) => setTimeout(resolve, dragIntervalMs));
  }
  // Every request sent during the drag has drawn its frame before the release.
  await until(() => frames.length - dragFrom >= sends.length - sentFrom && shown(frames.length - 1), 'the drag\'s last frame');
  const dragSends = sends.slice(sentFrom);
  const dragFrames = frames.slice(dragFrom);
  const inputMs = inputs.map((at) => {
    const k = dragSends.findIndex((s) => s.at >= at); // the first request that carries this input's value (or a later one)
    return k < 0 || dragFrames[k] === undefined ? null : dragFrames[k].shownAt - at;
  });
  const dragRelease = await settle();
  return {
    stepMs, stepResolutions, stepsRefinedMs: stepsRelease.refinedMs, refinedResolution: stepsRelease.resolution,
    drag: { inputs: inputs.length, intervalMs: dragIntervalMs, frames: dragFrames.length, inputMs, frameGapsMs: dragFrames.slice(1).map((f, i) => f.shownAt - dragFrames[i].shownAt), refinedMs: dragRelease.refinedMs },
  };
}
