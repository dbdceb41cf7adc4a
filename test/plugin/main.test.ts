/// <reference types="@figma/plugin-typings" />
// plugin/main.ts end to end against the fake Figma API: commands, the panel session, results, recipes.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { EditRecipe, ToPlugin, ToUi } from '../../plugin/protocol';
import { RECIPE_KEY } from '../../plugin/recipe';
import { resultSelectedMessage } from '../../plugin/selection';
import type { FakeDocument } from '../fake-figma/fake-document';
import type { FakeFigma } from '../fake-figma/fake-figma';
import type { FakeNode } from '../fake-figma/fake-nodes';
import { newDocument, PANEL_HTML, received, settleAsync, solidPng, startPluginAsync } from '../fake-figma/plugin-run';

const PHOTO = solidPng(64, 48, [180, 140, 120]);
const EDITED = solidPng(64, 48, [10, 200, 30]);
const SMILE = { kind: 'global', target: 'smiling face', neutral: 'face', alpha: 4.1, beta: 0.15 } as const;
const EDIT: EditRecipe = { edits: [SMILE], latent: null, packId: 'golden-tiny', faceIndex: 0 };
type Show = Extract<ToUi, { type: 'SHOW_COMMAND' }>;
type Target = Extract<ToUi, { type: 'TARGET_IMAGE' }>;

let doc: FakeDocument;
let photo: FakeNode;
beforeEach(() => {
  doc = newDocument();
  photo = doc.createImageLayer({ bytes: PHOTO, name: 'Portrait', x: 0, y: 0, width: 320, height: 240 });
});
afterEach(() => vi.unstubAllGlobals());

async function launchAsync(command: string, parameters?: ParameterValues, selection: FakeNode[] = [photo]): Promise<FakeFigma> {
  doc.selection = selection;
  const figma = await startPluginAsync(doc);
  figma.run(command, parameters);
  await settleAsync();
  return figma;
}
const send = async (figma: FakeFigma, message: ToPlugin) => {
  figma.fromUi(message);
  await settleAsync();
};
const show = (figma: FakeFigma) => received<Show>(figma, 'SHOW_COMMAND')[0]!;
/** Plays the panel's single edit: ask for the target, then send the result for it. */
const editAsync = async (figma: FakeFigma, requestId: string, { recipe = EDIT, bytes = EDITED, width = 64, height = 48 } = {}) => {
  await send(figma, { type: 'REQUEST_TARGET', requestId, index: 0 });
  await send(figma, { type: 'APPLY_RESULT', requestId, index: 0, nodeId: photo.id, bytes, width, height, recipe });
};

describe('plugin/main.ts commands', () => {
  it('opens the themed panel and hands it the Quick Actions prompt and the selection once it is ready', async () => {
    const figma = await launchAsync('edit-with-text', { prompt: '  a face with a beard ' });
    expect(figma.shown).toEqual({ html: PANEL_HTML, options: expect.objectContaining({ width: 320, height: 480, themeColors: true }) });
    expect(figma.toUi).toEqual([]); // nothing before the panel says it listens
    await send(figma, { type: 'UI_READY' });
    expect(figma.toUi).toEqual([{
      type: 'SHOW_COMMAND', command: 'edit-with-text', prompt: 'a face with a beard', recipe: null, resultNodeId: null,
      selection: { targets: [{ nodeId: photo.id, name: 'Portrait', source: 'fill' }], skipped: [], message: null }, packUrl: null, error: null,
    }]);
  });

  it('suggests the typed prompt first, then matching presets, in Quick Actions', async () => {
    const figma = await startPluginAsync(doc);
    expect(figma.query('prompt', 'hair')).toEqual(['hair', 'face with grey hair', 'face with blonde hair', 'face with curly hair', 'face with long hair']);
    expect(figma.query('prompt', 'smiling face')).toEqual(['smiling face']);
    expect(figma.query('prompt', '')).toHaveLength(8);
  });

  it.each(['batch-edit', 'model-pack', 'diagnostics'] as const)('dispatches %s to a panel that knows its command', async (command) => {
    const figma = await launchAsync(command);
    await send(figma, { type: 'UI_READY' });
    expect(show(figma)).toMatchObject({ command, prompt: null, recipe: null });
    expect(figma.notifications).toEqual([]);
  });

  it('answers a hosted panel (a page with an origin) only at that origin', async () => {
    const figma = await launchAsync('edit-with-text');
    figma.fromUi({ type: 'UI_READY' }, 'https://facetext.example.com');
    await settleAsync();
    expect(show(figma)).toMatchObject({ command: 'edit-with-text' });
    expect(figma.toUiOrigins.at(-1)).toBe('https://facetext.example.com');
    // The inline panel (origin null) is posted to as Figma's default, '*'.
    const inline = await launchAsync('edit-with-text');
    await send(inline, { type: 'UI_READY' });
    expect(inline.toUiOrigins).toEqual(inline.toUi.map(() => '*'));
  });

  it('turns an unknown command into one error notification that lists the valid ones', async () => {
    const figma = await launchAsync('sharpen');
    expect(figma.notifications).toEqual([{ message: 'facetext has no command "sharpen". Must be one of: edit-with-text, batch-edit, edit-again, model-pack, diagnostics', error: true }]);
    expect(figma.shown).toBeNull();
    expect(figma.closed).toBe(true);
  });

  it('remembers the pack URL across runs and closes when the panel asks', async () => {
    const first = await launchAsync('model-pack');
    await send(first, { type: 'REMEMBER_PACK_URL', url: 'http://localhost:8787/packs/golden-tiny/' });
    await send(first, { type: 'CLOSE_PLUGIN' });
    expect(first.closed).toBe(true);
    const second = await launchAsync('model-pack');
    await send(second, { type: 'UI_READY' });
    expect(show(second).packUrl).toBe('http://localhost:8787/packs/golden-tiny/');
  });
});

