// Compact packs (python3 -m models.export build --profile edit | preset): an edit-time pack has no clipImage, a
// preset-only pack has neither clipText nor the vocabulary. Both load; each refuses, in one line, only what it
// cannot do.
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { packFromDirectory } from '../../../cli/read-pack-dir';
import { computeRelevance } from '../../../models/tools/relevance';
import { Engine } from '../../../ui/worker/engine';
import { OrtRuntime } from '../../../ui/worker/runtime/ort';
import { failure } from '../../helpers/failure';
import { GOLDEN_TINY_PACK } from '../../helpers/golden';
import { packJsonBytes, sha256 } from './tiny-pack';

const temporary: string[] = [];
afterAll(() => temporary.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

/** golden-tiny without clipImage (edit), or also without clipText and the vocabulary but with one preset (preset). */
function profilePack(profile: 'edit' | 'preset'): string {
  const dir = join(mkdtempSync(join(tmpdir(), 'facetext-profile-')), 'golden-tiny');
  temporary.push(dir);
  cpSync(GOLDEN_TINY_PACK, dir, { recursive: true });
  const json = JSON.parse(readFileSync(join(dir, 'pack.json'), 'utf8'));
  const drop = (role: string) => {
    const file = json.graphs[role];
    delete json.graphs[role];
    delete json.files[file];
    rmSync(join(dir, file));
  };
  drop('clipImage');
  if (profile === 'preset') {
    drop('clipText');
    delete json.files[json.clip.vocab];
    const row = new Float32Array(json.clip.embedDim);
    row[0] = 1; // a unit Δt
    const bytes = new Uint8Array(row.buffer);
    writeFileSync(join(dir, 'presets.f32'), bytes);
    json.presets = { file: 'presets.f32', dims: json.clip.embedDim, entries: [{ label: 'smiling', neutral: 'face', target: 'smiling face' }] };
    json.files['presets.f32'] = { bytes: bytes.byteLength, sha256: sha256(bytes) };
  }
  writeFileSync(join(dir, 'pack.json'), packJsonBytes(json));
  return dir;
}

describe('compact pack profiles', () => {
  it('a preset-only pack renders its presets and refuses a new prompt, naming the presets it has', async () => {
    const engine = new Engine({ runtime: { backends: ['wasm'], numThreads: 1 } });
    try {
      await engine.useLoadedPack(await packFromDirectory(profilePack('preset')));
      const { faceKey } = await engine.faceFromWPlus(new Float32Array(10 * 32).fill(0.1));
      const edit = (target: string) => [{ kind: 'global', target, neutral: 'face', alpha: 3, beta: 0 }] as const;
      const preset = await engine.render({ faceKey, edits: edit('smiling face'), resolution: 16 });
      expect(preset.image.width).toBe(16);
      const free = await failure(() => engine.render({ faceKey, edits: edit('face with a hat'), resolution: 16 }));
      expect([free.name, free.message]).toEqual(['BadArgument', 'Pack golden-tiny has no text model, so it edits only with its presets: “smiling face”. Pick one of them, or load a pack that reads new prompts.']);
      expect(engine.stats().tokenizerLoaded).toBe(false);
    } finally {
      await engine.dispose();
    }
  });

  it('an edit-time pack edits as usual, and relevance says it needs clipImage instead of failing', async () => {
    const loaded = await packFromDirectory(profilePack('edit'));
    const runtime = await OrtRuntime.create({ backends: ['wasm'], numThreads: 1 });
    const error = await failure(() => computeRelevance({ loaded, runtime, images: 1 }));
    expect([error.name, error.message]).toEqual(['PackInvalid', 'Pack golden-tiny has no clipImage graph (edit-time packs leave it out), so relevance cannot be computed with it. Build the pack with --keep-clip-image (python3 -m models.export build), or give the exporter StyleCLIP\'s fs3.npy.']);
    const engine = new Engine({ runtime: { backends: ['wasm'], numThreads: 1 } });
    try {
      await engine.useLoadedPack(loaded);
      const { faceKey } = await engine.faceFromWPlus(new Float32Array(10 * 32).fill(0.1));
      const edited = await engine.render({ faceKey, edits: [{ kind: 'global', target: 'smiling face', neutral: 'face', alpha: 3, beta: 0.1 }], resolution: 16 });
      expect(edited.channelsKept[0]).toBeGreaterThan(0);
    } finally {
      await engine.dispose();
    }
  });
});
