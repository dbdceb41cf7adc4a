// The identity meter's reading stored in a recipe: optional, bounded, and a version-2 recipe without it still opens.
import { describe, expect, it } from 'vitest';
import { parseEditRecipe, parseRecipe, toRecipe, type Recipe } from '../../contract/recipe';

const SMILE = { kind: 'global', target: 'smiling face', neutral: 'face', alpha: 4.1, beta: 0.15 } as const;
const RECIPE: Recipe = { version: 2, edits: [SMILE], latent: null, packId: 'demo', faceIndex: 0, sourceNodeId: '1:2' };

describe('recipe identity', () => {
  it('round-trips the score and distance of the applied result', () => {
    const withIdentity = { ...RECIPE, identity: { score: 87, distance: 0.262 } };
    expect(parseRecipe(JSON.stringify(withIdentity))).toEqual(withIdentity);
    expect(toRecipe({ edits: [SMILE], latent: null, packId: 'demo', faceIndex: 0, identity: { score: 3, distance: 0.79 } }, '9:9')).toMatchObject({ identity: { score: 3, distance: 0.79 } });
  });

  it('opens a version-2 recipe written before the field existed, without inventing one', () => {
    const parsed = parseRecipe(JSON.stringify(RECIPE));
    expect(parsed).toEqual(RECIPE);
    expect('identity' in (parsed as Recipe)).toBe(false);
  });

  it('keeps only the two numbers of an identity carrying other fields', () => {
    expect(parseRecipe(JSON.stringify({ ...RECIPE, identity: { score: 50, distance: 0.6, proof: 'same person' } }))).toEqual({ ...RECIPE, identity: { score: 50, distance: 0.6 } });
  });

  it.each([
    ['a string', 'high', 'identity must be an object'],
    ['an array', [87, 0.2], 'identity must be an object'],
    ['null', null, 'identity must be an object'],
    ['a score of 101', { score: 101, distance: 0.1 }, 'identity.score must be an integer from 0 to 100'],
    ['a negative score', { score: -1, distance: 0.1 }, 'identity.score must be an integer from 0 to 100'],
    ['a fractional score', { score: 87.5, distance: 0.1 }, 'identity.score must be an integer from 0 to 100'],
    ['a score as text', { score: '87', distance: 0.1 }, 'identity.score must be an integer from 0 to 100'],
    ['a negative distance', { score: 87, distance: -0.1 }, 'identity.distance must be a number from 0 to 10'],
    ['a distance of 1e308', { score: 87, distance: 1e308 }, 'identity.distance must be a number from 0 to 10'],
    ['no distance', { score: 87 }, 'identity.distance must be a number from 0 to 10'],
  ])('refuses %s as identity, in a recipe and in a panel message', (_case, identity, error) => {
    expect(parseRecipe(JSON.stringify({ ...RECIPE, identity }))).toEqual({ error });
    expect(parseEditRecipe({ ...RECIPE, identity })).toEqual({ error });
  });

  it('refuses NaN and Infinity from a panel message (JSON cannot carry them, postMessage can)', () => {
    expect(parseEditRecipe({ ...RECIPE, identity: { score: 87, distance: Number.NaN } })).toEqual({ error: 'identity.distance must be a number from 0 to 10' });
    expect(parseEditRecipe({ ...RECIPE, identity: { score: Number.POSITIVE_INFINITY, distance: 0.2 } })).toEqual({ error: 'identity.score must be an integer from 0 to 100' });
  });
});
