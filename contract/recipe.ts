// The recipe: how a result layer was made, stored as JSON in its plugin data so "Edit again" can reopen it.
// Version 2 stores an edit stack; version-1 recipes (one prompt or one mapper) are read as a stack of one.
// Parsers never throw: a bad recipe or message gives a ParseError naming the field, in the contract's words.
import { problemsOf } from './edit-problems';
import { globalEdit, mapperEdit, type EditSpec } from './edit-spec';

export const RECIPE_VERSION = 2;

/** What the panel sends with a result (APPLY_RESULT); the main thread adds the source node. */
export interface EditRecipe {
  edits: EditSpec[];
  /** pack.json id the edit ran on. */
  packId: string;
  /** Which detected face in the image (0 = the largest). */
  faceIndex: number;
}

/** The recipe stored on a result layer. */
export interface Recipe extends EditRecipe {
  version: typeof RECIPE_VERSION;
  /** The original layer the result was made from. */
  sourceNodeId: string;
}

export interface ParseError {
  error: string;
}

/** Longest node id or pack id accepted (Figma ids look like "12:345"; pack ids are [a-z0-9-]+). */
const MAX_ID_LENGTH = 200;
/** More faces than a photo can have: face-api keeps at most 100 detections. */
const MAX_FACE_INDEX = 99;

export function toRecipe(edit: EditRecipe, sourceNodeId: string): Recipe {
  return { version: RECIPE_VERSION, edits: edit.edits.map((e) => ({ ...e })), packId: edit.packId, faceIndex: edit.faceIndex, sourceNodeId };
}

/** Checks the recipe part of a panel message (the fields the panel sets). */
export function parseEditRecipe(raw: unknown): EditRecipe | ParseError {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return { error: 'it is not an object' };
  const r = raw as Record<string, unknown>;
  if (Array.isArray(r.edits) && r.edits.length === 0) return { error: 'There is nothing to edit: type a prompt, pick a preset or choose a mapper.' };
  const problems = problemsOf(r.edits, null);
  if (problems.length > 0) return { error: problems[0]!.message };
  if (!isId(r.packId)) return { error: 'packId must be a non-empty string' };
  if (!Number.isInteger(r.faceIndex) || (r.faceIndex as number) < 0 || (r.faceIndex as number) > MAX_FACE_INDEX) {
    return { error: `faceIndex must be an integer from 0 to ${MAX_FACE_INDEX}` };
  }
  return { edits: (r.edits as EditSpec[]).map(ownEdit), packId: r.packId as string, faceIndex: r.faceIndex as number };
}

/** Parses recipe JSON (version 2, or version 1 read as a stack of one edit). */
export function parseRecipe(json: string): Recipe | ParseError {
  let raw: unknown;
  try {
    raw = JSON.parse(json);
  } catch {
    return { error: 'it is not JSON' };
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return { error: 'it is not an object' };
  const r = raw as Record<string, unknown>;
  if (!isId(r.sourceNodeId)) return { error: 'sourceNodeId must be a non-empty string' };
  const edit = r.version === RECIPE_VERSION ? parseEditRecipe(r) : r.version === 1 ? parseVersion1(r) : { error: `version is ${JSON.stringify(r.version)}; this facetext reads versions 1 and ${RECIPE_VERSION}` };
  return 'error' in edit ? edit : toRecipe(edit, r.sourceNodeId as string);
}

/** Version 1 held one edit as flat fields: method 'global' (prompt, neutral, α, β) or 'mapper' (name, strength). */
function parseVersion1(r: Record<string, unknown>): EditRecipe | ParseError {
  let edit: unknown;
  if (r.method === 'global') edit = { ...globalEdit({ target: '' }), target: r.prompt, neutral: r.neutral, alpha: r.alpha, beta: r.beta };
  else if (r.method === 'mapper') edit = { ...mapperEdit({ mapper: '' }), mapper: r.mapper, strength: r.mapperStrength };
  else return { error: `method is ${JSON.stringify(r.method)}. Must be one of: global, mapper` };
  return parseEditRecipe({ edits: [edit], packId: r.packId, faceIndex: r.faceIndex });
}

/** A copy holding only the spec's own fields (a message or recipe may carry anything else). */
function ownEdit(edit: EditSpec): EditSpec {
  return edit.kind === 'global'
    ? { kind: 'global', target: edit.target, neutral: edit.neutral, alpha: edit.alpha, beta: edit.beta }
    : { kind: 'mapper', mapper: edit.mapper, strength: edit.strength };
}

function isId(value: unknown): value is string {
  return typeof value === 'string' && value.trim() !== '' && value.length <= MAX_ID_LENGTH;
}
