// The recipe on a result layer, Figma's side: plugin data (what made it, contract/recipe.ts) + relaunch data
// (the "Edit again" button). A recipe is prepared, and its size checked, before any layer is touched.
import { stackLabel } from '../contract/edit-spec';
import { parseRecipe, type ParseError, type Recipe } from '../contract/recipe';

/** The plugin-data key that holds the recipe JSON. */
export const RECIPE_KEY = 'recipe';
/** The plugin-data key on a batch's copy of a frame: the id of the frame it copies (result-copy.ts). */
export const RESULT_OF_KEY = 'resultOf';
/** Figma's limit per plugin-data entry, key + value (spec/platform.md §2: 100 kB, enforced since May 2025). */
export const PLUGIN_DATA_MAX_BYTES = 100_000;
/** Figma shows at most 1000 characters of a relaunch description (plugin-typings `setRelaunchData`). */
export const RELAUNCH_DESCRIPTION_MAX = 1000;

/** A recipe ready to store: its JSON (within Figma's limit) and the relaunch button's description. */
export interface PreparedRecipe {
  readonly recipe: Recipe;
  readonly json: string;
  readonly relaunch: string;
}

/** Serialises the recipe; throws, naming the size, when Figma could not store it. Call before creating a layer. */
export function prepareRecipe(recipe: Recipe): PreparedRecipe {
  const json = JSON.stringify(recipe);
  const bytes = utf8Length(RECIPE_KEY) + utf8Length(json);
  if (bytes > PLUGIN_DATA_MAX_BYTES) {
    throw new Error(`The recipe is ${bytes.toLocaleString('en')} bytes; Figma keeps at most ${PLUGIN_DATA_MAX_BYTES.toLocaleString('en')} per layer. Use a shorter prompt.`);
  }
  return { recipe, json, relaunch: relaunchDescription(recipe) };
}

/** Writes a prepared recipe and the "Edit again" relaunch button (both within Figma's limits, so they cannot fail on size). */
export function writeRecipe(node: SceneNode, { json, relaunch }: PreparedRecipe): void {
  node.setPluginData(RECIPE_KEY, json);
  node.setRelaunchData({ 'edit-again': relaunch });
}

/** What the "Edit again" button's tooltip says: the latent it started from, then each edit and its strength. */
export function relaunchDescription(recipe: Recipe): string {
  const parts = [
    ...(recipe.latent === null ? [] : [`latent ${recipe.latent.file}`]),
    ...recipe.edits.map((edit) => (edit.kind === 'global' ? `“${edit.target}” (α ${edit.alpha}, β ${edit.beta})` : `mapper ${edit.mapper} (strength ${edit.strength})`)),
  ];
  const text = `Tweak ${parts.join(' + ')}`;
  return text.length <= RELAUNCH_DESCRIPTION_MAX ? text : `${text.slice(0, RELAUNCH_DESCRIPTION_MAX - 1)}…`;
}

/** The recipe stored on `node`, or why there is none usable. */
export function readRecipe(node: BaseNode): Recipe | ParseError {
  const data = node.getPluginData(RECIPE_KEY);
  if (data === '') return { error: `“${node.name}” has no facetext recipe: only layers facetext made can be edited again.` };
  const parsed = parseRecipe(data);
  return 'error' in parsed ? { error: `The recipe on “${node.name}” is damaged (${parsed.error}). Make a new edit from the original layer.` } : parsed;
}

/**
 * Whether `node` is something facetext made: a layer with a recipe, a batch's frame copy, or a layer inside
 * one. Targets skip these (a batch or a new edit never edits an edit by accident); Edit again is the way to
 * change one. Figma copies plugin data when a layer is duplicated, so a duplicated result still counts.
 */
export function isResult(node: BaseNode): boolean {
  if (node.getPluginData(RECIPE_KEY) !== '') return true;
  for (let at: BaseNode | null = node; at !== null && at.type !== 'PAGE'; at = at.parent) if (at.getPluginData(RESULT_OF_KEY) !== '') return true;
  return false;
}

/** `<original name> · <edits>`, or `<original name> · latent <file>[ + <edits>]`. */
export function resultName(originalName: string, recipe: Pick<Recipe, 'edits' | 'latent'>): string {
  const parts = [...(recipe.latent === null ? [] : [`latent ${recipe.latent.file}`]), ...(recipe.edits.length > 0 ? [stackLabel(recipe.edits)] : [])];
  return `${originalName} · ${parts.join(' + ')}`;
}

function utf8Length(text: string): number {
  let bytes = 0;
  for (const char of text) {
    const code = char.codePointAt(0)!;
    bytes += code < 0x80 ? 1 : code < 0x800 ? 2 : code < 0x10000 ? 3 : 4;
  }
  return bytes;
}
