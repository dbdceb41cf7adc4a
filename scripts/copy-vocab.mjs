// Copies CLIP's BPE vocabulary from ../shared/clip into every models/packs/*/ whose pack.json lists it,
// after checking its sha256 against pack.json. Packs never commit it (see models/README.md).
// Usage: node scripts/copy-vocab.mjs   (also run by scripts/build.mjs)
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const VOCAB_NAME = 'bpe_simple_vocab_16e6.txt.gz';

const sha256 = (path) => createHash('sha256').update(readFileSync(path)).digest('hex');

/** Returns one line per pack saying what happened; throws when the vocabulary is missing or differs. */
export function copyVocab({ repoRoot = REPO_ROOT, sharedDir = resolve(repoRoot, '../shared') } = {}) {
  const packsDir = join(repoRoot, 'models/packs');
  if (!existsSync(packsDir)) return [];
  const source = join(sharedDir, 'clip', VOCAB_NAME);
  const report = [];
  for (const id of readdirSync(packsDir).sort()) {
    const packJson = join(packsDir, id, 'pack.json');
    if (!existsSync(packJson)) continue;
    const pack = JSON.parse(readFileSync(packJson, 'utf8'));
    const entry = pack.files?.[VOCAB_NAME];
    if (entry === undefined) continue;
    if (typeof entry.sha256 !== 'string' || !/^[0-9a-f]{64}$/.test(entry.sha256)) {
      throw new Error(`${packJson}: files["${VOCAB_NAME}"].sha256 must be 64 lowercase hex digits, got ${JSON.stringify(entry.sha256)}`);
    }
    const target = join(packsDir, id, VOCAB_NAME);
    if (existsSync(target) && sha256(target) === entry.sha256) {
      report.push(`${id}: ${VOCAB_NAME} already in place`);
      continue;
    }
    if (!existsSync(source)) {
      throw new Error(
        `Pack ${id} needs ${VOCAB_NAME}, which is copied from ${source}, but that file is missing. ` +
          'Check out the shared reference folder as ../shared next to the repository, then build again.',
      );
    }
    const actual = sha256(source);
    if (actual !== entry.sha256) {
      throw new Error(`${source} has sha256 ${actual}; ${packJson} expects ${entry.sha256}. Refusing to copy a different vocabulary.`);
    }
    copyFileSync(source, target);
    report.push(`${id}: copied ${VOCAB_NAME} (sha256 ${actual.slice(0, 12)}…)`);
  }
  return report;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    for (const line of copyVocab()) console.log(line);
  } catch (error) {
    console.error(`copy-vocab: ${error.message}`);
    process.exit(1);
  }
}
