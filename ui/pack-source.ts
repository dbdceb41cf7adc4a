// Where the panel gets a model pack: a URL (the npm start server, or any host that sends
// Access-Control-Allow-Origin: *) or a folder the user picks. The null-origin panel cannot cache packs
// (ARCHITECTURE.md, "Pack caching"), so the main thread remembers the last URL and the pack loads again per run.

/**
 * Packs tried, in order, when no URL is remembered: npm start's demo pack, else the golden-tiny test pack
 * it always serves (scripts/serve.mjs maps /packs/ to models/packs/). The one constant to change for a
 * hosted default pack.
 */
export const DEFAULT_PACK_URLS: readonly string[] = ['http://localhost:8787/packs/demo/', 'http://localhost:8787/packs/golden-tiny/'];

/** A pack URL as the engine wants it: trimmed, http(s), ending in '/' unless it names pack.json. Null when not a URL. */
export function normalisePackUrl(text: string): string | null {
  const trimmed = text.trim();
  if (trimmed === '') return null;
  let url: URL;
  try {
    url = new URL(trimmed);
  } catch {
    return null;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return null;
  const href = url.href;
  return href.endsWith('/') || href.endsWith('/pack.json') ? href : `${href}/`;
}

/** The largest preview resolution ≤ 256 px (the panel shows previews at most 256 px wide), else 'full'. */
export function previewResolution({ previewResolutions }: { previewResolutions: readonly number[] }): number | 'full' {
  const fitting = previewResolutions.filter((size) => size <= 256);
  if (fitting.length > 0) return Math.max(...fitting);
  if (previewResolutions.length > 0) return Math.min(...previewResolutions);
  return 'full';
}

/**
 * Whether an α/β drag can render below previewResolution's size: the pack has a smaller exit. The engine picks
 * the drag frame's exit (RenderOptions.draft: the smallest that shows what changed); the refine on release
 * continues from the stages that frame cached.
 */
export function canDraft(pack: { previewResolutions: readonly number[] }): boolean {
  const refined = previewResolution(pack);
  return refined !== 'full' && pack.previewResolutions.some((size) => size < refined);
}
