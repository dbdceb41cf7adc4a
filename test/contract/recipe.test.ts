// Recipes on result layers: version 2 holds an edit stack; version 1 (one prompt or one mapper) still opens.
import { describe, expect, it } from 'vitest';
import { parseEditRecipe, parseRecipe, toRecipe, type Recipe } from '../../contract/recipe';

const SMILE = { kind: 'global', target: 'smiling face', neutral: 'face', alpha: 4.1, beta: 0.15 } as const;
const RECIPE: Recipe = { version: 2, edits: [SMILE, { kind: 'mapper', mapper: 'afro', strength: 0.5 }], latent: null, packId: 'demo', faceIndex: 1, sourceNodeId: '1:2' };
const V1 = { version: 1, prompt: 'face with a beard', neutral: 'face', method: 'global', alpha: 3, beta: 0.12, mapper: null, mapperStrength: 1, packId: 'golden-tiny', faceIndex: 0, sourceNodeId: '4:5' };

describe('contract/recipe.ts', () => {
  it('round-trips a stack of two edits and drops fields that are not part of it', () => {
    expect(parseRecipe(JSON.stringify(RECIPE))).toEqual(RECIPE);
    const extra = { ...RECIPE, extra: 1, edits: RECIPE.edits.map((e) => ({ ...e, note: 'x' })) };
    expect(parseRecipe(JSON.stringify(extra))).toEqual(RECIPE);
    expect(toRecipe({ edits: [SMILE], latent: null, packId: 'demo', faceIndex: 0 }, '9:9')).toEqual({ version: 2, edits: [SMILE], latent: null, packId: 'demo', faceIndex: 0, sourceNodeId: '9:9' });
  });

  it('reads a version-1 global or mapper recipe as a stack of one edit', () => {
    expect(parseRecipe(JSON.stringify(V1))).toEqual({ version: 2, edits: [{ kind: 'global', target: 'face with a beard', neutral: 'face', alpha: 3, beta: 0.12 }], latent: null, packId: 'golden-tiny', faceIndex: 0, sourceNodeId: '4:5' });
    const mapper = { ...V1, method: 'mapper', mapper: 'beard', mapperStrength: 1.5 };
    expect(parseRecipe(JSON.stringify(mapper))).toMatchObject({ edits: [{ kind: 'mapper', mapper: 'beard', strength: 1.5 }] });
  });

  it.each([
    ['not JSON', '{', 'it is not JSON'],
    ['an array', '[]', 'it is not an object'],
    ['a newer version', JSON.stringify({ ...RECIPE, version: 3 }), 'version is 3; this facetext reads versions 1 and 2'],
    ['no source node', JSON.stringify({ ...RECIPE, sourceNodeId: '' }), 'sourceNodeId must be a non-empty string'],
    ['no edits', JSON.stringify({ ...RECIPE, edits: [] }), 'There is nothing to edit: type a prompt, pick a preset or choose a mapper.'],
    ['a prompt of 42 (version 1)', JSON.stringify({ ...V1, prompt: 42 }), 'The prompt is empty: describe the face you want, e.g. “smiling face”.'],
    ['an α of null (version 1)', JSON.stringify({ ...V1, alpha: null }), 'α must be a number from −50 to 50, got null. Typical values are −10 to 10.'],
    ['an unknown method (version 1)', JSON.stringify({ ...V1, method: 'magic' }), 'method is "magic". Must be one of: global, mapper'],
    ['a fractional face index', JSON.stringify({ ...RECIPE, faceIndex: 1.5 }), 'faceIndex must be an integer from 0 to 99'],
    ['a β of 5 in the second edit', JSON.stringify({ ...RECIPE, edits: [SMILE, { ...SMILE, beta: 5 }] }), 'Edit 2: β must be a number from 0 to 1, got 5. Typical values are 0.08 to 0.30.'],
  ])('gives a ParseError for %s', (_case, data, error) => {
    expect(parseRecipe(data)).toEqual({ error });
  });

  it('keeps a latent face (file and base64 W+) with no edits, and refuses a malformed one', () => {
    const latent = { version: 2, edits: [], latent: { file: 'wplus.npy', wPlus: 'AACAPwAAAEA=' }, packId: 'demo', faceIndex: 0, sourceNodeId: '1:2' };
    expect(parseRecipe(JSON.stringify(latent))).toEqual(latent);
    expect(parseRecipe(JSON.stringify({ ...latent, latent: { file: 'wplus.npy', wPlus: 'not base64!' } }))).toEqual({ error: 'latent.wPlus must be float32 values in base64' });
    expect(parseRecipe(JSON.stringify({ ...latent, latent: { file: '', wPlus: 'AACAPw==' } }))).toEqual({ error: 'latent.file must be a file name' });
    expect(parseRecipe(JSON.stringify({ ...latent, latent: { file: 'w.npy', wPlus: 'A'.repeat(2_000_000) } }))).toEqual({ error: 'latent.wPlus must be float32 values in base64' });
  });

  it('checks the recipe part of a panel message the same way', () => {
    expect(parseEditRecipe({ edits: [SMILE], latent: null, packId: 'demo', faceIndex: 0 })).toEqual({ edits: [SMILE], latent: null, packId: 'demo', faceIndex: 0 });
    expect(parseEditRecipe({ edits: [{ ...SMILE, alpha: 1e39 }], latent: null, packId: 'demo', faceIndex: 0 })).toEqual({ error: 'α must be a number from −50 to 50, got 1e+39. Typical values are −10 to 10.' });
    expect(parseEditRecipe(null)).toEqual({ error: 'it is not an object' });
  });
});
