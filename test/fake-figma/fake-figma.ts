/// <reference types="@figma/plugin-typings" />
// A fake of the Figma Plugin API subset facetext uses, one per plugin run over a FakeDocument, faithful to
// the documented behaviour: dynamic-page document access (sync getNodeById throws), async image bytes,
// createImage's type/size checks, frozen fills and selection arrays, 'selectionchange' after every
// selection change, Quick Actions query mode, structured-clone messaging without transfer, closePlugin.
import { DEFAULT_RECTANGLE_FILL, type FakeNode } from './fake-nodes';
import type { FakeDocument } from './fake-document';

/** Where the fake shows the panel: a sandboxed iframe in the host page, or a message log under Node. */
export interface UiHost {
  show(html: string, options: ShowUIOptions): void;
  /**
   * A structured clone of a figma.ui.postMessage message. `origin` (figma.ui.postMessage's option, default '*'):
   * delivered only when the panel's document has that origin [doc: figma-ui-postmessage].
   */
  post(message: unknown, origin: string): void;
  close(): void;
}

/** figma.clientStorage holds 5 MB in total (spec/platform.md §2). */
export const CLIENT_STORAGE_MAX_BYTES = 5 * 1024 * 1024;

type EventName = 'run' | 'selectionchange' | 'close';
type Handler = (event?: unknown) => void;

export interface Notification {
  message: string;
  error: boolean;
}

/** The members of PluginAPI the fake implements; each name is checked against the typings. */
export type FakePluginApi = Pick<PluginAPI, 'mixed' | 'notify' | 'closePlugin' | 'showUI' | 'getImageByHash' | 'createImage' | 'clientStorage' | 'parameters'> & {
  readonly command: string;
  readonly ui: Pick<UIAPI, 'postMessage' | 'onmessage' | 'on' | 'off' | 'once' | 'show' | 'hide' | 'close' | 'resize'>;
  readonly currentPage: { readonly type: 'PAGE'; readonly id: string; name: string; selection: readonly FakeNode[]; readonly children: readonly FakeNode[]; findAll: FakeNode['findAll']; findOne: FakeNode['findOne'] };
  readonly viewport: Pick<ViewportAPI, 'zoom'> & { scrollAndZoomIntoView(nodes: readonly FakeNode[]): void; center: Vector };
  on(type: EventName, handler: Handler): void;
  once(type: EventName, handler: Handler): void;
  off(type: EventName, handler: Handler): void;
  getNodeByIdAsync(id: string): Promise<FakeNode | null>;
  getNodeById(id: string): never;
  createRectangle(): FakeNode;
};

export class FakeFigma {
  readonly notifications: Notification[] = [];
  /** Every message the plugin posted to its panel, as the panel receives it (structured clones). */
  readonly toUi: unknown[] = [];
  /** The `origin` option of each of those messages ('*' when none was given), by index. */
  readonly toUiOrigins: string[] = [];
  readonly scrolledTo: string[][] = [];
  shown: { html: string; options: ShowUIOptions | undefined } | null = null;
  closed = false;
  readonly api: FakePluginApi;
  private readonly handlers = new Map<EventName, Set<Handler>>();
  private readonly uiHandlers = new Set<MessageEventHandler>();
  private readonly inputHandlers = new Set<(event: ParameterInputEvent) => void>();
  private onmessage: MessageEventHandler | undefined;
  private command = '';

  constructor(
    readonly document: FakeDocument,
    private readonly uiHost: UiHost | null = null,
  ) {
    this.api = this.createApi();
  }

  /** Launches a command as Figma does once Quick Actions input is complete: sets figma.command, fires 'run'. */
  run(command: string, parameters?: ParameterValues): void {
    this.command = command;
    this.emit('run', { command, parameters });
  }

  /** Query mode: the user typed `query` into parameter `key`; returns what the plugin suggested. */
  query(key: string, query: string, parameters: ParameterValues = {}): (string | { name: string })[] {
    let suggestions: (string | { name: string })[] = [];
    const result: SuggestionResults = {
      setSuggestions: (list) => void (suggestions = [...list]),
      setError: () => {
        throw new Error('setError is not available on parameters with allowFreeform set');
      },
      setLoadingMessage: () => undefined,
    };
    for (const handler of this.inputHandlers) handler({ key, query, parameters, result });
    return suggestions;
  }

  /**
   * A message from the panel: `parent.postMessage({ pluginMessage }, '*')` arrives as a structured clone, with
   * the sending document's origin ('null' for the inline panel, the host's for a hosted one).
   */
  fromUi(message: unknown, origin = 'null'): void {
    if (this.closed) return;
    const clone = structuredClone(message);
    const properties: OnMessageProperties = { origin };
    this.onmessage?.(clone, properties);
    for (const handler of this.uiHandlers) handler(clone, properties);
  }

  /** The user selects `nodes` on the canvas. */
  select(nodes: readonly FakeNode[]): void {
    this.document.selection = [...nodes];
    setTimeout(() => this.emit('selectionchange'), 0);
  }

  private emit(type: EventName, event?: unknown): void {
    if (this.closed && type !== 'close') return;
    for (const handler of [...(this.handlers.get(type) ?? [])]) handler(event);
  }

