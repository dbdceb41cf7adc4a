// Screenshots of the built panel at Figma's 320 × 480 in a null-origin iframe, with a stand-in main thread
// that answers UI_READY with SHOW_COMMAND (one selected image) and REQUEST_TARGET with a photo.
//   node test/ui/panel-screenshot.mjs [out-dir]      (needs npm run build, and npm start's pack server for packs)
import { createServer } from 'node:http';
import { readFileSync, mkdirSync } from 'node:fs';
import { resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const OUT = resolve(process.argv[2] ?? '/tmp/facetext-screens');
const PHOTO = process.env.PHOTO ?? resolve(ROOT, '../shared/golden/images/astronaut.png');
const COMMAND = process.env.COMMAND ?? 'edit-with-text';
const WAIT_MS = Number(process.env.WAIT_MS ?? 60000);
mkdirSync(OUT, { recursive: true });

const html = readFileSync(resolve(ROOT, 'dist/ui.html'));
const photo = readFileSync(PHOTO);
const host = `<!doctype html><meta charset="utf-8"><body style="margin:0;background:#e5e5e5">
<iframe id="plugin" sandbox="allow-scripts" style="width:320px;height:480px;border:0;background:#fff"></iframe>
<script>
  const frame = document.getElementById('plugin');
  window.received = [];
  const post = (m) => frame.contentWindow.postMessage({ pluginMessage: m }, '*');
  const photo = Uint8Array.from(atob('${photo.toString('base64')}'), (c) => c.charCodeAt(0));
  const selection = { targets: [{ nodeId: '1:2', name: 'Portrait', source: 'fill' }], skipped: [], message: null };
  window.addEventListener('message', (event) => {
    const m = event.data && event.data.pluginMessage;
    if (!m) return;
    window.received.push({ type: m.type, requestId: m.requestId });
    if (m.type === 'UI_READY') post({ type: 'SHOW_COMMAND', command: '${COMMAND}', prompt: null, recipe: null, resultNodeId: null, selection, packUrl: null, error: null });
    if (m.type === 'REQUEST_TARGET') post({ type: 'TARGET_IMAGE', requestId: m.requestId, nodeId: '1:2', name: 'Portrait', index: 0, total: 1, bytes: photo, width: 0, height: 0, source: 'fill' });
  });
  fetch('/ui.html').then((r) => r.text()).then((t) => { frame.srcdoc = t; });
</script>`;
const server = createServer((req, res) => {
  if (req.url === '/') res.writeHead(200, { 'content-type': 'text/html' }).end(host);
  else if (req.url === '/ui.html') res.writeHead(200, { 'content-type': 'text/plain' }).end(html);
  else res.writeHead(404).end();
});
await new Promise((done) => server.listen(0, '127.0.0.1', done));
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', headless: true, args: ['--no-sandbox', '--disable-background-networking', '--disable-component-update', '--no-first-run'] });
try {
  const page = await browser.newPage({ viewport: { width: 320, height: 480 } });
  page.on('console', (m) => { if (m.type() === 'error') console.log('console error:', m.text()); });
  await page.goto(`http://127.0.0.1:${server.address().port}/`);
  const panel = page.frameLocator('#plugin');
  await panel.locator('[data-testid=engine-status][data-status=ready]').waitFor({ timeout: 150000 });
  const phase = () => panel.locator('main').getAttribute('data-phase');
  const deadline = Date.now() + WAIT_MS;
  while (Date.now() < deadline && !['ready', 'idle'].includes(await phase())) await page.waitForTimeout(500);
  await page.waitForTimeout(1500);
  await page.screenshot({ path: resolve(OUT, `panel-${COMMAND}.png`) });
  await page.setViewportSize({ width: 320, height: 1100 });
  await page.locator('#plugin').evaluate((f) => { f.style.height = '1100px'; });
  await page.screenshot({ path: resolve(OUT, `panel-${COMMAND}-full.png`) });
  console.log(JSON.stringify({ phase: await phase(), received: await page.evaluate(() => globalThis.received), banner: await panel.locator('[data-testid=error-banner]').allInnerTexts(), fallback: await panel.locator('[data-testid=fallback-reason]').allTextContents() }));
} finally {
  await browser.close();
  server.close();
}
