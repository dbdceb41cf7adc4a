// The panel session: opens the panel, tells it what it works on, serves target images one at a time,
// writes results and runs batches. Every ToPlugin message is handled here (exhaustive switch).
import type { CommandName, Recipe, SelectionSummary, ToPlugin, ToUi } from './protocol';
import { batchNotice, startBatch, type Batch } from './batch';
import { createResultLayer, readTargetImageAsync, replaceResultImage, resultName, revealNodes } from './image-fill';
import { toRecipe, writeRecipe } from './recipe';
import { findTargets, nothingUsableMessage, summarise, type FoundTargets } from './selection';

// Figma's recommended panel size for a narrow tool panel; themeColors gives the iframe Figma's CSS variables.
const PANEL_OPTIONS: ShowUIOptions = { width: 320, height: 480, themeColors: true, title: 'facetext' };
/** figma.clientStorage key of the last pack URL (the null-origin panel has no storage of its own). */
export const PACK_URL_KEY = 'packUrl';

export interface PanelOptions {
  command: CommandName;
  prompt?: string | null;
  /** Edit again: the result's recipe, the result layer, and its source as the one fixed target. */
  edit?: { recipe: Recipe; result: SceneNode; source: SceneNode } | null;
  /** Shown in the panel's error banner (e.g. a damaged recipe). */
  error?: string | null;
}

type ApplyResult = Extract<ToPlugin, { type: 'APPLY_RESULT' }>;

/** Opens the panel; once it says UI_READY it gets SHOW_COMMAND. */
export async function showPanelAsync({ command, prompt = null, edit = null, error = null }: PanelOptions): Promise<void> {
  figma.showUI(__html__, PANEL_OPTIONS); // first, so the panel starts loading at once
  const packUrlRead = figma.clientStorage.getAsync(PACK_URL_KEY) as Promise<unknown>;
  const targetsNow = (): FoundTargets => 
    edit !== null
      ? { targets: findTargets([edit.source]).targets.filter((target) => target.node.id === edit.source.id), skipped: [] }
      : findTargets(figma.currentPage.selection);
  const post = (message: ToUi) => figma.ui.postMessage(message);
  let batch: Batch | null = null;

  const applyAsync = async (reply: ApplyResult): Promise<SceneNode> => {
    const original = await figma.getNodeByIdAsync(reply.nodeId);
    if (original === null || !('visible' in original)) throw new Error(`The layer ${reply.nodeId} is gone: it was deleted while facetext worked.`);
    const recipe = toRecipe(reply.recipe, original.id);
    const name = resultName(original.name, reply.recipe.prompt);
    let result: SceneNode;
    if (edit !== null && original.id === edit.source.id && !edit.result.removed) {
      replaceResultImage(edit.result, reply.bytes, name);
      result = edit.result;
    } else {
      result = createResultLayer(original as SceneNode, reply.bytes, name);
    }
    writeRecipe(result, recipe);
    return result;
  };

  if (edit === null) {
    figma.on('selectionchange', () => {
      if (batch === null) post({ type: 'SELECTION_CHANGED', selection: summarise(targetsNow()) });
    });
  }

  figma.ui.onmessage = (message: ToPlugin) => {
    switch (message.type) {
      case 'UI_READY':
        packUrlRead.then((packUrl) => {
          const selection: SelectionSummary = summarise(targetsNow());
          post({
            type: 'SHOW_COMMAND',
            command,
            prompt,
            recipe: edit?.recipe ?? null,
            resultNodeId: edit?.result.id ?? null,
            selection,
            packUrl: typeof packUrl === 'string' ? packUrl : null,
            error,
          });
          if (selection.message !== null && command !== 'model-pack') figma.notify(selection.message);
        }, (cause: unknown) => figma.notify(`Could not read the remembered pack URL: ${errorMessage(cause)}`, { error: true }));
        return;
      case 'REQUEST_TARGET': {
        const found = targetsNow();
        const target = found.targets[message.index];
        if (found.targets.length === 0) {
          post({ type: 'NOTHING_SELECTED', requestId: message.requestId, message: nothingUsableMessage(found.skipped) });
          return;
        }
        if (target === undefined) {
          post({ type: 'SELECTION_ERROR', requestId: message.requestId, message: `There are ${found.targets.length} images selected; there is no image ${message.index + 1}.` });
          return;
        }
        readTargetImageAsync(target).then(
          (image) => post({ type: 'TARGET_IMAGE', requestId: message.requestId, nodeId: target.node.id, name: target.node.name, index: message.index, total: found.targets.length, ...image, source: target.source }),
          (cause: unknown) => post({ type: 'SELECTION_ERROR', requestId: message.requestId, message: errorMessage(cause) }),
        );
        return;
      }
      case 'START_BATCH': {
        const found = targetsNow();
        if (found.targets.length === 0) {
          post({ type: 'NOTHING_SELECTED', requestId: message.requestId, message: nothingUsableMessage(found.skipped) });
          return;
        }
        if (batch !== null) {
          post({ type: 'SELECTION_ERROR', requestId: message.requestId, message: 'A batch is already running: cancel it or wait for it to finish.' });
          return;
        }
        const running = startBatch({ requestId: message.requestId, targets: found.targets, post, applyAsync: (_target, reply) => applyAsync(reply) });
        batch = running;
        running.done.then((summary) => {
          batch = null;
          figma.notify(batchNotice(summary), { error: summary.errors.length > 0 && summary.completed === 0 });
          return Promise.all(summary.resultNodeIds.map((id) => figma.getNodeByIdAsync(id)));
        }).then((nodes) => revealNodes(nodes.filter((node): node is SceneNode => node !== null && 'visible' in node)));
        return;
      }
      case 'APPLY_RESULT':
        if (batch !== null) {
          batch.receive(message);
          return;
        }
        applyAsync(message).then(
          (result) => {
            revealNodes([result]);
            post({ type: 'RESULT_APPLIED', requestId: message.requestId, index: message.index, resultNodeId: result.id, name: result.name });
            figma.notify(`Added “${result.name}”`);
          },
          (cause: unknown) => post({ type: 'APPLY_FAILED', requestId: message.requestId, index: message.index, message: errorMessage(cause) }),
        );
        return;
      case 'ITEM_FAILED':
        batch?.receive(message);
        return;
      case 'CANCEL_BATCH':
        batch?.cancel();
        return;
      case 'REMEMBER_PACK_URL':
        figma.clientStorage.setAsync(PACK_URL_KEY, message.url).catch((cause: unknown) => figma.notify(`Could not remember the pack URL: ${errorMessage(cause)}`, { error: true }));
        return;
      case 'NOTIFY':
        figma.notify(message.message, { error: message.error });
        return;
      case 'CLOSE_PLUGIN':
        figma.closePlugin();
        return;
      default:
        throw new Error(`Unknown message from the panel: ${JSON.stringify(message satisfies never)}`);
    }
  };
}

function errorMessage(cause: unknown): string {
  return cause instanceof Error ? cause.message : String(cause);
}
