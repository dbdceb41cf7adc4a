// The panel's edit form: a list of edit rows (prompt, neutral, method, α, β, mapper strength), one of them
// being edited by the prompt field, the chips and the method list, and how the rows become the contract's
// edit stack (contract/edit-spec.ts) and recipe, and how a recipe or a Quick Actions prompt fills them again.
// Every check is the contract's own (contract/edit-problems.ts).
import { problemsOf, type PackFacts } from '../contract/edit-problems';
import {
  DEFAULT_ALPHA, DEFAULT_BETA, DEFAULT_MAPPER_STRENGTH, DEFAULT_NEUTRAL, MAX_EDITS, PROMPT_WARN_WORDS, editLabel, globalEdit, mapperEdit, type EditSpec,
} from '../contract/edit-spec';
import { findPreset, type Preset } from '../contract/presets';
import type { EditRecipe, Recipe } from '../contract/recipe';
import { encodeLatent } from './latent-file';

/**
 * A row's method <select> values: 'global', 'mapper:<name>' for one of the pack's mappers, or 'latent' for a W+
 * file from the offline optimiser (python3 -m models.optimize), rendered instead of the inversion with the
 * other rows' edits on top.
 */
export type MethodChoice = 'global' | 'latent' | `mapper:${string}`;

/** A picked latent file, inverted into the engine as a face. */
export interface LoadedLatent {
  file: string;
  wPlus: Float32Array;
  faceKey: string;
}

/** One row of the edit list: one edit of the stack (or the latent the stack starts from). */
export interface EditRow {
  prompt: string;
  neutral: string;
  method: MethodChoice;
  alpha: number;
  beta: number;
  mapperStrength: number;
}

export interface EditForm {
  /** Never empty, at most MAX_EDITS. */
  rows: readonly EditRow[];
  /** The row the prompt field, chips and method list edit. */
  active: number;
}

export const DEFAULT_ROW: EditRow = {
  prompt: '',
  neutral: DEFAULT_NEUTRAL,
  method: 'global',
  alpha: DEFAULT_ALPHA,
  beta: DEFAULT_BETA,
  mapperStrength: DEFAULT_MAPPER_STRENGTH,
};

export const DEFAULT_FORM: EditForm = { rows: [DEFAULT_ROW], active: 0 };

/** The row the shared fields edit. */
export function activeRow(form: EditForm): EditRow {
  return form.rows[form.active] ?? form.rows[0] ?? DEFAULT_ROW;
}

/** The form with one row changed (the active one unless `index` is given). */
export function updateRow(form: EditForm, change: Partial<EditRow>, index = form.active): EditForm {
  if (form.rows[index] === undefined) return form;
  return { ...form, rows: form.rows.map((row, i) => (i === index ? { ...row, ...change } : row)) };
}

/** A new empty global row at the end, made active; the form as it is at MAX_EDITS rows. */
export function addRow(form: EditForm): EditForm {
  if (form.rows.length >= MAX_EDITS) return form;
  return { rows: [...form.rows, DEFAULT_ROW], active: form.rows.length };
}

/** The form without row `index`; the last row is emptied rather than removed, so there is always one to edit. */
export function removeRow(form: EditForm, index: number): EditForm {
  if (form.rows[index] === undefined) return form;
  if (form.rows.length === 1) return DEFAULT_FORM;
  const rows = form.rows.filter((_, i) => i !== index);
  const active = form.active > index ? form.active - 1 : Math.min(form.active, rows.length - 1);
  return { rows, active };
}

/** The form with row `index` active. */
export function selectRow(form: EditForm, index: number): EditForm {
  return form.rows[index] === undefined ? form : { ...form, active: index };
}

/** What the row list shows for a row: its prompt, mapper or latent. */
export function rowLabel(row: EditRow): string {
  if (row.method === 'latent') return 'Optimised latent';
  const edit = editOf(row);
  return edit === null || (edit.kind === 'global' && edit.target === '') ? 'New edit: type a prompt or pick a preset' : editLabel(edit);
}

