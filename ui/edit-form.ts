// The panel's edit form: what the user set (prompt, neutral, method, α, β, mapper strength) and how it becomes
// the contract's edit stack (contract/edit-spec.ts) and recipe, and how a recipe or a Quick Actions prompt
// fills it again. Every check is the contract's own (contract/edit-problems.ts).
import { problemsOf, type PackFacts } from '../contract/edit-problems';
import {
  DEFAULT_ALPHA, DEFAULT_BETA, DEFAULT_MAPPER_STRENGTH, DEFAULT_NEUTRAL, PROMPT_WARN_WORDS, globalEdit, mapperEdit, type EditSpec,
} from '../contract/edit-spec';
import { findPreset, type Preset } from '../contract/presets';
import type { EditRecipe, Recipe } from '../contract/recipe';

/** 'global', or 'mapper:<name>' for one of the pack's mappers (the method <select>'s values). */
export type MethodChoice = 'global' | `mapper:${string}`;

export interface EditForm {
  prompt: string;
  neutral: string;
  method: MethodChoice;
  alpha: number;
  beta: number;
  mapperStrength: number;
}

export const DEFAULT_FORM: EditForm = {
  prompt: '',
  neutral: DEFAULT_NEUTRAL,
  method: 'global',
  alpha: DEFAULT_ALPHA,
  beta: DEFAULT_BETA,
  mapperStrength: DEFAULT_MAPPER_STRENGTH,
};

/** The form for a typed prompt: a preset's own neutral text when the prompt names one ("grey hair" → "face with hair"). */
export function formFromPrompt(prompt: string, presets?: readonly Preset[]): EditForm {
  const preset = findPreset(prompt, presets);
  return { ...DEFAULT_FORM, prompt: prompt.trim(), neutral: preset?.neutral ?? DEFAULT_NEUTRAL };
}

/** The form an "Edit again" recipe describes (its first edit: the panel edits one at a time). */
export function formFromRecipe(recipe: Recipe | EditRecipe): EditForm {
  const [edit] = recipe.edits;
  if (edit === undefined) return DEFAULT_FORM;
  return edit.kind === 'global'
    ? { ...DEFAULT_FORM, prompt: edit.target, neutral: edit.neutral, alpha: edit.alpha, beta: edit.beta }
    : { ...DEFAULT_FORM, method: `mapper:${edit.mapper}`, mapperStrength: edit.strength };
}

export function mapperName(method: MethodChoice): string | null {
  return method.startsWith('mapper:') ? method.slice('mapper:'.length) : null;
}

/** The edits for the form: one global direction, or one mapper. */
export function editsFor(form: EditForm): EditSpec[] {
  const mapper = mapperName(form.method);
  if (mapper !== null) return [mapperEdit({ mapper, strength: form.mapperStrength })];
  return [globalEdit({ target: form.prompt.trim(), neutral: form.neutral.trim(), alpha: form.alpha, beta: form.beta })];
}

/** Why the form cannot be rendered yet, in the contract's words, or null. A mapper edit needs no prompt. */
export function formProblem(form: EditForm, pack: PackFacts | null): string | null {
  return problemsOf(editsFor(form), pack)[0]?.message ?? null;
}

/** Warnings about the prompt before anything runs (the engine adds its own, e.g. text cut to CLIP's context). */
export function promptWarnings(form: EditForm): string[] {
  if (mapperName(form.method) !== null) return [];
  const words = form.prompt.trim().split(/\s+/).filter(Boolean).length;
  return words > PROMPT_WARN_WORDS
    ? [`The prompt has ${words} words; CLIP reads about ${PROMPT_WARN_WORDS}, so the end will be ignored. Describe the change in a few words.`]
    : [];
}

/** What APPLY_RESULT carries; the main thread adds the source node. */
export function recipeFor(form: EditForm, { packId, faceIndex }: { packId: string; faceIndex: number }): EditRecipe {
  return { edits: editsFor(form), packId, faceIndex };
}
