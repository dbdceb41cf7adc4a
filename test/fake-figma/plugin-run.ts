// Runs plugin/main.ts (the source, under vitest) against a fresh fake `figma` over `document`, as Figma
// starts the plugin for each launch.
import { vi } from 'vitest';
import { PNG } from 'pngjs';
import { NODE_CODEC } from './codec-node';
import { FakeDocument } from './fake-document';
import { FakeFigma } from './fake-figma';

export const PANEL_HTML = '<html>panel</html>';

export function newDocument(): FakeDocument {
  return new FakeDocument({ codec: NODE_CODEC });
}

/** Starts a plugin run: stubs `figma` and `__html__`, imports plugin/main.ts afresh. */
export async function startPluginAsync(document: FakeDocument): Promise<FakeFigma> {
  const fake = new FakeFigma(document);
  vi.resetModules();
  vi.stubGlobal('figma', fake.api);
  vi.stubGlobal('__html__', PANEL_HTML);
  await import('../../plugin/main');
  return fake;
}

/** A PNG of `width` × `height` filled with one colour (alpha 255). */
export function solidPng(width: number, height: number, [r, g, b]: [number, number, number]): Uint8Array {
  const png = new PNG({ width, height });
  for (let i = 0; i < width * height; i++) png.data.set([r, g, b, 255], i * 4);
  return new Uint8Array(PNG.sync.write(png));
}

/** Lets queued promise callbacks and timers (selectionchange, batch yields) run. */
export async function settleAsync(rounds = 5): Promise<void> {
  for (let i = 0; i < rounds; i++) await new Promise((resolve) => setTimeout(resolve, 0));
}

/** Messages of one type the panel received. */
export function received<T extends { type: string }>(fake: FakeFigma, type: T['type']): T[] {
  return (fake.toUi as T[]).filter((message) => message.type === type);
}
