import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { packFromDirectory } from '../../../cli/read-pack-dir';
import type { LoadedPack } from '../../../ui/worker/pack/load-pack';
import { packFromFiles, type PackFileLike } from '../../../ui/worker/pack/pack-from-files';
import { packFromUrl } from '../../../ui/worker/pack/pack-from-url';
import type { Progress } from '../../../contract/progress';
import { packJsonBytes, S_MEAN, sha256, tinyPack, writePackDir, type TinyPack } from './tiny-pack';

async function failure(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a failure, but it succeeded');
}

/** tinyPack() with one file's bytes replaced on disk / on the server, pack.json unchanged. */
function withFile(name: string, bytes: Uint8Array | undefined): TinyPack {
  const pack = tinyPack();
  if (bytes === undefined) pack.files.delete(name);
  else pack.files.set(name, bytes);
  return pack;
}

const CLIP_TEXT = tinyPack().files.get('clip-text.onnx')!;
const FLIPPED = Uint8Array.from(CLIP_TEXT, (b, i) => (i === 1000 ? b ^ 1 : b));

function expectProgressInvariants(events: Progress[], file: string, total: number): void {
  const loaded = events.filter((e) => e.stage === 'download' && e.file === file).map((e) => (e.stage === 'download' ? e.loaded : NaN));
  expect(loaded.length, 'the body arrives in several parts, each reported').toBeGreaterThan(2);
  for (let i = 1; i < loaded.length; i++) expect(loaded[i]).toBeGreaterThanOrEqual(loaded[i - 1]);
  expect(loaded[0]).toBe(0);
  expect(loaded[loaded.length - 1]).toBe(total);
  for (const e of events) if (e.stage === 'download') expect(e.total).toBe(total);
}

