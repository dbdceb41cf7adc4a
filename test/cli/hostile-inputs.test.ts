// Hostile and careless inputs to the built command line (issue 12), by class: unbounded reads, image bombs,
// file-system refusals that used to dump a stack (exit 70), prompts too long for the tokenizer, and numbers
// the argument parser misread. Every case asserts the one-line message, the exit status and the absence of a
// stack trace; after every case the --image file is byte-for-byte and mtime-for-mtime what it was.
import { execFileSync } from 'node:child_process';
import {
  chmodSync, copyFileSync, cpSync, existsSync, linkSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, truncateSync, writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { MAX_TEXT_LENGTH } from '../../contract/edit-spec';
import { jpegHeaderOnly, pngBomb, pngHeaderOnly } from '../fixtures/image-bombs';
import { GOLDEN_TINY_PACK, goldenPath } from '../helpers/golden';
import { cli, requireBuiltCli, type CliRun } from './run-cli';

const FACE = goldenPath('e4e-tiny/input_0.png'); // 256×256 aligned face
const STACK_LINE = /^\s+at /m;
const USAGE_HINT = 'Run "facetext help" for usage.';
// Permission errors need a user the permissions apply to: as root, the CLI runs as nobody.
const AS_USER = process.getuid?.() === 0 ? { uid: 65534, gid: 65534 } : undefined;

let scratch: string;
let original: string; // the --image of every case: must never change
let originalBytes: Buffer;
let originalMtime: number;
const at = (name: string): string => join(scratch, name);

beforeAll(() => {
  requireBuiltCli();
  scratch = mkdtempSync(join(tmpdir(), 'facetext-hostile-'));
  chmodSync(scratch, 0o755);
  original = at('original.png');
  copyFileSync(FACE, original);
  chmodSync(original, 0o644);
  originalBytes = readFileSync(original);
  originalMtime = statSync(original).mtimeMs;

  mkdirSync(at('open'), { mode: 0o777 });
  chmodSync(at('open'), 0o777); // writable by the unprivileged user too
  execFileSync('mkfifo', [at('fifo.png')]);
  symlinkSync('/dev/zero', at('zero.png'));
  symlinkSync(at('fifo.png'), at('fifo-link.png'));
  symlinkSync(at('loop-b.png'), at('loop-a.png'));
  symlinkSync(at('loop-a.png'), at('loop-b.png'));
  symlinkSync(at('missing.png'), at('dangling.png'));
  symlinkSync(original, at('original-link.png'));
  linkSync(original, at('original-hardlink.png'));
  mkdirSync(at('folder.png'));
  writeFileSync(at('huge.png'), '');
  truncateSync(at('huge.png'), 3 * 2 ** 30); // sparse: 3 GiB declared, nothing on disk
  writeFileSync(at('600m.png'), '');
  truncateSync(at('600m.png'), 600 * 2 ** 20);
  writeFileSync(at('empty.png'), '');
  copyFileSync(FACE, at('unreadable.png'));
  chmodSync(at('unreadable.png'), 0o000);
  mkdirSync(at('locked'), { mode: 0o555 });
  chmodSync(at('locked'), 0o555);
  copyFileSync(FACE, at('open/readonly-out.png'));
  chmodSync(at('open/readonly-out.png'), 0o444);

  writeFileSync(at('bomb.png'), pngBomb(20000, 20000));
  writeFileSync(at('wide.png'), pngHeaderOnly(16385, 1));
  writeFileSync(at('over-budget.png'), pngHeaderOnly(10001, 10001));
  writeFileSync(at('zero-width.png'), pngHeaderOnly(0, 64));
  writeFileSync(at('bomb.jpg'), jpegHeaderOnly(65535, 65535));
  writeFileSync(at('signature-only.png'), Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
  writeFileSync(at('pack.json'), '{}'); // a pack.json that is not in a pack folder
  writeFileSync(at('notes.txt'), 'not a pack');
});

afterAll(() => {
  chmodSync(at('locked'), 0o755);
  if (existsSync(at('readonly/golden-tiny'))) chmodSync(at('readonly/golden-tiny'), 0o755);
  rmSync(scratch, { recursive: true, force: true });
});

afterEach(() => {
  expect(readFileSync(original).equals(originalBytes), 'the --image file changed').toBe(true);
  expect(statSync(original).mtimeMs, 'the --image file was touched').toBe(originalMtime);
});

/** One line on stderr, nothing on stdout, the exit status, no stack trace. */
function expectRefusal(run: CliRun, code: number, message: RegExp | string): void {
  expect(run.code, run.stderr).toBe(code);
  expect(run.stdout).toBe('');
  expect(run.stderr).not.toMatch(STACK_LINE);
  expect(run.stderr).not.toMatch(/internal error/);
  const lines = run.stderr.split('\n').filter(Boolean);
  expect(lines).toHaveLength(code === 2 ? 2 : 1);
  if (code === 2) expect(lines[1]).toBe(USAGE_HINT);
  if (typeof message === 'string') expect(lines[0]).toBe(message);
  else expect(lines[0]).toMatch(message);
}

const edit = (image: string, out: string, ...more: string[]): string[] => ['edit', '--pack', GOLDEN_TINY_PACK, '--image', image, '--aligned', '--mapper', 'beard', '--out', out, ...more];

type Case = [title: string, args: () => string[], code: number, message: () => RegExp | string];

describe('unbounded reads: only regular files of bounded size are read', () => {
  const cases: Case[] = [
    ['a FIFO (would block forever)', () => edit(at('fifo.png'), at('open/o.png')), 1,
      () => `facetext: ImageInvalid: The image ${at('fifo.png')} is a named pipe (FIFO), not a regular file. Give the path of an image file.`],
    ['a symbolic link to a FIFO', () => edit(at('fifo-link.png'), at('open/o.png')), 1,
      () => `facetext: ImageInvalid: The image ${at('fifo-link.png')} is a symbolic link to a named pipe (FIFO), not a regular file. Give the path of an image file.`],
    ['a symbolic link to /dev/zero (would never end)', () => edit(at('zero.png'), at('open/o.png')), 1,
      () => `facetext: ImageInvalid: The image ${at('zero.png')} is a symbolic link to a character device, not a regular file. Give the path of an image file.`],
    ['/dev/zero itself', () => edit('/dev/zero', at('open/o.png')), 1,
      () => 'facetext: ImageInvalid: The image /dev/zero is a character device, not a regular file. Give the path of an image file.'],
    ['a directory (EISDIR)', () => edit(at('folder.png'), at('open/o.png')), 1,
      () => `facetext: ImageInvalid: The image ${at('folder.png')} is a directory, not a regular file. Give the path of an image file.`],
    ['a file over 2 GiB (Node cannot read it whole)', () => edit(at('huge.png'), at('open/o.png')), 1,
      () => `facetext: ImageInvalid: The image ${at('huge.png')} is 3.0 GiB; at most 512.0 MiB are read. Export a smaller file.`],
    ['a file over the 512 MiB cap', () => edit(at('600m.png'), at('open/o.png')), 1,
      () => `facetext: ImageInvalid: The image ${at('600m.png')} is 600.0 MiB; at most 512.0 MiB are read. Export a smaller file.`],
    ['a loop of symbolic links', () => edit(at('loop-a.png'), at('open/o.png')), 1,
      () => `facetext: ImageInvalid: The image ${at('loop-a.png')} is a loop of symbolic links (ELOOP).`],
    ['a dangling symbolic link', () => edit(at('dangling.png'), at('open/o.png')), 1,
      () => `facetext: ImageInvalid: The image ${at('dangling.png')} does not exist (ENOENT). Check the path.`],
    ['an empty file', () => edit(at('empty.png'), at('open/o.png')), 1,
      () => 'facetext: ImageInvalid: empty.png is neither a PNG nor a JPEG file (0 bytes). Export the image as PNG or JPEG and try again.'],
  ];
  it.each(cases)('%s', async (_title, args, code, message) => {
    expectRefusal(await cli(args()), code, message());
  });

  it('a file the user may not read (EACCES)', async () => {
    const run = await cli(edit(at('unreadable.png'), at('open/o.png')), { user: AS_USER });
    expectRefusal(run, 1, `facetext: ImageInvalid: The image ${at('unreadable.png')} cannot be read: EACCES: permission denied.`);
  });
});

describe('image bombs are refused from the header, before any pixel is decoded', () => {
  const cases: Case[] = [
    ['a 20000² PNG bomb (1.2 GB of pixels in a ~1.1 MB file)', () => edit(at('bomb.png'), at('open/o.png')), 1,
      () => /^facetext: ImageInvalid: bomb\.png declares 20000×20000 px \(400 MP, 1\.1 MiB of file\); at most 16384 px a side and 100 MP are decoded\. Scale the image down and try again\.$/],
    ['a PNG one pixel wider than 16384', () => edit(at('wide.png'), at('open/o.png')), 1,
      () => /^facetext: ImageInvalid: wide\.png declares 16385×1 px \(0\.02 MP, 45 bytes of file\); at most 16384 px a side and 100 MP are decoded\./],
    ['a PNG within 16384 a side but over 100 MP', () => edit(at('over-budget.png'), at('open/o.png')), 1,
      () => /^facetext: ImageInvalid: over-budget\.png declares 10001×10001 px \(100\.02 MP, 45 bytes of file\); at most 16384 px a side and 100 MP are decoded\./],
    ['a 65535² JPEG frame header (jpeg-js would allocate 17 GB of blocks)', () => edit(at('bomb.jpg'), at('open/o.png')), 1,
      () => /^facetext: ImageInvalid: bomb\.jpg declares 65535×65535 px \(4294\.84 MP, 17 bytes of file\); at most 16384 px a side/],
    ['a PNG declaring zero width', () => edit(at('zero-width.png'), at('open/o.png')), 1,
      () => 'facetext: ImageInvalid: zero-width.png declares an empty image (0×64 px). The file is damaged: export it again.'],
    ['a PNG signature with nothing after it', () => edit(at('signature-only.png'), at('open/o.png')), 1,
      () => 'facetext: ImageInvalid: signature-only.png is not a readable PNG: its header ends or breaks off before the image size (8 bytes). The file may be cut short or damaged: export it again.'],
  ];
  it.each(cases)('%s', async (_title, args, code, message) => {
    expectRefusal(await cli(args()), code, message());
  });
});

describe('--out: checked before the run, never the original', () => {
  const cases: Case[] = [
    ['--out into a missing folder fails before the pack or the image is read', () => ['edit', '--pack', at('no-pack'), '--image', at('no-image.png'), '--aligned', '--mapper', 'beard', '--out', at('missing/o.png')], 1,
      () => `facetext: FileError: --out ${at('missing/o.png')}: the folder ${at('missing')} does not exist. Create it first or write somewhere else.`],
    ['--out under a file', () => edit(original, at('original.png/o.png')), 1,
      () => `facetext: FileError: --out ${at('original.png/o.png')}: ${original} is a regular file, not a folder.`],
    ['--out is a directory (EISDIR)', () => edit(original, at('folder.png')), 1,
      () => `facetext: FileError: --out ${at('folder.png')} is a directory; give the path of a PNG file to write.`],
    ['--out is a FIFO', () => edit(original, at('fifo.png')), 1,
      () => `facetext: FileError: --out ${at('fifo.png')} is a named pipe (FIFO); give the path of a PNG file to write.`],
    ['--out is /dev/full', () => edit(original, '/dev/full'), 1,
      () => 'facetext: FileError: --out /dev/full is a character device; give the path of a PNG file to write.'],
    ['--out is the --image path', () => edit(original, original), 1,
      () => `facetext: FileError: --out ${original} is the --image file; the original is never overwritten. Give another --out path.`],
    ['--out is the --image path spelt another way', () => edit(original, `${scratch}/open/../original.png`), 1,
      () => `facetext: FileError: --out ${scratch}/open/../original.png is the --image file; the original is never overwritten. Give another --out path.`],
    ['--out is a symbolic link to the --image file', () => edit(original, at('original-link.png')), 1,
      () => `facetext: FileError: --out ${at('original-link.png')} is the --image file; the original is never overwritten. Give another --out path.`],
    ['--out is a hard link to the --image file (same inode)', () => edit(original, at('original-hardlink.png')), 1,
      () => `facetext: FileError: --out ${at('original-hardlink.png')} is the --image file; the original is never overwritten. Give another --out path.`],
    ['--image is a symbolic link to --out', () => edit(at('original-link.png'), original), 1,
      () => `facetext: FileError: --out ${original} is the --image file; the original is never overwritten. Give another --out path.`],
  ];
  it.each(cases)('%s', async (_title, args, code, message) => {
    expectRefusal(await cli(args()), code, message());
  });

  it('--out over a 3 GiB file replaces it with the result, reading nothing of it', async () => {
    const out = at('open/huge-out.png');
    writeFileSync(out, '');
    truncateSync(out, 3 * 2 ** 30);
    const { code, stderr } = await cli(edit(original, out));
    expect(code, stderr).toBe(0);
    expect(statSync(out).size).toBeLessThan(2 ** 20);
  });

  it('--out into a folder the user may not write (EACCES)', async () => {
    const run = await cli(edit(original, at('locked/o.png')), { user: AS_USER });
    expectRefusal(run, 1, `facetext: FileError: --out ${at('locked/o.png')}: the folder ${at('locked')} cannot be written (EACCES: permission denied). Write somewhere else.`);
  });

  it('--out over a file the user may not replace (EACCES)', async () => {
    const run = await cli(edit(original, at('open/readonly-out.png')), { user: AS_USER });
    expectRefusal(run, 1, `facetext: FileError: --out ${at('open/readonly-out.png')} cannot be replaced (EACCES: permission denied). Write somewhere else.`);
  });
});

describe('pack folders given as their pack.json, or as something else', () => {
  it('pack verify <dir>/pack.json verifies the folder', async () => {
    const { code, stdout, stderr } = await cli(['pack', 'verify', join(GOLDEN_TINY_PACK, 'pack.json')]);
    expect(code, stderr).toBe(0);
    expect(stdout).toMatch(/^pack golden-tiny \(.+\): 13 files, [\d,]+ bytes: pack\.json valid, every size and sha256 matches/);
  });

  it('tokenize --pack <dir>/pack.json reads the pack’s vocabulary', async () => {
    const { code, stdout, stderr } = await cli(['tokenize', 'a face', '--pack', join(GOLDEN_TINY_PACK, 'pack.json')]);
    expect(code, stderr).toBe(0);
    expect(JSON.parse(stdout)).toHaveLength(77);
  });

  const cases: Case[] = [
    ['pack verify on another file of the pack', () => ['pack', 'verify', join(GOLDEN_TINY_PACK, 'affine.onnx')], 1,
      () => `facetext: FileError: ${join(GOLDEN_TINY_PACK, 'affine.onnx')} is a regular file, not a pack folder. Give the folder that holds pack.json (e.g. models/packs/golden-tiny).`],
    ['pack verify on a FIFO', () => ['pack', 'verify', at('fifo.png')], 1,
      () => `facetext: FileError: ${at('fifo.png')} is a named pipe (FIFO), not a pack folder. Give the folder that holds pack.json (e.g. models/packs/golden-tiny).`],
    ['edit --pack on a text file', () => edit(original, at('open/o.png')).map((a) => (a === GOLDEN_TINY_PACK ? at('notes.txt') : a)), 1,
      () => `facetext: FileError: ${at('notes.txt')} is a regular file, not a pack folder. Give the folder that holds pack.json (e.g. models/packs/golden-tiny).`],
    ['pack verify <missing dir>/pack.json names the pack.json it looked for', () => ['pack', 'verify', at('nowhere/pack.json')], 1,
      () => new RegExp(`^facetext: PackFileMissing: pack\\.json is missing \\(looked for ${at('nowhere/pack.json').replace(/[.]/g, '\\.')}\\)\\.`)],
  ];
  it.each(cases)('%s', async (_title, args, code, message) => {
    expectRefusal(await cli(args()), code, message());
  });
});

describe('a file operation the machine refuses is one line, exit 1, not an internal error', () => {
  it('pack presets into a pack folder the user may not write (EACCES)', async () => {
    mkdirSync(at('readonly'));
    const pack = at('readonly/golden-tiny');
    cpSync(GOLDEN_TINY_PACK, pack, { recursive: true });
    chmodSync(pack, 0o555); // nobody may write it (root's permission bypass is why the CLI runs as nobody)
    const run = await cli(['pack', 'presets', '--pack', pack], { user: AS_USER });
    expectRefusal(run, 1, new RegExp(`^facetext: FileError: EACCES: permission denied, open '${pack}/presets\\.f32\\.tmp-\\d+'$`));
  });
});

describe('other files the CLI reads are bounded too', () => {
  const cases: Case[] = [
    ['$FACETEXT_VOCAB naming a FIFO', () => ['tokenize', 'a face'], 1,
      () => `facetext: PackFileCorrupt: The CLIP vocabulary (from $FACETEXT_VOCAB) ${at('fifo.png')} is a named pipe (FIFO), not a regular file. Set FACETEXT_VOCAB to the file bpe_simple_vocab_16e6.txt.gz.`],
  ];
  it.each(cases)('%s', async (_title, args, code, message) => {
    expectRefusal(await cli(args(), { env: { FACETEXT_VOCAB: at('fifo.png') } }), code, message());
  });
});

describe('prompts longer than the edit contract allows never reach the tokenizer', () => {
  const longWord = 'a'.repeat(50_000);
  const tooLong = (n: number, what = 'prompt') => `facetext: BadArgument: The ${what} is ${n} characters long; at most ${MAX_TEXT_LENGTH} are read (CLIP reads about 55 words). Describe the change in a few words.`;
  const cases: Case[] = [
    ['tokenize with a 50,000-letter word (BPE is quadratic: this took 53–112 s)', () => ['tokenize', longWord], 1, () => tooLong(50_000)],
    [`tokenize with ${MAX_TEXT_LENGTH + 1} characters`, () => ['tokenize', 'x'.repeat(MAX_TEXT_LENGTH + 1)], 1, () => tooLong(MAX_TEXT_LENGTH + 1)],
    ['tokenize --pack with a 50,000-letter word', () => ['tokenize', longWord, '--pack', GOLDEN_TINY_PACK], 1, () => tooLong(50_000)],
    ['edit --prompt with a 50,000-letter word, refused before the image is read', () => ['edit', '--image', at('no-image.png'), '--aligned', '--prompt', longWord, '--out', at('open/o.png')], 1,
      () => tooLong(50_000)],
    ['edit --neutral with 1,000 characters', () => ['edit', '--image', original, '--aligned', '--prompt', 'smiling face', '--neutral', 'n'.repeat(1000), '--out', at('open/o.png')], 1,
      () => tooLong(1000, 'neutral text')],
  ];
  it.each(cases)('%s', async (_title, args, code, message) => {
    expectRefusal(await cli(args()), code, message());
  });

  it(`tokenize takes exactly ${MAX_TEXT_LENGTH} characters`, async () => {
    const { code, stdout, stderr } = await cli(['tokenize', 'ab '.repeat(MAX_TEXT_LENGTH / 3)]);
    expect(code, stderr).toBe(0);
    expect(JSON.parse(stdout)).toHaveLength(77);
  });
});

describe('negative numbers are option values; ambiguous arguments are still refused', () => {
  // The image is missing, so a run that gets past the arguments stops at reading it, with this message.
  const pastArguments = `facetext: ImageInvalid: The image ${join(tmpdir(), 'facetext-no-image.png')} does not exist (ENOENT). Check the path.`;
  const ambiguous = (name: string) =>
    `facetext: edit: Option '--${name}' argument is ambiguous. Did you forget to specify the option argument for '--${name}'? To specify an option argument starting with a dash use '--${name}=-XYZ'.`;
  const base = ['edit', '--pack', GOLDEN_TINY_PACK, '--image', join(tmpdir(), 'facetext-no-image.png'), '--aligned'];
  const cases: Case[] = [
    ['--alpha -2.5', () => [...base, '--prompt', 'smiling face', '--alpha', '-2.5', '--out', 'o.png'], 1, () => pastArguments],
    ['--alpha -.5', () => [...base, '--prompt', 'smiling face', '--alpha', '-.5', '--out', 'o.png'], 1, () => pastArguments],
    ['--alpha -1e1', () => [...base, '--prompt', 'smiling face', '--alpha', '-1e1', '--out', 'o.png'], 1, () => pastArguments],
    ['--alpha=-3', () => [...base, '--prompt', 'smiling face', '--alpha=-3', '--out', 'o.png'], 1, () => pastArguments],
    ['--strength -1', () => [...base, '--mapper', 'beard', '--strength', '-1', '--out', 'o.png'], 1, () => pastArguments],
    ['--alpha -60 (outside ±50)', () => [...base, '--prompt', 'smiling face', '--alpha', '-60', '--out', 'o.png'], 1,
      () => 'facetext: BadArgument: α must be a number from −50 to 50, got -60. Typical values are −10 to 10.'],
    ['--alpha -1e400 (not finite)', () => [...base, '--prompt', 'smiling face', '--alpha', '-1e400', '--out', 'o.png'], 2,
      () => 'facetext: edit: --alpha must be a number, got "-1e400"'],
    ['--beta -0.1 (outside 0…1)', () => [...base, '--prompt', 'smiling face', '--beta', '-0.1', '--out', 'o.png'], 1,
      () => 'facetext: BadArgument: β must be a number from 0 to 1, got -0.1. Typical values are 0.08 to 0.30.'],
    ['--alpha followed by another option', () => [...base, '--prompt', 'smiling face', '--alpha', '--beta', '0.1', '--out', 'o.png'], 2,
      () => ambiguous('alpha')],
    ['--alpha -x (not a number)', () => [...base, '--prompt', 'smiling face', '--alpha', '-x', '--out', 'o.png'], 2,
      () => ambiguous('alpha')],
    ['--prompt -2 (a text option: a dash may be an option)', () => [...base, '--prompt', '-2', '--out', 'o.png'], 2,
      () => ambiguous('prompt')],
    ['--out -1', () => [...base, '--prompt', 'smiling face', '--out', '-1'], 2,
      () => ambiguous('out')],
  ];
  it.each(cases)('%s', async (_title, args, code, message) => {
    expectRefusal(await cli(args()), code, message());
  });

  it('--alpha -2.5 edits the other way and reports α = -2.5', async () => {
    const out = at('open/negative.png');
    const { code, stdout, stderr } = await cli(['edit', '--pack', GOLDEN_TINY_PACK, '--image', original, '--aligned', '--prompt', 'face with glasses', '--alpha', '-2.5', '--out', out]);
    expect(code, stderr).toBe(0);
    expect((JSON.parse(stdout) as { edits: unknown[] }).edits).toEqual([{ kind: 'global', target: 'face with glasses', neutral: 'face', alpha: -2.5, beta: 0.15 }]);
    expect(statSync(out).size).toBeGreaterThan(0);
  });
});
