// Every preset chip the demo pack offers (its stored presets, models/demo/design.py PRESETS) does what its label
// says on the playground's sample portraits (playground/samples/demo-portrait-*.png, rendered by the demo
// generator): each portrait is read from its 8-bit PNG and inverted by the pack's encoder, as the plugin does,
// then edited with the chip's stored Δt at the default α and β. The chip's attribute must move visibly in its
// direction and every other attribute by less than the smile test's bound (demo-edits.test.ts).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { readImageFile } from '../../cli/image-file';
import { DEFAULT_ALPHA, DEFAULT_BETA } from '../../contract/edit-spec';
import { DESIGN, DemoPack, SAMPLES, type Attributes } from './demo-pack';

const VISIBLE_MOVE = 0.3; // at least, in the chip's direction (SMILE_RISE of the smile test)
const OTHER_BOUND = 0.12; // every other attribute moves less than this (OTHER_BOUND of the smile test)

let demo: DemoPack;
const portraits: Array<{ name: string; s: Float32Array; before: Attributes }> = [];

beforeAll(async () => {
  demo = await DemoPack.open();
  for (const name of DESIGN.portraits) {
    const s = await demo.invert(readImageFile(join(SAMPLES, name)));
    portraits.push({ name, s, before: await demo.attributes(await demo.render(s)) });
  }
});

describe('demo pack chips', () => {
  it('are the pack\'s stored presets, one per design entry, and there are sample portraits to try them on', () => {
    expect(demo.loaded.pack.presets?.entries).toEqual(DESIGN.presets.map(({ label, neutral, target }) => ({ label, neutral, target })));
    expect(DESIGN.portraits.length).toBeGreaterThanOrEqual(3);
    for (const name of DESIGN.portraits) expect(readFileSync(join(SAMPLES, name)).subarray(1, 4).toString()).toBe('PNG');
  });

  it.each(DESIGN.presets.map((preset, index) => ({ ...preset, index })))(
    `"$label" moves $attribute (sign $sign) by ≥ ${VISIBLE_MOVE} on every portrait and nothing else by ${OTHER_BOUND}`,
    async ({ index, attribute, sign }) => {
      const deltaT = await demo.presetDeltaT(index);
      for (const { name, s, before } of portraits) {
        const after = await demo.attributes(await demo.render(demo.edit(s, deltaT, { alpha: DEFAULT_ALPHA, beta: DEFAULT_BETA }).s));
        expect(sign * (after[attribute] - before[attribute]), `${name}: ${attribute}`).toBeGreaterThanOrEqual(VISIBLE_MOVE);
        for (const other of DESIGN.attributes.filter((a) => a !== attribute)) {
          expect(Math.abs(after[other] - before[other]), `${name}: ${other}`).toBeLessThan(OTHER_BOUND);
        }
      }
    },
  );

  it('a stored chip direction equals the one clipText computes from its texts (the builder used the pack\'s own encoder)', async () => {
    for (const [index, { neutral, target }] of DESIGN.presets.entries()) {
      const stored = await demo.presetDeltaT(index);
      const computed = await demo.deltaT(neutral, target);
      stored.forEach((v, k) => expect(v).toBeCloseTo(computed[k], 5));
    }
  });
});
