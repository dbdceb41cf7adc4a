// A labelled range input with its value beside it; arrow keys, Page Up/Down, Home and End work as on any range.
export interface StrengthSliderProps {
  id: string;
  label: string;
  value: number;
  min: number;
  max: number;
  step: number;
  testid: string;
  disabled?: boolean;
  /** Every change while dragging or pressing keys. */
  onInput: (value: number) => void;
  /** The value is settled: the pointer was released, or a key moved it (the native change event). */
  onCommit?: () => void;
  hint?: string;
}

export function StrengthSlider({ id, label, value, min, max, step, testid, disabled = false, onInput, onCommit, hint }: StrengthSliderProps) {
  const decimals = step < 0.1 ? 2 : 1;
  return (
    <div class="field slider-field">
      <label for={id} title={hint}>{label}</label>
      <input
        id={id}
        type="range"
        data-testid={testid}
        min={min}
        max={max}
        step={step}
        value={value}
        disabled={disabled}
        aria-valuetext={value.toFixed(decimals)}
        onInput={(event) => onInput(Number(event.currentTarget.value))}
        onChange={() => onCommit?.()}
      />
      <output for={id} class="slider-value">{value.toFixed(decimals)}</output>
    </div>
  );
}
