import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
// @ts-expect-error – a plain .mjs build script without type declarations
import { copyVocab, VOCAB_NAME } from '../../scripts/copy-vocab.mjs';

const VOCAB = Buffer.from('fake vocabulary bytes');
const sha = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

function fixture({ withShared = true, packs }: { withShared?: boolean; packs: Record<string, object> }) {
  const base = mkdtempSync(join(tmpdir(), 'facetext-vocab-'));
  const repoRoot = join(base, 'repo');
  const sharedDir = join(base, 'shared');
  if (withShared) {
    mkdirSync(join(sharedDir, 'clip'), { recursive: true });
    writeFileSync(join(sharedDir, 'clip', VOCAB_NAME), VOCAB);
  }
  for (const [id, pack] of Object.entries(packs)) {
    mkdirSync(join(repoRoot, 'models/packs', id), { recursive: true });
    writeFileSync(join(repoRoot, 'models/packs', id, 'pack.json'), JSON.stringify(pack));
  }
  return { repoRoot, sharedDir, target: (id: string) => join(repoRoot, 'models/packs', id, VOCAB_NAME) };
}

const listing = (sha256: string) => ({ files: { [VOCAB_NAME]: { bytes: VOCAB.length, sha256 } } });

describe('copyVocab', () => {
  it('copies the vocabulary into packs that list it and leaves the others alone', () => {
    const f = fixture({ packs: { tiny: listing(sha(VOCAB)), other: { files: {} } } });
    const report = copyVocab({ repoRoot: f.repoRoot, sharedDir: f.sharedDir }) as string[];
    expect(readFileSync(f.target('tiny'))).toEqual(VOCAB);
    expect(existsSync(f.target('other'))).toBe(false);
    expect(report).toEqual([expect.stringMatching(/^tiny: copied/)]);
    expect(copyVocab({ repoRoot: f.repoRoot, sharedDir: f.sharedDir })).toEqual([`tiny: ${VOCAB_NAME} already in place`]);
  });

  it('refuses a vocabulary whose sha256 differs from pack.json', () => {
    const f = fixture({ packs: { tiny: listing('0'.repeat(64)) } });
    expect(() => copyVocab({ repoRoot: f.repoRoot, sharedDir: f.sharedDir })).toThrow(/expects 0{64}\. Refusing to copy/);
    expect(existsSync(f.target('tiny'))).toBe(false);
  });

  it('says where the vocabulary should come from when ../shared is missing', () => {
    const f = fixture({ withShared: false, packs: { tiny: listing(sha(VOCAB)) } });
    expect(() => copyVocab({ repoRoot: f.repoRoot, sharedDir: f.sharedDir })).toThrow(/Pack tiny needs bpe_simple_vocab_16e6\.txt\.gz.*missing.*\.\.\/shared/);
  });

  it('rejects a malformed sha256 in pack.json, naming the file', () => {
    const f = fixture({ packs: { tiny: listing('ABC') } });
    expect(() => copyVocab({ repoRoot: f.repoRoot, sharedDir: f.sharedDir })).toThrow(/tiny\/pack\.json: files\["bpe_simple_vocab_16e6\.txt\.gz"\]\.sha256 must be 64 lowercase hex/);
  });
});
