// The hosted panel's port to Figma (ui/hosted-port.ts): Figma's documented rules for a non-null-origin UI —
// pluginId on every message, posted to https://www.figma.com — and only that parent's messages taken in.
import { describe, expect, it } from 'vitest';
import { FIGMA_ORIGIN, hostedFigmaPort, parentOrigin } from '../../ui/hosted-port';
import type { ToUi } from '../../plugin/protocol';

function fakeWindow(hostname: string, ancestors: string[]) {
  const posted: Array<{ data: unknown; target: string }> = [];
  const listeners = new Set<(event: MessageEvent) => void>();
  const parent = { postMessage: (data: unknown, target: string) => posted.push({ data, target }) };
  const win = {
    location: { hostname, ancestorOrigins: ancestors },
    parent,
    addEventListener: (_: string, listener: (event: MessageEvent) => void) => listeners.add(listener),
    removeEventListener: (_: string, listener: (event: MessageEvent) => void) => listeners.delete(listener),
  };
  const dispatch = (data: unknown, origin: string, source: unknown = parent) => {
    for (const listener of listeners) listener({ data, origin, source } as MessageEvent);
  };
  return { win: win as unknown as Window, posted, dispatch, listeners };
}

describe('hosted panel port', () => {
  it('posts to Figma with the plugin id, whatever page embeds it', () => {
    const { win, posted } = fakeWindow('facetext.example.com', ['https://evil.example']);
    hostedFigmaPort(win, 'facetext').post({ type: 'UI_READY' });
    expect(posted).toEqual([{ data: { pluginMessage: { type: 'UI_READY' }, pluginId: 'facetext' }, target: FIGMA_ORIGIN }]);
  });

  it('accepts a parent on this computer only when the page is served from this computer (npm start)', () => {
    expect(parentOrigin(fakeWindow('127.0.0.1', ['http://127.0.0.1:8787']).win)).toBe('http://127.0.0.1:8787');
    expect(parentOrigin(fakeWindow('localhost', ['http://localhost:8787']).win)).toBe('http://localhost:8787');
    expect(parentOrigin(fakeWindow('127.0.0.1', ['https://evil.example']).win)).toBe(FIGMA_ORIGIN);
    expect(parentOrigin(fakeWindow('127.0.0.1', ['null']).win)).toBe(FIGMA_ORIGIN);
    expect(parentOrigin(fakeWindow('facetext.example.com', ['http://127.0.0.1:8787']).win)).toBe(FIGMA_ORIGIN);
    expect(parentOrigin(fakeWindow('facetext.example.com', []).win)).toBe(FIGMA_ORIGIN);
  });

  it("takes in only the parent's messages from Figma's origin, and stops listening when asked", () => {
    const { win, dispatch, listeners } = fakeWindow('facetext.example.com', [FIGMA_ORIGIN]);
    const seen: ToUi[] = [];
    const stop = hostedFigmaPort(win, 'facetext').listen((message) => seen.push(message));
    const message = { type: 'SELECTION_CHANGED', selection: { targets: [], skipped: [], message: null } };
    dispatch({ pluginMessage: message }, 'https://evil.example');
    dispatch({ pluginMessage: message }, FIGMA_ORIGIN, {});
    dispatch({ pluginMessage: null }, FIGMA_ORIGIN);
    dispatch({ pluginMessage: message }, FIGMA_ORIGIN);
    expect(seen).toEqual([message]);
    stop();
    expect(listeners.size).toBe(0);
  });
});
