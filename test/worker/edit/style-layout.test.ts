import { describe, expect, expectTypeOf, it } from 'vitest';
import type { Pack } from '../../../ui/worker/pack/pack-schema';
import { styleLayout, type StyleLayerLayout } from '../../../ui/worker/edit/style-layout';
import { readGoldenJson } from '../../helpers/golden';

interface GoldenConfig {
  s_total: number;
  C: number;
  s_layout: { channels: number; offset: number; is_torgb: boolean }[];
  fs3_layout: { fs3_row_offset: number; channels: number; s_offset: number }[];
}

const config = readGoldenJson<GoldenConfig>('global-direction/config.json');
const layers: StyleLayerLayout[] = config.s_layout.map((l) => ({ channels: l.channels, offset: l.offset, kind: l.is_torgb ? 'torgb' : 'conv' }));

describe('styleLayout', () => {
  it('counts S entries and conv channels of the golden generator', () => {
    const layout = styleLayout(layers);
    expect(layout.totalS).toBe(config.s_total);
    expect(layout.convChannels).toBe(config.C);
  });

  it('maps every relevance row to the S index upstream SplitS uses', () => {
    const { convIndex } = styleLayout(layers);
    const expected = new Int32Array(config.C);
    for (const { fs3_row_offset, channels, s_offset } of config.fs3_layout) {
      for (let c = 0; c < channels; c++) expected[fs3_row_offset + c] = s_offset + c;
    }
    expect(Array.from(convIndex)).toEqual(Array.from(expected));
  });

  it("accepts a parsed pack's style layers as they are", () => {
    expectTypeOf<Pack['generator']['styleLayers']>().toMatchTypeOf<readonly StyleLayerLayout[]>();
  });

  it('rejects layers whose offsets leave a gap or overlap', () => {
    expect(() => styleLayout([{ channels: 4, kind: 'conv', offset: 0 }, { channels: 4, kind: 'torgb', offset: 5 }])).toThrow(/layers\[1\]\.offset/);
    expect(() => styleLayout([{ channels: 4, kind: 'conv', offset: 0 }, { channels: 4, kind: 'conv', offset: 3 }])).toThrow(/previous layers end at 4/);
  });

  it('rejects an unknown layer kind, listing the valid ones', () => {
    const bad = [{ channels: 4, kind: 'rgb', offset: 0 }] as unknown as StyleLayerLayout[];
    expect(() => styleLayout(bad)).toThrow('Must be one of: conv, torgb');
  });
});
