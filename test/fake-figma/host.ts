// The host-simulator page's script (bundled by build-host.mjs): a faithful stand-in for Figma around the
// built plugin. Each launch runs dist/code.js afresh with a new fake `figma` over one persistent document,
// and shows dist/ui.html in a sandboxed srcdoc iframe (origin null), relaying `pluginMessage`s both ways
// with postMessage – structured clone, no transfer list – as Figma does.
// With ?ui=hosted the panel is the hosted page instead (ARCHITECTURE.md "Hosted mode"): __html__ is the loader
// (/hosted-loader.html), shown as a data: document that navigates the frame to the hosted origin, and Figma's
// rules for a non-null-origin UI apply: its messages must carry `pluginId` [doc], and a figma.ui.postMessage
// `origin` reaches only a document of that origin [doc].
import { BROWSER_CODEC } from './codec-browser';
import { FakeDocument } from './fake-document';
import { FakeFigma, type UiHost } from './fake-figma';
import type { FakeNode } from './fake-nodes';

export interface LayerInfo {
  id: string;
  name: string;
  type: string;
  parent: string | null;
  x: number;
  y: number;
  width: number;
  height: number;
  imageHash: string | null;
  /** A text layer's text (the playground shows it), else null. */
  characters: string | null;
  pluginData: Record<string, string>;
  relaunch: Record<string, string>;
  clipsContent: boolean;
  /** The part of the layer Figma draws, in page coordinates: its box cut by every ancestor that clips; null if none. */
  drawn: { x: number; y: number; width: number; height: number } | null;
}

const panelSlot = () => document.getElementById('panel-slot') ?? document.body;

/** 'inline': ui.html is the whole panel; 'hosted': ui.html is the loader of the hosted page. */
export type UiMode = 'inline' | 'hosted';
/** manifest.json's id: the pluginId a hosted page's messages must carry to reach this plugin. */
const PLUGIN_ID = 'facetext';

class IframeUiHost implements UiHost {
  frame: HTMLIFrameElement | null = null;
  private queue: Array<{ message: unknown; origin: string }> = [];
  private loaded = false;
  constructor(
    private readonly session: () => FakeFigma | null,
    private readonly mode: UiMode,
  ) {}
  show(html: string, options: ShowUIOptions): void {
    this.close();
    const frame = document.createElement('iframe');
    frame.id = 'plugin';
    // [assumed] Figma's frame gives a navigated page its own origin (else "non-null origin iframes" could not
    // exist) while ui.html itself has origin null: a data: document in a frame that allows same-origin does both.
    // The inline panel keeps the srcdoc + allow-scripts frame measured to behave as Figma's (spec/platform.md §3).
    frame.setAttribute('sandbox', this.mode === 'hosted' ? 'allow-scripts allow-same-origin' : 'allow-scripts');
    frame.style.cssText = `width:${options.width ?? 300}px;height:${options.height ?? 200}px;border:0;${options.visible === false ? 'display:none' : ''}`;
    frame.addEventListener('load', () => {
      this.loaded = true;
      for (const { message, origin } of this.queue.splice(0)) this.deliver(message, origin);
    });
    if (this.mode === 'hosted') frame.src = `data:text/html;charset=utf-8,${encodeURIComponent(html)}`;
    else frame.srcdoc = html;
    panelSlot().appendChild(frame);
    this.frame = frame;
    this.loaded = false;
  }
  /** Test control: from the first message `hold` matches, messages wait (in order) until release(). */
  hold: ((message: unknown) => boolean) | null = null;
  readonly held: Array<{ message: unknown; origin: string }> = [];
  post(message: unknown, origin: string): void {
    if (this.held.length > 0 || this.hold?.(message) === true) this.held.push({ message, origin });
    else if (this.loaded) this.deliver(message, origin);
    else this.queue.push({ message, origin }); // Figma holds messages until the iframe has loaded
  }
  release(): void {
    this.hold = null;
    for (const { message, origin } of this.held.splice(0)) this.post(message, origin);
  }
  close(): void {
    this.frame?.remove();
    this.frame = null;
    this.queue = [];
  }
  receive(event: MessageEvent): void {
    if (this.frame === null || event.source !== this.frame.contentWindow) return;
    const data = event.data as { pluginMessage?: unknown; pluginId?: unknown } | null;
    // A page with an origin must name this plugin (or '*') for Figma to deliver its message [doc].
    if (event.origin !== 'null' && data?.pluginId !== PLUGIN_ID && data?.pluginId !== '*') return;
    const message = data?.pluginMessage;
    if (message !== undefined) this.session()?.fromUi(message, event.origin);
  }
  private deliver(message: unknown, origin: string): void {
    // postMessage's targetOrigin does what Figma's `origin` option documents: no delivery to another origin.
    this.frame?.contentWindow?.postMessage({ pluginMessage: message, pluginId: PLUGIN_ID }, origin);
  }
}

