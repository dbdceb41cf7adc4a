// Binary assets scripts/build.mjs inlines in ui.html: gzip, then base64, in a non-executed <script> element
// (Figma loads exactly one file for the panel; ARCHITECTURE.md "ORT's wasm is inlined").

/** The decompressed bytes of the inlined asset in element `id`; says to rebuild when the element is missing. */
export async function readInlinedAsset(doc: Pick<Document, 'getElementById'>, id: string): Promise<ArrayBuffer> {
  const text = doc.getElementById(id)?.textContent;
  if (!text) throw new Error(`ui.html has no #${id} element: rebuild the plugin with npm run build`);
  const binary = atob(text.trim());
  const gzipped = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) gzipped[i] = binary.charCodeAt(i);
  const stream = new Blob([gzipped]).stream().pipeThrough(new DecompressionStream('gzip'));
  return new Response(stream).arrayBuffer();
}
