// The document behind the fake Figma API: pages, nodes by id, images by hash, client storage. It outlives
// plugin runs, as a Figma file does; each run gets a fresh `figma` (fake-figma.ts).
import { MAX_IMAGE_SIDE } from '../../contract/limits';
import type { ImageCodec, Rgba } from './codec';
import { FakeNode, type FakeNodeType } from './fake-nodes';
import { sniffImage } from './image-sniff';

/** Figma's cap on an image side (createImage throws "Image is too large" above it). */

export interface FakeDocumentOptions {
  codec: ImageCodec;
  /** manifest.json `id`. */
  pluginId?: string;
  /** manifest.json relaunchButtons commands (setRelaunchData accepts only these). */
  relaunchCommands?: string[];
}

export class FakeDocument {
  readonly codec: ImageCodec;
  readonly pluginId: string;
  readonly relaunchCommands: string[];
  readonly images = new Map<string, Uint8Array>();
  readonly clientStorage = new Map<string, unknown>();
  readonly page: FakeNode;
  /** The page's selection; it outlives plugin runs. */
  selection: FakeNode[] = [];
  private counter = 0;
  private readonly decoded = new Map<string, Promise<Rgba>>();

  constructor({ codec, pluginId = 'facetext', relaunchCommands = ['edit-again'] }: FakeDocumentOptions) {
    this.codec = codec;
    this.pluginId = pluginId;
    this.relaunchCommands = relaunchCommands;
    this.page = new FakeNode(this, 'PAGE', 'Page 1');
  }

  nextId(): string {
    this.counter += 1;
    return `${this.counter === 1 ? 0 : 1}:${this.counter}`;
  }

  /** Figma's createImage: PNG, JPEG or GIF bytes of at most 4096 px a side; equal bytes give the same hash. */
  createImage(bytes: Uint8Array): { hash: string; width: number; height: number } {
    if (!(bytes instanceof Uint8Array)) throw new Error('in createImage: Expected a Uint8Array');
    const header = sniffImage(bytes);
    if (header === null) throw new Error('Image type is unsupported');
    if (header.width > MAX_IMAGE_SIDE || header.height > MAX_IMAGE_SIDE) throw new Error('Image is too large');
    if (header.width < 1 || header.height < 1) throw new Error('Image is too small');
    const hash = hashBytes(bytes);
    if (!this.images.has(hash)) this.images.set(hash, bytes.slice());
    return { hash, width: header.width, height: header.height };
  }

  /** The decoded pixels of an image, decoded once. */
  decodeAsync(hash: string): Promise<Rgba> {
    const bytes = this.images.get(hash);
    if (bytes === undefined) throw new Error(`No image with hash ${hash}`);
    if (!this.decoded.has(hash)) this.decoded.set(hash, this.codec.decodeAsync(bytes));
    return this.decoded.get(hash)!;
  }

  /** True while create() builds the document (instances take children then, as the main component gives them). */
  building = false;

  node(id: string): FakeNode | null {
    if (id === this.page.id) return this.page;
    return this.page.findOne((node) => node.id === id);
  }

  /** A node in `parent` (default: the page) at x, y with the given size. */
  create(type: FakeNodeType, { name, parent = this.page, x = 0, y = 0, width = 100, height = 100 }: { name: string; parent?: FakeNode; x?: number; y?: number; width?: number; height?: number }): FakeNode {
    const node = new FakeNode(this, type, name);
    if (type !== 'GROUP') node.resize(width, height);
    this.building = true; // the test builds the document; only plugin code is refused what Figma refuses
    try {
      parent.appendChild(node);
    } finally {
      this.building = false;
    }
    if (type !== 'GROUP') {
      node.x = x;
      node.y = y;
    }
    return node;
  }

  /** A rectangle named `name` with `bytes` as its image fill (FILL). */
  createImageLayer({ bytes, ...options }: { bytes: Uint8Array; name: string; parent?: FakeNode; x?: number; y?: number; width?: number; height?: number }): FakeNode {
    const { hash } = this.createImage(bytes);
    const node = this.create('RECTANGLE', options);
    node.fills = [{ type: 'IMAGE', imageHash: hash, scaleMode: 'FILL' }];
    return node;
  }
}

/** 40 hex digits like Figma's SHA-1 image hashes (two FNV-1a lanes; identity, not security). */
export function hashBytes(bytes: Uint8Array): string {
  const lanes = [0x811c9dc5, 0x01000193, 0x12345678, 0x9abcdef0, 0x0badf00d];
  for (let i = 0; i < bytes.length; i++) {
    for (let lane = 0; lane < lanes.length; lane++) lanes[lane] = Math.imul(lanes[lane]! ^ (bytes[i]! + lane), 0x01000193) >>> 0;
  }
  return lanes.map((lane) => lane.toString(16).padStart(8, '0')).join('');
}
