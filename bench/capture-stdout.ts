// Node only: what a piece of code prints on fd 1 (onnxruntime-web's profiler has no API for its events).
import fs from 'node:fs';

/**
 * What was written to fd 1 from calling `work` until `done(text)` holds (or 60 s pass), kept from stdout.
 * ORT's Emscripten module prints with fs.writeSync(1, …), not process.stdout, and its asyncify build (the
 * engine's) prints the profile after endProfiling() has returned.
 */
export async function captureStdout(work: () => void, done: (text: string) => boolean): Promise<string> {
  const writeSync = fs.writeSync;
  let text = '';
  fs.writeSync = ((fd: number, data: unknown, ...rest: unknown[]) => {
    if (fd !== 1 || typeof data !== 'string') return (writeSync as (...args: unknown[]) => number)(fd, data, ...rest);
    text += data;
    return Buffer.byteLength(data);
  }) as typeof fs.writeSync;
  try {
    work();
    for (const start = Date.now(); !done(text) && Date.now() - start < 60_000; ) await new Promise((wake) => setTimeout(wake, 10));
  } finally {
    fs.writeSync = writeSync;
  }
  return text;
}
