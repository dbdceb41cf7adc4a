// The built-in prompt library as chips; the one matching the current prompt is pressed.
import type { Preset } from '../../contract/presets';

export interface PresetChipsProps {
  presets: readonly Preset[];
  prompt: string;
  disabled: boolean;
  onPick: (preset: Preset) => void;
}

/** "grey hair" → "preset-chip-grey-hair". */
export function presetTestId(label: string): string {
  return `preset-chip-${label.trim().replace(/\s+/g, '-')}`;
}

export function PresetChips({ presets, prompt, disabled, onPick }: PresetChipsProps) {
  return (
    <div class="chips" role="group" aria-label="Presets">
      {presets.map((preset) => (
        <button key={preset.label} type="button" class="chip" data-testid={presetTestId(preset.label)} aria-pressed={preset.target === prompt.trim()}
          disabled={disabled} title={`${preset.neutral} → ${preset.target}`} onClick={() => onPick(preset)}>
          {preset.label}
        </button>
      ))}
    </div>
  );
}
