/// <reference types="@figma/plugin-typings" />
// Scene nodes of the fake Figma document: the properties and methods facetext uses, with Figma's documented
// behaviour – frozen fills arrays (assign a new array to change them), plugin data as strings of at most
// 100 kB per entry, relaunch data, auto-layout frames that place their children, groups sized by their
// children, frames and instances that clip their content (Figma's default for a new frame), clone() (a deep
// copy with new ids, plugin and relaunch data copied, parented under the page as the typings document), and
// exportAsync rendering the node's pixels.
import type { FakeDocument } from './fake-document';
import { renderNodeAsync } from './render';

export type FakeNodeType = 'PAGE' | 'FRAME' | 'GROUP' | 'INSTANCE' | 'RECTANGLE' | 'ELLIPSE' | 'TEXT';

/** Figma's limit per plugin-data entry: key + value (spec/platform.md §2). */
export const PLUGIN_DATA_MAX_BYTES = 100_000;
/** A rectangle's default fill, #D9D9D9, as Figma's createRectangle gives it. */
export const DEFAULT_RECTANGLE_FILL: SolidPaint = { type: 'SOLID', color: { r: 0.851, g: 0.851, b: 0.851 } };

const CONTAINERS: ReadonlySet<FakeNodeType> = new Set<FakeNodeType>(['PAGE', 'FRAME', 'GROUP', 'INSTANCE']);
const FILLABLE: ReadonlySet<FakeNodeType> = new Set<FakeNodeType>(['FRAME', 'RECTANGLE', 'ELLIPSE', 'TEXT']);

type Sized = Pick<FrameNode, 'id' | 'name' | 'visible' | 'removed' | 'x' | 'y' | 'width' | 'height' | 'getPluginData' | 'setPluginData' | 'getPluginDataKeys' | 'setRelaunchData' | 'getRelaunchData'>;

export class FakeNode implements Sized {
  readonly id: string;
  name: string;
  visible = true;
  removed = false;
  parent: FakeNode | null = null;
  readonly children: FakeNode[] = [];
  layoutMode: 'NONE' | 'HORIZONTAL' | 'VERTICAL' = 'NONE';
  layoutPositioning: 'AUTO' | 'ABSOLUTE' = 'AUTO';
  itemSpacing = 0;
  padding = 0;
  /** Figma turns "Clip content" on for every new frame; instances take it from their main component (on here). */
  clipsContent: boolean;
  characters = '';
  private ownX = 0;
  private ownY = 0;
  private ownWidth = 100;
  private ownHeight = 100;
  private readonly pluginData = new Map<string, string>();
  private relaunchData: { [command: string]: string } = {};

  constructor(
    readonly document: FakeDocument,
    readonly type: FakeNodeType,
    name: string,
  ) {
    this.id = document.nextId();
    this.name = name;
    this.clipsContent = type === 'FRAME' || type === 'INSTANCE';
    if (FILLABLE.has(type)) {
      let fills: readonly Paint[] = Object.freeze([]);
      Object.defineProperty(this, 'fills', {
        enumerable: true,
        // Figma returns a frozen array: `node.fills.push(…)` and `node.fills[0].opacity = …` throw; assign a new array.
        get: () => fills,
        set: (paints: readonly Paint[]) => {
          this.assertAlive();
          if (!Array.isArray(paints)) throw new Error('in set_fills: Expected an array of paints');
          for (const paint of paints) {
            if (paint.type === 'IMAGE' && paint.imageHash !== null && !document.images.has(paint.imageHash)) {
              throw new Error(`in set_fills: Image with hash ${paint.imageHash} was not created with figma.createImage`);
            }
          }
          fills = Object.freeze(paints.map((paint) => Object.freeze(structuredClone(paint))));
        },
      });
    }
  }

