// Batch edit: send the targets one at a time, write each result the panel returns, report n of m,
// stop after the item in flight when cancelled, and list per-item errors at the end.
import type { ItemError, ToPlugin, ToUi } from './protocol';
import { readTargetImageAsync } from './target-image';
import type { Target } from './selection';

type ItemReply = Extract<ToPlugin, { type: 'APPLY_RESULT' | 'ITEM_FAILED' }>;
type ApplyResult = Extract<ToPlugin, { type: 'APPLY_RESULT' }>;
type BatchDone = Extract<ToUi, { type: 'BATCH_DONE' }>;

export interface BatchOptions {
  requestId: string;
  targets: readonly Target[];
  post: (message: ToUi) => void;
  /** Writes one item's result (a new layer, or a frame copy that may hold earlier items too); its errors become the item's error. */
  applyAsync: (target: Target, reply: ApplyResult) => Promise<{ result: SceneNode; added: boolean }>;
  /** Lets Figma breathe between items (spec/platform.md §3: long loops freeze the editor). */
  yieldAsync?: () => Promise<void>;
}

export interface Batch {
  /** Hands the panel's reply for the item in flight to the batch; replies for other items are ignored. */
  receive(reply: ItemReply): void;
  /** Stops after the item in flight; results already written stay. */
  cancel(): void;
  done: Promise<BatchDone>;
}

const yieldToFigmaAsync = () => new Promise<void>((resolve) => setTimeout(resolve, 0));

export function startBatch({ requestId, targets, post, applyAsync, yieldAsync = yieldToFigmaAsync }: BatchOptions): Batch {
  let cancelled = false;
  let waiting: { index: number; resolve: (reply: ItemReply) => void } | null = null;

  const runAsync = async (): Promise<BatchDone> => {
    const total = targets.length;
    const errors: ItemError[] = [];
    const resultNodeIds: string[] = [];
    let completed = 0;
    let done = 0;
    for (const [index, target] of targets.entries()) {
      if (cancelled) break;
      const { node } = target;
      try {
        const image = await readTargetImageAsync(target);
        const reply = new Promise<ItemReply>((resolve) => (waiting = { index, resolve }));
        post({ type: 'TARGET_IMAGE', requestId, nodeId: node.id, name: node.name, index, total, ...image, source: target.source });
        const answer = await reply;
        if (answer.type === 'ITEM_FAILED') throw new Error(answer.message);
        if (answer.nodeId !== node.id) throw new Error('The panel answered for another layer, so this image was skipped.');
        const { result, added } = await applyAsync(target, answer);
        completed += 1;
        if (!resultNodeIds.includes(result.id)) resultNodeIds.push(result.id);
        post({ type: 'RESULT_APPLIED', requestId, index, resultNodeId: result.id, name: result.name, added });
      } catch (error) {
        errors.push({ nodeId: node.id, name: node.name, message: error instanceof Error ? error.message : String(error) });
      } finally {
        waiting = null;
      }
      done += 1;
      post({ type: 'BATCH_PROGRESS', requestId, done, total, failed: errors.length });
      await yieldAsync();
    }
    const summary: BatchDone = { type: 'BATCH_DONE', requestId, completed, total, cancelled, resultNodeIds, errors };
    post(summary);
    return summary;
  };

  return {
    receive(reply) {
      if (waiting !== null && reply.requestId === requestId && reply.index === waiting.index) waiting.resolve(reply);
    },
    cancel() {
      cancelled = true;
    },
    done: runAsync(),
  };
}

/** The figma.notify line for a finished batch; `skippedResults` facetext results in the selection were left alone. */
export function batchNotice({ completed, total, cancelled, errors, skippedResults = 0 }: Pick<BatchDone, 'completed' | 'total' | 'cancelled' | 'errors'> & { skippedResults?: number }): string {
  const edited = `${completed} of ${total} image${total === 1 ? '' : 's'} edited`;
  const failed = errors.length > 0 ? `, ${errors.length} failed (${errors[0]!.name}: ${errors[0]!.message})` : '';
  const skipped = skippedResults > 0 ? `; ${skippedResults} facetext result${skippedResults === 1 ? '' : 's'} skipped (Edit again changes a result)` : '';
  return `${cancelled ? `Batch cancelled: ${edited}, results kept` : edited}${failed}${skipped}`;
}
