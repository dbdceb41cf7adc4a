// The recipe: how a result layer was made, stored as JSON in its plugin data so "Edit again" can reopen it.
// Version 2 stores an edit stack, and the W+ when the face came from a latent file (an optimised result)
// rather than the photo's inversion, and optionally the identity meter's reading of the result (older version-2
// recipes lack it and stay valid); version-1 recipes (one prompt or one mapper) are read as a stack of one.
// Parsers never throw: a bad recipe or message gives a ParseError naming the field, in the contract's words.
import { problemsOf } from './edit-problems';
import { globalEdit, mapperEdit, type EditSpec } from './edit-spec';

export const RECIPE_VERSION = 2;

/**
 * A face that was not inverted from the photo but given as a W+ (python3 -m models.optimize writes one): the
 * file it came from and the W+ itself, so Edit again can render it again.
 */
export interface LatentSource {
  /** The file's name, as the user picked it ("wplus.npy"). */
  file: string;
  /** The W+ [numWs × wDim] as little-endian float32 bytes in base64 (ui/latent-file.ts). */
  wPlus: string;
}

/**
 * How much the result still looks like the original face: the identity meter's reading when it was applied
 * (ui/worker/face/identity.ts). A similarity of face descriptors, not a proof of identity.
 */
export interface RecipeIdentity {
  /** 0–100, as the panel showed it. */
  score: number;
  /** Euclidean distance of the two 128-d descriptors. */
  distance: number;
}

/** What the panel sends with a result (APPLY_RESULT); the main thread adds the source node. */
export interface EditRecipe {
  /** Edits on top of the face (empty only when a latent gives the face). */
  edits: EditSpec[];
  /** The W+ the face was rendered from instead of the photo's inversion, or null. */
  latent: LatentSource | null;
  /** pack.json id the edit ran on. */
  packId: string;
  /** Which detected face in the image (0 = the largest). */
  faceIndex: number;
  /** The identity score of the applied result; absent when it was not measured. */
  identity?: RecipeIdentity;
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

/** Longest latent the recipe holds: 64 × 4096 float32 (the pack schema's bounds on numWs × wDim), in base64. */
const MAX_LATENT_BASE64 = Math.ceil((64 * 4096 * 4) / 3) * 4;
/** Far beyond any distance of two face descriptors (different people measure under 1). */
const MAX_IDENTITY_DISTANCE = 10;

export function toRecipe(edit: EditRecipe, sourceNodeId: string): Recipe {
  return {
    version: RECIPE_VERSION,
    edits: edit.edits.map((e) => ({ ...e })),
    latent: edit.latent === null ? null : { ...edit.latent },
    packId: edit.packId,
    faceIndex: edit.faceIndex,
    ...(edit.identity !== undefined && { identity: { ...edit.identity } }),
    sourceNodeId,
  };
}

/** Checks the recipe part of a panel message (the fields the panel sets). */
export function parseEditRecipe(raw: unknown): EditRecipe | ParseError {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return { error: 'it is not an object' };
  const r = raw as Record<string, unknown>;
  const latent = r.latent === undefined || r.latent === null ? null : parseLatentSource(r.latent);
  if (latent !== null && 'error' in latent) return latent;
  if (Array.isArray(r.edits) && r.edits.length === 0 && latent === null) return { error: 'There is nothing to edit: type a prompt, pick a preset or choose a mapper.' };
  const problems = problemsOf(r.edits, null);
  if (problems.length > 0) return { error: problems[0]!.message };
  if (!isId(r.packId)) return { error: 'packId must be a non-empty string' };
  if (!Number.isInteger(r.faceIndex) || (r.faceIndex as number) < 0 || (r.faceIndex as number) > MAX_FACE_INDEX) {
    return { error: `faceIndex must be an integer from 0 to ${MAX_FACE_INDEX}` };
  }
  const identity = r.identity === undefined ? undefined : parseIdentity(r.identity);
  if (identity !== undefined && 'error' in identity) return identity;
  return { edits: (r.edits as EditSpec[]).map(ownEdit), latent, packId: r.packId as string, faceIndex: r.faceIndex as number, ...(identity !== undefined && { identity }) };
}

function parseIdentity(raw: unknown): RecipeIdentity | ParseError {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return { error: 'identity must be an object' };
  const { score, distance } = raw as Record<string, unknown>;
  if (!Number.isInteger(score) || (score as number) < 0 || (score as number) > 100) return { error: 'identity.score must be an integer from 0 to 100' };
  if (typeof distance !== 'number' || !(distance >= 0 && distance <= MAX_IDENTITY_DISTANCE)) return { error: `identity.distance must be a number from 0 to ${MAX_IDENTITY_DISTANCE}` };
  return { score: score as number, distance };
}

/** A stored latent's shape is checked here; its values when the panel decodes them (ui/latent-file.ts). */
function parseLatentSource(raw: unknown): LatentSource | ParseError {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return { error: 'latent must be an object' };
  const { file, wPlus } = raw as Record<string, unknown>;
  if (!isId(file)) return { error: 'latent.file must be a file name' };
  if (typeof wPlus !== 'string' || wPlus.length === 0 || wPlus.length > MAX_LATENT_BASE64 || wPlus.length % 4 !== 0 || !/^[A-Za-z0-9+/]*={0,2}$/.test(wPlus)) {
    return { error: 'latent.wPlus must be float32 values in base64' };
  }
  return { file, wPlus };
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
  return parseEditRecipe({ edits: [edit], latent: null, packId: r.packId, faceIndex: r.faceIndex });
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