// ----------------------------------------------------------------------------------------------------
describe('packFromDirectory', () => {
  it('reads pack.json and hands out verified file bytes', async () => {
    const tiny = tinyPack();
    const loaded = await packFromDirectory(writePackDir(tiny));
    expect(loaded.pack.id).toBe('tiny-test');
    expect(await loaded.readFile('clip-text.onnx')).toEqual(CLIP_TEXT);
    expect(Array.from(await loaded.readFloat32('s-mean.f32'))).toEqual(Array.from(S_MEAN));
  });

  it('reads nothing but pack.json until a file is asked for: a corrupt file never asked for does not fail', async () => {
    const dir = writePackDir(withFile('synthesis.onnx', new Uint8Array(3)));
    rmSync(join(dir, 'encoder.onnx'));
    const loaded = await packFromDirectory(dir);
    expect((await loaded.readFile('mapping.onnx')).byteLength).toBe(100);
  });

  it('says which file is missing from which pack, where it looked and what to do', async () => {
    const dir = writePackDir(withFile('clip-text.onnx', undefined));
    const error = await failure((await packFromDirectory(dir)).readFile('clip-text.onnx'));
    expect(error.name).toBe('PackFileMissing');
    expect(error.message).toBe(
      `clip-text.onnx is missing from pack tiny-test (looked for ${join(dir, 'clip-text.onnx')}). ` +
        'Copy the complete pack folder again, or export it again (python3 -m models.export).',
    );
  });

  it('explains that the CLIP vocabulary comes from npm run build when it is missing', async () => {
    const dir = writePackDir(withFile('bpe_simple_vocab_16e6.txt.gz', undefined));
    const error = await failure((await packFromDirectory(dir)).readFile('bpe_simple_vocab_16e6.txt.gz'));
    expect(error.name).toBe('PackFileMissing');
    expect(error.message).toContain('`npm run build` copies it into the pack from ../shared/clip');
  });

  it('reports a truncated file with both sizes', async () => {
    const dir = writePackDir(withFile('clip-text.onnx', CLIP_TEXT.subarray(0, 1204)));
    const error = await failure((await packFromDirectory(dir)).readFile('clip-text.onnx'));
    expect(error.name).toBe('PackFileCorrupt');
    expect(error.message).toBe(
      'clip-text.onnx is 1,204 bytes; pack.json says 4,321. The file was cut short (an interrupted copy or download): ' +
        'copy the complete pack folder again, or export it again (python3 -m models.export).',
    );
  });

  it('reports a file with extra bytes', async () => {
    const longer = new Uint8Array(CLIP_TEXT.byteLength + 7);
    longer.set(CLIP_TEXT);
    const dir = writePackDir(withFile('clip-text.onnx', longer));
    const error = await failure((await packFromDirectory(dir)).readFile('clip-text.onnx'));
    expect(error.name).toBe('PackFileCorrupt');
    expect(error.message).toMatch(/^clip-text\.onnx is 4,328 bytes; pack\.json says 4,321\. The file does not belong to this pack\.json/);
  });

  it('reports a wrong sha256 with the expected and actual hash', async () => {
    const dir = writePackDir(withFile('clip-text.onnx', FLIPPED));
    const error = await failure((await packFromDirectory(dir)).readFile('clip-text.onnx'));
    expect(error.name).toBe('PackFileCorrupt');
    expect(error.message).toBe(
      `clip-text.onnx has sha256 ${sha256(FLIPPED)}; pack.json says ${sha256(CLIP_TEXT)}. ` +
        'The file is damaged or belongs to another version of pack tiny-test: copy the complete pack folder again, or export it again (python3 -m models.export).',
    );
  });

  it('does not cache a failure: a repaired file reads fine afterwards', async () => {
    const dir = writePackDir(withFile('clip-text.onnx', FLIPPED));
    const loaded = await packFromDirectory(dir);
    expect((await failure(loaded.readFile('clip-text.onnx'))).name).toBe('PackFileCorrupt');
    writeFileSync(join(dir, 'clip-text.onnx'), CLIP_TEXT);
    expect(await loaded.readFile('clip-text.onnx')).toEqual(CLIP_TEXT);
  });

  it('caches verified bytes: a file changed after the first read is not read again', async () => {
    const dir = writePackDir(tinyPack());
    const loaded = await packFromDirectory(dir);
    const first = await loaded.readFile('clip-text.onnx');
    writeFileSync(join(dir, 'clip-text.onnx'), FLIPPED);
    expect(await loaded.readFile('clip-text.onnx')).toBe(first);
  });

  it('refuses a folder without pack.json', async () => {
    const dir = writePackDir(tinyPack());
    rmSync(join(dir, 'pack.json'));
    const error = await failure(packFromDirectory(dir));
    expect(error.name).toBe('PackFileMissing');
    expect(error.message).toBe(`pack.json is missing (looked for ${join(dir, 'pack.json')}). Give the pack folder itself, the one that holds pack.json (e.g. models/packs/golden-tiny).`);
  });

  it('refuses pack.json that is not JSON', async () => {
    const dir = writePackDir(tinyPack());
    writeFileSync(join(dir, 'pack.json'), '{"format": 1,');
    const error = await failure(packFromDirectory(dir));
    expect(error.name).toBe('PackInvalid');
    expect(error.message).toMatch(/^pack\.json is not valid JSON \(.+\)\. Export the pack again\.$/);
  });

  it('passes schema errors through, naming the field', async () => {
    const tiny = tinyPack();
    tiny.json.generator.styleLayers[3].kind = 'rgb';
    const error = await failure(packFromDirectory(writePackDir(tiny)));
    expect(error.name).toBe('PackInvalid');
    expect(error.message).toBe('pack.json: generator.styleLayers[3].kind is "rgb"; must be one of: conv, torgb');
  });

  it('requires the folder to be named after the pack id', async () => {
    const error = await failure(packFromDirectory(writePackDir(tinyPack(), 'renamed')));
    expect(error.name).toBe('PackInvalid');
    expect(error.message).toBe('pack.json: id is "tiny-test" but the pack folder is named "renamed"; they must be equal. Rename the folder to "tiny-test".');
  });

  it('throws a programmer error for a file pack.json does not list', async () => {
    const loaded = await packFromDirectory(writePackDir(tinyPack()));
    const error = await failure(loaded.readFile('other.onnx'));
    expect(error.name).toBe('Error');
    expect(error.message).toMatch(/^readFile: "other\.onnx" is not listed in the files of pack tiny-test; ask for one of: mapping\.onnx, /);
  });

  it('verifies every file, reports each problem, and counts verify progress up to the total', async () => {
    const dir = writePackDir(withFile('clip-text.onnx', FLIPPED));
    rmSync(join(dir, 'mapper-beard.onnx'));
    const loaded = await packFromDirectory(dir);
    const events: Progress[] = [];
    const checks = await loaded.verifyAll((p) => events.push(p));
    expect(checks.map((c) => [c.file, c.problem?.name ?? 'ok'])).toEqual([
      ['mapping.onnx', 'ok'], ['affine.onnx', 'ok'], ['synthesis.onnx', 'ok'], ['synthesis-preview-4.onnx', 'ok'],
      ['encoder.onnx', 'ok'], ['clip-text.onnx', 'PackFileCorrupt'], ['clip-image.onnx', 'ok'], ['mapper-beard.onnx', 'PackFileMissing'],
      ['bpe_simple_vocab_16e6.txt.gz', 'ok'], ['relevance.f32', 'ok'], ['s-mean.f32', 'ok'], ['s-std.f32', 'ok'],
    ]);
    const total = [...tinyPack().files.values()].reduce((sum, b) => sum + b.byteLength, 0);
    expect(total).toBe(12_023);
    const done = events.map((e) => (e.stage === 'verify' ? e.done : NaN));
    expect(events.every((e) => e.stage === 'verify' && e.total === total)).toBe(true);
    for (let i = 1; i < done.length; i++) expect(done[i]).toBeGreaterThan(done[i - 1]);
    expect(done[done.length - 1]).toBe(total);
  });
});

