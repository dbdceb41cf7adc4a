// `facetext pack presets --pack <dir>`: computes Δt for every built-in preset (contract/presets.ts) with the
// pack's own clipText graph and templates, stores them as presets.f32 and lists them in pack.json, so the
// engine can apply a preset without loading CLIP's text model (models/README.md, "presets").
import { createHash } from 'node:crypto';
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ClipTokenizer } from '../ui/worker/clip/tokenizer';
import { textDirection } from '../ui/worker/clip/text-direction';
import { PRESETS, type Preset } from '../contract/presets';
import { GraphSessions } from '../ui/worker/graph-sessions';
import { PACK_JSON } from '../ui/worker/pack/pack-schema';
import { OrtRuntime, int32Tensor, type RuntimeOptions } from '../ui/worker/runtime/ort';
import { packFromDirectory } from './read-pack-dir';

export const PRESETS_FILE = 'presets.f32';

export interface WritePackPresetsOptions {
  dir: string;
  presets?: readonly Preset[];
  runtime?: RuntimeOptions;
  onPreset?: (preset: Preset, index: number) => void;
}

export interface WrittenPresets {
  file: string;
  entries: number;
  dims: number;
  bytes: number;
  sha256: string;
  truncated: string[]; // labels whose templated prompts did not fit the context
}

export async function writePackPresets({ dir, presets = PRESETS, runtime: runtimeOptions = { backends: ['wasm'] }, onPreset }: WritePackPresetsOptions): Promise<WrittenPresets> {
  const loaded = await packFromDirectory(dir);
  const { pack } = loaded;
  const runtime = await OrtRuntime.create(runtimeOptions);
  const sessions = new GraphSessions(runtime, loaded);
  try {
    const tokenizer = await ClipTokenizer.fromVocabGz(await loaded.readFile(pack.clip.vocab));
    const dims = pack.clip.embedDim;
    const rows = new Float32Array(presets.length * dims);
    const truncated: string[] = [];
    for (const [i, preset] of presets.entries()) {
      onPreset?.(preset, i);
      // Always computed from text, never read from an existing presets.f32.
      const direction = await textDirection({
        neutral: preset.neutral,
        target: preset.target,
        templates: pack.templates,
        contextLength: pack.clip.contextLength,
        tokenizer,
        encodeText: (tokens, n, l) => sessions.runFloat32('clipText', { tokens: int32Tensor(tokens, [n, l]) }, { output: 'features', length: n * pack.clip.embedDim }),
      });
      if (direction.deltaT.length !== dims) throw new Error(`clipText returned ${direction.deltaT.length} features; clip.embedDim is ${dims}`);
      rows.set(direction.deltaT, i * dims);
      if (direction.truncatedPrompts.length > 0) truncated.push(preset.label);
    }

    const bytes = new Uint8Array(rows.length * 4);
    const view = new DataView(bytes.buffer);
    rows.forEach((v, i) => view.setFloat32(i * 4, v, true));
    const sha256 = createHash('sha256').update(bytes).digest('hex');

    const packJsonPath = join(loaded.location, PACK_JSON);
    const raw = JSON.parse(readFileSync(packJsonPath, 'utf8')) as Record<string, unknown> & { files: Record<string, unknown> };
    raw.presets = { file: PRESETS_FILE, dims, entries: presets.map(({ label, neutral, target }) => ({ label, neutral, target })) };
    raw.files[PRESETS_FILE] = { bytes: bytes.byteLength, sha256 };
    writeAtomically(join(loaded.location, PRESETS_FILE), bytes);
    // The exporter writes pack.json with sorted keys and 2-space indents; keep that layout.
    writeAtomically(packJsonPath, `${JSON.stringify(sortKeys(raw), null, 2)}\n`);

    // Read the result back as the engine will: schema, size and hash.
    const check = await packFromDirectory(dir);
    await check.readFile(PRESETS_FILE);
    return { file: PRESETS_FILE, entries: presets.length, dims, bytes: bytes.byteLength, sha256, truncated };
  } finally {
    await sessions.releaseAll();
  }
}

function writeAtomically(path: string, data: string | Uint8Array): void {
  const temporary = `${path}.tmp-${process.pid}`;
  writeFileSync(temporary, data);
  renameSync(temporary, path);
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(Object.keys(value).sort().map((key) => [key, sortKeys((value as Record<string, unknown>)[key])]));
  }
  return value;
}
