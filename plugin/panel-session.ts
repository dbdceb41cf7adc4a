// One panel session: opens the panel, tells it what it works on (SHOW_COMMAND), keeps it told about the
// selection, and routes each checked panel message to its job: target requests (target-requests.ts), writing
// results (apply-result.ts), batches (batch.ts). Every ToPlugin message is handled here (exhaustive switch).
import { applyBatchResult, applyResult, type EditAgainTarget } from './apply-result';
import { batchNotice, startBatch, type Batch } from './batch';
import { applyFailedFor, endSentence, parsePanelMessage } from './panel-messages';
import { revealNodes } from './place-result';
import type { CommandName, Recipe, ToPlugin, ToUi } from './protocol';
import { FrameCopies } from './result-copy';
import { findTargets, nothingUsableMessage, RESULT_REASON, summarise, type FoundTargets } from './selection';
import { TargetRequests } from './target-requests';

// Figma's recommended panel size for a narrow tool panel; themeColors gives the iframe Figma's CSS variables.
const PANEL_OPTIONS: ShowUIOptions = { width: 320, height: 480, themeColors: true, title: 'facetext' };
/** figma.clientStorage key of the last pack URL (the null-origin panel has no storage of its own). */
export const PACK_URL_KEY = 'packUrl';

export interface PanelOptions {
  command: CommandName;
  prompt?: string | null;
  /** Edit again: the result's recipe, the result layer, and its source as the one fixed target. */
  edit?: (EditAgainTarget & { recipe: Recipe }) | null;
  /** Shown in the panel's error banner (e.g. a damaged recipe). */
  error?: string | null;
}

/** Opens the panel; once it says UI_READY it gets SHOW_COMMAND. */
export async function showPanelAsync({ command, prompt = null, edit = null, error = null }: PanelOptions): Promise<void> {
  figma.showUI(__html__, PANEL_OPTIONS); // first, so the panel starts loading at once
  const packUrlRead = figma.clientStorage.getAsync(PACK_URL_KEY) as Promise<unknown>;
  const targetsNow = (): FoundTargets =>
    edit !== null
      ? { targets: findTargets([edit.source]).targets.filter((target) => target.node.id === edit.source.id), skipped: [] }
      : findTargets(figma.currentPage.selection);
  // A hosted panel (a page with its own origin, ARCHITECTURE.md "Hosted mode") says its origin with its first
  // message; from then on Figma delivers our messages only to a document of that origin, never to a page the
  // frame was navigated to since [doc: figma-ui-postmessage, option origin].
  let panelOrigin: string | null = null;
  const post = (message: ToUi) => figma.ui.postMessage(message, panelOrigin === null ? undefined : { origin: panelOrigin });
  const requests = new TargetRequests(targetsNow, post);
  let batch: Batch | null = null;

  if (edit === null) {
    figma.on('selectionchange', () => {
      if (batch === null) post({ type: 'SELECTION_CHANGED', selection: summarise(targetsNow()) });
    });
  }

  const handle = (message: ToPlugin): void => {
    switch (message.type) {
      case 'UI_READY':
        packUrlRead.then((packUrl) => {
          const selection = summarise(targetsNow());
          post({ type: 'SHOW_COMMAND', command, prompt, recipe: edit?.recipe ?? null, resultNodeId: edit?.result.id ?? null, selection, packUrl: typeof packUrl === 'string' ? packUrl : null, error });
          if (selection.message !== null && command !== 'model-pack' && command !== 'diagnostics') figma.notify(selection.message);
        }, (cause: unknown) => figma.notify(`Could not read the remembered pack URL: ${errorMessage(cause)}`, { error: true }));
        return;
      case 'REQUEST_TARGET':
        requests.answer(message);
        return;
      case 'START_BATCH': {
        const found = targetsNow();
        if (batch !== null) {
          post({ type: 'SELECTION_ERROR', requestId: message.requestId, message: 'A batch is already running: cancel it or wait for it to finish.' });
          return;
        }
        if (found.targets.length === 0) {
          post({ type: 'NOTHING_SELECTED', requestId: message.requestId, message: nothingUsableMessage(found.skipped) });
          return;
        }
        const copies = new FrameCopies();
        const skippedResults = found.skipped.filter((skipped) => skipped.reason === RESULT_REASON).length;
        const running = startBatch({
          requestId: message.requestId, targets: found.targets, post,
          applyAsync: async (target, reply) => applyBatchResult({ target, bytes: reply.bytes, recipe: reply.recipe, copies }),
        });
        batch = running;
        running.done.then((summary) => {
          batch = null;
          figma.notify(batchNotice({ ...summary, skippedResults }), { error: summary.errors.length > 0 && summary.completed === 0 });
          return Promise.all(summary.resultNodeIds.map((id) => figma.getNodeByIdAsync(id)));
        }).then(
          (nodes) => revealNodes(nodes.filter((node): node is SceneNode => node !== null && 'visible' in node)),
          (cause: unknown) => figma.notify(`The batch stopped: ${errorMessage(cause)}`, { error: true }),
        );
        return;
      }
      case 'APPLY_RESULT': {
        if (batch !== null) {
          batch.receive(message);
          return;
        }
        const { requestId, index } = message;
        const original = requests.sentNode(requestId, index, message.nodeId);
        if (original === null) {
          post({ type: 'APPLY_FAILED', requestId, index, message: 'This result is for an image facetext did not send to the panel, so it was not written.' });
          return;
        }
        try {
          const { result, added } = applyResult({ original, bytes: message.bytes, recipe: message.recipe, editAgain: edit });
          revealNodes([result]);
          post({ type: 'RESULT_APPLIED', requestId, index, resultNodeId: result.id, name: result.name, added });
          figma.notify(added ? `Added “${result.name}”` : `Updated “${result.name}”`);
        } catch (cause) {
          post({ type: 'APPLY_FAILED', requestId, index, message: errorMessage(cause) });
        }
        return;
      }
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

  figma.ui.onmessage = (raw: unknown, properties?: OnMessageProperties) => {
    const origin = properties?.origin;
    if (panelOrigin === null && typeof origin === 'string' && /^https?:\/\//.test(origin)) panelOrigin = origin;
    const message = parsePanelMessage(raw);
    if (!('refused' in message)) return handle(message);
    const failed = applyFailedFor(raw, message.refused);
    if (failed !== null && batch === null) post({ type: 'APPLY_FAILED', ...failed });
    else figma.notify(`facetext ignored a message: ${endSentence(message.refused)}`, { error: true });
  };
}

function errorMessage(cause: unknown): string {
  return cause instanceof Error ? cause.message : String(cause);
}
