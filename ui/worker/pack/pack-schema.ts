// pack.json, format 2 (models/README.md), parsed once into a fully typed Pack. Every field is
// checked, in document order, and the first bad one is named by its JSON path.
import {
  asBoolean, asInteger, asNumberArray, asObject, childPath, asOneOf, asString, entries, invalid, items, member,
  packInvalid, rootField, type Field,
} from './json-fields';
import { MAX_TEXT_LENGTH } from '../../../contract/edit-spec';
import type { Preset } from '../../../contract/presets';
import { FIXED_GRAPH_ROLES, mapperRole, OPTIONAL_GRAPH_ROLES, previewRole, type GraphRole } from '../../../contract/graph-roles';

export { FIXED_GRAPH_ROLES, mapperRole, previewRole };
export type { FixedGraphRole, GraphRole, MapperGraphRole, PreviewGraphRole } from '../../../contract/graph-roles';

export const PACK_FORMAT = 2; // models/README.md: "pack.json, format 2" (2: the synthesis is a chain of stage graphs)
export const PACK_JSON = 'pack.json';

// Bounds on what pack.json may declare, far above any real pack, so a hostile or damaged pack.json is refused
// before it makes the engine allocate or loop (FFHQ-1024: 18 W+ rows × 512, 26 style layers, 9088 S values,
// 79 templates, a 1.07 GB encoder).
/** ONNX files are protobufs, which stop at 2 GiB. */
export const MAX_PACK_FILE_BYTES = 2 ** 31 - 1;
const MAX_FILES = 256;
const MAX_RESOLUTION = 4096;
const MAX_LATENT_DIM = 4096;
const MAX_NUM_WS = 64;
const MAX_STYLE_LAYERS = 256;
const MAX_CHANNELS = 8192;
const MAX_TEMPLATES = 200; // upstream uses 79
const MAX_ENCODER_SIZE = 1024; // e4e takes 256
const MAX_CONTEXT_LENGTH = 77; // CLIP's text context
const MAX_EMBED_DIM = 4096;
const MAX_CLIP_IMAGE_SIZE = 1024; // ViT-B/32 takes 224
const MAX_MAPPERS = 64;
const MAX_PRESETS = 1000;
const MAX_KNOWN_WORDS = 1000;
const KNOWN_WORD_PATTERN = /^[a-z0-9][a-z0-9'-]{0,39}$/; // a lower-case word of at most 40 characters

export type Rgb = readonly [number, number, number];
export type StyleLayerKind = 'conv' | 'torgb';
export type MapperLevel = 'coarse' | 'medium' | 'fine';

export interface StyleLayer {
  readonly name: string; // StyleCLIP global-code name, e.g. "conv1_resolution_4"
  readonly resolution: number;
  readonly wIndex: number; // W+ row feeding this affine
  readonly channels: number;
  readonly kind: StyleLayerKind;
  readonly offset: number; // start in the flat S vector
}

export interface GeneratorSpec {
  readonly resolution: number; // R: the image is [1, 3, R, R]
  readonly zDim: number;
  readonly wDim: number;
  readonly numWs: number; // rows of W+
  readonly totalS: number; // length of the flat S vector
  readonly wAvg: Float32Array; // wDim numbers: the truncation centre
  readonly styleLayers: readonly StyleLayer[]; // generator forward order, contiguous offsets
  readonly previewResolutions: readonly number[]; // ascending; each ends a synthesisPreview:<r> stage of the synthesis chain
}

export interface EncoderSpec {
  readonly size: number;
  readonly mean: Rgb; // x = (rgb/255 − mean)/std
  readonly std: Rgb;
}

export interface ClipSpec {
  readonly vocab: string; // file name of the BPE merges
  readonly contextLength: number;
  readonly embedDim: number; // D of the clipText / clipImage features
  readonly imageSize: number; // S of the clipImage input
  readonly mean: Rgb;
  readonly std: Rgb;
}

export interface F32Matrix { readonly file: string; readonly rows: number; readonly dims: number }
export interface F32Vector { readonly file: string; readonly length: number }

export interface GlobalDirectionSpec {
  readonly relevance: F32Matrix; // fs3: one unit row per conv S channel, forward order
  readonly sMean: F32Vector; // per S channel, all layers
  readonly sStd: F32Vector;
}

/** Precomputed text directions Δt (`facetext pack presets`), one row per (neutral, target) entry. */
export interface PresetsSpec {
  readonly file: string; // raw float32 [entries.length, dims], row i = unit Δt of entries[i]
  readonly dims: number; // clip.embedDim
  readonly entries: readonly PresetEntry[];
}

/** A stored preset: the contract's Preset (label, neutral, target). */
export type PresetEntry = Preset;

export interface MapperSpec {
  readonly name: string; // graph role "mapper:<name>"
  readonly description: string;
  readonly levels: readonly MapperLevel[]; // levels that were trained
}

export interface Licences {
  readonly generator: string;
  readonly encoder: string;
  readonly clip: string;
  readonly mappers: string;
}

export const MAPPER_LEVELS: readonly MapperLevel[] = ['coarse', 'medium', 'fine'];

export interface PackFile {
  readonly bytes: number;
  readonly sha256: string; // 64 lowercase hex digits
}

export interface Pack {
  readonly format: typeof PACK_FORMAT;
  readonly id: string;
  readonly description: string;
  readonly demo: boolean;
  readonly licences: Licences;
  readonly generator: GeneratorSpec;
  readonly encoder: EncoderSpec;
  readonly clip: ClipSpec;
  readonly templates: readonly string[]; // "{}" stands for the text
  readonly globalDirection: GlobalDirectionSpec;
  readonly mappers: readonly MapperSpec[];
  /** null when pack.json has no `presets` (every Δt is then computed with clipText). */
  readonly presets: PresetsSpec | null;
  /**
   * The only words the pack's clipText responds to, for a text encoder that knows a small vocabulary (the demo
   * pack's toy CLIP); the panel warns about a prompt outside them. null when absent: a real CLIP knows every word.
   */
  readonly knownWords: readonly string[] | null;
  /** role → file name; clipImage, and clipText in a pack with presets, may be absent (OPTIONAL_GRAPH_ROLES). */
  readonly graphs: Readonly<Partial<Record<GraphRole, string>>>;
  readonly files: ReadonlyMap<string, PackFile>; // every file except pack.json
  /**
   * Graphs the exporter stored as `int8-qdq` (provenance.storage): they compute in int8, which only onnxruntime's
   * CPU EP turns into int8 kernels, so they open on wasm whatever the backend (bench/README.md, "int8 execution").
   */
  readonly int8ExecRoles: readonly GraphRole[];
}

/** Every graph role the pack has, in the order of the contract table. */
export function graphRoles(pack: Pack): GraphRole[] {
  const roles: GraphRole[] = [
    'mapping', 'affine', 'synthesis',
    ...pack.generator.previewResolutions.map(previewRole),
    'encoder', 'clipText', 'clipImage',
    ...pack.mappers.map((m) => mapperRole(m.name)),
  ];
  return roles.filter((role) => pack.graphs[role] !== undefined);
}

const ID_PATTERN = /^[a-z0-9-]+$/;
const MAPPER_NAME_PATTERN = /^[a-z0-9][a-z0-9_-]*$/;
const SHA256_PATTERN = /^[0-9a-f]{64}$/;
const MAX_PREVIEW_RESOLUTION = 256; // models/README.md: previewResolutions "each < R and ≤ 256"
const FLOAT32_BYTES = 4;

/** Validates parsed pack.json content. Throws EngineError('PackInvalid') naming the first bad field. */
export function parsePack(raw: unknown): Pack {
  const root = rootField(raw);
  asObject(root);
  const formatField = member(root, 'format');
  if (formatField.value !== PACK_FORMAT) {
    if (formatField.value === 1) {
      throw packInvalid(
        `format is 1, whose preview graphs each store their own copy of the synthesis weights; this version of facetext reads format ${PACK_FORMAT} ` +
          '(the previews are the first stages of the synthesis). Rebuild the pack with the exporter: python3 -m models.export build (models/README.md, "Your own pack").',
      );
    }
    if (typeof formatField.value === 'number') {
      throw packInvalid(`format is ${formatField.value}; this version of facetext reads format ${PACK_FORMAT}. Update facetext or export the pack again.`);
    }
    invalid(formatField, `${PACK_FORMAT}`);
  }
  const id = asString(member(root, 'id'), { pattern: ID_PATTERN, what: "a name made of a–z, 0–9 and '-' (the pack folder's name)" });
  const description = asString(member(root, 'description'));
  const demo = asBoolean(member(root, 'demo'));
  const licences = parseLicences(member(root, 'licences'));
  const generator = parseGenerator(member(root, 'generator'));
  const encoder = parseEncoder(member(root, 'encoder'));
  const clip = parseClip(member(root, 'clip'));
  const templates = items(member(root, 'templates'), { minLength: 1, maxLength: MAX_TEMPLATES }).map((t) =>
    asString(t, { pattern: /\{\}/, what: 'a prompt template with {} where the text goes' }),
  );
  const globalDirection = parseGlobalDirection(member(root, 'globalDirection'), generator, clip);
  const mappers = parseMappers(member(root, 'mappers'));
  const presetsField = member(root, 'presets');
  const presets = presetsField.value === undefined ? null : parsePresets(presetsField, clip);
  const knownWordsField = member(root, 'knownWords');
  const knownWords = knownWordsField.value === undefined ? null : parseKnownWords(knownWordsField);
  const graphs = parseGraphs(member(root, 'graphs'), generator, mappers, presets !== null);
  const files = parseFiles(member(root, 'files'));
  const provenanceField = member(root, 'provenance');
  const int8ExecRoles = provenanceField.value === undefined ? [] : parseInt8ExecRoles(provenanceField, graphs);
  const pack: Pack = { format: PACK_FORMAT, id, description, demo, licences, generator, encoder, clip, templates, globalDirection, mappers, presets, knownWords, graphs, files, int8ExecRoles };
  checkFilesListed(pack);
  return pack;
}

function parseLicences(field: Field): Licences {
  const text = (key: string) => asString(member(field, key), { pattern: /\S/, what: 'a licence line' });
  return { generator: text('generator'), encoder: text('encoder'), clip: text('clip'), mappers: text('mappers') };
}

function parseGenerator(field: Field): GeneratorSpec {
  asObject(field);
  const resolutionField = member(field, 'resolution');
  const resolution = asInteger(resolutionField, { min: 4, max: MAX_RESOLUTION });
  if (!isPowerOfTwo(resolution)) invalid(resolutionField, `a power of two from 4 to ${MAX_RESOLUTION}`);
  const zDim = asInteger(member(field, 'zDim'), { min: 1, max: MAX_LATENT_DIM });
  const wDim = asInteger(member(field, 'wDim'), { min: 1, max: MAX_LATENT_DIM });
  const numWs = asInteger(member(field, 'numWs'), { min: 1, max: MAX_NUM_WS });
  const totalSField = member(field, 'totalS');
  const totalS = asInteger(totalSField, { min: 1, max: MAX_STYLE_LAYERS * MAX_CHANNELS });
  const wAvg = Float32Array.from(asNumberArray(member(field, 'wAvg'), wDim));

  const styleLayers: StyleLayer[] = [];
  for (const layerField of items(member(field, 'styleLayers'), { minLength: 1, maxLength: MAX_STYLE_LAYERS })) {
    const layer = parseStyleLayer(layerField, { resolution, numWs });
    const i = styleLayers.length;
    const previous = styleLayers[i - 1];
    const expectedOffset = previous ? previous.offset + previous.channels : 0;
    if (layer.offset !== expectedOffset) {
      invalid(
        member(layerField, 'offset'),
        previous
          ? `${expectedOffset}, where styleLayers[${i - 1}] ends (offset ${previous.offset} + ${previous.channels} channels): offsets are contiguous, in forward order`
          : '0: the first layer starts the S vector',
      );
    }
    if (styleLayers.some((other) => other.name === layer.name)) invalid(member(layerField, 'name'), 'a name no other style layer has');
    styleLayers.push(layer);
  }
  const last = styleLayers[styleLayers.length - 1];
  if (last.offset + last.channels !== totalS) {
    invalid(totalSField, `${last.offset + last.channels}, the sum of the styleLayers' channels`);
  }

  const torgbResolutions = styleLayers.filter((l) => l.kind === 'torgb').map((l) => l.resolution);
  const previewResolutions: number[] = [];
  for (const previewField of items(member(field, 'previewResolutions'), { maxLength: MAX_STYLE_LAYERS })) {
    const r = asInteger(previewField, { min: 1 });
    const expected = `the resolution of a torgb layer below ${resolution} and ≤ ${MAX_PREVIEW_RESOLUTION} (${torgbResolutions.filter((t) => t < resolution && t <= MAX_PREVIEW_RESOLUTION).join(', ') || 'none'})`;
    if (r >= resolution || r > MAX_PREVIEW_RESOLUTION || !torgbResolutions.includes(r)) invalid(previewField, expected);
    if (previewResolutions.some((earlier) => earlier >= r)) invalid(previewField, `a resolution above ${previewResolutions[previewResolutions.length - 1]} (ascending: the order of the synthesis chain)`);
    previewResolutions.push(r);
  }
  return { resolution, zDim, wDim, numWs, totalS, wAvg, styleLayers, previewResolutions };
}

function parseStyleLayer(field: Field, { resolution, numWs }: { resolution: number; numWs: number }): StyleLayer {
  asObject(field);
  const name = asString(member(field, 'name'), { pattern: /\S/, what: 'a non-empty name' });
  const resolutionField = member(field, 'resolution');
  const layerResolution = asInteger(resolutionField, { min: 4, max: resolution });
  if (!isPowerOfTwo(layerResolution)) invalid(resolutionField, `a power of two from 4 to ${resolution}`);
  const wIndex = asInteger(member(field, 'wIndex'), { min: 0, max: numWs - 1 });
  const channels = asInteger(member(field, 'channels'), { min: 1, max: MAX_CHANNELS });
  const kind = asOneOf<StyleLayerKind>(member(field, 'kind'), ['conv', 'torgb']);
  const offset = asInteger(member(field, 'offset'));
  return { name, resolution: layerResolution, wIndex, channels, kind, offset };
}

function parseEncoder(field: Field): EncoderSpec {
  asObject(field);
  return {
    size: asInteger(member(field, 'size'), { min: 1, max: MAX_ENCODER_SIZE }),
    mean: asRgb(member(field, 'mean')),
    std: asRgb(member(field, 'std'), { positive: true }),
  };
}

function parseClip(field: Field): ClipSpec {
  asObject(field);
  return {
    vocab: asFileName(member(field, 'vocab')),
    contextLength: asInteger(member(field, 'contextLength'), { min: 2, max: MAX_CONTEXT_LENGTH }),
    embedDim: asInteger(member(field, 'embedDim'), { min: 1, max: MAX_EMBED_DIM }),
    imageSize: asInteger(member(field, 'imageSize'), { min: 1, max: MAX_CLIP_IMAGE_SIZE }),
    mean: asRgb(member(field, 'mean')),
    std: asRgb(member(field, 'std'), { positive: true }),
  };
}

function parseGlobalDirection(field: Field, generator: GeneratorSpec, clip: ClipSpec): GlobalDirectionSpec {
  asObject(field);
  const convChannels = generator.styleLayers.filter((l) => l.kind === 'conv').reduce((sum, l) => sum + l.channels, 0);

  const relevanceField = member(field, 'relevance');
  asObject(relevanceField);
  const relevance = {
    file: asFileName(member(relevanceField, 'file')),
    rows: asInteger(member(relevanceField, 'rows'), { min: 1 }),
    dims: asInteger(member(relevanceField, 'dims'), { min: 1 }),
  };
  if (relevance.rows !== convChannels) {
    invalid(member(relevanceField, 'rows'), `${convChannels}, the channels of the conv style layers (one relevance row each)`);
  }
  if (relevance.dims !== clip.embedDim) invalid(member(relevanceField, 'dims'), `${clip.embedDim}, clip.embedDim`);

  const vector = (key: string): F32Vector => {
    const vectorField = member(field, key);
    asObject(vectorField);
    const file = asFileName(member(vectorField, 'file'));
    const lengthField = member(vectorField, 'length');
    const length = asInteger(lengthField, { min: 1 });
    if (length !== generator.totalS) invalid(lengthField, `${generator.totalS}, generator.totalS (one number per S channel)`);
    return { file, length };
  };
  return { relevance, sMean: vector('sMean'), sStd: vector('sStd') };
}

function parseMappers(field: Field): MapperSpec[] {
  const mappers: MapperSpec[] = [];
  for (const mapperField of items(field, { maxLength: MAX_MAPPERS })) {
    asObject(mapperField);
    const nameField = member(mapperField, 'name');
    const name = asString(nameField, { pattern: MAPPER_NAME_PATTERN, what: "a name made of a–z, 0–9, '_' and '-'" });
    if (mappers.some((m) => m.name === name)) invalid(nameField, 'a name no other mapper has');
    const description = asString(member(mapperField, 'description'));
    const levels: MapperLevel[] = [];
    for (const levelField of items(member(mapperField, 'levels'), { minLength: 1, maxLength: MAPPER_LEVELS.length })) {
      const level = asOneOf(levelField, MAPPER_LEVELS);
      if (levels.includes(level)) invalid(levelField, 'a level not listed twice');
      levels.push(level);
    }
    mappers.push({ name, description, levels });
  }
  return mappers;
}

function parsePresets(field: Field, clip: ClipSpec): PresetsSpec {
  asObject(field);
  const file = asFileName(member(field, 'file'));
  const dimsField = member(field, 'dims');
  const dims = asInteger(dimsField, { min: 1 });
  if (dims !== clip.embedDim) invalid(dimsField, `${clip.embedDim}, clip.embedDim`);
  const entries: PresetEntry[] = [];
  for (const entryField of items(member(field, 'entries'), { minLength: 1, maxLength: MAX_PRESETS })) {
    asObject(entryField);
    const text = (key: string) => {
      const textField = member(entryField, key);
      const value = asString(textField, { pattern: /\S/, what: 'a non-empty text' });
      if (value.length > MAX_TEXT_LENGTH) invalid(textField, `a text of at most ${MAX_TEXT_LENGTH} characters, as every prompt`);
      return value;
    };
    const entry = { label: text('label'), neutral: text('neutral'), target: text('target') };
    if (entries.some((e) => e.neutral === entry.neutral && e.target === entry.target)) {
      invalid(member(entryField, 'target'), 'a (neutral, target) pair no other entry has');
    }
    entries.push(entry);
  }
  return { file, dims, entries };
}

function parseKnownWords(field: Field): string[] {
  const words = new Set<string>();
  for (const wordField of items(field, { minLength: 1, maxLength: MAX_KNOWN_WORDS })) {
    const word = asString(wordField, { pattern: KNOWN_WORD_PATTERN, what: "a lower-case word of at most 40 characters (a–z, 0–9, ' and -)" });
    if (words.has(word)) invalid(wordField, 'a word not listed twice');
    words.add(word);
  }
  return [...words];
}

function parseGraphs(field: Field, generator: GeneratorSpec, mappers: readonly MapperSpec[], hasPresets: boolean): Partial<Record<GraphRole, string>> {
  const optional = new Set<GraphRole>(OPTIONAL_GRAPH_ROLES.filter((role) => role !== 'clipText' || hasPresets));
  const required = new Map<GraphRole, string>(FIXED_GRAPH_ROLES.filter((role) => !optional.has(role)).map((role) => [role, role === 'clipText' ? 'a pack without presets encodes every prompt with it' : 'every pack has one']));
  for (const r of generator.previewResolutions) required.set(previewRole(r), `generator.previewResolutions lists ${r}`);
  for (const m of mappers) required.set(mapperRole(m.name), `mappers lists "${m.name}"`);

  const graphs: Partial<Record<GraphRole, string>> = {};
  for (const [role, fileField] of entries(field)) {
    if (!required.has(role as GraphRole) && !optional.has(role as GraphRole)) {
      throw packInvalid(
        `${fileField.path} is not a graph role of this pack; must be one of: ${[...required.keys(), ...optional].join(', ')} ` +
          '(synthesisPreview:<r> for each generator.previewResolutions entry, mapper:<name> for each mapper)',
      );
    }
    graphs[role as GraphRole] = asFileName(fileField);
  }
  for (const [role, why] of required) {
    if (graphs[role] === undefined) invalid(member(field, role), `the file name of the ${role} graph (${why})`);
  }
  return graphs;
}

/**
 * The roles `provenance.storage` records as `int8-qdq`. The rest of `provenance` is the exporter's record for people
 * and is not read; `storage` is checked as far as it is read: an object of role → storage kind strings.
 */
function parseInt8ExecRoles(field: Field, graphs: Partial<Record<GraphRole, string>>): GraphRole[] {
  asObject(field);
  const storageField = member(field, 'storage');
  if (storageField.value === undefined) return [];
  const listed = entries(storageField);
  if (listed.length > MAX_FILES) throw packInvalid(`${storageField.path} lists ${listed.length} graphs; a pack has at most ${MAX_FILES}`);
  const roles: GraphRole[] = [];
  for (const [role, kindField] of listed) {
    if (asString(kindField, { pattern: /^[a-z0-9-]{1,32}$/, what: 'a storage kind such as float16, int8 or int8-qdq' }) !== 'int8-qdq') continue;
    if (graphs[role as GraphRole] === undefined) throw packInvalid(`${kindField.path} is int8-qdq, but the pack has no ${role} graph (its graphs: ${Object.keys(graphs).join(', ')})`);
    roles.push(role as GraphRole);
  }
  return roles;
}

function parseFiles(field: Field): Map<string, PackFile> {
  const files = new Map<string, PackFile>();
  const listed = entries(field);
  if (listed.length > MAX_FILES) throw packInvalid(`${field.path} lists ${listed.length} files; a pack has at most ${MAX_FILES}`);
  for (const [name, fileField] of listed) {
    asFileName({ path: fileField.path, value: name }, { keyOf: true });
    if (name === PACK_JSON) throw packInvalid(`${fileField.path}: files lists every file except pack.json itself`);
    asObject(fileField);
    files.set(name, {
      bytes: asInteger(member(fileField, 'bytes'), { max: MAX_PACK_FILE_BYTES }),
      sha256: asString(member(fileField, 'sha256'), { pattern: SHA256_PATTERN, what: '64 lowercase hexadecimal digits' }),
    });
  }
  return files;
}

/** Every file pack.json refers to must be listed in `files` (with its size and hash); .f32 sizes must match their shapes. */
function checkFilesListed(pack: Pack): void {
  const references: Array<[path: string, file: string]> = [
    ...graphRoles(pack).map((role): [string, string] => [childPath('graphs', role), pack.graphs[role]!]),
    // The vocabulary feeds clipText only: a preset-only pack has neither.
    ...(pack.graphs.clipText !== undefined ? [['clip.vocab', pack.clip.vocab] as [string, string]] : []),
    ['globalDirection.relevance.file', pack.globalDirection.relevance.file],
    ['globalDirection.sMean.file', pack.globalDirection.sMean.file],
    ['globalDirection.sStd.file', pack.globalDirection.sStd.file],
    ...(pack.presets ? [['presets.file', pack.presets.file] as [string, string]] : []),
  ];
  for (const [path, file] of references) {
    if (!pack.files.has(file)) {
      throw packInvalid(`${path} is "${file}", which files does not list; every file of the pack needs an entry in files with its bytes and sha256`);
    }
  }
  const { relevance, sMean, sStd } = pack.globalDirection;
  const f32Sizes: Array<[path: string, file: string, floats: number, shape: string]> = [
    ['globalDirection.relevance', relevance.file, relevance.rows * relevance.dims, `rows ${relevance.rows} × dims ${relevance.dims}`],
    ['globalDirection.sMean', sMean.file, sMean.length, `length ${sMean.length}`],
    ['globalDirection.sStd', sStd.file, sStd.length, `length ${sStd.length}`],
  ];
  if (pack.presets) {
    const { file, dims, entries } = pack.presets;
    f32Sizes.push(['presets', file, entries.length * dims, `${entries.length} entries × dims ${dims}`]);
  }
  for (const [path, file, floats, shape] of f32Sizes) {
    const listed = pack.files.get(file)!.bytes;
    if (listed !== floats * FLOAT32_BYTES) {
      throw packInvalid(`${childPath('files', file)}.bytes is ${listed}; must be ${floats * FLOAT32_BYTES} (${path}: ${shape} float32 values of 4 bytes)`);
    }
  }
}

function asFileName(field: Field, { keyOf = false }: { keyOf?: boolean } = {}): string {
  const { value } = field;
  // eslint-disable-next-line no-control-regex -- control characters are what a file name must not hold
  const ok = typeof value === 'string' && value !== '' && !/[/\\\u0000-\u001f]/.test(value) && !value.includes('..') && value !== '.';
  if (!ok) {
    const what = "a plain file name in the pack folder (no '/', '\\' or '..')";
    if (keyOf) throw packInvalid(`${field.path} names the file ${JSON.stringify(value)}; file names must be plain names in the pack folder (no '/', '\\' or '..')`);
    invalid(field, what);
  }
  return value;
}

function asRgb(field: Field, options: { positive?: boolean } = {}): Rgb {
  const [r, g, b] = asNumberArray(field, 3, options);
  return [r, g, b];
}

function isPowerOfTwo(n: number): boolean {
  return Number.isInteger(n) && n > 0 && (n & (n - 1)) === 0;
}
