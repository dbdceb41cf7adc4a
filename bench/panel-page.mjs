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

/**
 * Runs in the panel's frame: wraps putImageData and Worker.postMessage to stamp frames and previewPhoto calls.
 * A frame answers a call when it is the first drawn after that call's reply (the scheduler shows each result at
 * once); a canvas drawn again with no new reply (a re-render) answers nothing and is not counted.
 */
export function instrumentPanel() {
  if (window.__bench) return;
  const bench = { frames: [], sends: [], waiters: [], pending: new Set() };
  window.__bench = bench;
  const wake = () => {
    for (const check of bench.waiters.splice(0)) check();
  };
  const put = CanvasRenderingContext2D.prototype.putImageData;
  CanvasRenderingContext2D.prototype.putImageData = function (...args) {
    put.apply(this, args);
    if (this.canvas.dataset.testid !== 'preview-image') return;
    const frame = { drawnAt: performance.now(), shownAt: null, phase: document.querySelector('main')?.dataset.phase ?? null };
    const answered = bench.sends.filter((send) => send.repliedAt !== null && !send.failed && send.frame === undefined);
    for (const send of answered) send.frame = null; // replaced before it was drawn
    if (answered.length > 0) answered.at(-1).frame = frame;
    bench.frames.push(frame);
    requestAnimationFrame(() => {
      frame.shownAt = performance.now();
      wake();
    });
  };
  // Engine calls still unanswered (comlink: a call carries an id, its reply the same id), to start a drag on an
  // idle engine rather than behind the identity meter's scoring.
  const listening = new WeakSet();
  const post = Worker.prototype.postMessage;
  Worker.prototype.postMessage = function (message, ...rest) {
    if (!listening.has(this)) {
      listening.add(this);
      this.addEventListener('message', (event) => {
        const id = event.data?.id;
        if (!bench.pending.delete(id)) return;
        const send = bench.sends.find((s) => s.id === id);
        // previewPhoto's result names the exit its render stopped at (a draft's may be below the requested size).
        if (send) Object.assign(send, { repliedAt: performance.now(), failed: event.data?.type === 'HANDLER' && event.data?.name === 'throw', exit: event.data?.value?.exit ?? null });
        wake();
      });
    }
    if (message?.type === 'APPLY' && typeof message.id === 'string') {
      bench.pending.add(message.id);
      if (message.path?.at(-1) === 'previewPhoto') {
        bench.sends.push({ id: message.id, at: performance.now(), resolution: message.argumentList?.[0]?.value?.resolution ?? null, repliedAt: null, failed: false });
      }
    }
    return post.call(this, message, ...rest);
  };
}

/** Runs in the panel's frame: the α-drag (module comment). Returns raw times in ms. */
export async function dragInPanel({ steps, delta, dragInputs, dragIntervalMs, timeoutMs }) {
  const bench = window.__bench;
  const slider = document.querySelector('[data-testid="alpha-slider"]');
  if (slider === null || slider.disabled) throw new Error('no enabled α slider');
  // A range input turns a value it cannot read (NaN) into its midpoint: every step would then ask for one α.
  if (!Number.isFinite(delta) || delta === 0) throw new Error(`the α step must be a non-zero number, got ${delta}`);
  const until = (condition, what) => new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), timeoutMs);
    const check = () => {
      if (condition()) {
        clearTimeout(timer);
        resolve();
      } else bench.waiters.push(check);
    };
    check();
  });
  /** A call is settled once its frame is on screen, or it failed, or a later result replaced it undrawn. */
  const settled = (send) => send.failed || send.frame === null || send.frame?.shownAt != null;
  const idle = () => bench.pending.size === 0;
  const alphas = []; // every α asked for, to show that each input changed it
  const fire = (type, value) => {
    if (value !== undefined) {
      slider.value = String(value);
      alphas.push(Number(slider.value));
    }
    const at = performance.now();
    slider.dispatchEvent(new Event(type, { bubbles: true }));
    return at;
  };
  const [min, max] = [Number(slider.min), Number(slider.max)];
  let value = Number(slider.value);
  /** The next α, turning back at the slider's ends so that every input asks for a new value. */
  const next = () => {
    if (value + delta > max || value + delta < min) delta = -delta;
    value = Math.round((value + delta) * 100) / 100;
    return value;
  };
  /** The first call sent at or after `at` whose frame was shown, and the ms from `at` to that frame. */
  const answer = (at) => {
    const send = bench.sends.find((s) => s.at >= at && s.frame?.shownAt != null);
    return send === undefined ? { ms: null, resolution: null, exit: null } : { ms: send.frame.shownAt - at, resolution: send.resolution, exit: send.exit ?? null };
  };
  const release = async () => {
    const from = bench.sends.length;
    const at = fire('change');
    await until(() => bench.sends.length > from && bench.sends.slice(from).every(settled) && idle(), 'the refined frame');
    return answer(at);
  };

  // Steps: one input, its frame, the next (on an idle engine).
  await until(idle, 'the engine to be idle');
  const stepsOut = [];
  for (let i = 0; i < steps; i++) {
    const from = bench.sends.length;
    const at = fire('input', next());
    await until(() => bench.sends.length > from && settled(bench.sends[from]), `the frame of step ${i + 1}`);
    stepsOut.push(answer(at));
  }
  const stepsRefined = await release();

  // A steady drag: an input every dragIntervalMs; frames come as the latest-wins scheduler lets them.
  const from = bench.sends.length;
  const inputs = [];
  for (let i = 0; i < dragInputs; i++) {
    inputs.push(fire('input', next()));
    await new Promise((resolve) => setTimeout(resolve, dragIntervalMs));
  }
  await until(() => idle() && bench.sends.slice(from).every(settled), 'the drag\'s last frame');
  const dragSends = bench.sends.slice(from);
  const shownAt = dragSends.filter((s) => s.frame?.shownAt != null).map((s) => s.frame.shownAt);
  const dragOut = { inputs: inputs.length, intervalMs: dragIntervalMs, requests: dragSends.length, frames: shownAt.length, inputMs: inputs.map((at) => answer(at).ms), frameGapsMs: shownAt.slice(1).map((t, i) => t - shownAt[i]) };
  const dragRefined = await release();
  return {
    stepMs: stepsOut.map((s) => s.ms), stepResolutions: stepsOut.map((s) => s.resolution), stepExits: stepsOut.map((s) => s.exit), stepsRefinedMs: stepsRefined.ms,
    refinedResolution: stepsRefined.resolution, refinedExit: stepsRefined.exit,
    drag: { ...dragOut, refinedMs: dragRefined.ms }, alphas,
  };
}
