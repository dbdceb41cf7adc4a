import { describe, expect, it } from 'vitest';
import { DEFAULT_NEUTRAL } from '../../contract/edit-spec';
import { findPreset, PRESETS } from '../../contract/presets';

describe('presets', () => {
  it('holds distinct labels and targets, none equal to its neutral', () => {
    expect(PRESETS.length).toBeGreaterThanOrEqual(15);
    expect(new Set(PRESETS.map((p) => p.label)).size).toBe(PRESETS.length);
    expect(new Set(PRESETS.map((p) => p.target)).size).toBe(PRESETS.length);
    for (const preset of PRESETS) {
      expect(preset.target).not.toBe(preset.neutral);
      // Templates supply the article ("a photo of a {}."), as upstream's class names assume.
      expect(preset.target).not.toMatch(/^(a|an|the) /);
      expect(preset.neutral).not.toMatch(/^(a|an|the) /);
    }
    expect(findPreset('smiling')).toEqual({ label: 'smiling', neutral: DEFAULT_NEUTRAL, target: 'smiling face' });
  });

  it.each([
    ['smiling', 'smiling'],
    ['  SMILING ', 'smiling'],
    ['smiling face', 'smiling'],
    ['A smiling face.', 'smiling'],
    ['grey   hair', 'grey hair'],
    ['face with Grey Hair', 'grey hair'],
    ['a face with a beard', 'beard'],
    ['Glasses', 'glasses'],
  ])('matches "%s" to the %s preset', (prompt, label) => {
    expect(findPreset(prompt)?.label).toBe(label);
  });

  it.each(['', '   ', 'smiling dog', 'face', 'purple hair', '😀'])('finds no preset for "%s"', (prompt) => {
    expect(findPreset(prompt)).toBeUndefined();
  });
});