/** The form for a typed prompt: a preset's own neutral text when the prompt names one ("grey hair" → "face with hair"). */
export function formFromPrompt(prompt: string, presets?: readonly Preset[]): EditForm {
  const preset = findPreset(prompt, presets);
  return { rows: [{ ...DEFAULT_ROW, prompt: prompt.trim(), neutral: preset?.neutral ?? DEFAULT_NEUTRAL }], active: 0 };
}

/** The form an "Edit again" recipe describes: one row per edit, after a latent row when it starts from a latent. */
export function formFromRecipe(recipe: Recipe | EditRecipe): EditForm {
  const rows: EditRow[] = recipe.edits.slice(0, MAX_EDITS).map((edit) =>
    edit.kind === 'global'
      ? { ...DEFAULT_ROW, prompt: edit.target, neutral: edit.neutral, alpha: edit.alpha, beta: edit.beta }
      : { ...DEFAULT_ROW, method: `mapper:${edit.mapper}`, mapperStrength: edit.strength },
  );
  if (recipe.latent !== null) rows.unshift({ ...DEFAULT_ROW, method: 'latent' });
  return rows.length === 0 ? DEFAULT_FORM : { rows: rows.slice(0, MAX_EDITS), active: 0 };
}

export function mapperName(method: MethodChoice): string | null {
  return method.startsWith('mapper:') ? method.slice('mapper:'.length) : null;
}

/** Whether the form renders a picked latent instead of the inverted face. */
export function usesLatent(form: EditForm): boolean {
  return form.rows.some((row) => row.method === 'latent');
}

/** The edit stack of the form, in row order; a latent row is the face the stack starts from, not an edit. */
export function editsFor(form: EditForm): EditSpec[] {
  return form.rows.flatMap((row) => editOf(row) ?? []);
}

function editOf(row: EditRow): EditSpec | null {
  if (row.method === 'latent') return null;
  const mapper = mapperName(row.method);
  if (mapper !== null) return mapperEdit({ mapper, strength: row.mapperStrength });
  return globalEdit({ target: row.prompt.trim(), neutral: row.neutral.trim(), alpha: row.alpha, beta: row.beta });
}

/** Why the form cannot be rendered yet, in the contract's words, or null. A mapper edit needs no prompt. */
export function formProblem(form: EditForm, pack: PackFacts | null, latent: LoadedLatent | null): string | null {
  const latentRows = form.rows.filter((row) => row.method === 'latent').length;
  if (latentRows > 1) return 'Only one row can be an optimised latent: it is the face every other edit starts from.';
  if (latentRows === 1 && latent === null) return 'Pick the latent file (.npy) to render, e.g. the wplus.npy of python3 -m models.optimize.';
  return problemsOf(editsFor(form), pack)[0]?.message ?? null;
}

/** Warnings about the prompts before anything runs (the engine adds its own, e.g. text cut to CLIP's context). */
export function promptWarnings(form: EditForm): string[] {
  const several = form.rows.length > 1;
  return form.rows.flatMap((row, i) => {
    if (row.method !== 'global') return [];
    const words = row.prompt.trim().split(/\s+/).filter(Boolean).length;
    return words > PROMPT_WARN_WORDS
      ? [`${several ? `Edit ${i + 1}: t` : 'T'}he prompt has ${words} words; CLIP reads about ${PROMPT_WARN_WORDS}, so the end will be ignored. Describe the change in a few words.`]
      : [];
  });
}

/** What APPLY_RESULT carries; the main thread adds the source node. A latent travels as its W+ (ui/latent-file.ts). */
export function recipeFor(form: EditForm, { packId, faceIndex, latent }: { packId: string; faceIndex: number; latent: LoadedLatent | null }): EditRecipe {
  const used = usesLatent(form) && latent !== null ? { file: latent.file, wPlus: encodeLatent(latent.wPlus) } : null;
  return { edits: editsFor(form), latent: used, packId, faceIndex };
}
