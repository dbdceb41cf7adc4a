// The built command line (dist/cli.js, made by `npm run build`, which `npm test` runs first), driven as a
// user would: child processes, exit statuses, stdout JSON, stderr messages, files written.
import { cpSync, mkdtempSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_TEXT_LENGTH } from '../../contract/edit-spec';
import { Engine } from '../../ui/worker/engine';
import { readImageFile } from '../../cli/image-file';
import { packFromDirectory } from '../../cli/read-pack-dir';
import { GOLDEN_TINY_PACK, goldenPath, readGoldenJson } from '../helpers/golden';
import { cli, requireBuiltCli } from './run-cli';

const FACE = goldenPath('e4e-tiny/input_0.png'); // 256×256 aligned face
const STACK_LINE = /\n\s+at .+\(.+:\d+:\d+\)/;

let scratch: string;
beforeAll(() => {
  requireBuiltCli();
  scratch = mkdtempSync(join(tmpdir(), 'facetext-cli-'));
});
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

interface TokenizerCase {
  category: string;
  text: string;
  text_escaped: string;
  tokenize: number[] | null;
  tokenize_truncate: number[];
}

describe('facetext tokenize', () => {
  const { cases } = readGoldenJson<{ cases: TokenizerCase[] }>('clip-tokenizer.json');
  // Two cases per category, and every case that is too long for the context (the truncation warning), as
  // long as the edit contract lets a text be tokenized at all (MAX_TEXT_LENGTH characters).
  const chosen = cases.filter((c, i) => c.tokenize === null || cases.findIndex((d) => d.category === c.category) >= i - 1);
  const table = chosen.filter((c) => c.text.length <= MAX_TEXT_LENGTH).map((c) => [`${c.category}: ${c.text_escaped.slice(0, 40)}`, c] as const);
  const overLong = cases.filter((c) => c.text.length > MAX_TEXT_LENGTH).map((c) => [`${c.category}: ${c.text.length} characters`, c] as const);

  it.each(table)('%s prints clip.tokenize(text, truncate=True)', async (_title, c) => {
    // "--" ends the options, for texts that start with "-".
    const { code, stdout, stderr } = await cli(['tokenize', ...(c.text.startsWith('-') ? ['--'] : []), c.text]);
    expect(code, stderr).toBe(0);
    expect(JSON.parse(stdout)).toEqual(c.tokenize_truncate);
    if (c.tokenize === null) expect(stderr).toMatch(/warning: the text is longer than CLIP's 77 tokens; it was cut/);
    else expect(stderr).toBe('');
  });

  it.each(overLong)('%s: refused in the edit contract’s words, as an edit would be', async (_title, c) => {
    const { code, stdout, stderr } = await cli(['tokenize', c.text]);
    expect([code, stdout]).toEqual([1, '']);
    expect(stderr).toBe(`facetext: BadArgument: The prompt is ${c.text.length} characters long; at most ${MAX_TEXT_LENGTH} are read (CLIP reads about 55 words). Describe the change in a few words.\n`);
  });

  it('warns and cuts a text within the character cap that is longer than 77 tokens', async () => {
    const text = 'a '.repeat(100).trim(); // 199 characters, 100 tokens
    const [start, aId, , , , , end] = cases.find((c) => c.text === 'a face with a beard')!.tokenize_truncate; // start, a, face, with, a, beard, end
    const { code, stdout, stderr } = await cli(['tokenize', text]);
    expect(code, stderr).toBe(0);
    expect(JSON.parse(stdout)).toEqual([start, ...Array<number>(75).fill(aId), end]);
    expect(stderr).toBe("facetext: warning: the text is longer than CLIP's 77 tokens; it was cut (as clip.tokenize(text, truncate=True) does).\n");
  });

  it('reads the vocabulary from --pack and from $FACETEXT_VOCAB too', async () => {
    const expected = cases.find((c) => c.text === 'a face with a beard')!.tokenize_truncate;
    const fromPack = await cli(['tokenize', 'a face with a beard', '--pack', GOLDEN_TINY_PACK]);
    expect(JSON.parse(fromPack.stdout)).toEqual(expected);
    const fromEnv = await cli(['tokenize', 'a face with a beard'], { env: { FACETEXT_VOCAB: goldenPath('../clip/bpe_simple_vocab_16e6.txt.gz') } });
    expect(JSON.parse(fromEnv.stdout)).toEqual(expected);
  });

  it('says where it looked when the vocabulary is missing', async () => {
    const { code, stdout, stderr } = await cli(['tokenize', 'hi'], { env: { FACETEXT_VOCAB: join(scratch, 'nope.txt.gz') } });
    expect([code, stdout]).toEqual([1, '']);
    expect(stderr).toBe(
      `facetext: PackFileMissing: The CLIP vocabulary bpe_simple_vocab_16e6.txt.gz was not found. Looked in: ${join(scratch, 'nope.txt.gz')} ($FACETEXT_VOCAB). ` +
        'Pass --pack <dir> to use a pack\'s copy, or set FACETEXT_VOCAB to the file.\n',
    );
  });
});

describe('facetext edit', () => {
  it('writes the PNG Engine.render gives in-process and prints one JSON object', async () => {
    const out = join(scratch, 'glasses.png');
    const { code, stdout, stderr } = await cli([
      'edit', '--pack', GOLDEN_TINY_PACK, '--image', FACE, '--aligned', '--prompt', 'face with glasses', '--alpha', '3', '--beta', '0.1', '--out', out,
    ]);
    expect(code, stderr).toBe(0);
    expect(stderr).toBe('');
    const lines = stdout.trim().split('\n');
    expect(lines).toHaveLength(1);
    const report = JSON.parse(lines[0]) as Record<string, unknown>;
    expect(Object.keys(report)).toEqual(expect.arrayContaining(['backend', 'pack', 'channelsKept', 'warnings', 'ms']));
    expect(report).toMatchObject({ backend: 'wasm', pack: 'golden-tiny', size: [64, 64], resolution: 'full', channelsKept: [123], warnings: [] });
    const ms = report.ms as Record<string, number>;
    for (const stage of ['loadPack', 'invert.encoder', 'render.textDirection', 'render.synthesis', 'total']) expect(ms[stage], stage).toBeGreaterThan(0);

    const written = readImageFile(out);
    const engine = new Engine({ runtime: { backends: ['wasm'] } });
    try {
      await engine.useLoadedPack(await packFromDirectory(GOLDEN_TINY_PACK));
      const { faceKey } = await engine.invert(readImageFile(FACE));
      const { image } = await engine.render({ faceKey, edits: [{ kind: 'global', neutral: 'face', target: 'face with glasses', alpha: 3, beta: 0.1 }], resolution: 'full' });
      expect([written.width, written.height]).toEqual([64, 64]);
      expect(Buffer.from(written.data).equals(Buffer.from(image.data))).toBe(true);
    } finally {
      await engine.dispose();
    }
  });

  it('--mapper alone with --preview renders the largest preview; another size is resized (bilinear) with a warning', async () => {
    const out = join(scratch, 'beard.png');
    const { code, stdout, stderr } = await cli([
      'edit', '--pack', GOLDEN_TINY_PACK, '--image', goldenPath('images/chelsea.png'), '--aligned', '--mapper', 'beard', '--preview', '--out', out,
    ]);
    expect(code, stderr).toBe(0);
    const report = JSON.parse(stdout) as Record<string, unknown>;
    expect(report).toMatchObject({ size: [32, 32], resolution: 32, channelsKept: [], edits: [{ kind: 'mapper', mapper: 'beard', strength: 1 }] });
    expect(report.warnings).toEqual(['The aligned face is 451×300; it was resized to 256×256 (bilinear, aspect ratio not kept).']);
    const written = readImageFile(out);
    expect([written.width, written.height]).toEqual([32, 32]);
  });
});

describe('facetext pack', () => {
  it('verify passes on golden-tiny', async () => {
    const { code, stdout, stderr } = await cli(['pack', 'verify', GOLDEN_TINY_PACK]);
    expect(code, stderr).toBe(0);
    expect(stderr).toBe('');
    expect(stdout).toMatch(/^pack golden-tiny \(.+\): 13 files, [\d,]+ bytes: pack\.json valid, every size and sha256 matches \(9 graphs, 1 mappers\)\n$/);
  });

  it('verify names every damaged file: one corrupted byte, one truncated file', async () => {
    const dir = join(mkdtempSync(join(scratch, 'damaged-')), 'golden-tiny');
    cpSync(GOLDEN_TINY_PACK, dir, { recursive: true });
    const affine = join(dir, 'affine.onnx');
    const bytes = readFileSync(affine);
    bytes[1000] ^= 0xff;
    writeFileSync(affine, bytes);
    const synthesisBytes = readFileSync(join(dir, 'synthesis.onnx')).byteLength;
    truncateSync(join(dir, 'synthesis.onnx'), 1000);

    const { code, stdout, stderr } = await cli(['pack', 'verify', dir]);
    expect(code).toBe(1);
    const lines = stderr.trim().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/^facetext: PackFileCorrupt: affine\.onnx has sha256 [0-9a-f]{64}; pack\.json says [0-9a-f]{64}\. The file is damaged or belongs to another version of pack golden-tiny: /);
    expect(lines[1]).toBe(
      `facetext: PackFileCorrupt: synthesis.onnx is 1,000 bytes; pack.json says ${synthesisBytes.toLocaleString('en-US')}. ` +
        'The file was cut short (an interrupted copy or download): copy the complete pack folder again, or export it again (python3 -m models.export).',
    );
    expect(stdout).toMatch(/: 2 of 13 files FAILED: affine\.onnx, synthesis\.onnx\n$/);
    expect(stderr).not.toMatch(STACK_LINE);
  });

  it('presets stores the preset directions; the pack still verifies and lists them', async () => {
    const dir = join(mkdtempSync(join(scratch, 'presets-')), 'golden-tiny');
    cpSync(GOLDEN_TINY_PACK, dir, { recursive: true });
    const { code, stdout, stderr } = await cli(['pack', 'presets', '--pack', dir]);
    expect(code, stderr).toBe(0);
    expect(stdout).toMatch(/^wrote presets\.f32 \(17 presets × 32 floats, 2,176 bytes, sha256 [0-9a-f]{64}\) and updated pack\.json in [\d.]+ s\n$/);
    const verify = await cli(['pack', 'verify', dir]);
    expect(verify.code, verify.stderr).toBe(0);
    expect(verify.stdout).toMatch(/14 files, .*, 17 presets\)\n$/);
    const json = JSON.parse(readFileSync(join(dir, 'pack.json'), 'utf8')) as { presets: { entries: unknown[] } };
    expect(json.presets.entries[0]).toEqual({ label: 'smiling', neutral: 'face', target: 'smiling face' });
  });
});

