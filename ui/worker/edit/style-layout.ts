// Where each style layer lives in the flat S vector, and which S entries the global-direction relevance
// rows describe. Everything comes from the pack's generator.styleLayers: no layer counts, offsets or
// resolutions are written here.

/** The part of a pack's `generator.styleLayers` entry that the edit maths needs. */
export interface StyleLayerLayout {
  readonly channels: number;
  readonly kind: 'conv' | 'torgb';
  readonly offset: number;
}

export interface StyleLayout {
  /** Length of the flat S vector (end of the last layer). */
  readonly totalS: number;
  /** Number of conv S channels = rows of the relevance matrix (fs3). */
  readonly convChannels: number;
  /** Relevance row r ↔ S index convIndex[r]: conv layers' channels in forward order, ToRGB skipped. */
  readonly convIndex: Int32Array;
}

const layouts = new WeakMap<readonly StyleLayerLayout[], StyleLayout>();

/** Builds (once per layers array) the conv-channel index map of a generator's style layers. */
export function styleLayout(layers: readonly StyleLayerLayout[]): StyleLayout {
  const cached = layouts.get(layers);
  if (cached !== undefined) return cached;
  if (layers.length === 0) throw new Error('`layers` must hold at least one style layer');

  let end = 0;
  let convChannels = 0;
  layers.forEach((layer, i) => {
    const { channels, kind, offset } = layer;
    if (!Number.isInteger(channels) || channels < 1) throw new Error(`\`layers[${i}].channels\` must be a positive integer, got ${channels}`);
    if (kind !== 'conv' && kind !== 'torgb') throw new Error(`\`layers[${i}].kind\` is "${String(kind)}". Must be one of: conv, torgb`);
    // Forward order: each layer starts where the previous one ended (S is the concatenation of the layers).
    if (offset !== end) throw new Error(`\`layers[${i}].offset\` is ${offset}; the previous layers end at ${end}`);
    end += channels;
    if (kind === 'conv') convChannels += channels;
  });

  const convIndex = new Int32Array(convChannels);
  let row = 0;
  for (const { channels, kind, offset } of layers) {
    if (kind !== 'conv') continue;
    for (let c = 0; c < channels; c++) convIndex[row++] = offset + c;
  }

  const layout: StyleLayout = { totalS: end, convChannels, convIndex };
  layouts.set(layers, layout);
  return layout;
}
