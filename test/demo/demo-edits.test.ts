// THE proof that the demo pack's edits mean what the prompt says: the global direction of "smiling face"
// (engine maths: Δt from clipText, r = relevance·Δt, β threshold, α·Δs) raises the smile the demo's image
// encoder measures on the rendered face and leaves every other attribute nearly where it was.
// Attributes are in (−1, 1); the smile of a random face moves across most of that range.
import { beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_ALPHA, DEFAULT_BETA, DEFAULT_NEUTRAL } from '../../contract/edit-spec';
import { DESIGN, DemoPack, type Attributes } from './demo-pack';

const FACES = 3;
const SMILE_RISE = 0.3; // at least, at the default α 4.1 and β 0.15 (0.36 on a face already smiling at 0.60)
const OTHER_BOUND = 0.12; // every other attribute moves less than this at β 0.15 (mixed channels: smile + eye squint, smile + age)
const HIGH_BETA = 0.95; // above the mixed channels' relevance to the smile (r 0.91 and 0.80), below the pure ones' (1.00)
const OTHER_BOUND_HIGH_BETA = 1e-3; // … and less than this once HIGH_BETA excludes the mixed channels

let demo: DemoPack;
let faces: Float32Array[];
let before: Attributes[];
let smiling: Float32Array;

const change = (after: Attributes, was: Attributes) => Object.fromEntries(DESIGN.attributes.map((a) => [a, after[a] - was[a]]));
const othersMax = (delta: Attributes, except: string) => Math.max(...DESIGN.attributes.filter((a) => a !== except).map((a) => Math.abs(delta[a])));

async function editedAttributes(face: number, options: { alpha: number; beta: number }) {
  const { s, channelsKept } = demo.edit(faces[face], smiling, options);
  return { delta: change(await demo.attributes(await demo.render(s)), before[face]), channelsKept };
}

beforeAll(async () => {
  demo = await DemoPack.open();
  faces = await demo.randomS(FACES, 2024);
  before = [];
  for (const s of faces) before.push(await demo.attributes(await demo.render(s)));
  smiling = await demo.deltaT(DEFAULT_NEUTRAL, 'smiling face');
});

describe('demo pack: "smiling face" vs "face"', () => {
  it.each([0, 1, 2])(`face %i: raises the measured smile by more than ${SMILE_RISE} and moves nothing else by ${OTHER_BOUND} or more`, async (face) => {
    const { delta } = await editedAttributes(face, { alpha: DEFAULT_ALPHA, beta: DEFAULT_BETA });
    expect(delta.smile).toBeGreaterThan(SMILE_RISE);
    expect(othersMax(delta, 'smile')).toBeLessThan(OTHER_BOUND);
  });

  it(`moves the other attributes by less than ${OTHER_BOUND_HIGH_BETA} when β ${HIGH_BETA} keeps only the pure smile channels`, async () => {
    const { delta, channelsKept } = await editedAttributes(0, { alpha: DEFAULT_ALPHA, beta: HIGH_BETA });
    expect(delta.smile).toBeGreaterThan(SMILE_RISE);
    expect(othersMax(delta, 'smile')).toBeLessThan(OTHER_BOUND_HIGH_BETA);
    const pure = DESIGN.convChannels.filter((w) => w[0] !== 0 && w.every((v, k) => k === 0 || v === 0)).length;
    expect(channelsKept).toBe(pure);
  });

  it('keeps fewer channels as β grows, and never a channel that draws no smile', () => {
    const scores = demo.scores(smiling);
    const kept = [0.05, 0.15, 0.5, 0.75, 0.95].map((beta) => demo.edit(faces[0], smiling, { alpha: 1, beta }).channelsKept);
    for (let i = 1; i < kept.length; i++) expect(kept[i]).toBeLessThanOrEqual(kept[i - 1]);
    expect(kept[0]).toBeGreaterThan(kept.at(-1)!);
    // At the default β every kept channel draws some smile.
    scores.forEach((r, row) => {
      if (Math.abs(r) >= DEFAULT_BETA) expect(DESIGN.convChannels[row][0], `row ${row}`).not.toBe(0);
    });
  });

  it('reverses the change with a negative α', async () => {
    const up = await editedAttributes(1, { alpha: DEFAULT_ALPHA, beta: DEFAULT_BETA });
    const down = await editedAttributes(1, { alpha: -DEFAULT_ALPHA, beta: DEFAULT_BETA });
    expect(up.delta.smile).toBeGreaterThan(SMILE_RISE);
    expect(down.delta.smile).toBeLessThan(-SMILE_RISE);
  });

  it.each([
    ['face with glasses', 'glasses', 1],
    ['bearded face', 'beard', 1],
    ['old face', 'age', 1],
    ['face with blonde hair', 'hair_light', 1],
    ['face with red hair', 'hair_red', 1],
    ['face with closed eyes', 'eyes_open', -1],
    ['sad face', 'smile', -1],
  ] as const)('"%s" moves %s (sign %i) more than any other attribute', async (target, attribute, sign) => {
    const deltaT = await demo.deltaT(DEFAULT_NEUTRAL, target);
    const { s } = demo.edit(faces[2], deltaT, { alpha: DEFAULT_ALPHA, beta: DEFAULT_BETA });
    const delta = change(await demo.attributes(await demo.render(s)), before[2]);
    expect(sign * delta[attribute]).toBeGreaterThan(0.15);
    expect(othersMax(delta, attribute)).toBeLessThan(Math.abs(delta[attribute]) / 3);
  });
});
