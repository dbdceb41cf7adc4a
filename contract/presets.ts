// Built-in prompts for global-direction edits. Texts follow upstream's convention: no leading article,
// since the prompt templates supply one ("a photo of a {}."). Pairs with a specific neutral (hair) follow
// the StyleCLIP README's examples ("face with hair" → "face with blonde hair").
import { DEFAULT_NEUTRAL } from './edit-spec';

/** A prompt pair with a chip label; also what pack.json's `presets.entries` hold. */
export interface Preset {
  /** Short chip label. */
  readonly label: string;
  readonly neutral: string;
  readonly target: string;
}

const HAIR = 'face with hair';

export const PRESETS: readonly Preset[] = [
  { label: 'smiling', neutral: DEFAULT_NEUTRAL, target: 'smiling face' },
  { label: 'sad', neutral: DEFAULT_NEUTRAL, target: 'sad face' },
  { label: 'surprised', neutral: DEFAULT_NEUTRAL, target: 'surprised face' },
  { label: 'angry', neutral: DEFAULT_NEUTRAL, target: 'angry face' },
  { label: 'old', neutral: DEFAULT_NEUTRAL, target: 'old face' },
  { label: 'young', neutral: DEFAULT_NEUTRAL, target: 'young face' },
  { label: 'male', neutral: 'female face', target: 'male face' },
  { label: 'female', neutral: 'male face', target: 'female face' },
  { label: 'grey hair', neutral: HAIR, target: 'face with grey hair' },
  { label: 'blonde hair', neutral: HAIR, target: 'face with blonde hair' },
  { label: 'curly hair', neutral: HAIR, target: 'face with curly hair' },
  { label: 'long hair', neutral: HAIR, target: 'face with long hair' },
  { label: 'bald', neutral: HAIR, target: 'bald face' },
  { label: 'beard', neutral: DEFAULT_NEUTRAL, target: 'face with a beard' },
  { label: 'glasses', neutral: DEFAULT_NEUTRAL, target: 'face with glasses' },
  { label: 'makeup', neutral: DEFAULT_NEUTRAL, target: 'face with makeup' },
  { label: 'blue eyes', neutral: 'face with eyes', target: 'face with blue eyes' },
];

/** The presets to offer: the pack's own when it stores some (their Δt needs no text model), else the built-in list. */
export function presetsFor(packPresets: readonly Preset[] | null | undefined): readonly Preset[] {
  return packPresets !== null && packPresets !== undefined && packPresets.length > 0 ? packPresets : PRESETS;
}

/**
 * The preset a typed prompt names, matching its label or target text regardless of case, spacing,
 * a leading article and a final full stop ("Smiling", "a smiling face." → smiling).
 */
export function findPreset(prompt: string, presets: readonly Preset[] = PRESETS): Preset | undefined {
  const wanted = normalise(prompt);
  if (wanted === '') return undefined;
  return presets.find((preset) => normalise(preset.label) === wanted || normalise(preset.target) === wanted);
}

function normalise(text: string): string {
  return text
    .toLowerCase()
    .replace(/\s+/g, ' ')
    .trim()
    .replace(/\.+$/, '')
    .trim()
    .replace(/^(a|an|the) /, '');
}