describe('plugin/main.ts single edit', () => {
  it('sends one target image, then writes the result beside it with its recipe, selected and in view', async () => {
    const figma = await launchAsync('edit-with-text', { prompt: 'smiling face' });
    await send(figma, { type: 'UI_READY' });
    await send(figma, { type: 'REQUEST_TARGET', requestId: 'r1', index: 0 });
    const target = received<Target>(figma, 'TARGET_IMAGE');
    expect(target).toHaveLength(1);
    expect(target[0]).toMatchObject({ requestId: 'r1', nodeId: photo.id, name: 'Portrait', index: 0, total: 1, width: 64, height: 48, source: 'fill' });
    expect(Buffer.from(target[0]!.bytes).equals(Buffer.from(PHOTO))).toBe(true);
    const fillsBefore = photo.fills;

    await send(figma, { type: 'APPLY_RESULT', requestId: 'r1', index: 0, nodeId: photo.id, bytes: EDITED, width: 64, height: 48, recipe: EDIT });
    const result = doc.page.children[1]!;
    expect(received(figma, 'RESULT_APPLIED')).toEqual([{ type: 'RESULT_APPLIED', requestId: 'r1', index: 0, resultNodeId: result.id, name: 'Portrait · smiling face', added: true }]);
    expect({ name: result.name, x: result.x, y: result.y, width: result.width, height: result.height }).toEqual({ name: 'Portrait · smiling face', x: 360, y: 0, width: 320, height: 240 });
    expect(JSON.parse(result.getPluginData(RECIPE_KEY))).toEqual({ version: 2, ...EDIT, sourceNodeId: photo.id });
    expect(result.getRelaunchData()).toEqual({ 'edit-again': 'Tweak “smiling face” (α 4.1, β 0.15)' });
    expect(figma.api.currentPage.selection).toEqual([result]);
    expect(figma.scrolledTo).toEqual([[result.id]]);
    expect(figma.notifications).toEqual([{ message: 'Added “Portrait · smiling face”', error: false }]);
    expect(photo.fills).toBe(fillsBefore);
    expect(photo.getPluginDataKeys()).toEqual([]);
    const stored = await figma.api.getImageByHash((photo.fills[0] as ImagePaint).imageHash!)!.getBytesAsync();
    expect(Buffer.from(stored).equals(Buffer.from(PHOTO))).toBe(true);
  });

  it('keeps the panel on the original after Apply: the selected result is no target, so a second Apply edits the original again', async () => {
    const figma = await launchAsync('edit-with-text');
    await send(figma, { type: 'UI_READY' });
    await editAsync(figma, 'r1');
    const result = doc.page.children[1]!;
    expect(figma.api.currentPage.selection).toEqual([result]);
    const message = resultSelectedMessage('Portrait · smiling face');
    expect(received(figma, 'SELECTION_CHANGED')).toEqual([{ type: 'SELECTION_CHANGED', selection: { targets: [], skipped: [{ nodeId: result.id, name: result.name, reason: 'a facetext result' }], message } }]);
    // The panel still holds r1's target (the original): its next Apply adds a second result of the original.
    await send(figma, { type: 'APPLY_RESULT', requestId: 'r1', index: 0, nodeId: photo.id, bytes: solidPng(64, 48, [9, 9, 9]), width: 64, height: 48, recipe: EDIT });
    expect(doc.page.children.map((node) => [node.name, node.x])).toEqual([['Portrait', 0], ['Portrait · smiling face', 720], ['Portrait · smiling face', 360]]);
    expect(JSON.parse(doc.page.children[1]!.getPluginData(RECIPE_KEY)).sourceNodeId).toBe(photo.id);
    // A new request with the result selected is answered with the result message, never with the result's image.
    await send(figma, { type: 'REQUEST_TARGET', requestId: 'r2', index: 0 });
    expect(figma.toUi.at(-1)).toEqual({ type: 'NOTHING_SELECTED', requestId: 'r2', message });
  });

  it('says “Edit with text…” on a result is a result and offers Edit again, in one line', async () => {
    const first = await launchAsync('edit-with-text');
    await editAsync(first, 'r1');
    const result = doc.page.children[1]!;
    const figma = await launchAsync('edit-with-text', { prompt: 'grey hair' }, [result]);
    await send(figma, { type: 'UI_READY' });
    const message = '“Portrait · smiling face” is a facetext result: to change its edit, click Edit again under Plugins in the right sidebar, or select the original photo for a new edit.';
    expect(show(figma).selection).toEqual({ targets: [], skipped: [{ nodeId: result.id, name: result.name, reason: 'a facetext result' }], message });
    expect(figma.notifications).toEqual([{ message, error: false }]);
    expect(message).not.toContain('\n');
  });

  it('answers NOTHING_SELECTED, and notifies, when the selection has no image', async () => {
    const caption = doc.create('TEXT', { name: 'Caption' });
    const figma = await launchAsync('edit-with-text', { prompt: 'old face' }, [caption]);
    await send(figma, { type: 'UI_READY' });
    const message = '“Caption” is a text layer without an image fill. Select a layer with a photo fill, or a frame that contains one, then run facetext again.';
    expect(show(figma).selection).toEqual({ targets: [], skipped: [{ nodeId: caption.id, name: 'Caption', reason: 'a text layer without an image fill' }], message });
    expect(figma.notifications).toEqual([{ message, error: false }]);
    await send(figma, { type: 'REQUEST_TARGET', requestId: 'r2', index: 0 });
    expect(figma.toUi.at(-1)).toEqual({ type: 'NOTHING_SELECTED', requestId: 'r2', message });
  });

  it('tells the panel when the selection changes', async () => {
    const figma = await launchAsync('edit-with-text', undefined, []);
    await send(figma, { type: 'UI_READY' });
    figma.select([photo]);
    await settleAsync();
    expect(figma.toUi.at(-1)).toEqual({ type: 'SELECTION_CHANGED', selection: { targets: [{ nodeId: photo.id, name: 'Portrait', source: 'fill' }], skipped: [], message: null } });
  });

  it('reports an edited image over 4096 px as APPLY_FAILED and adds nothing', async () => {
    const figma = await launchAsync('edit-with-text');
    await editAsync(figma, 'r3', { bytes: solidPng(4100, 2, [0, 0, 0]), width: 4100, height: 2 });
    expect(figma.toUi.at(-1)).toEqual({ type: 'APPLY_FAILED', requestId: 'r3', index: 0, message: 'Image is too large' });
    expect(doc.page.children).toEqual([photo]);
  });
});