  get x(): number {
    return this.type === 'GROUP' ? Math.min(...this.children.map((c) => c.x)) : this.ownX;
  }
  set x(value: number) {
    this.assertAlive();
    if (this.type === 'GROUP') this.children.forEach((c) => (c.x += value - this.x));
    else this.ownX = value;
    this.parent?.relayout();
  }
  get y(): number {
    return this.type === 'GROUP' ? Math.min(...this.children.map((c) => c.y)) : this.ownY;
  }
  set y(value: number) {
    this.assertAlive();
    if (this.type === 'GROUP') this.children.forEach((c) => (c.y += value - this.y));
    else this.ownY = value;
    this.parent?.relayout();
  }
  get width(): number {
    return this.type === 'GROUP' ? Math.max(...this.children.map((c) => c.x + c.width)) - this.x : this.ownWidth;
  }
  get height(): number {
    return this.type === 'GROUP' ? Math.max(...this.children.map((c) => c.y + c.height)) - this.y : this.ownHeight;
  }

  resize(width: number, height: number): void {
    this.assertAlive();
    if (!(width >= 0.01 && height >= 0.01)) throw new Error(`in resize: Expected width and height to be ≥ 0.01, got ${width} × ${height}`);
    this.ownWidth = width;
    this.ownHeight = height;
    this.parent?.relayout();
  }

  /** Only nodes that have fills get the property (`'fills' in group` is false, as in Figma). */
  declare fills: readonly Paint[];

  getPluginData(key: string): string {
    return this.pluginData.get(key) ?? '';
  }
  setPluginData(key: string, value: string): void {
    this.assertAlive();
    if (typeof key !== 'string' || typeof value !== 'string') throw new Error('in setPluginData: Expected key and value to be strings');
    const bytes = utf8Bytes(this.document.pluginId) + utf8Bytes(key) + utf8Bytes(value);
    if (bytes > PLUGIN_DATA_MAX_BYTES) {
      throw new Error(`in setPluginData: plugin data entry is ${bytes} bytes, over the limit of ${PLUGIN_DATA_MAX_BYTES} bytes (100 kB) per entry`);
    }
    if (value === '') this.pluginData.delete(key);
    else this.pluginData.set(key, value);
  }
  getPluginDataKeys(): string[] {
    return [...this.pluginData.keys()];
  }
  setRelaunchData(data: { [command: string]: string }): void {
    this.assertAlive();
    for (const [command, description] of Object.entries(data)) {
      if (!this.document.relaunchCommands.includes(command)) throw new Error(`in setRelaunchData: "${command}" is not a relaunch command in manifest.json`);
      if (description.length > 1000) throw new Error('in setRelaunchData: description is longer than 1000 characters');
    }
    this.relaunchData = { ...data };
  }
  getRelaunchData(): { [command: string]: string } {
    return { ...this.relaunchData };
  }

  appendChild(child: FakeNode): void {
    this.insertChild(this.children.length, child);
  }
  insertChild(index: number, child: FakeNode): void {
    this.assertAlive();
    // eslint-disable-next-line @typescript-eslint/no-this-alias -- a walk up the ancestors, starting at this node
    for (let at: FakeNode | null = this; at !== null; at = at.parent) {
      // Figma refuses new children in an instance or its sublayers (their content comes from the main component).
      if (at.type === 'INSTANCE' && !this.document.building) throw new Error('in insertChild: Cannot move node. New parent is an instance or is inside of an instance');
    }
    if (!CONTAINERS.has(this.type)) throw new Error(`${this.type} nodes cannot have children`);
    if (index < 0 || index > this.children.length) throw new Error(`in insertChild: index ${index} is out of range 0–${this.children.length}`);
    if (child.parent !== null) {
      const at = child.parent.children.indexOf(child);
      child.parent.children.splice(at, 1);
      if (child.parent === this && at < index) index -= 1;
      child.parent.relayout();
    }
    this.children.splice(index, 0, child);
    child.parent = this;
    this.relayout();
  }
  remove(): void {
    if (this.parent !== null) {
      this.parent.children.splice(this.parent.children.indexOf(this), 1);
      this.parent.relayout();
    }
    this.parent = null;
    this.removed = true;
    for (const child of this.findAll()) child.removed = true;
  }

