// Serves dist/ui.html the way Figma shows it: inside a sandboxed iframe via srcdoc (origin "null"),
// with a parent page that plays Figma's main thread (answers UI_READY with SHOW_COMMAND).
import { createServer, type Server } from 'node:http';
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { AddressInfo } from 'node:net';
import type { Browser, Page } from 'playwright-core';
import { REPO_ROOT } from './golden';

export const UI_HTML = resolve(REPO_ROOT, 'dist/ui.html');

const HOST_PAGE = `<!doctype html>
<meta charset="utf-8"><title>fake Figma</title>
<iframe id="plugin" sandbox="allow-scripts" style="width:320px;height:480px;border:0"></iframe>
<script>
  const frame = document.getElementById('plugin');
  window.received = [];
  window.addEventListener('message', (event) => {
    const message = event.data && event.data.pluginMessage;
    if (!message) return;
    window.received.push(message);
    if (message.type === 'UI_READY') {
      frame.contentWindow.postMessage({ pluginMessage: { type: 'SHOW_COMMAND', command: 'edit-with-text', prompt: 'a smiling face' } }, '*');
    }
  });
  fetch('/ui.html').then((r) => r.text()).then((html) => { frame.srcdoc = html; });
</script>`;

export interface FigmaHost { url: string; close(): Promise<void> }

/** `csp`: a Content-Security-Policy for the host page, which the srcdoc iframe inherits. */
export async function startFigmaHost({ csp }: { csp?: string } = {}): Promise<FigmaHost> {
  if (!existsSync(UI_HTML)) throw new Error(`${UI_HTML} is missing: run npm run build first`);
  const html = readFileSync(UI_HTML);
  const server: Server = createServer((request, response) => {
    const body = request.url === '/' ? HOST_PAGE : request.url === '/ui.html' ? html : undefined;
    if (request.url === '/favicon.ico') {
      response.writeHead(204).end();
      return;
    }
    if (body === undefined) {
      response.writeHead(404).end();
      return;
    }
    const headers: Record<string, string> = { 'content-type': request.url === '/' ? 'text/html' : 'text/plain' };
    if (csp !== undefined && request.url === '/') headers['content-security-policy'] = csp;
    response.writeHead(200, headers).end(body);
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/`, close: () => new Promise((done) => server.close(() => done())) };
}

// ── The playground (scripts/serve.mjs): the host simulator running the built dist/code.js against the fake
// Figma API (test/fake-figma/), with dist/ui.html in a null-origin iframe. Driven through window.facetextHost.

export const CHROMIUM = '/usr/bin/chromium';
export const CHROMIUM_FLAGS = ['--no-sandbox', '--disable-background-networking', '--disable-component-update', '--no-first-run'];

export interface RecordedRequest {
  url: string;
  method: string;
  /** Bytes in the request body (0 when none). */
  bodyBytes: number;
}

/** A file body the playground's servers sent in full (the URL path and its bytes). */
export interface ServedFile {
  url: string;
  bytes: number;
}

export interface Playground {
  url: string;
  /** Every file both servers sent, in order: what the browser really downloaded (workers' fetches included). */
  served: ServedFile[];
  browser: Browser;
  page: Page;
  requests: RecordedRequest[];
  errors: string[];
  close(): Promise<void>;
}

/** The simulated document as the user sees it: every layer, and the sha256 of each image layer's bytes by name. */
export function documentAsync(page: Page) {
  return page.evaluate(async () => ({ layers: window.facetextHost.layers(), digests: await window.facetextHost.imageDigestsAsync() }));
}

/**
 * Serves the playground on a free port and opens it in Debian's chromium; records every request. `ui: 'hosted'`
 * shows the hosted panel (dist/hosted/ on a second origin) as Figma shows a non-null-origin UI; `threads` is its
 * engine's explicit wasm thread count (else the policy's).
 */
export async function openPlaygroundAsync({ ui = 'inline', threads }: { ui?: 'inline' | 'hosted'; threads?: number } = {}): Promise<Playground> {
  if (!existsSync(UI_HTML)) throw new Error(`${UI_HTML} is missing: run npm run build first`);
  // @ts-expect-error – a plain .mjs script without type declarations
  const { startServer } = (await import('../../scripts/serve.mjs')) as { startServer(options: { port: number; onServed(file: ServedFile): void }): Promise<Server> };
  const { chromium } = await import('playwright-core');
  const served: ServedFile[] = [];
  const server = await startServer({ port: 0, onServed: (file) => served.push(file) });
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_FLAGS });
  const page = await browser.newPage();
  const requests: RecordedRequest[] = [];
  const errors: string[] = [];
  page.on('request', (request) => requests.push({ url: request.url(), method: request.method(), bodyBytes: request.postDataBuffer()?.byteLength ?? 0 }));
  page.on('pageerror', (error) => errors.push(error.message));
  await page.goto(ui === 'hosted' ? `${url}?ui=hosted${threads === undefined ? '' : `&threads=${threads}`}` : url);
  await page.waitForFunction(() => window.facetextHost !== undefined);
  await page.evaluate(() => window.facetextHost.ready);
  return {
    url, served, browser, page, requests, errors,
    close: async () => {
      await browser.close();
      await new Promise<void>((done) => server.close(() => done()));
    },
  };
}
