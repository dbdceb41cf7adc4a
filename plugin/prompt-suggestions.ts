// Quick Actions suggestions for the "Edit with text…" prompt, from the preset library.
import { PRESETS } from '../contract/presets';

/** At most this many Quick Actions suggestions; Figma shows about eight rows without scrolling. */
export const MAX_SUGGESTIONS = 8;

/**
 * Quick Actions suggestions while the prompt is typed: what was typed first (so free text stays one
 * Enter away), then the preset targets whose label or text contains it. The typings allow setSuggestions
 * on allowFreeform parameters; it is setError that they do not allow.
 */
export function promptSuggestions(query: string): string[] {
  const typed = query.trim();
  const wanted = typed.toLowerCase();
  const presets = PRESETS.filter((preset) => preset.label.includes(wanted) || preset.target.includes(wanted)).map((preset) => preset.target);
  const unique = [...new Set(typed === '' ? presets : [typed, ...presets.filter((target) => target !== typed)])];
  return unique.slice(0, MAX_SUGGESTIONS);
}