async function fetchBytesAsync(url: string): Promise<Uint8Array> {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`${url}: HTTP ${response.status}`);
  return new Uint8Array(await response.arrayBuffer());
}

/** The demo pack's own faces (playground/samples, rendered by models/demo: design.py PORTRAIT_SEEDS). */
const DEMO_PORTRAITS = 4;

/**
 * The sample file: a photo, five portrait frames, a caption, a photo without a face, an auto-layout row, and
 * portraits drawn by the demo pack's generator, which it inverts exactly; on the real photo the demo pack can
 * only paste a cartoon face, which the note beside the photo says.
 */
async function buildSampleAsync(doc: FakeDocument): Promise<void> {
  const [face, noFace, ...portraits] = await Promise.all([
    fetchBytesAsync('/samples/astronaut.png'),
    fetchBytesAsync('/samples/no-face.png'),
    ...Array.from({ length: DEMO_PORTRAITS }, (_, i) => fetchBytesAsync(`/samples/demo-portrait-${i + 1}.png`)),
  ]);
  doc.createImageLayer({ bytes: face, name: 'Astronaut', x: 0, y: 0, width: 256, height: 256 });
  doc.create('TEXT', { name: 'Caption', x: 0, y: 280, width: 256, height: 24 }).characters = 'Our crew';
  // Under the caption, not right of the photo: that spot is where the photo's result goes (place-result.ts).
  doc.create('TEXT', { name: 'Demo pack note', x: 0, y: 308, width: 940, height: 88 }).characters =
    'Note: the demo pack draws a cartoon face. On this photo it pastes one over the real face; real results need ' +
    'a full model pack (Model pack…). The portraits at the bottom are the demo\'s own faces.';
  doc.createImageLayer({ bytes: noFace, name: 'Texture', x: 700, y: 0, width: 256, height: 256 });
  for (let i = 1; i <= 5; i++) {
    const frame = doc.create('FRAME', { name: `Portrait ${i}`, x: (i - 1) * 220, y: 400, width: 200, height: 200 });
    frame.fills = [{ type: 'SOLID', color: { r: 1, g: 1, b: 1 } }];
    doc.createImageLayer({ bytes: face, name: `Face ${i}`, parent: frame, x: 20, y: 20, width: 160, height: 160 });
  }
  const row = doc.create('FRAME', { name: 'Row', x: 0, y: 700 });
  row.layoutMode = 'HORIZONTAL';
  row.padding = 16;
  row.itemSpacing = 16;
  doc.createImageLayer({ bytes: face, name: 'Row face', parent: row, width: 128, height: 128 });
  doc.createImageLayer({ bytes: noFace, name: 'Row texture', parent: row, width: 128, height: 128 });
  portraits.forEach((bytes, i) => doc.createImageLayer({ bytes, name: `Demo portrait ${i + 1}`, x: i * 280, y: 900, width: 256, height: 256 }));
}

function pageBox(node: FakeNode): { x: number; y: number; width: number; height: number } {
  const origin = node.parent?.childOrigin() ?? { x: 0, y: 0 };
  return { x: origin.x + node.x, y: origin.y + node.y, width: node.width, height: node.height };
}

