// Tolerance checks that report the largest deviation and where it is, so a failure says how far off we are.
import { expect } from 'vitest';

export interface MaxDiff {
  value: number;
  index: number;
}

export function maxAbsDiff(actual: ArrayLike<number>, expected: ArrayLike<number>): MaxDiff {
  expect(actual.length, 'length').toBe(expected.length);
  let worst: MaxDiff = { value: 0, index: -1 };
  for (let i = 0; i < expected.length; i++) {
    const d = Math.abs(actual[i] - expected[i]);
    if (!(d <= worst.value)) worst = { value: Number.isNaN(d) ? Infinity : d, index: i };
  }
  return worst;
}

export function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tolerance: number, what = 'values'): void {
  const { value, index } = maxAbsDiff(actual, expected);
  expect(
    value,
    `${what}: max |diff| ${value.toExponential(3)} at index ${index} (actual ${actual[index]}, expected ${expected[index]})`,
  ).toBeLessThanOrEqual(tolerance);
}