  private createApi(): FakePluginApi {
    // eslint-disable-next-line @typescript-eslint/no-this-alias -- the api's getters and setters run with `this` = the api object
    const fake = this;
    const document = this.document;
    const page = document.page;
    const storageSize = () => [...document.clientStorage.values()].reduce<number>((sum, value) => sum + (value instanceof Uint8Array ? value.byteLength : JSON.stringify(value).length), 0);
    const ui: FakePluginApi['ui'] = {
      postMessage: (message: unknown, options?: UIPostMessageOptions) => {
        if (fake.closed) throw new Error('The plugin is closed: figma.ui.postMessage has no panel to post to');
        if (fake.shown === null) throw new Error('in postMessage: call figma.showUI first');
        const clone = structuredClone(message);
        fake.toUi.push(clone);
        fake.toUiOrigins.push(options?.origin ?? '*');
        fake.uiHost?.post(clone, options?.origin ?? '*');
      },
      get onmessage() {
        return fake.onmessage;
      },
      set onmessage(handler: MessageEventHandler | undefined) {
        fake.onmessage = handler;
      },
      on: (_type: 'message', handler: MessageEventHandler) => void fake.uiHandlers.add(handler),
      once: (_type: 'message', handler: MessageEventHandler) => {
        const once: MessageEventHandler = (message, props) => {
          fake.uiHandlers.delete(once);
          handler(message, props);
        };
        fake.uiHandlers.add(once);
      },
      off: (_type: 'message', handler: MessageEventHandler) => void fake.uiHandlers.delete(handler),
      show: () => undefined,
      hide: () => undefined,
      close: () => fake.uiHost?.close(),
      resize: () => undefined,
    };
    const api: FakePluginApi = {
      mixed: Symbol('figma.mixed') as unknown as PluginAPI['mixed'],
      get command() {
        return fake.command;
      },
      ui,
      currentPage: {
        type: 'PAGE',
        id: page.id,
        name: page.name,
        get selection(): readonly FakeNode[] {
          return Object.freeze(document.selection.filter((node) => !node.removed));
        },
        set selection(nodes: readonly FakeNode[]) {
          for (const node of nodes) if (node.removed || document.node(node.id) === null) throw new Error(`in set_selection: node ${node.id} is not on the current page`);
          fake.select(nodes);
        },
        get children() {
          return Object.freeze([...page.children]);
        },
        findAll: (callback) => page.findAll(callback),
        findOne: (callback) => page.findOne(callback),
      },
      viewport: {
        zoom: 1,
        center: { x: 0, y: 0 },
        scrollAndZoomIntoView: (nodes) => void fake.scrolledTo.push(nodes.map((node) => node.id)),
      },
      notify: (message: string, options?: NotificationOptions) => {
        fake.notifications.push({ message, error: options?.error === true });
        return { cancel: () => undefined };
      },
      closePlugin: () => {
        if (fake.closed) return;
        fake.closed = true;
        fake.uiHost?.close();
        fake.emit('close');
      },
      showUI: (html: string, options?: ShowUIOptions) => {
        fake.shown = { html, options };
        fake.uiHost?.show(html, options ?? {});
      },
      getImageByHash: (hash: string): Image | null => {
        const bytes = document.images.get(hash);
        if (bytes === undefined) return null;
        return {
          hash,
          getBytesAsync: async () => bytes.slice(),
          getSizeAsync: async () => {
            const { width, height } = document.createImage(bytes);
            return { width, height };
          },
        };
      },
      createImage: (bytes: Uint8Array): Image => {
        const { hash } = document.createImage(bytes);
        return api.getImageByHash(hash)!;
      },
      clientStorage: {
        getAsync: async (key: string) => structuredClone(document.clientStorage.get(key)),
        setAsync: async (key: string, value: unknown) => {
          const previous = document.clientStorage.get(key);
          document.clientStorage.set(key, structuredClone(value));
          if (storageSize() > CLIENT_STORAGE_MAX_BYTES) {
            document.clientStorage.set(key, previous);
            throw new Error('clientStorage quota exceeded: figma.clientStorage holds at most 5 MB');
          }
        },
        deleteAsync: async (key: string) => void document.clientStorage.delete(key),
        keysAsync: async () => [...document.clientStorage.keys()],
      },
      parameters: {
        on: (_type: 'input', handler: (event: ParameterInputEvent) => void) => void fake.inputHandlers.add(handler),
        once: (_type: 'input', handler: (event: ParameterInputEvent) => void) => void fake.inputHandlers.add(handler),
        off: (_type: 'input', handler: (event: ParameterInputEvent) => void) => void fake.inputHandlers.delete(handler),
      },
      on: (type, handler) => {
        if (!['run', 'selectionchange', 'close'].includes(type)) throw new Error(`The fake does not emit '${type}'`);
        if (!fake.handlers.has(type)) fake.handlers.set(type, new Set());
        fake.handlers.get(type)!.add(handler);
      },
      once: (type, handler) => {
        const once: Handler = (event) => {
          api.off(type, once);
          handler(event);
        };
        api.on(type, once);
      },
      off: (type, handler) => void fake.handlers.get(type)?.delete(handler),
      getNodeByIdAsync: async (id: string) => {
        const node = document.node(id);
        return node === null || node.removed ? null : node;
      },
      getNodeById: () => {
        throw new Error('Cannot call getNodeById with documentAccess: dynamic-page. Use figma.getNodeByIdAsync instead.');
      },
      createRectangle: () => {
        const node = document.create('RECTANGLE', { name: 'Rectangle' });
        node.fills = [DEFAULT_RECTANGLE_FILL];
        return node;
      },
    };
    return api;
  }
}
