// The before/after toggle of the preview in place: a button, and the B key anywhere in the panel except in a
// text field (where B is a letter). "Before" is the photo's own crop around the face; "after" is the edited face
// pasted into it as Apply will write it.
import { useEffect } from 'preact/hooks';

export interface BeforeAfterToggleProps {
  showingBefore: boolean;
  disabled: boolean;
  onToggle: () => void;
}

/** Keys that type text: B there is a letter, not the toggle. */
function typesText(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  if (target.isContentEditable || target instanceof HTMLTextAreaElement || target instanceof HTMLSelectElement) return true;
  return target instanceof HTMLInputElement && !['range', 'checkbox', 'radio', 'button', 'submit', 'file'].includes(target.type);
}

export function BeforeAfterToggle({ showingBefore, disabled, onToggle }: BeforeAfterToggleProps) {
  useEffect(() => {
    if (disabled) return undefined;
    const onKeyDown = (event: KeyboardEvent) => {
      if (event.key !== 'b' && event.key !== 'B') return;
      if (event.ctrlKey || event.metaKey || event.altKey || event.repeat || typesText(event.target)) return;
      event.preventDefault();
      onToggle();
    };
    window.addEventListener('keydown', onKeyDown);
    return () => window.removeEventListener('keydown', onKeyDown);
  }, [disabled, onToggle]);
  return (
    <button type="button" class="button-secondary toggle" data-testid="before-after-toggle" aria-pressed={showingBefore} aria-keyshortcuts="B"
      title="Compare with the photo as it is (B)" disabled={disabled} onClick={onToggle}>
      {showingBefore ? 'Show after' : 'Show before'}
    </button>
  );
}