// ----------------------------------------------------------------------------------------------------
describe('packFromUrl against a local HTTP server', () => {
  interface Route { status?: number; body?: Uint8Array; chunk?: number }
  const routes = new Map<string, Route>();
  const requests: string[] = [];
  let server: Server;
  let origin: string;

  function serve(prefix: string, { json, files }: TinyPack): string {
    routes.set(`${prefix}/pack.json`, { body: packJsonBytes(json) });
    for (const [name, bytes] of files) routes.set(`${prefix}/${name}`, { body: bytes, chunk: 1000 });
    return `${origin}${prefix}`;
  }

  beforeAll(async () => {
    server = createServer((request, response) => {
      requests.push(request.url ?? '');
      const route = routes.get(request.url ?? '');
      if (route === undefined) {
        response.writeHead(404).end('not found');
        return;
      }
      if (route.status !== undefined) {
        response.writeHead(route.status).end();
        return;
      }
      const body = route.body!;
      response.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': body.byteLength });
      // Several writes, so the client sees the body arrive in parts.
      const chunk = route.chunk ?? body.byteLength;
      const writeFrom = (offset: number): void => {
        if (offset >= body.byteLength) {
          response.end();
          return;
        }
        response.write(body.subarray(offset, offset + chunk), () => setTimeout(() => writeFrom(offset + chunk), 2));
      };
      writeFrom(0);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
  });

  it('fetches only pack.json on load, then each file once, with download progress that ends at the total', async () => {
    const base = serve('/a/tiny-test', tinyPack());
    requests.length = 0;
    const events: Progress[] = [];
    const loaded = await packFromUrl(base, { onProgress: (p) => events.push(p) });
    expect(requests).toEqual(['/a/tiny-test/pack.json']);
    expect(loaded.location).toBe(`${base}/`);
    expect(await loaded.readFile('clip-text.onnx')).toEqual(CLIP_TEXT);
    expect(await loaded.readFile('clip-text.onnx')).toEqual(CLIP_TEXT);
    expect(requests).toEqual(['/a/tiny-test/pack.json', '/a/tiny-test/clip-text.onnx']);
    expectProgressInvariants(events, 'clip-text.onnx', 4321);
  });

  it('shares one download between concurrent reads of the same file', async () => {
    const base = serve('/b/tiny-test', tinyPack());
    const loaded = await packFromUrl(`${base}/`);
    requests.length = 0;
    const [x, y] = await Promise.all([loaded.readFile('synthesis.onnx'), loaded.readFile('synthesis.onnx')]);
    expect(x).toBe(y);
    expect(requests).toEqual(['/b/tiny-test/synthesis.onnx']);
  });

  it('turns a 404 into PackFileMissing naming the URL', async () => {
    const base = serve('/c/tiny-test', withFile('encoder.onnx', undefined));
    routes.delete('/c/tiny-test/encoder.onnx');
    const error = await failure((await packFromUrl(base)).readFile('encoder.onnx'));
    expect(error.name).toBe('PackFileMissing');
    expect(error.message).toBe(
      `encoder.onnx is missing from pack tiny-test (looked for ${base}/encoder.onnx). ` +
        'The server does not have the complete pack folder: upload every file pack.json lists, then load the pack again.',
    );
  });

  it('reports a download cut short in the words the user needs', async () => {
    const base = serve('/d/tiny-test', withFile('clip-text.onnx', CLIP_TEXT.subarray(0, 1204)));
    const events: Progress[] = [];
    const error = await failure((await packFromUrl(base, { onProgress: (p) => events.push(p) })).readFile('clip-text.onnx'));
    expect(error.name).toBe('PackFileCorrupt');
    expect(error.message).toBe('clip-text.onnx is 1,204 bytes; pack.json says 4,321. The download was cut short: load the pack again.');
    const last = events[events.length - 1];
    expect(last).toEqual({ stage: 'download', file: 'clip-text.onnx', loaded: 1204, total: 4321 });
  });

  it('reports a wrong sha256 from the server', async () => {
    const base = serve('/e/tiny-test', withFile('clip-text.onnx', FLIPPED));
    const error = await failure((await packFromUrl(base)).readFile('clip-text.onnx'));
    expect(error.name).toBe('PackFileCorrupt');
    expect(error.message).toBe(
      `clip-text.onnx has sha256 ${sha256(FLIPPED)}; pack.json says ${sha256(CLIP_TEXT)}. The file is damaged or belongs to another version of pack tiny-test: load the pack again.`,
    );
  });

  it('keeps loading lazily: a file that is corrupt on the server but never asked for does not fail', async () => {
    const base = serve('/f/tiny-test', withFile('encoder.onnx', new Uint8Array(1)));
    const loaded = await packFromUrl(base);
    expect((await loaded.readFile('affine.onnx')).byteLength).toBe(120);
  });

  it('reports HTTP errors other than 404 as PackUnreachable with the status', async () => {
    const base = serve('/g/tiny-test', tinyPack());
    routes.set('/g/tiny-test/mapping.onnx', { status: 503 });
    const error = await failure((await packFromUrl(base)).readFile('mapping.onnx'));
    expect(error.name).toBe('PackUnreachable');
    expect(error.message).toBe(
      `${base}/mapping.onnx answered HTTP 503 Service Unavailable when asked for mapping.onnx. Check that the server is up and serves the pack folder, then load the pack again.`,
    );
  });

  it('says what the server answered for a pack.json that is not there (404, 410)', async () => {
    const error = await failure(packFromUrl(`${origin}/nowhere/`));
    expect(error.name).toBe('PackFileMissing');
    expect(error.message).toBe(`The server answered 404 Not Found for ${origin}/nowhere/pack.json. Check that the address is the pack folder, the one that holds pack.json.`);
    routes.set('/gone/pack.json', { status: 410 });
    const gone = await failure(packFromUrl(`${origin}/gone/`));
    expect([gone.name, gone.message]).toEqual(['PackFileMissing', `The server answered 410 Gone for ${origin}/gone/pack.json. Check that the address is the pack folder, the one that holds pack.json.`]);
  });

  it('reports a server that cannot be reached', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const error = await failure(packFromUrl(`http://127.0.0.1:${port}/packs/x/`));
    expect(error.name).toBe('PackUnreachable');
    expect(error.message).toMatch(new RegExp(`^Could not download pack\\.json from http://127\\.0\\.0\\.1:${port}/packs/x/pack\\.json \\(.+\\): the server did not answer, or, in a browser, answered without the Access-Control-Allow-Origin header that lets the page read it\\. Check the address and the network connection, then load the pack again\\.$`));
  });

  it('uses the fetch it is given', async () => {
    const tiny = tinyPack();
    const seen: string[] = [];
    const fakeFetch = (async (input: string | URL | Request) => {
      const url = String(input);
      seen.push(url);
      const name = url.slice(url.lastIndexOf('/') + 1);
      const body = name === 'pack.json' ? packJsonBytes(tiny.json) : tiny.files.get(name);
      return body ? new Response(body as Uint8Array<ArrayBuffer>) : new Response(null, { status: 404 });
    }) as typeof fetch;
    const loaded = await packFromUrl('https://packs.example/tiny-test', { fetch: fakeFetch });
    expect(await loaded.readFile('s-std.f32')).toEqual(tiny.files.get('s-std.f32'));
    expect(seen).toEqual(['https://packs.example/tiny-test/pack.json', 'https://packs.example/tiny-test/s-std.f32']);
  });
});

// ----------------------------------------------------------------------------------------------------
describe('packFromFiles (a folder picked in the browser)', () => {
  function pickedFolder({ json, files }: TinyPack, folder = 'tiny-test'): PackFileLike[] {
    const picked = [['pack.json', packJsonBytes(json)] as const, ...files].map(([name, bytes]) =>
      Object.assign(new Blob([bytes as Uint8Array<ArrayBuffer>]), { name, webkitRelativePath: folder === '' ? '' : `${folder}/${name}` }),
    );
    return picked;
  }

  it('loads a picked pack folder and verifies what it hands out', async () => {
    const loaded = await packFromFiles(pickedFolder(tinyPack()));
    expect(loaded.pack.id).toBe('tiny-test');
    expect(loaded.location).toBe('the chosen folder tiny-test');
    expect(await loaded.readFile('clip-text.onnx')).toEqual(CLIP_TEXT);
  });

  it('finds the pack inside a picked parent folder, ignoring files outside it', async () => {
    const files = [
      ...pickedFolder(tinyPack(), 'models/packs/tiny-test'),
      Object.assign(new Blob(['x']), { name: 'clip-text.onnx', webkitRelativePath: 'models/clip-text.onnx' }),
    ];
    const loaded: LoadedPack = await packFromFiles(files);
    expect(await loaded.readFile('clip-text.onnx')).toEqual(CLIP_TEXT);
  });

  it('accepts loose files without a folder', async () => {
    const loaded = await packFromFiles(pickedFolder(tinyPack(), ''));
    expect(loaded.location).toBe('the chosen files');
    expect((await loaded.readFile('mapping.onnx')).byteLength).toBe(100);
  });

  it('refuses a folder holding two packs', async () => {
    const error = await failure(packFromFiles([...pickedFolder(tinyPack(), 'packs/a'), ...pickedFolder(tinyPack(), 'packs/b')]));
    expect(error.name).toBe('PackInvalid');
    expect(error.message).toBe('The chosen folder holds 2 packs (packs/a/pack.json, packs/b/pack.json). Choose one pack folder, the one that holds pack.json.');
  });

  it('refuses a folder without pack.json', async () => {
    const error = await failure(packFromFiles(pickedFolder(tinyPack()).filter((f) => f.name !== 'pack.json')));
    expect(error.name).toBe('PackFileMissing');
    expect(error.message).toBe('pack.json is missing (looked for tiny-test/pack.json). Choose the pack folder itself, the one that holds pack.json.');
  });

  it('names a missing file and a damaged one', async () => {
    const picked = pickedFolder(withFile('clip-text.onnx', FLIPPED)).filter((f) => f.name !== 'encoder.onnx');
    const loaded = await packFromFiles(picked);
    const missing = await failure(loaded.readFile('encoder.onnx'));
    expect(missing.name).toBe('PackFileMissing');
    expect(missing.message).toBe(
      'encoder.onnx is missing from pack tiny-test (looked for tiny-test/encoder.onnx). Choose the complete pack folder: every file pack.json lists must be in it.',
    );
    const damaged = await failure(loaded.readFile('clip-text.onnx'));
    expect(damaged.name).toBe('PackFileCorrupt');
    expect(damaged.message).toContain(`has sha256 ${sha256(FLIPPED)}; pack.json says ${sha256(CLIP_TEXT)}`);
  });

  it('reports a file cut short', async () => {
    const loaded = await packFromFiles(pickedFolder(withFile('synthesis.onnx', new Uint8Array(1234))));
    const error = await failure(loaded.readFile('synthesis.onnx'));
    expect(error.message).toBe(
      'synthesis.onnx is 1,234 bytes; pack.json says 3,000. The file was cut short (an interrupted download or copy): copy the complete pack folder again, then choose it again.',
    );
  });
});