  /**
   * Figma's clone(): the node and its subtree with new ids; fills, layout, plugin data and relaunch data copied.
   * The typings say the duplicate is parented under figma.currentPage; callers move it where they want it.
   */
  clone(): FakeNode {
    this.assertAlive();
    const copy = this.copyTree();
    this.document.page.children.push(copy);
    copy.parent = this.document.page;
    return copy;
  }

  private copyTree(): FakeNode {
    const copy = new FakeNode(this.document, this.type, this.name);
    Object.assign(copy, {
      visible: this.visible, layoutMode: this.layoutMode, layoutPositioning: this.layoutPositioning, itemSpacing: this.itemSpacing,
      padding: this.padding, clipsContent: this.clipsContent, characters: this.characters,
      ownX: this.ownX, ownY: this.ownY, ownWidth: this.ownWidth, ownHeight: this.ownHeight, relaunchData: { ...this.relaunchData },
    });
    for (const [key, value] of this.pluginData) copy.pluginData.set(key, value);
    if ('fills' in this) copy.fills = this.fills;
    for (const child of this.children) {
      const childCopy = child.copyTree(); // built directly: an instance copy holds what its main component gives it
      childCopy.parent = copy;
      copy.children.push(childCopy);
    }
    return copy;
  }

  findAll(callback: (node: FakeNode) => boolean = () => true): FakeNode[] {
    const found: FakeNode[] = [];
    const walk = (node: FakeNode) => {
      for (const child of node.children) {
        if (callback(child)) found.push(child);
        walk(child);
      }
    };
    walk(this);
    return found;
  }
  findOne(callback: (node: FakeNode) => boolean): FakeNode | null {
    return this.findAll(callback)[0] ?? null;
  }

  /** PNG (or the bytes of `format`) of the node as drawn, at `constraint` (default 1×). */
  async exportAsync(settings: ExportSettingsImage = { format: 'PNG' }): Promise<Uint8Array> {
    this.assertAlive();
    if (settings.format !== 'PNG') throw new Error(`The fake exports PNG only, not ${settings.format}`);
    const constraint = settings.constraint ?? { type: 'SCALE', value: 1 };
    const scale = constraint.type === 'SCALE' ? constraint.value : constraint.type === 'WIDTH' ? constraint.value / this.width : constraint.value / this.height;
    return this.document.codec.encodePngAsync(await renderNodeAsync(this, scale));
  }

  /** Where this node's children have x = y = 0, in page coordinates (groups share their parent's). */
  childOrigin(): { x: number; y: number } {
    if (this.type === 'PAGE') return { x: 0, y: 0 };
    if (this.type === 'GROUP') return this.parent!.childOrigin();
    const origin = this.parent?.childOrigin() ?? { x: 0, y: 0 };
    return { x: origin.x + this.x, y: origin.y + this.y };
  }

  /** Auto layout: children with layoutPositioning AUTO follow each other, `itemSpacing` apart; the frame hugs them. */
  relayout(): void {
    if (this.layoutMode === 'NONE') return;
    const flow = this.children.filter((c) => c.visible && c.layoutPositioning === 'AUTO');
    const horizontal = this.layoutMode === 'HORIZONTAL';
    let along = this.padding;
    let across = 0;
    for (const child of flow) {
      child.ownX = horizontal ? along : this.padding;
      child.ownY = horizontal ? this.padding : along;
      along += (horizontal ? child.width : child.height) + this.itemSpacing;
      across = Math.max(across, horizontal ? child.height : child.width);
    }
    const length = flow.length === 0 ? 2 * this.padding : along - this.itemSpacing + this.padding;
    this.ownWidth = horizontal ? length : across + 2 * this.padding;
    this.ownHeight = horizontal ? across + 2 * this.padding : length;
  }

  assertAlive(): void {
    if (this.removed) throw new Error(`The node (id ${this.id}) does not exist`);
  }
}

function utf8Bytes(text: string): number {
  return new TextEncoder().encode(text).length;
}