function drawnBox(node: FakeNode): LayerInfo['drawn'] {
  let box = pageBox(node);
  for (let at = node.parent; at !== null && at.type !== 'PAGE'; at = at.parent) {
    if (!at.clipsContent || at.type === 'GROUP') continue;
    const clip = pageBox(at);
    const x = Math.max(box.x, clip.x);
    const y = Math.max(box.y, clip.y);
    const right = Math.min(box.x + box.width, clip.x + clip.width);
    const bottom = Math.min(box.y + box.height, clip.y + clip.height);
    if (right <= x || bottom <= y) return null;
    box = { x, y, width: right - x, height: bottom - y };
  }
  return box;
}

function layerInfo(node: FakeNode): LayerInfo {
  const fills = 'fills' in node ? node.fills : [];
  const image = fills.find((paint) => paint.type === 'IMAGE') as ImagePaint | undefined;
  return {
    id: node.id, name: node.name, type: node.type, parent: node.parent?.id ?? null,
    x: node.x, y: node.y, width: node.width, height: node.height,
    imageHash: image?.imageHash ?? null,
    characters: node.type === 'TEXT' ? node.characters : null,
    pluginData: Object.fromEntries(node.getPluginDataKeys().map((key) => [key, node.getPluginData(key)])),
    relaunch: node.getRelaunchData(),
    clipsContent: node.clipsContent, drawn: drawnBox(node),
  };
}

async function sha256Async(bytes: Uint8Array): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', bytes as Uint8Array<ArrayBuffer>);
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, '0')).join('');
}

async function invertAsync(bytes: Uint8Array): Promise<{ bytes: Uint8Array; width: number; height: number }> {
  const image = await BROWSER_CODEC.decodeAsync(bytes);
  for (let i = 0; i < image.data.length; i += 4) for (let c = 0; c < 3; c++) image.data[i + c] = 255 - image.data[i + c]!;
  return { bytes: await BROWSER_CODEC.encodePngAsync(image), width: image.width, height: image.height };
}

/** What tests and the playground drive: `window.facetextHost`. */
export class FigmaHostSimulator {
  readonly doc = new FakeDocument({ codec: BROWSER_CODEC });
  session: FakeFigma | null = null;
  /** Every message from the panel, by type and request id (bytes left out). */
  readonly fromUiLog: string[] = [];
  /** How this page shows the panel: ?ui=hosted emulates the hosted page. */
  readonly uiMode: UiMode = new URLSearchParams(location.search).get('ui') === 'hosted' ? 'hosted' : 'inline';
  private readonly ui = new IframeUiHost(() => this.session, this.uiMode);
  private code = '';
  private html = '';
  readonly ready: Promise<void>;

  constructor() {
    window.addEventListener('message', (event) => {
      const message = (event.data as { pluginMessage?: { type?: string; requestId?: string } } | null)?.pluginMessage;
      if (this.ui.frame !== null && event.source === this.ui.frame.contentWindow && message) this.fromUiLog.push(`${message.type}${message.requestId ? ` ${message.requestId}` : ''}`);
      this.ui.receive(event);
    });
    this.ready = (async () => {
      // ?threads=N reaches the hosted page through its loader (scripts/serve.mjs): the engine's wasm threads.
      const threads = new URLSearchParams(location.search).get('threads');
      const uiHtml = this.uiMode === 'hosted' ? `/hosted-loader.html${threads === null ? '' : `?threads=${encodeURIComponent(threads)}`}` : '/dist/ui.html';
      const [code, html] = await Promise.all([fetch('/dist/code.js').then((r) => r.text()), fetch(uiHtml).then((r) => r.text())]);
      this.code = code;
      this.html = html;
      await buildSampleAsync(this.doc);
    })();
  }

  /** Starts the plugin as Figma does for a menu command, relaunch button or completed Quick Action. */
  async launchAsync(command: string, parameters?: ParameterValues, { panel = true }: { panel?: boolean } = {}): Promise<void> {
    await this.ready;
    this.session?.api.closePlugin();
    // panel: false keeps the messages in session.toUi only, for tests that play the panel themselves.
    const session = new FakeFigma(this.doc, panel ? this.ui : null);
    this.session = session;
    new Function('figma', '__html__', this.code)(session.api, this.html);
    session.run(command, parameters);
  }

