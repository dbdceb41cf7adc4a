// The recipe on a result layer: plugin data (what made it) + relaunch data (the "Edit again" button).
import type { EditMethod, EditRecipe, Recipe } from './protocol';

/** The plugin-data key that holds the recipe JSON. */
export const RECIPE_KEY = 'recipe';
/** Figma's limit per plugin-data entry, key + value (spec/platform.md §2: 100 kB, enforced since May 2025). */
export const PLUGIN_DATA_MAX_BYTES = 100_000;
/** Figma shows at most 1000 characters of a relaunch description (plugin-typings `setRelaunchData`). */
export const RELAUNCH_DESCRIPTION_MAX = 1000;

export interface ParseError {
  error: string;
}

const METHODS: readonly EditMethod[] = ['global', 'mapper'];

/** The stored form of an edit made from `sourceNodeId`. */
export function toRecipe(edit: EditRecipe, sourceNodeId: string): Recipe {
  return {
    version: 1,
    prompt: edit.prompt,
    neutral: edit.neutral,
    method: edit.method,
    alpha: edit.alpha,
    beta: edit.beta,
    mapper: edit.mapper,
    mapperStrength: edit.mapperStrength,
    packId: edit.packId,
    faceIndex: edit.faceIndex,
    sourceNodeId,
  };
}

/** Writes the recipe and the "Edit again" relaunch button. Throws, naming the size, when it exceeds 100 kB. */
export function writeRecipe(node: SceneNode, recipe: Recipe): void {
  const json = JSON.stringify(recipe);
  const bytes = utf8Length(RECIPE_KEY) + utf8Length(json);
  if (bytes > PLUGIN_DATA_MAX_BYTES) {
    throw new Error(`The recipe is ${bytes.toLocaleString('en')} bytes; Figma keeps at most ${PLUGIN_DATA_MAX_BYTES.toLocaleString('en')} per layer. Use a shorter prompt.`);
  }
  node.setPluginData(RECIPE_KEY, json);
  node.setRelaunchData({ 'edit-again': relaunchDescription(recipe) });
}

/** What the "Edit again" button's tooltip says: the prompt and its strength. */
export function relaunchDescription(recipe: Recipe): string {
  const how = recipe.method === 'global' ? `α ${recipe.alpha}, β ${recipe.beta}` : `mapper ${recipe.mapper}, strength ${recipe.mapperStrength}`;
  const text = `Tweak “${recipe.prompt}” (${how})`;
  return text.length <= RELAUNCH_DESCRIPTION_MAX ? text : `${text.slice(0, RELAUNCH_DESCRIPTION_MAX - 1)}…`;
}

/** The recipe stored on `node`, or why there is none usable. */
export function readRecipe(node: BaseNode): Recipe | ParseError {
  const data = node.getPluginData(RECIPE_KEY);
  if (data === '') return { error: `“${node.name}” has no facetext recipe: only layers facetext made can be edited again.` };
  const parsed = parseRecipe(data);
  return 'error' in parsed ? { error: `The recipe on “${node.name}” is damaged (${parsed.error}). Make a new edit from the original layer.` } : parsed;
}

/** Parses and validates recipe JSON. Never throws: a bad recipe gives a ParseError naming the field. */
export function parseRecipe(data: string): Recipe | ParseError {
  let raw: unknown;
  try {
    raw = JSON.parse(data);
  } catch {
    return { error: 'it is not JSON' };
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return { error: 'it is not an object' };
  const r = raw as Record<string, unknown>;
  if (r.version !== 1) return { error: `version is ${JSON.stringify(r.version)}; this facetext reads version 1` };
  for (const key of ['prompt', 'neutral', 'packId', 'sourceNodeId'] as const) {
    if (typeof r[key] !== 'string' || (r[key] as string).trim() === '') return { error: `${key} must be a non-empty string` };
  }
  if (typeof r.method !== 'string' || !METHODS.includes(r.method as EditMethod)) {
    return { error: `method is ${JSON.stringify(r.method)}. Must be one of: ${METHODS.join(', ')}` };
  }
  for (const key of ['alpha', 'beta', 'mapperStrength'] as const) {
    if (typeof r[key] !== 'number' || !Number.isFinite(r[key])) return { error: `${key} must be a finite number` };
  }
  if ((r.beta as number) < 0) return { error: 'beta must be ≥ 0' };
  if (!Number.isInteger(r.faceIndex) || (r.faceIndex as number) < 0) return { error: 'faceIndex must be an integer ≥ 0' };
  if (r.mapper !== null && typeof r.mapper !== 'string') return { error: 'mapper must be a string or null' };
  if (r.method === 'mapper' && (typeof r.mapper !== 'string' || r.mapper === '')) return { error: 'a mapper edit needs a mapper name' };
  return toRecipe(
    {
      prompt: r.prompt as string,
      neutral: r.neutral as string,
      method: r.method as EditMethod,
      alpha: r.alpha as number,
      beta: r.beta as number,
      mapper: r.mapper as string | null,
      mapperStrength: r.mapperStrength as number,
      packId: r.packId as string,
      faceIndex: r.faceIndex as number,
    },
    r.sourceNodeId as string,
  );
}

function utf8Length(text: string): number {
  let bytes = 0;
  for (const char of text) {
    const code = char.codePointAt(0)!;
    bytes += code < 0x80 ? 1 : code < 0x800 ? 2 : code < 0x10000 ? 3 : 4;
  }
  return bytes;
}
