// The edit list: one row per edit of the stack ("smiling face" + "grey hair"), each with its own sliders (α and
// β for a global direction, strength for a mapper) and a remove button; the active row is the one the prompt
// field, chips and method list above edit. Every slider previews the whole stack.
import { ALPHA_SLIDER, BETA_SLIDER, MAPPER_STRENGTH_SLIDER, MAX_EDITS } from '../../contract/edit-spec';
import { mapperName, rowLabel, type EditForm, type EditRow } from '../edit-form';
import { StrengthSlider } from './strength-slider';
import './edit-stack.css';

export interface EditStackProps {
  form: EditForm;
  disabled: boolean;
  onSelect: (index: number) => void;
  onChange: (index: number, change: Partial<EditRow>) => void;
  /** A slider came to rest (released, or moved by a key). */
  onCommit: () => void;
  onAdd: () => void;
  onRemove: (index: number) => void;
}

export function EditStack({ form, disabled, onSelect, onChange, onCommit, onAdd, onRemove }: EditStackProps) {
  const several = form.rows.length > 1;
  return (
    <section class="edit-stack" aria-label="Edits" data-testid="edit-stack" data-count={form.rows.length}>
      <ol class="edit-rows">
        {form.rows.map((row, i) => {
          const active = i === form.active;
          return (
            <li key={i} class={active ? 'edit-row edit-row-active' : 'edit-row'} data-testid="edit-row" data-index={i} data-active={active} role="group" aria-label={`Edit ${i + 1}: ${rowLabel(row)}`}>
              {several && (
                <div class="edit-row-head">
                  <button type="button" class="edit-row-label" data-testid="edit-row-select" aria-pressed={active} disabled={disabled}
                    title="Edit this row with the prompt, presets and method above" onClick={() => onSelect(i)}>
                    {`${i + 1}. ${rowLabel(row)}`}
                  </button>
                  <button type="button" class="edit-row-remove" data-testid="edit-row-remove" aria-label={`Remove edit ${i + 1}`} disabled={disabled} onClick={() => onRemove(i)}>×</button>
                </div>
              )}
              <RowSliders row={row} index={i} disabled={disabled} onChange={(change) => onChange(i, change)} onCommit={onCommit} />
            </li>
          );
        })}
      </ol>
      <button type="button" class="button-secondary add-edit" data-testid="add-edit" disabled={disabled || form.rows.length >= MAX_EDITS}
        title={`Stack another edit on this one (up to ${MAX_EDITS})`} onClick={onAdd}>
        + Add edit
      </button>
    </section>
  );
}

function RowSliders({ row, index, disabled, onChange, onCommit }: { row: EditRow; index: number; disabled: boolean; onChange: (change: Partial<EditRow>) => void; onCommit: () => void }) {
  if (row.method === 'global') {
    return (
      <>
        <StrengthSlider id={`alpha-slider-${index}`} testid="alpha-slider" label="Strength α" value={row.alpha} min={ALPHA_SLIDER.min} max={ALPHA_SLIDER.max} step={ALPHA_SLIDER.step} disabled={disabled}
          hint="How far to move: negative values edit the opposite way" onInput={(alpha) => onChange({ alpha })} onCommit={onCommit} />
        <StrengthSlider id={`beta-slider-${index}`} testid="beta-slider" label="Disentangle β" value={row.beta} min={BETA_SLIDER.min} max={BETA_SLIDER.max} step={BETA_SLIDER.step} disabled={disabled}
          hint="Higher keeps fewer channels: a more targeted, weaker edit" onInput={(beta) => onChange({ beta })} onCommit={onCommit} />
      </>
    );
  }
  if (mapperName(row.method) !== null) {
    return (
      <StrengthSlider id={`strength-slider-${index}`} testid="strength-slider" label="Strength" value={row.mapperStrength} min={MAPPER_STRENGTH_SLIDER.min} max={MAPPER_STRENGTH_SLIDER.max} step={MAPPER_STRENGTH_SLIDER.step} disabled={disabled}
        onInput={(mapperStrength) => onChange({ mapperStrength })} onCommit={onCommit} />
    );
  }
  return null;
}
