// The panel's edit form: what the user set (prompt, neutral, method, α, β, mapper strength) and how it becomes
// the contract's edit stack (contract/edit-spec.ts) and recipe, and how a recipe or a Quick Actions prompt
// fills it again. Every check is the contract's own (contract/edit-problems.ts).
import { problemsOf, type PackFacts } from '../contract/edit-problems';
import {
  DEFAULT_ALPHA, DEFAULT_BETA, DEFAULT_MAPPER_STRENGTH, DEFAULT_NEUTRAL, PROMPT_WARN_WORDS, globalEdit, mapperEdit, type EditSpec,
} from '../contract/edit-spec';
import { findPreset, type Preset } from '../contract/presets';
import type { EditRecipe, Recipe } from '../contract/recipe';
import { encodeLatent } from './latent-file';

/**
 * The method <select>'s values: 'global', 'mapper:<name>' for one of the pack's mappers, or 'latent' for a W+
 * file from the offline optimiser (python3 -m models.optimize), rendered as it is.
 */
export type MethodChoice = 'global' | 'latent' | `mapper:${string}`;

/** A picked latent file, inverted into the engine as a face. */
export interface LoadedLatent {
  file: string;
  wPlus: Float32Array;
  faceKey: string;
}

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
  if (recipe.latent !== null) return { ...DEFAULT_FORM, method: 'latent' };
  const [edit] = recipe.edits;
  if (edit === undefined) return DEFAULT_FORM;
  return edit.kind === 'global'
    ? { ...DEFAULT_FORM, prompt: edit.target, neutral: edit.neutral, alpha: edit.alpha, beta: edit.beta }
    : { ...DEFAULT_FORM, method: `mapper:${edit.mapper}`, mapperStrength: edit.strength };
}

export function mapperName(method: MethodChoice): string | null {
  return method.startsWith('mapper:') ? method.slice('mapper:'.length) : null;
}

/** The edits for the form: one global direction, one mapper, or none (a latent is rendered as it is). */
export function editsFor(form: EditForm): EditSpec[] {
  if (form.method === 'latent') return [];
  const mapper = mapperName(form.method);
  if (mapper !== null) return [mapperEdit({ mapper, strength: form.mapperStrength })];
  return [globalEdit({ target: form.prompt.trim(), neutral: form.neutral.trim(), alpha: form.alpha, beta: form.beta })];
}

/** Why the form cannot be rendered yet, in the contract's words, or null. A mapper edit needs no prompt. */
export function formProblem(form: EditForm, pack: PackFacts | null, latent: LoadedLatent | null): string | null {
  if (form.method === 'latent' && latent === null) return 'Pick the latent file (.npy) to render, e.g. the wplus.npy of python3 -m models.optimize.';
  return problemsOf(editsFor(form), pack)[0]?.message ?? null;
}

/** Warnings about the prompt before anything runs (the engine adds its own, e.g. text cut to CLIP's context). */
export function promptWarnings(form: EditForm): string[] {
  if (form.method !== 'global') return [];
  const words = form.prompt.trim().split(/\s+/).filter(Boolean).length;
  return words > PROMPT_WARN_WORDS
    ? [`The prompt has ${words} words; CLIP reads about ${PROMPT_WARN_WORDS}, so the end will be ignored. Describe the change in a few words.`]
    : [];
}

/** What APPLY_RESULT carries; the main thread adds the source node. A latent travels as its W+ (ui/latent-file.ts). */
export function recipeFor(form: EditForm, { packId, faceIndex, latent }: { packId: string; faceIndex: number; latent: LoadedLatent | null }): EditRecipe {
  const used = form.method === 'latent' && latent !== null ? { file: latent.file, wPlus: encodeLatent(latent.wPlus) } : null;
  return { edits: editsFor(form), latent: used, packId, faceIndex };
}