describe('plugin/main.ts trusts no panel message', () => {
  it('ignores a null message and an unknown type with one notification each, and keeps running', async () => {
    const figma = await launchAsync('edit-with-text');
    figma.fromUi(null as unknown as ToPlugin);
    figma.fromUi({ type: 'FORMAT_DISK' } as unknown as ToPlugin);
    await settleAsync();
    expect(figma.notifications).toEqual([
      { message: 'facetext ignored a message: the panel sent something that is not a message.', error: true },
      { message: 'facetext ignored a message: the panel sent a message of unknown type "FORMAT_DISK".', error: true },
    ]);
    expect(figma.closed).toBe(false);
    await send(figma, { type: 'UI_READY' });
    expect(show(figma).command).toBe('edit-with-text');
  });

  it('writes no layer for an APPLY_RESULT whose image it never sent, or that names another layer', async () => {
    const other = doc.createImageLayer({ bytes: PHOTO, name: 'Other', x: 0, y: 500, width: 320, height: 240 });
    const figma = await launchAsync('edit-with-text');
    await send(figma, { type: 'APPLY_RESULT', requestId: 'never', index: 0, nodeId: photo.id, bytes: EDITED, width: 64, height: 48, recipe: EDIT });
    await send(figma, { type: 'REQUEST_TARGET', requestId: 'r1', index: 0 });
    await send(figma, { type: 'APPLY_RESULT', requestId: 'r1', index: 0, nodeId: other.id, bytes: EDITED, width: 64, height: 48, recipe: EDIT });
    const failed = received<Extract<ToUi, { type: 'APPLY_FAILED' }>>(figma, 'APPLY_FAILED');
    expect(failed.map((m) => m.requestId)).toEqual(['never', 'r1']);
    expect(failed[0]!.message).toBe('This result is for an image facetext did not send to the panel, so it was not written.');
    expect(doc.page.children.map((n) => n.name)).toEqual(['Portrait', 'Other']);
  });

  it('refuses a recipe with a prompt of 42 or an α of null before any layer exists', async () => {
    const figma = await launchAsync('edit-with-text');
    await editAsync(figma, 'r1', { recipe: { ...EDIT, edits: [{ ...SMILE, target: 42 as unknown as string }] } });
    await editAsync(figma, 'r2', { recipe: { ...EDIT, edits: [{ ...SMILE, alpha: null as unknown as number }] } });
    const failed = received<Extract<ToUi, { type: 'APPLY_FAILED' }>>(figma, 'APPLY_FAILED');
    expect(failed.map((m) => m.message)).toEqual([
      'The result was not written: the panel\'s recipe is not usable: The prompt is empty: describe the face you want, e.g. “smiling face”.',
      'The result was not written: the panel\'s recipe is not usable: α must be a number from −50 to 50, got null. Typical values are −10 to 10.',
    ]);
    expect(doc.page.children).toEqual([photo]);
  });

  it('does not remember a pack URL that is not http(s)', async () => {
    const figma = await launchAsync('model-pack');
    figma.fromUi({ type: 'REMEMBER_PACK_URL', url: 'file:///etc/passwd' });
    await settleAsync();
    const again = await launchAsync('model-pack');
    await send(again, { type: 'UI_READY' });
    expect(show(again).packUrl).toBeNull();
  });
});

