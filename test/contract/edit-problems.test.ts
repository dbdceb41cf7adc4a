// The one check of an edit stack: the same problems in the same words for the panel, the engine and recipes.
import { describe, expect, it } from 'vitest';
import { problemsOf, type EditProblemCode } from '../../contract/edit-problems';
import { ALPHA_LIMIT, MAX_EDITS, MAX_TEXT_LENGTH, globalEdit, mapperEdit } from '../../contract/edit-spec';

const PACK = { id: 'demo', mappers: [{ name: 'afro' }] };
const SMILE = globalEdit({ target: 'smiling face' });

describe('contract/edit-problems.ts', () => {
  it('accepts the defaults, an empty stack (render as inverted) and a stack of a global edit and a mapper', () => {
    expect(problemsOf([SMILE], PACK)).toEqual([]);
    expect(problemsOf([], PACK)).toEqual([]);
    expect(problemsOf([SMILE, mapperEdit({ mapper: 'afro' })], PACK)).toEqual([]);
    expect(problemsOf([globalEdit({ target: 'x', alpha: -ALPHA_LIMIT, beta: 1 })], null)).toEqual([]);
  });

  it.each<[string, unknown, EditProblemCode, string]>([
    ['an empty prompt', { ...SMILE, target: '  ' }, 'target-empty', 'The prompt is empty: describe the face you want, e.g. “smiling face”.'],
    ['a prompt that is not text', { ...SMILE, target: 42 }, 'target-empty', 'The prompt is empty: describe the face you want, e.g. “smiling face”.'],
    ['an empty neutral', { ...SMILE, neutral: '' }, 'neutral-empty', 'The neutral text is empty: describe the face as it is now, e.g. “face”.'],
    ['a 50,000-letter prompt', { ...SMILE, target: 'a'.repeat(50_000) }, 'text-too-long', `The prompt is 50000 characters long; at most ${MAX_TEXT_LENGTH} are read (CLIP reads about 55 words). Describe the change in a few words.`],
    ['α of NaN', { ...SMILE, alpha: Number.NaN }, 'alpha-invalid', 'α must be a number from −50 to 50, got NaN. Typical values are −10 to 10.'],
    ['α of 1e39 (Infinity as float32)', { ...SMILE, alpha: 1e39 }, 'alpha-invalid', 'α must be a number from −50 to 50, got 1e+39. Typical values are −10 to 10.'],
    ['α as text', { ...SMILE, alpha: '4' }, 'alpha-invalid', 'α must be a number from −50 to 50, got “4”. Typical values are −10 to 10.'],
    ['a missing β', { ...SMILE, beta: undefined }, 'beta-invalid', 'β must be a number from 0 to 1, got nothing. Typical values are 0.08 to 0.30.'],
    ['a negative β', { ...SMILE, beta: -0.1 }, 'beta-invalid', 'β must be a number from 0 to 1, got -0.1. Typical values are 0.08 to 0.30.'],
    ['an unknown mapper', mapperEdit({ mapper: 'mohawk' }), 'mapper-unknown', 'unknown mapper “mohawk”. Must be one of: afro'],
    ['a mapper strength of 1e39', mapperEdit({ mapper: 'afro', strength: 1e39 }), 'strength-invalid', 'the mapper strength must be a number from −10 to 10, got 1e+39. 1 is upstream\'s edit; 0 leaves the face unchanged.'],
    ['an unknown kind', { kind: 'magic' }, 'unknown-kind', 'unknown kind “magic”. Must be one of: global, mapper'],
    ['null', null, 'not-an-edit', 'this is not an edit.'],
  ])('refuses %s', (_name, edit, code, message) => {
    expect(problemsOf([edit], PACK)).toEqual([{ code, edit: 0, message }]);
  });

  it('names the edit in a stack, and reports every problem in order', () => {
    const problems = problemsOf([SMILE, { ...SMILE, alpha: 99, beta: 2 }], PACK);
    expect(problems.map((p) => [p.edit, p.code])).toEqual([[1, 'alpha-invalid'], [1, 'beta-invalid']]);
    expect(problems[0]!.message).toMatch(/^Edit 2: α must be/);
  });

  it('refuses more than MAX_EDITS edits and anything that is not a list', () => {
    expect(problemsOf(Array.from({ length: MAX_EDITS + 1 }, () => SMILE), PACK)[0]!.code).toBe('too-many-edits');
    expect(problemsOf({ 0: SMILE }, PACK)[0]!.code).toBe('not-an-edit');
  });

  it('checks mapper names only when it knows the pack, and says when a pack has none', () => {
    expect(problemsOf([mapperEdit({ mapper: 'anything' })], null)).toEqual([]);
    expect(problemsOf([mapperEdit({ mapper: 'afro' })], { id: 'golden-tiny', mappers: [] })[0]!.message).toBe('pack golden-tiny has no latent mappers, so “afro” cannot be used.');
  });
});
