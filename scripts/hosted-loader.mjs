// The hosted mode's two fixed pieces, shared by scripts/build.mjs and scripts/serve.mjs: the file names in
// dist/hosted/, and the loader that dist/ui.html becomes when the panel is hosted. Figma documents this loader:
// figma.showUI(`<script>window.location.href = "https://..."</script>`) navigates the plugin's frame to a page
// with its own origin ("Non-null origin iframes", developers.figma.com/docs/plugins/creating-ui).

export const HOSTED_FILES = {
  panel: 'panel.js',
  css: 'panel.css',
  worker: 'engine-worker.js', // also in ui/hosted-assets.ts
  ortWasm: 'ort-wasm-simd-threaded.asyncify.wasm', // also in ui/hosted-assets.ts
  faceModels: 'face-models.bin', // also in ui/hosted-assets.ts
};

/**
 * What the static host must send with the page (index.html) beyond content types (README, "Hosting the panel and
 * packs for a team", holds the why): Document-Isolation-Policy makes this one frame cross-origin isolated inside
 * Figma's non-isolated page (Chromium ≥ 137), so the engine gets wasm threads. require-corp: every cross-origin
 * fetch the page makes is CORS already (packs), so it asks nothing more of a pack host, and a resource that would
 * need CORP fails loudly instead of arriving without credentials.
 */
export const HOSTED_PAGE_HEADERS = { 'document-isolation-policy': 'isolate-and-require-corp' };

/** The whole of dist/ui.html in hosted mode: go to the hosted page. `url` must be an absolute http(s) URL. */
export function hostedLoaderHtml(url) {
  let parsed;
  try {
    parsed = new URL(url);
  } catch {
    throw new Error(`FACETEXT_UI_ORIGIN must be an absolute URL such as https://host.example/facetext/, got "${url}"`);
  }
  if (parsed.protocol !== 'https:' && !(parsed.protocol === 'http:' && ['localhost', '127.0.0.1'].includes(parsed.hostname))) {
    throw new Error(`FACETEXT_UI_ORIGIN must be https (http only for localhost in development), got "${url}"`);
  }
  return `<!doctype html>\n<meta charset="utf-8"><title>facetext</title>\n<script>window.location.href = ${JSON.stringify(parsed.href)}</script>\n`;
}
