// The playground's sample file (test/fake-figma/host.ts) in the demo pack's own domain: the portraits its
// generator drew (playground/samples/demo-portrait-*.png, the ones test/demo/demo-chips.test.ts holds every
// chip to) are image layers on the canvas, and the real photo carries a visible note that the demo pack only
// draws a cartoon face.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import { openPlaygroundAsync, type Playground } from '../helpers/figma-host';
import { DESIGN, SAMPLES } from '../demo/demo-pack';

let playground: Playground;
beforeAll(async () => {
  playground = await openPlaygroundAsync();
}, 120_000);
afterAll(() => playground?.close());

describe('playground sample file', () => {
  it('holds every demo portrait, byte for byte, beside the real photo and its note', async () => {
    const { page } = playground;
    const { layers, digests } = await page.evaluate(async () => ({ layers: window.facetextHost.layers(), digests: await window.facetextHost.imageDigestsAsync() }));
    DESIGN.portraits.forEach((file, i) => {
      const name = `Demo portrait ${i + 1}`;
      expect(layers.find((l) => l.name === name), name).toMatchObject({ type: 'RECTANGLE', width: 256, height: 256, parent: expect.any(String) });
      expect(digests[name], name).toBe(createHash('sha256').update(readFileSync(join(SAMPLES, file))).digest('hex'));
    });
    expect(layers.find((l) => l.name === 'Astronaut')).toBeDefined();
    const note = layers.find((l) => l.name === 'Demo pack note');
    expect(note?.type).toBe('TEXT');
    expect(note?.characters).toMatch(/demo pack draws a cartoon face/);
    expect(note?.characters).toMatch(/real results need a full model pack/);
  });

  it('shows the note\'s text on the canvas', async () => {
    const { page } = playground;
    const text = await page.$eval('[data-name="Demo pack note"]', (element) => element.textContent ?? '');
    expect(text).toMatch(/^Note: the demo pack draws a cartoon face\./);
  });
});
