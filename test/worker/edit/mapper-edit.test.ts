import { describe, expect, it } from 'vitest';
import { applyMapperDelta } from '../../../ui/worker/edit/mapper-edit';
import { readGoldenNpy } from '../../helpers/golden';
import { expectClose, maxAbsDiff } from '../../helpers/tolerance';

const wPlusIn = readGoldenNpy('mapper-tiny/wplus_in.npy');
const delta = readGoldenNpy('mapper-tiny/delta.npy').data as Float32Array;
const wPlusEdited = readGoldenNpy('mapper-tiny/wplus_edited.npy').data as Float32Array;
const [batch] = wPlusIn.shape;
const size = wPlusIn.data.length / batch;
const row = (data: Float32Array, i: number) => data.subarray(i * size, (i + 1) * size);

describe('applyMapperDelta', () => {
  it.each(Array.from({ length: batch }, (_, i) => ({ sample: i })))(
    'reproduces upstream w + 0.1·M(w) for golden sample $sample within 1e-4',
    ({ sample }) => {
      const edited = applyMapperDelta(row(wPlusIn.data as Float32Array, sample), row(delta, sample), 1);
      expectClose(edited, row(wPlusEdited, sample), 1e-4, 'wplus_edited');
    },
  );

  it('scales the offset linearly with strength', () => {
    const w = row(wPlusIn.data as Float32Array, 0);
    const d = row(delta, 0);
    const offset = (strength: number) => Float32Array.from(applyMapperDelta(w, d, strength), (v, i) => v - w[i]);
    const one = offset(1);
    expect(maxAbsDiff(one, new Float32Array(size)).value).toBeGreaterThan(1e-3);
    for (const strength of [0, 0.5, 2, -1]) {
      expectClose(offset(strength), Float32Array.from(one, (v) => strength * v), 1e-5, `strength ${strength}`);
    }
    expect(Array.from(applyMapperDelta(w, d, 0))).toEqual(Array.from(w));
  });

  it('names the argument whose length is wrong', () => {
    const w = row(wPlusIn.data as Float32Array, 0);
    expect(() => applyMapperDelta(w, delta, 1)).toThrow('`delta` has');
    expect(() => applyMapperDelta(w, row(delta, 0), Number.NaN)).toThrow('`strength`');
  });
});
