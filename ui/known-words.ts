// Prompts against a pack whose text encoder knows only some words (pack.json `knownWords`, e.g. the demo pack's
// toy CLIP, which reads a few dozen concept words and maps every other word to nothing): the warning line the
// form shows under the prompt while it is typed, before any preview or Apply. A pack without the list (a real
// CLIP) knows every word, so nothing is said; the warning never blocks an edit.

/** Known words named in the warning; the pack lists its most useful ones first. */
const SHOWN_WORDS = 10;
/** Words that join a prompt together; ignoring them loses nothing worth a warning. */
const LINKING_WORDS = new Set(['a', 'an', 'the', 'with', 'of', 'and', 'in', 'on', 'to', 'very']);

export interface VocabularyPack {
  id: string;
  demo: boolean;
  knownWords: readonly string[] | null;
}

/** A text's words as the pack lists them: lower case, split at anything but letters, digits, ' and -. */
export function wordsOf(text: string): string[] {
  return text.toLowerCase().split(/[^a-z0-9'-]+/).filter((word) => word !== '');
}

/**
 * The warning for a global edit's prompt, or null: when the pack knows none of its words (the edit would change
 * nothing), or which words it will ignore. Words of the neutral text and linking words are not counted as
 * ignored: "face with red hair" from "face with hair" reads "red", which is the whole edit.
 */
export function vocabularyWarning({ prompt, neutral }: { prompt: string; neutral: string }, pack: VocabularyPack | null): string | null {
  if (pack === null || pack.knownWords === null) return null;
  const words = wordsOf(prompt);
  if (words.length === 0) return null;
  const known = new Set(pack.knownWords);
  const neutralWords = new Set(wordsOf(neutral));
  const read = unique(words.filter((word) => known.has(word)));
  const ignored = unique(words.filter((word) => !known.has(word) && !LINKING_WORDS.has(word) && !neutralWords.has(word)));
  const name = pack.demo ? 'The demo pack' : `The pack “${pack.id}”`;
  if (read.length === 0) {
    const more = pack.knownWords.length > SHOWN_WORDS ? ', …' : '';
    return `${name} does not know “${prompt.trim()}”, so this edit would change nothing. It knows: ${pack.knownWords.slice(0, SHOWN_WORDS).join(', ')}${more}.`;
  }
  if (ignored.length === 0) return null;
  return `${name} ignores ${quoted(ignored)} and reads only ${quoted(read)}.`;
}

function unique(words: string[]): string[] {
  return [...new Set(words)];
}

function quoted(words: string[]): string {
  return words.map((word) => `“${word}”`).join(', ');
}