describe('user mistakes exit non-zero with one message and no stack trace', () => {
  const edit = ['edit', '--pack', GOLDEN_TINY_PACK, '--image', FACE];
  const cases: Array<[title: string, args: string[], code: number, message: RegExp]> = [
    ['--face with --aligned', [...edit, '--aligned', '--face', '1', '--prompt', 'smiling face', '--out', 'x.png'], 2,
      /^facetext: edit: --face picks a face in a photo; leave it out with --aligned/],
    ['--preview on a photo', [...edit, '--preview', '--prompt', 'smiling face', '--out', 'x.png'], 2, /^facetext: edit: --preview renders an aligned face at preview size; give --aligned too/],
    ['a --face that is not a number', [...edit, '--face', 'left', '--prompt', 'smiling face', '--out', 'x.png'], 2,
      /^facetext: edit: --face must be a face number \(0 is the largest\) or "all", got "left"\n/],
    ['a misspelt option', [...edit, '--alpah', '3'], 2, /^facetext: edit: Unknown option '--alpah'\n/],
    ['a number that is not one', [...edit, '--aligned', '--prompt', 'x', '--alpha', 'lots', '--out', 'x.png'], 2, /^facetext: edit: --alpha must be a number, got "lots"\n/],
    ['no edit at all', [...edit, '--aligned', '--out', 'x.png'], 2, /^facetext: edit: say what to change: --prompt "<target text>" and\/or --mapper <name> \(or --latent <wplus\.npy>\)\n/],
    ['β too high', [...edit, '--aligned', '--prompt', 'smiling face', '--beta', '0.9', '--out', join('/tmp', 'never.png')], 1,
      /^facetext: BetaTooHigh: β too high: 0 channels pass β = 0\.9\. Lower β \(the largest \|relevance\| for this prompt is 0\.\d\d\)\.\n$/],
    ['an unknown mapper', [...edit, '--aligned', '--mapper', 'afro', '--out', 'x.png'], 1, /^facetext: BadArgument: unknown mapper “afro”\. Must be one of: beard\n$/],
    ['a missing image', ['edit', '--pack', GOLDEN_TINY_PACK, '--image', '/nonexistent/face.png', '--aligned', '--mapper', 'beard', '--out', 'x.png'], 1,
      /^facetext: ImageInvalid: The image \/nonexistent\/face\.png does not exist \(ENOENT\)\. Check the path\.\n$/],
    ['a folder that is not a pack', ['pack', 'verify', '/'], 1, /^facetext: PackFileMissing: pack\.json is missing \(looked for \/pack\.json\)\./],
    ['an unknown command', ['frobnicate'], 2, /^facetext: unknown command "frobnicate"\. Must be one of: edit, tokenize, pack, runtime, help\n/],
  ];

  it.each(cases)('%s', async (_title, args, expectedCode, message) => {
    const { code, stdout, stderr } = await cli(args);
    expect(code, stderr).toBe(expectedCode);
    expect(stdout).toBe('');
    expect(stderr).toMatch(message);
    expect(stderr).not.toMatch(STACK_LINE);
    expect(stderr).not.toMatch(/internal error/);
  });
});