describe('plugin/main.ts edit again', () => {
  it('reopens the panel with the recipe and the original, and updates the result in place', async () => {
    const first = await launchAsync('edit-with-text');
    await editAsync(first, 'r1');
    const result = doc.page.children[1]!;
    const again = await launchAsync('edit-again', undefined, [result]);
    await send(again, { type: 'UI_READY' });
    expect(show(again)).toMatchObject({
      command: 'edit-again', prompt: null, recipe: { version: 2, ...EDIT, sourceNodeId: photo.id }, resultNodeId: result.id,
      selection: { targets: [{ nodeId: photo.id, name: 'Portrait', source: 'fill' }] }, error: null,
    });
    await send(again, { type: 'REQUEST_TARGET', requestId: 'a1', index: 0 });
    expect(received<Target>(again, 'TARGET_IMAGE')[0]!.nodeId).toBe(photo.id);
    const tweaked = solidPng(64, 48, [1, 2, 3]);
    await send(again, { type: 'APPLY_RESULT', requestId: 'a1', index: 0, nodeId: photo.id, bytes: tweaked, width: 64, height: 48, recipe: { ...EDIT, edits: [{ ...SMILE, target: 'sad face', alpha: -2 }] } });
    expect(doc.page.children.map((node) => node.name)).toEqual(['Portrait', 'Portrait · sad face']);
    expect((result.fills[0] as ImagePaint).imageHash).toBe(again.api.createImage(tweaked).hash);
    expect(JSON.parse(result.getPluginData(RECIPE_KEY))).toMatchObject({ edits: [{ target: 'sad face', alpha: -2 }], sourceNodeId: photo.id });
    expect(again.notifications.at(-1)).toEqual({ message: 'Updated “Portrait · sad face”', error: false });
  });

  it('opens the panel with a message, not a crash, when the recipe is damaged', async () => {
    const result = doc.create('RECTANGLE', { name: 'Broken' });
    result.setPluginData(RECIPE_KEY, '{"version":1,"method":"global","prompt":42,"sourceNodeId":"1:1"}');
    const figma = await launchAsync('edit-again', undefined, [result]);
    await send(figma, { type: 'UI_READY' });
    const error = 'The recipe on “Broken” is damaged (The prompt is empty: describe the face you want, e.g. “smiling face”.). Make a new edit from the original layer.';
    expect(show(figma)).toMatchObject({ command: 'edit-again', recipe: null, error });
    expect(figma.notifications[0]).toEqual({ message: error, error: true });
    expect(figma.closed).toBe(false);
  });

  it('says the original was deleted', async () => {
    const first = await launchAsync('edit-with-text');
    await editAsync(first, 'r1');
    const result = doc.page.children[1]!;
    photo.remove();
    const figma = await launchAsync('edit-again', undefined, [result]);
    await send(figma, { type: 'UI_READY' });
    expect(show(figma).error).toBe(`The original of “Portrait · smiling face” (layer ${photo.id}) was deleted, so it cannot be edited again.`);
  });
});
