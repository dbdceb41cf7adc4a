/// <reference types="@figma/plugin-typings" />
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { ToPlugin, ToUi } from '../../plugin/protocol';

// A hand-written stand-in for the parts of the `figma` global that plugin/main.ts touches.
function fakeFigma() {
  const runHandlers: ((event: RunEvent) => void)[] = [];
  const fake = {
    shown: [] as { html: string; options: ShowUIOptions }[],
    posted: [] as ToUi[],
    notified: [] as { message: string; options?: NotificationOptions }[],
    closed: 0,
    ui: { onmessage: undefined as ((message: ToPlugin) => void) | undefined, postMessage: (m: ToUi) => fake.posted.push(m) },
    on: (event: string, handler: (e: RunEvent) => void) => {
      expect(event).toBe('run');
      runHandlers.push(handler);
    },
    showUI: (html: string, options: ShowUIOptions) => fake.shown.push({ html, options }),
    notify: (message: string, options?: NotificationOptions) => fake.notified.push({ message, options }),
    closePlugin: () => void fake.closed++,
    run: (event: RunEvent) => runHandlers.forEach((handler) => handler(event)),
  };
  return fake;
}

let figma: ReturnType<typeof fakeFigma>;

beforeEach(async () => {
  vi.resetModules();
  figma = fakeFigma();
  vi.stubGlobal('figma', figma);
  vi.stubGlobal('__html__', '<html>panel</html>');
  await import('../../plugin/main');
});
afterEach(() => vi.unstubAllGlobals());

const settle = () => new Promise((resolve) => setTimeout(resolve, 0));

describe('plugin/main.ts', () => {
  it('opens the themed panel and hands it the Quick Actions prompt once it is ready', async () => {
    figma.run({ command: 'edit-with-text', parameters: { prompt: '  a face with a beard ' } });
    await settle();
    expect(figma.shown).toEqual([{ html: '<html>panel</html>', options: expect.objectContaining({ width: 320, height: 480, themeColors: true }) }]);
    expect(figma.posted).toEqual([]); // nothing before the panel says it listens
    figma.ui.onmessage!({ type: 'UI_READY' });
    expect(figma.posted).toEqual([{ type: 'SHOW_COMMAND', command: 'edit-with-text', prompt: 'a face with a beard' }]);
  });

  it('passes a null prompt when the user skipped the parameter', async () => {
    figma.run({ command: 'edit-with-text', parameters: { prompt: '   ' } });
    await settle();
    figma.ui.onmessage!({ type: 'UI_READY' });
    expect(figma.posted).toEqual([{ type: 'SHOW_COMMAND', command: 'edit-with-text', prompt: null }]);
  });

  it.each(['batch-edit', 'edit-again', 'model-pack'] as const)('dispatches %s to a panel that knows its command', async (command) => {
    figma.run({ command, parameters: undefined });
    await settle();
    figma.ui.onmessage!({ type: 'UI_READY' });
    expect(figma.posted).toEqual([{ type: 'SHOW_COMMAND', command, prompt: null }]);
    expect(figma.notified).toEqual([]);
  });

  it('closes the plugin when the panel asks', async () => {
    figma.run({ command: 'model-pack', parameters: undefined });
    await settle();
    figma.ui.onmessage!({ type: 'CLOSE_PLUGIN' });
    expect(figma.closed).toBe(1);
  });

  it('turns an unknown command into one error notification that lists the valid ones', async () => {
    figma.run({ command: 'sharpen', parameters: undefined });
    await settle();
    expect(figma.notified).toEqual([
      { message: 'facetext has no command "sharpen". Must be one of: edit-with-text, batch-edit, edit-again, model-pack', options: { error: true } },
    ]);
    expect(figma.shown).toEqual([]);
    expect(figma.closed).toBe(1);
  });
});
