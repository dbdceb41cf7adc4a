import { describe, expect, it } from 'vitest';
import { graphRoles, parsePack } from '../../../ui/worker/pack/pack-schema';
import { tinyPack, type TinyPack } from './tiny-pack';

function parseError(raw: unknown): Error {
  try {
    parsePack(raw);
  } catch (error) {
    return error as Error;
  }
  throw new Error('parsePack accepted the pack');
}

describe('parsePack', () => {
  it('turns a valid pack.json into a typed Pack', () => {
    const { json } = tinyPack();
    const pack = parsePack(json);
    expect(pack.id).toBe('tiny-test');
    expect(pack.demo).toBe(true);
    expect(pack.generator.totalS).toBe(10);
    expect(pack.generator.wAvg).toBeInstanceOf(Float32Array);
    expect(Array.from(pack.generator.wAvg)).toEqual([0.25, -0.5]);
    expect(pack.generator.styleLayers.map((l) => [l.kind, l.offset, l.wIndex])).toEqual([
      ['conv', 0, 0], ['torgb', 2, 1], ['conv', 4, 1], ['conv', 6, 2], ['torgb', 8, 3],
    ]);
    expect(pack.encoder.std).toEqual([0.5, 0.5, 0.5]);
    expect(pack.clip.contextLength).toBe(77);
    expect(pack.globalDirection.relevance).toEqual({ file: 'relevance.f32', rows: 6, dims: 2 });
    expect(pack.mappers).toEqual([{ name: 'beard', description: 'a face with a beard', levels: ['coarse', 'medium', 'fine'] }]);
    expect(pack.graphs['synthesisPreview:4']).toBe('synthesis-preview-4.onnx');
    expect(pack.graphs['mapper:beard']).toBe('mapper-beard.onnx');
    expect(pack.files.get('clip-text.onnx')?.bytes).toBe(4321);
    expect(pack.files.size).toBe(12);
  });

  it('lists every graph role in contract-table order', () => {
    expect(graphRoles(parsePack(tinyPack().json))).toEqual([
      'mapping', 'affine', 'synthesis', 'synthesisPreview:4', 'encoder', 'clipText', 'clipImage', 'mapper:beard',
    ]);
  });

  it('reads an edit-time pack without clipImage, and a preset-only pack without clipText and the vocabulary', () => {
    const edit = tinyPack().json;
    delete edit.graphs.clipImage;
    delete edit.files['clip-image.onnx'];
    expect(graphRoles(parsePack(edit))).toEqual(['mapping', 'affine', 'synthesis', 'synthesisPreview:4', 'encoder', 'clipText', 'mapper:beard']);
    const preset = tinyPack().json;
    delete preset.graphs.clipImage;
    delete preset.graphs.clipText;
    delete preset.files['clip-text.onnx'];
    delete preset.files['bpe_simple_vocab_16e6.txt.gz'];
    preset.presets = { file: 'presets.f32', dims: 2, entries: [{ label: 'smiling', neutral: 'face', target: 'smiling face' }] };
    preset.files['presets.f32'] = { bytes: 8, sha256: '0'.repeat(64) };
    expect(parsePack(preset).graphs.clipText).toBeUndefined();
  });

  it('reads knownWords, the words a small text encoder knows, and null for a pack that leaves them out', () => {
    const { json } = tinyPack();
    expect(parsePack(json).knownWords).toBeNull();
    json.knownWords = ['smiling', 'beard', "o'clock", 'x-ray', 'b2'];
    expect(parsePack(json).knownWords).toEqual(['smiling', 'beard', "o'clock", 'x-ray', 'b2']);
  });

  it('reads which graphs the exporter stored as int8-qdq (provenance.storage), and none for a pack without provenance', () => {
    const { json } = tinyPack();
    expect(parsePack(json).int8ExecRoles).toEqual([]);
    json.provenance = { builtBy: 'python3 -m models.export build', storage: { encoder: 'int8-qdq', clipText: 'int8', synthesis: 'float16' } };
    expect(parsePack(json).int8ExecRoles).toEqual(['encoder']);
    json.provenance.storage.encoder = 'int8'; // what a default build stores when the int8-qdq check fails
    expect(parsePack(json).int8ExecRoles).toEqual([]);
  });

  it('refuses a provenance.storage it cannot read: a kind that is not a name, int8-qdq for a graph the pack lacks', () => {
    const wrongKind = tinyPack().json;
    wrongKind.provenance = { storage: { encoder: 8 } };
    expect(parseError(wrongKind).message).toBe('pack.json: provenance.storage.encoder is 8; must be a storage kind such as float16, int8 or int8-qdq');
    const absent = tinyPack().json;
    delete absent.graphs.clipImage;
    delete absent.files['clip-image.onnx'];
    absent.provenance = { storage: { clipImage: 'int8-qdq' } };
    const error = parseError(absent);
    expect([error.name, error.message]).toEqual(['PackInvalid', 'pack.json: provenance.storage.clipImage is int8-qdq, but the pack has no clipImage graph (its graphs: mapping, affine, synthesis, synthesisPreview:4, encoder, clipText, mapper:beard)']);
  });

  it('reads an edit-time pack without the mapping graph (only pack stats and random faces need it)', () => {
    const edit = tinyPack().json;
    delete edit.graphs.mapping;
    delete edit.files['mapping.onnx'];
    expect(graphRoles(parsePack(edit))).toEqual(['affine', 'synthesis', 'synthesisPreview:4', 'encoder', 'clipText', 'clipImage', 'mapper:beard']);
  });

  it('ignores fields it does not know (later exporters may add some)', () => {
    const { json } = tinyPack();
    json.exporter = { version: '0.2' };
    expect(parsePack(json).id).toBe('tiny-test');
  });

  it('rejects a top level that is not an object', () => {
    const error = parseError([]);
    expect(error.name).toBe('PackInvalid');
    expect(error.message).toBe('pack.json: the top level is an array of 0; must be an object');
  });

  // One case per broken field: [title, how to break a valid pack.json, the message (or its start)].
  const cases: Array<[string, (json: TinyPack['json']) => void, string]> = [
    ['format from the future', (j) => (j.format = 3), 'pack.json: format is 3; this version of facetext reads format 2. Update facetext or export the pack again.'],
    [
      'format 1 (separate preview graphs)', (j) => (j.format = 1),
      'pack.json: format is 1, whose preview graphs each store their own copy of the synthesis weights; this version of facetext reads format 2 ' +
        '(the previews are the first stages of the synthesis). Rebuild the pack with the exporter: python3 -m models.export build (models/README.md, "Your own pack").',
    ],
    ['format missing', (j) => delete j.format, 'pack.json: format is missing; must be 2'],
    ['id with capitals and underscore', (j) => (j.id = 'Golden_Tiny'), `pack.json: id is "Golden_Tiny"; must be a name made of a–z, 0–9 and '-' (the pack folder's name)`],
    ['description not a string', (j) => (j.description = 3), 'pack.json: description is 3; must be a string'],
    ['demo missing', (j) => delete j.demo, 'pack.json: demo is missing; must be true or false'],
    ['licences.clip missing', (j) => delete j.licences.clip, 'pack.json: licences.clip is missing; must be a licence line'],
    ['generator missing', (j) => delete j.generator, 'pack.json: generator is missing; must be an object'],
    ['generator.resolution not a power of two', (j) => (j.generator.resolution = 48), 'pack.json: generator.resolution is 48; must be a power of two from 4 to 4096'],
    ['generator.zDim fractional', (j) => (j.generator.zDim = 2.5), 'pack.json: generator.zDim is 2.5; must be an integer from 1 to 4096'],
    ['generator.wAvg too short', (j) => (j.generator.wAvg = [1]), 'pack.json: generator.wAvg is an array of 1; must be an array of 2 numbers'],
    ['generator.wAvg holding a string', (j) => (j.generator.wAvg = [1, 'x']), 'pack.json: generator.wAvg[1] is "x"; must be a finite number'],
    ['generator.styleLayers empty', (j) => (j.generator.styleLayers = []), 'pack.json: generator.styleLayers is an array of 0; must be a non-empty array'],
    ['generator.styleLayers[3].kind unknown', (j) => (j.generator.styleLayers[3].kind = 'rgb'), 'pack.json: generator.styleLayers[3].kind is "rgb"; must be one of: conv, torgb'],
    ['generator.styleLayers[1].wIndex past numWs', (j) => (j.generator.styleLayers[1].wIndex = 4), 'pack.json: generator.styleLayers[1].wIndex is 4; must be an integer from 0 to 3'],
    ['generator.styleLayers[4].resolution above R', (j) => (j.generator.styleLayers[4].resolution = 16), 'pack.json: generator.styleLayers[4].resolution is 16; must be an integer from 4 to 8'],
    ['generator.styleLayers[2].channels zero', (j) => (j.generator.styleLayers[2].channels = 0), 'pack.json: generator.styleLayers[2].channels is 0; must be an integer from 1 to 8192'],
    ['generator.styleLayers[2].name repeated', (j) => (j.generator.styleLayers[2].name = 'conv1_resolution_4'), 'pack.json: generator.styleLayers[2].name is "conv1_resolution_4"; must be a name no other style layer has'],
    ['generator.styleLayers[0].offset not 0', (j) => (j.generator.styleLayers[0].offset = 1), 'pack.json: generator.styleLayers[0].offset is 1; must be 0: the first layer starts the S vector'],
    ['generator.styleLayers[2].offset leaving a gap', (j) => (j.generator.styleLayers[2].offset = 5), 'pack.json: generator.styleLayers[2].offset is 5; must be 4, where styleLayers[1] ends (offset 2 + 2 channels): offsets are contiguous, in forward order'],
    ['generator.totalS not the channel sum', (j) => (j.generator.totalS = 11), "pack.json: generator.totalS is 11; must be 10, the sum of the styleLayers' channels"],
    ['generator.previewResolutions not ascending', (j) => (j.generator.previewResolutions = [4, 4]), 'pack.json: generator.previewResolutions[1] is 4; must be a resolution above 4 (ascending: the order of the synthesis chain)'],
    ['generator.previewResolutions at full size', (j) => (j.generator.previewResolutions = [8]), 'pack.json: generator.previewResolutions[0] is 8; must be the resolution of a torgb layer below 8 and ≤ 256 (4)'],
    ['generator.previewResolutions without a torgb layer', (j) => (j.generator.previewResolutions = [2]), 'pack.json: generator.previewResolutions[0] is 2; must be the resolution of a torgb layer'],
    ['encoder.std holding a zero', (j) => (j.encoder.std = [0.5, 0, 0.5]), 'pack.json: encoder.std[1] is 0; must be a number > 0'],
    ['encoder.mean with two numbers', (j) => (j.encoder.mean = [0.5, 0.5]), 'pack.json: encoder.mean is an array of 2; must be an array of 3 numbers'],
    ['clip.vocab outside the pack folder', (j) => (j.clip.vocab = '../bpe.txt.gz'), `pack.json: clip.vocab is "../bpe.txt.gz"; must be a plain file name in the pack folder (no '/', '\\' or '..')`],
    ['clip.contextLength a string', (j) => (j.clip.contextLength = '77'), 'pack.json: clip.contextLength is "77"; must be an integer from 2 to 77'],
    ['templates[1] without {}', (j) => (j.templates[1] = 'a photo'), 'pack.json: templates[1] is "a photo"; must be a prompt template with {} where the text goes'],
    ['templates empty', (j) => (j.templates = []), 'pack.json: templates is an array of 0; must be a non-empty array'],
    ['globalDirection.relevance.rows not the conv channels', (j) => (j.globalDirection.relevance.rows = 10), 'pack.json: globalDirection.relevance.rows is 10; must be 6, the channels of the conv style layers (one relevance row each)'],
    ['globalDirection.relevance.dims not the CLIP width', (j) => (j.globalDirection.relevance.dims = 3), 'pack.json: globalDirection.relevance.dims is 3; must be 2, clip.embedDim'],
    ['globalDirection.sMean.length not totalS', (j) => (j.globalDirection.sMean.length = 9), 'pack.json: globalDirection.sMean.length is 9; must be 10, generator.totalS (one number per S channel)'],
    ['globalDirection.sStd.file in a subfolder', (j) => (j.globalDirection.sStd.file = 'stats/s-std.f32'), 'pack.json: globalDirection.sStd.file is "stats/s-std.f32"; must be a plain file name'],
    ['mappers[0].levels[1] unknown', (j) => (j.mappers[0].levels = ['coarse', 'huge']), 'pack.json: mappers[0].levels[1] is "huge"; must be one of: coarse, medium, fine'],
    ['mappers[0].name with a colon', (j) => (j.mappers[0].name = 'beard:2'), `pack.json: mappers[0].name is "beard:2"; must be a name made of a–z, 0–9, '_' and '-'`],
    ['knownWords empty', (j) => (j.knownWords = []), 'pack.json: knownWords is an array of 0; must be a non-empty array'],
    ['knownWords not an array', (j) => (j.knownWords = 'smile'), 'pack.json: knownWords is "smile"; must be a non-empty array'],
    ['knownWords[1] in capitals', (j) => (j.knownWords = ['smile', 'Beard']), `pack.json: knownWords[1] is "Beard"; must be a lower-case word of at most 40 characters (a–z, 0–9, ' and -)`],
    ['knownWords[0] two words', (j) => (j.knownWords = ['red hair']), 'pack.json: knownWords[0] is "red hair"; must be a lower-case word'],
    ['knownWords[0] of 41 letters', (j) => (j.knownWords = ['w'.repeat(41)]), 'pack.json: knownWords[0] is "wwww'],
    ['knownWords[2] listed twice', (j) => (j.knownWords = ['smile', 'beard', 'smile']), 'pack.json: knownWords[2] is "smile"; must be a word not listed twice'],
    ['1,001 knownWords', (j) => (j.knownWords = Array.from({ length: 1001 }, (_, i) => `w${i}`)), 'pack.json: knownWords is an array of 1001; must be an array of at most 1000 entries'],
    ['graphs.clipText missing', (j) => delete j.graphs.clipText, 'pack.json: graphs.clipText is missing; must be the file name of the clipText graph (a pack without presets encodes every prompt with it)'],
    ['graphs without the preview graph', (j) => delete j.graphs['synthesisPreview:4'], 'pack.json: graphs["synthesisPreview:4"] is missing; must be the file name of the synthesisPreview:4 graph (generator.previewResolutions lists 4)'],
    ['graphs without the mapper graph', (j) => delete j.graphs['mapper:beard'], 'pack.json: graphs["mapper:beard"] is missing; must be the file name of the mapper:beard graph (mappers lists "beard")'],
    ['graphs with a mapper the pack does not list', (j) => (j.graphs['mapper:smile'] = 'mapper-beard.onnx'), 'pack.json: graphs["mapper:smile"] is not a graph role of this pack; must be one of: affine, synthesis, encoder, clipText, synthesisPreview:4, mapper:beard, mapping, clipImage'],
    ['graphs.encoder with a path', (j) => (j.graphs.encoder = 'sub/encoder.onnx'), 'pack.json: graphs.encoder is "sub/encoder.onnx"; must be a plain file name'],
    ['files entry with a bad sha256', (j) => (j.files['mapping.onnx'].sha256 = 'ABC'), 'pack.json: files["mapping.onnx"].sha256 is "ABC"; must be 64 lowercase hexadecimal digits'],
    ['files entry with negative bytes', (j) => (j.files['affine.onnx'].bytes = -1), 'pack.json: files["affine.onnx"].bytes is -1; must be an integer from 0 to 2147483647'],
    ['a declared size of 1e15 bytes', (j) => (j.files['affine.onnx'].bytes = 1e15), 'pack.json: files["affine.onnx"].bytes is 1000000000000000; must be an integer from 0 to 2147483647'],
    ['200,000 templates', (j) => (j.templates = Array.from({ length: 200_000 }, () => 'a photo of a {}.')), 'pack.json: templates is an array of 200000; must be an array of at most 200 entries (it has 200000)'],
    ['an encoder size of 100,000 px', (j) => (j.encoder.size = 100_000), 'pack.json: encoder.size is 100000; must be an integer from 1 to 1024'],
    ['a 3,000-character description', (j) => (j.description = 'd'.repeat(3000)), `pack.json: description is "${'d'.repeat(56)}…; must be a string of at most 2000 characters (it has 3000)`],
    ['files naming a path', (j) => (j.files['../evil.onnx'] = j.files['mapping.onnx']), 'pack.json: files["../evil.onnx"] names the file "../evil.onnx"; file names must be plain names in the pack folder'],
    ['files listing pack.json', (j) => (j.files['pack.json'] = j.files['mapping.onnx']), 'pack.json: files["pack.json"]: files lists every file except pack.json itself'],
    ['files without a graph file', (j) => delete j.files['clip-text.onnx'], 'pack.json: graphs.clipText is "clip-text.onnx", which files does not list; every file of the pack needs an entry in files with its bytes and sha256'],
    ['files without the vocab', (j) => delete j.files['bpe_simple_vocab_16e6.txt.gz'], 'pack.json: clip.vocab is "bpe_simple_vocab_16e6.txt.gz", which files does not list'],
    ['files without the relevance matrix', (j) => delete j.files['relevance.f32'], 'pack.json: globalDirection.relevance.file is "relevance.f32", which files does not list'],
    ['an .f32 file whose size does not match its shape', (j) => (j.files['s-std.f32'].bytes = 44), 'pack.json: files["s-std.f32"].bytes is 44; must be 40 (globalDirection.sStd: length 10 float32 values of 4 bytes)'],
  ];

  it.each(cases)('names the field when %s', (_title, breakIt, message) => {
    const { json } = tinyPack();
    breakIt(json);
    const error = parseError(json);
    expect(error.name).toBe('PackInvalid');
    expect(error.message.startsWith(message), `message was: ${error.message}`).toBe(true);
  });
});
