// The form's warning for a prompt outside a small text encoder's words (pack.json knownWords): what the demo
// pack's chips and free text get, and that a real pack (no list) never gets one.
import { describe, expect, it } from 'vitest';
import { vocabularyWarning, wordsOf } from '../../ui/known-words';

const DEMO = { id: 'demo', demo: true, knownWords: ['smiling', 'sad', 'old', 'young', 'blonde', 'black', 'red', 'beard', 'glasses', 'closed', 'open', 'tan', 'aged'] };
const REAL = { id: 'ffhq', demo: false, knownWords: null };

describe('vocabularyWarning', () => {
  it('says a prompt with no known word would change nothing, and names the first ten words the pack knows', () => {
    expect(vocabularyWarning({ prompt: 'face with curly hair', neutral: 'face with hair' }, DEMO)).toBe(
      'The demo pack does not know “face with curly hair”, so this edit would change nothing. It knows: smiling, sad, old, young, blonde, black, red, beard, glasses, closed, ….',
    );
  });

  it('names the words it will ignore when some are known, not the neutral text\'s or linking words', () => {
    expect(vocabularyWarning({ prompt: 'a face with curly red hair', neutral: 'face' }, DEMO)).toBe('The demo pack ignores “curly”, “hair” and reads only “red”.');
    expect(vocabularyWarning({ prompt: 'Face with Curly RED hair.', neutral: 'face with hair' }, DEMO)).toBe('The demo pack ignores “curly” and reads only “red”.');
  });

  it('says nothing for its own chips, an empty prompt, or a pack without the list', () => {
    for (const [prompt, neutral] of [['smiling face', 'face'], ['face with a beard', 'face'], ['face with red hair', 'face with hair'], ['face with closed eyes', 'face with eyes']]) {
      expect(vocabularyWarning({ prompt, neutral }, DEMO), prompt).toBeNull();
    }
    expect(vocabularyWarning({ prompt: '   ', neutral: 'face' }, DEMO)).toBeNull();
    expect(vocabularyWarning({ prompt: 'face with curly hair', neutral: 'face' }, REAL)).toBeNull();
    expect(vocabularyWarning({ prompt: 'face with curly hair', neutral: 'face' }, null)).toBeNull();
  });

  it('names a pack that is not the demo by its id, and lists all its words when there are ten or fewer', () => {
    expect(vocabularyWarning({ prompt: 'curly', neutral: 'face' }, { id: 'toy', demo: false, knownWords: ['red', 'old'] })).toBe('The pack “toy” does not know “curly”, so this edit would change nothing. It knows: red, old.');
  });

  it('splits words as the pack lists them: lower case, keeping apostrophes and hyphens', () => {
    expect(wordsOf("An Old-fashioned, man's GRIN!")).toEqual(['an', 'old-fashioned', "man's", 'grin']);
  });
});
