// User story: "smiling face" from Quick Actions on the Astronaut photo – the real panel (dist/ui.html in the
// host simulator) loads the pack, finds the face, edits it at full size and the built plugin places the result
// beside the original, with its recipe, without touching the original's bytes.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { documentAsync, type Playground } from '../helpers/figma-host';
import { openPanelPlaygroundAsync } from './panel-helpers';

let playground: Playground;
beforeAll(async () => {
  playground = await openPanelPlaygroundAsync();
}, 300_000);
afterAll(() => playground?.close());

describe('Edit with text… run from Quick Actions', () => {
  it('adds “Astronaut · smiling face” beside the original with its recipe and keeps the original bytes', async () => {
    const { page } = playground;
    const before = await documentAsync(page);
    await page.evaluate(async () => {
      window.facetextHost.select(['Astronaut']);
      await window.facetextHost.launchAsync('edit-with-text', { prompt: 'smiling face' });
    });
    await page.waitForFunction(() => window.facetextHost.toUi().some((m) => ['RESULT_APPLIED', 'APPLY_FAILED'].includes((m as { type: string }).type)), null, { timeout: 540_000, polling: 250 });
    const after = { ...(await documentAsync(page)), ...(await page.evaluate(() => ({ toUi: window.facetextHost.toUi(), fromUi: [...window.facetextHost.fromUiLog], notifications: window.facetextHost.notifications() }))) };

    // Up to the result: the command, the one image, the result. Then the plugin selects the new layer; a result
    // is no target (SELECTION_CHANGED lists it as skipped), so the panel stays on the original.
    const appliedAt = after.toUi.findIndex((m) => (m as { type: string }).type === 'RESULT_APPLIED');
    expect(after.toUi.slice(0, appliedAt + 1).map((m) => (m as { type: string }).type).filter((type) => type !== 'SELECTION_CHANGED')).toEqual(['SHOW_COMMAND', 'TARGET_IMAGE', 'RESULT_APPLIED']);
    expect(after.fromUi.slice(0, 3).map((entry) => entry.split(' ')[0])).toEqual(['UI_READY', 'REQUEST_TARGET', 'APPLY_RESULT']);
    expect(after.toUi[1]).toMatchObject({ type: 'TARGET_IMAGE', name: 'Astronaut', index: 0, total: 1, width: 256, height: 256, source: 'fill', byteLength: 120_518 });
    const applied = after.toUi[appliedAt] as { type: string; name: string; resultNodeId: string; index: number };
    expect(applied).toMatchObject({ type: 'RESULT_APPLIED', index: 0, name: 'Astronaut · smiling face' });
    expect(after.toUi[appliedAt + 1]).toEqual({
      type: 'SELECTION_CHANGED',
      selection: {
        targets: [], skipped: [{ nodeId: applied.resultNodeId, name: 'Astronaut · smiling face', reason: 'a facetext result' }],
        message: '“Astronaut · smiling face” is a facetext result: to change its edit, click Edit again under Plugins in the right sidebar, or select the original photo for a new edit.',
      },
    });
    expect(after.notifications).toEqual([{ message: 'Added “Astronaut · smiling face”', error: false }]);

    const original = before.layers.find((l) => l.name === 'Astronaut')!;
    const result = after.layers.find((l) => l.id === applied.resultNodeId)!;
    expect([result.name, result.parent, result.x, result.y, result.width, result.height]).toEqual(['Astronaut · smiling face', original.parent, 256 + 40, 0, 256, 256]);
    const stored = JSON.parse(result.pluginData.recipe!) as { edits: Array<Record<string, unknown>> };
    expect(stored).toMatchObject({ version: 2, edits: [{ kind: 'global', target: 'smiling face', neutral: 'face' }], packId: 'golden-tiny', faceIndex: 0, sourceNodeId: original.id });
    const recipe = stored.edits[0]!;
    expect(typeof recipe.alpha).toBe('number');
    expect(typeof recipe.beta).toBe('number');
    expect(result.relaunch).toEqual({ 'edit-again': `Tweak “smiling face” (α ${recipe.alpha}, β ${recipe.beta})` });

    // The original: same layer, same place, same bytes; the result's bytes differ.
    expect(after.layers.find((l) => l.id === original.id)).toEqual(original);
    for (const [name, digest] of Object.entries(before.digests)) expect(after.digests[name], name).toBe(digest);
    expect(after.digests['Astronaut · smiling face']).toMatch(/^[0-9a-f]{64}$/);
    expect(after.digests['Astronaut · smiling face']).not.toBe(before.digests.Astronaut);
    expect(playground.errors).toEqual([]);
  }, 600_000);
});
