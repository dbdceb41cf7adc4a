// The panel's edit form: what the user set (prompt, neutral, method, α, β, mapper strength), how it becomes
// the engine's EditSpec list and the recipe stored on the result layer, and how a recipe or a Quick Actions
// prompt fills it again.
import type { EditRecipe, Recipe } from '../plugin/protocol';
import { ALPHA_MAX, ALPHA_MIN, BETA_MIN, DEFAULT_ALPHA, DEFAULT_BETA, DEFAULT_MAPPER_STRENGTH, DEFAULT_NEUTRAL } from '../contract/edit-defaults';
import type { EditSpec } from './worker/engine-api';
import { findPreset } from '../contract/presets';

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

/** CLIP reads 77 tokens including start and end (spec/styleclip.md); ~1.3 tokens a word → warn past 55 words. */
export const PROMPT_WARN_WORDS = 55;
/** Mapper strength slider: 0…2 around upstream's 1 (our own scaling knob, ui/worker/defaults.ts). */
export const MAPPER_STRENGTH_MIN = 0;
export const MAPPER_STRENGTH_MAX = 2;

export const DEFAULT_FORM: EditForm = {
  prompt: '',
  neutral: DEFAULT_NEUTRAL,
  method: 'global',
  alpha: DEFAULT_ALPHA,
  beta: DEFAULT_BETA,
  mapperStrength: DEFAULT_MAPPER_STRENGTH,
};

/** The form for a typed prompt: a preset's own neutral text when the prompt names one ("grey hair" → "face with hair"). */
export function formFromPrompt(prompt: string): EditForm {
  const preset = findPreset(prompt);
  return { ...DEFAULT_FORM, prompt: prompt.trim(), neutral: preset?.neutral ?? DEFAULT_NEUTRAL };
}

/** The form an "Edit again" recipe describes. */
export function formFromRecipe(recipe: Recipe | EditRecipe): EditForm {
  return {
    prompt: recipe.prompt,
    neutral: recipe.neutral,
    method: recipe.method === 'mapper' && recipe.mapper !== null ? `mapper:${recipe.mapper}` : 'global',
    alpha: recipe.alpha,
    beta: recipe.beta,
    mapperStrength: recipe.mapperStrength,
  };
}

export function mapperName(method: MethodChoice): string | null {
  return method.startsWith('mapper:') ? method.slice('mapper:'.length) : null;
}

/** Why the form cannot be rendered yet, or null. A mapper edit needs no prompt. */
export function formProblem(form: EditForm): string | null {
  if (mapperName(form.method) !== null) return null;
  if (form.prompt.trim() === '') return 'Type what the face should look like, e.g. “smiling face”, or pick a preset.';
  if (form.neutral.trim() === '') return `Type the neutral text (what the face is now), e.g. “${DEFAULT_NEUTRAL}”.`;
  if (!Number.isFinite(form.alpha) || form.alpha < ALPHA_MIN || form.alpha > ALPHA_MAX) return `α must be between ${ALPHA_MIN} and ${ALPHA_MAX}.`;
  if (!Number.isFinite(form.beta) || form.beta < BETA_MIN) return `β must be ≥ ${BETA_MIN}.`;
  return null;
}

/** Warnings about the prompt before anything runs (the engine adds its own, e.g. text cut to CLIP's context). */
export function promptWarnings(form: EditForm): string[] {
  const words = form.prompt.trim().split(/\s+/).filter(Boolean).length;
  return words > PROMPT_WARN_WORDS
    ? [`The prompt has ${words} words; CLIP reads about ${PROMPT_WARN_WORDS}, so the end will be ignored. Describe the change in a few words.`]
    : [];
}

/** The engine edits for the form: one global direction, or one mapper. */
export function editsFor(form: EditForm): EditSpec[] {
  const mapper = mapperName(form.method);
  if (mapper !== null) return [{ kind: 'mapper', mapper, strength: form.mapperStrength }];
  return [{ kind: 'global', target: form.prompt.trim(), neutral: form.neutral.trim(), alpha: form.alpha, beta: form.beta }];
}

/** What APPLY_RESULT carries; the main thread adds the source node. */
export function recipeFor(form: EditForm, { packId, faceIndex }: { packId: string; faceIndex: number }): EditRecipe {
  const mapper = mapperName(form.method);
  return {
    prompt: mapper !== null && form.prompt.trim() === '' ? mapper : form.prompt.trim(),
    neutral: form.neutral.trim() || DEFAULT_NEUTRAL,
    method: mapper !== null ? 'mapper' : 'global',
    alpha: form.alpha,
    beta: form.beta,
    mapper,
    mapperStrength: form.mapperStrength,
    packId,
    faceIndex,
  };
}
