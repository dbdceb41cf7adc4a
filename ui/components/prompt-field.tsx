// Prompt (target text) and neutral text; Enter in either renders a preview. Both stop at the contract's
// MAX_TEXT_LENGTH, so a prompt the recipe and CLIP cannot hold is never typed in the first place.
import { MAX_TEXT_LENGTH } from '../../contract/edit-spec';

export interface PromptFieldProps {
  prompt: string;
  neutral: string;
  disabled: boolean;
  onChange: (change: { prompt?: string; neutral?: string }) => void;
  onSubmit: () => void;
}

export function PromptField({ prompt, neutral, disabled, onChange, onSubmit }: PromptFieldProps) {
  const onKeyDown = (event: KeyboardEvent) => {
    if (event.key === 'Enter') {
      event.preventDefault();
      onSubmit();
    }
  };
  return (
    <div class="prompt-fields">
      <div class="field">
        <label for="prompt-input">Make the face look like</label>
        <input id="prompt-input" data-testid="prompt-input" type="text" value={prompt} placeholder="e.g. smiling face" maxLength={MAX_TEXT_LENGTH} disabled={disabled} autocomplete="off" spellcheck={false}
          onInput={(event) => onChange({ prompt: event.currentTarget.value })} onKeyDown={onKeyDown} />
      </div>
      <div class="field">
        <label for="neutral-input" title="What the face is now; the edit moves from this text towards the prompt">Starting from</label>
        <input id="neutral-input" data-testid="neutral-input" type="text" value={neutral} placeholder="face" maxLength={MAX_TEXT_LENGTH} disabled={disabled} autocomplete="off" spellcheck={false}
          onInput={(event) => onChange({ neutral: event.currentTarget.value })} onKeyDown={onKeyDown} />
      </div>
    </div>
  );
}
