// `facetext tokenize "<text>" [--pack <dir>]`: clip.tokenize(text, truncate=True) as a JSON array of ids.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { problemsOf } from '../contract/edit-problems';
import { DEFAULT_NEUTRAL } from '../contract/edit-spec';
import { ClipTokenizer, CONTEXT_LENGTH } from '../ui/worker/clip/tokenizer';
import { EngineError } from '../ui/worker/errors';
import { readArgs, UsageError } from './cli-args';
import { packDirArg } from './pack-dir-arg';
import { packFromDirectory } from './read-pack-dir';
import { readRegularFile } from './read-regular-file';

const VOCAB_NAME = 'bpe_simple_vocab_16e6.txt.gz'; // openai/CLIP's merges file
export const VOCAB_ENV = 'FACETEXT_VOCAB';
const MAX_VOCAB_BYTES = 64 * 2 ** 20; // CLIP's is 1.3 MB

export async function tokenizeCommand(args: readonly string[]): Promise<number> {
  const { values, positionals } = readArgs('tokenize', args, { pack: { type: 'string' } }, { positionals: 1 });
  const [text] = positionals;
  if (text === undefined) throw new UsageError('tokenize: give the text to tokenize, e.g. facetext tokenize "a smiling face"');
  checkTextLength(text);
  const pack = values.pack as string | undefined;
  const { tokenizer, contextLength } = await loadTokenizer(pack === undefined ? undefined : packDirArg(pack));
  const { ids, truncated } = tokenizer.tokenize(text, contextLength);
  if (truncated) {
    process.stderr.write(`facetext: warning: the text is longer than CLIP's ${contextLength} tokens; it was cut (as clip.tokenize(text, truncate=True) does).\n`);
  }
  process.stdout.write(`${JSON.stringify(Array.from(ids))}\n`);
  return 0;
}

/**
 * The edit contract's cap on a prompt (MAX_TEXT_LENGTH), in its words: BPE's work grows with the square of a
 * word's length (a 50,000-letter word took a minute), and an edit never tokenizes a longer text.
 */
function checkTextLength(text: string): void {
  const tooLong = problemsOf([{ kind: 'global', target: text, neutral: DEFAULT_NEUTRAL, alpha: 0, beta: 0 }], null).find((p) => p.code === 'text-too-long');
  if (tooLong !== undefined) throw new EngineError('BadArgument', tooLong.message);
}

async function loadTokenizer(packDir: string | undefined): Promise<{ tokenizer: ClipTokenizer; contextLength: number }> {
  if (packDir !== undefined) {
    const loaded = await packFromDirectory(packDir);
    return { tokenizer: await ClipTokenizer.fromVocabGz(await loaded.readFile(loaded.pack.clip.vocab)), contextLength: loaded.pack.clip.contextLength };
  }
  // $FACETEXT_VOCAB, when set, is the only place looked at: a typo there must not silently pick another file.
  const fromEnv = process.env[VOCAB_ENV];
  const root = packageRoot();
  const found = fromEnv
    ? { path: resolve(fromEnv), why: `$${VOCAB_ENV}` }
    : { path: root === undefined ? '' : resolve(root, '../shared/clip', VOCAB_NAME), why: 'the shared folder beside the facetext package' };
  if (found.path === '' || !existsSync(found.path)) {
    const looked = found.path === '' ? 'nowhere (the facetext package folder was not found)' : `${found.path} (${found.why})`;
    throw new EngineError(
      'PackFileMissing',
      `The CLIP vocabulary ${VOCAB_NAME} was not found. Looked in: ${looked}${fromEnv ? '' : `; $${VOCAB_ENV} is not set`}. ` +
        `Pass --pack <dir> to use a pack's copy, or set ${VOCAB_ENV} to the file.`,
    );
  }
  // Bounded: $FACETEXT_VOCAB may name a FIFO, a device or a folder by mistake (the file is 1.3 MB).
  const bytes = readRegularFile(found.path, { maxBytes: MAX_VOCAB_BYTES, kind: 'PackFileCorrupt', what: `The CLIP vocabulary (from ${found.why})`, hint: `Set ${VOCAB_ENV} to the file ${VOCAB_NAME}.` });
  try {
    return { tokenizer: await ClipTokenizer.fromVocabGz(bytes), contextLength: CONTEXT_LENGTH };
  } catch (error) {
    throw new EngineError('PackFileCorrupt', `${found.path} (from ${found.why}) is not CLIP's ${VOCAB_NAME}: ${(error as Error).message}`);
  }
}

/** The folder of facetext's package.json, searched upwards from this file (dist/cli.js or the source). */
export function packageRoot(): string | undefined {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest)) {
      try {
        if ((JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string }).name === 'facetext') return dir;
      } catch {
        // not ours; keep looking
      }
    }
    const parent = dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}
