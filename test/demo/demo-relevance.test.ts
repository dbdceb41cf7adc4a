// The relevance builder finds, on the demo pack, the channels that draw each concept: for every attribute,
// the channels with the highest relevance along its concept axis are exactly the channels that draw only
// that attribute. Checked on the committed relevance.f32 (24 images at 256 px, models/demo/build-demo-pack.mjs)
// and on a fresh 2-image run of the builder at the 128 px preview.
import { beforeAll, describe, expect, it } from 'vitest';
import { computeRelevance } from '../../models/tools/relevance';
import { DESIGN, DemoPack, primaryAttribute } from './demo-pack';

let demo: DemoPack;
let fresh: Float32Array;
let freshRows: boolean[]; // rows the 128 px preview can see (conv layers ≤ 128 px)

beforeAll(async () => {
  demo = await DemoPack.open();
  const { loaded, runtime } = demo;
  fresh = (await computeRelevance({ loaded, runtime, images: 2, resolution: 128, seed: 5 })).matrix;
  freshRows = loaded.pack.generator.styleLayers.filter((l) => l.kind === 'conv').flatMap((l) => Array.from({ length: l.channels }, () => l.resolution <= 128));
});

/** Rows drawing `attribute` and nothing else. */
function pureRows(k: number, among: boolean[]): number[] {
  return DESIGN.convChannels.flatMap((w, row) => (among[row] && w[k] !== 0 && w.every((v, j) => j === k || v === 0) ? [row] : []));
}

function topRows(matrix: Float32Array, k: number, count: number, among: boolean[]): number[] {
  const dims = DESIGN.attributes.length + 1;
  const rows = DESIGN.convChannels.map((_, row) => row).filter((row) => among[row]);
  return rows.sort((a, b) => matrix[b * dims + 1 + k] - matrix[a * dims + 1 + k]).slice(0, count).sort((a, b) => a - b);
}

describe.each(DESIGN.attributes.map((name, k) => ({ name, k })))('relevance on the demo pack: $name', ({ name, k }) => {
  it('the committed matrix ranks the channels that draw only this attribute first', () => {
    const all = DESIGN.convChannels.map(() => true);
    const pure = pureRows(k, all);
    expect(pure.length).toBeGreaterThanOrEqual(4);
    expect(topRows(demo.relevance, k, pure.length, all)).toEqual(pure);
  });

  it('a fresh 2-image run at 128 px finds the same channels among those the preview draws', () => {
    const pure = pureRows(k, freshRows);
    expect(topRows(fresh, k, pure.length, freshRows)).toEqual(pure);
    expect(primaryAttribute(topRows(fresh, k, 1, freshRows)[0])).toBe(name);
  });
});
