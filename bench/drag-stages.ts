// Stage runs of an α-drag, per preset chip of a pack (bench/README.md, "Issue 16", item 2): counts, not times.
// For each of the pack's stored presets at the default α and β, on the mean face: the style layers its Δs moves,
// then a refined preview, five draft frames (α + 0.2 each) and the release, with the synthesis chain's stage runs
// of the frames and of the release. Prints JSON.
//   npx vite-node bench/drag-stages.ts [pack folder, default models/packs/demo]
import { resolve } from 'node:path';
import { packFromDirectory } from '../cli/read-pack-dir';
import { DEFAULT_ALPHA, DEFAULT_BETA, type GlobalEditSpec } from '../contract/edit-spec';
import { Engine } from '../ui/worker/engine';
import { synthesisChain } from '../ui/worker/render/synthesis-chain';

const FRAMES = 5;
const STEP = 0.2;

const loaded = await packFromDirectory(resolve(process.argv[2] ?? 'models/packs/demo'));
const { generator, presets } = loaded.pack;
const chain = synthesisChain(generator);
const refined = Math.max(...generator.previewResolutions.filter((size) => size <= 256));
const engine = new Engine({ runtime: { backends: ['wasm'] } });
try {
  await engine.useLoadedPack(loaded);
  const wPlus = new Float32Array(generator.numWs * generator.wDim);
  for (let row = 0; row < generator.numWs; row++) wPlus.set(generator.wAvg, row * generator.wDim);
  const { faceKey } = await engine.faceFromWPlus(wPlus);
  const base = (await engine.editLatents({ faceKey, edits: [] })).s;
  const stageRuns = () => chain.map((stage) => engine.stats().runs[stage.role] ?? 0);
  const since = (before: number[]) => Object.fromEntries(stageRuns().map((n, i) => [chain[i].role, n - before[i]]).filter(([, n]) => n !== 0));

  const chips = [];
  for (const { label, neutral, target } of presets?.entries ?? []) {
    const edit = (alpha: number): GlobalEditSpec[] => [{ kind: 'global', neutral, target, alpha, beta: DEFAULT_BETA }];
    const { s } = await engine.editLatents({ faceKey, edits: edit(DEFAULT_ALPHA) });
    const moved = generator.styleLayers.filter(({ offset, channels }) => s.subarray(offset, offset + channels).some((v, i) => v !== base[offset + i]));
    await engine.render({ faceKey, edits: edit(DEFAULT_ALPHA), resolution: refined });
    let before = stageRuns();
    const draftSizes = [];
    for (let frame = 1; frame <= FRAMES; frame++) {
      draftSizes.push((await engine.render({ faceKey, edits: edit(DEFAULT_ALPHA + frame * STEP), resolution: refined, draft: true })).image.width);
    }
    const dragRuns = since(before);
    before = stageRuns();
    await engine.render({ faceKey, edits: edit(DEFAULT_ALPHA + FRAMES * STEP), resolution: refined });
    chips.push({ label, movedLayers: moved.map((layer) => layer.name), lowestMoved: Math.min(...moved.map((layer) => layer.resolution)), draftSizes, dragRuns, releaseRuns: since(before) });
  }
  console.log(JSON.stringify({ pack: loaded.pack.id, chain: chain.map((stage) => stage.size), refined, frames: FRAMES, chips }, null, 1));
} finally {
  await engine.dispose();
}
