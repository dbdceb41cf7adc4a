// The panel's edit form ↔ the contract's edit stack and recipe: what the user set survives Apply and Edit again.
import { describe, expect, it } from 'vitest';
import { MAX_EDITS } from '../../contract/edit-spec';
import { parseRecipe, toRecipe } from '../../contract/recipe';
import {
  DEFAULT_FORM, DEFAULT_ROW, activeRow, addRow, editsFor, formFromPrompt, formFromRecipe, formProblem, promptWarnings, recipeFor, removeRow, rowLabel,
  selectRow, updateRow, type EditForm,
} from '../../ui/edit-form';

const PACK = { id: 'golden-tiny', mappers: [{ name: 'beard' }] };
const at = { packId: 'golden-tiny', faceIndex: 1, latent: null };

/** Form → recipe → stored JSON → parsed recipe → form, as Apply then Edit again do it. */
function roundTrip(form: EditForm): EditForm {
  const stored = JSON.stringify(toRecipe(recipeFor(form, at), '1:0'));
  const parsed = parseRecipe(stored);
  if ('error' in parsed) throw new Error(parsed.error);
  return formFromRecipe(parsed);
}

describe('edit form', () => {
  it('turns every row into one edit of the stack, in row order, and back through a stored recipe', () => {
    let form = updateRow(DEFAULT_FORM, { prompt: ' smiling face ', alpha: -2.5, beta: 0.12 });
    form = addRow(form);
    form = updateRow(form, { prompt: 'face with grey hair', neutral: 'face with hair', alpha: 6 });
    form = addRow(form);
    form = updateRow(form, { method: 'mapper:beard', mapperStrength: 1.35 });
    const stack = [
      { kind: 'global', target: 'smiling face', neutral: 'face', alpha: -2.5, beta: 0.12 },
      { kind: 'global', target: 'face with grey hair', neutral: 'face with hair', alpha: 6, beta: 0.15 },
      { kind: 'mapper', mapper: 'beard', strength: 1.35 },
    ];
    expect(editsFor(form)).toEqual(stack);
    expect(formProblem(form, PACK, null)).toBeNull();
    expect(recipeFor(form, at)).toEqual({ edits: stack, latent: null, packId: 'golden-tiny', faceIndex: 1 });

    const reopened = roundTrip(form);
    expect(reopened.rows).toHaveLength(3);
    expect(reopened.active).toBe(0);
    expect(editsFor(reopened)).toEqual(stack);
    expect(reopened.rows.map(rowLabel)).toEqual(['smiling face', 'face with grey hair', 'beard mapper']);
    expect(roundTrip(reopened)).toEqual(reopened);
  });

  it('reads a one-edit recipe (and a version-1 one) as one row with its values', () => {
    const v1 = parseRecipe(JSON.stringify({ version: 1, prompt: 'old face', neutral: 'face', method: 'global', alpha: 3, beta: 0.2, packId: 'golden-tiny', faceIndex: 0, sourceNodeId: '1:0' }));
    if ('error' in v1) throw new Error(v1.error);
    expect(formFromRecipe(v1)).toEqual({ rows: [{ ...DEFAULT_ROW, prompt: 'old face', alpha: 3, beta: 0.2 }], active: 0 });
  });

  it('keeps a latent row as the face the stack starts from, never as an edit', () => {
    const latent = { file: 'wplus.npy', wPlus: new Float32Array([1, 2]), faceKey: 'wplus:1,2' };
    let form = updateRow(DEFAULT_FORM, { method: 'latent' });
    expect(formProblem(form, PACK, null)).toMatch(/^Pick the latent file/);
    expect(formProblem(form, PACK, latent)).toBeNull();
    form = updateRow(addRow(form), { prompt: 'smiling face' });
    const recipe = recipeFor(form, { ...at, latent });
    expect(recipe.edits).toEqual([{ kind: 'global', target: 'smiling face', neutral: 'face', alpha: 4.1, beta: 0.15 }]);
    expect(recipe.latent?.file).toBe('wplus.npy');
    expect(formFromRecipe(recipe).rows.map((row) => row.method)).toEqual(['latent', 'global']);
    expect(formProblem(updateRow(form, { method: 'latent' }), PACK, latent)).toMatch(/^Only one row can be an optimised latent/);
  });

  it('adds rows up to MAX_EDITS, removes any row and keeps the active one pointing at the same row', () => {
    let form = DEFAULT_FORM;
    for (let i = 1; i < MAX_EDITS + 3; i++) form = updateRow(addRow(form), { prompt: `p${i}` });
    expect(form.rows).toHaveLength(MAX_EDITS);
    expect(form.rows.map((row) => row.prompt)).toEqual(['', 'p1', 'p2', 'p3', 'p4', 'p5', 'p6', 'p10']); // past the cap the last row is edited again
    form = selectRow(form, 5);
    expect(activeRow(form).prompt).toBe('p5');
    form = removeRow(form, 2);
    expect([form.rows.length, activeRow(form).prompt]).toEqual([MAX_EDITS - 1, 'p5']);
    form = removeRow(form, 4); // the active row itself: the next one becomes active
    expect([form.rows.length, activeRow(form).prompt]).toEqual([MAX_EDITS - 2, 'p6']);
    expect(selectRow(form, 40)).toBe(form);
    expect(removeRow(formFromPrompt('grey hair'), 0)).toEqual(DEFAULT_FORM);
  });

  it('names the row at fault in the contract\'s words and warns per row about long prompts', () => {
    const form = addRow(updateRow(DEFAULT_FORM, { prompt: 'smiling face' }));
    expect(formProblem(form, PACK, null)).toBe('Edit 2: The prompt is empty: describe the face you want, e.g. “smiling face”.');
    expect(formProblem(updateRow(form, { method: 'mapper:moustache' }), PACK, null)).toBe('Edit 2: unknown mapper “moustache”. Must be one of: beard');
    const long = updateRow(form, { prompt: Array.from({ length: 60 }, () => 'very').join(' ') });
    expect(promptWarnings(long)).toEqual(['Edit 2: the prompt has 60 words; CLIP reads about 55, so the end will be ignored. Describe the change in a few words.']);
    expect(promptWarnings(updateRow(DEFAULT_FORM, { prompt: long.rows[1]!.prompt }))[0]).toMatch(/^The prompt has 60 words/);
  });

  it('fills a Quick Actions prompt with its preset\'s neutral text', () => {
    expect(activeRow(formFromPrompt(' grey hair '))).toMatchObject({ prompt: 'grey hair', neutral: expect.any(String) });
    expect(formFromPrompt('a face with a hat').rows).toEqual([{ ...DEFAULT_ROW, prompt: 'a face with a hat' }]);
  });
});