  /**
   * Plays the panel for host-level tests: answers each TARGET_IMAGE from `from` on with APPLY_RESULT carrying
   * the image colour-inverted (a real PNG re-encoded in the page), or ITEM_FAILED for `failIndexes`, and
   * sends CANCEL_BATCH while item `cancelAtIndex` is in flight. Resolves with the first message for
   * `requestId` whose type is in `until`.
   */
  async playPanelAsync({ requestId, recipe, until, cancelAtIndex = -1, failIndexes = [] }: { requestId: string; recipe: unknown; until: string[]; cancelAtIndex?: number; failIndexes?: number[] }): Promise<unknown> {
    const session = this.session!;
    for (let seen = 0; ; ) {
      while (seen < session.toUi.length) {
        const message = session.toUi[seen++] as { type: string; requestId?: string; index: number; nodeId: string; bytes: Uint8Array };
        if (message.requestId !== requestId) continue;
        if (until.includes(message.type)) return message;
        if (message.type !== 'TARGET_IMAGE') continue;
        if (message.index === cancelAtIndex) session.fromUi({ type: 'CANCEL_BATCH', requestId });
        if (failIndexes.includes(message.index)) {
          session.fromUi({ type: 'ITEM_FAILED', requestId, index: message.index, nodeId: message.nodeId, message: 'No face found in the image.' });
          continue;
        }
        const edited = await invertAsync(message.bytes);
        session.fromUi({ type: 'APPLY_RESULT', requestId, index: message.index, nodeId: message.nodeId, bytes: edited.bytes, width: edited.width, height: edited.height, recipe });
      }
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }

  /**
   * Delays delivery to the panel (as a busy main thread or a slow postMessage may): from the first TARGET_IMAGE
   * with index `index` on (only batches send an index above 0), messages wait in order until releaseToPanel(). Lets a test act while
   * that batch item is in flight, on a condition rather than a race.
   */
  holdBatchItem(index: number): void {
    this.ui.hold = (message) => {
      const m = message as { type?: string; index?: number };
      return m.type === 'TARGET_IMAGE' && m.index === index;
    };
  }

  /** How many messages wait for releaseToPanel(). */
  heldForPanel(): number {
    return this.ui.held.length;
  }

  releaseToPanel(): void {
    this.ui.release();
  }

  /** Quick Actions query mode: the suggestions for `query` typed into parameter `key`. */
  async queryAsync(key: string, query: string): Promise<unknown[]> {
    await this.ready;
    const session = new FakeFigma(this.doc, null);
    new Function('figma', '__html__', this.code)(session.api, this.html);
    return session.query(key, query);
  }

  /** Selects layers by name, as a click on the canvas would. */
  select(names: string[]): void {
    const nodes = names.map((name) => {
      const node = this.doc.page.findOne((n) => n.name === name);
      if (node === null) throw new Error(`No layer named "${name}"`);
      return node;
    });
    this.doc.selection = nodes;
    this.session?.select(nodes);
  }

  /** A message as if the panel had posted it (host-level tests without the panel). */
  fromUi(message: unknown): void {
    this.session!.fromUi(message);
  }

  layers(): LayerInfo[] {
    return this.doc.page.findAll().filter((node) => !node.removed).map(layerInfo);
  }

  /** SHA-256 of every stored image, by layer name (to prove originals keep their bytes). */
  async imageDigestsAsync(): Promise<Record<string, string>> {
    const out: Record<string, string> = {};
    for (const layer of this.layers()) if (layer.imageHash) out[layer.name] = await sha256Async(this.doc.images.get(layer.imageHash)!);
    return out;
  }

  /** The plugin's messages to the panel so far, without image bytes. */
  toUi(): unknown[] {
    return (this.session?.toUi ?? []).map((message) => {
      const { bytes, ...rest } = message as { bytes?: Uint8Array };
      return bytes === undefined ? rest : { ...rest, byteLength: bytes.byteLength };
    });
  }

  notifications(): { message: string; error: boolean }[] {
    return this.session?.notifications ?? [];
  }

  closed(): boolean {
    return this.session?.closed ?? true;
  }

  /** An image's bytes, for the playground's canvas and for tests that play the panel. */
  imageBytes(hash: string): Uint8Array {
    return this.doc.images.get(hash)!;
  }
}

declare global {
  interface Window {
    facetextHost: FigmaHostSimulator;
  }
}

window.facetextHost = new FigmaHostSimulator();
