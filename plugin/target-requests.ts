// REQUEST_TARGET → TARGET_IMAGE: one selected image at a time, and a record of which node each request was
// answered with, so a result can only be written for an image the panel was actually sent.
import type { ToPlugin, ToUi } from './protocol';
import { nothingUsableMessage, type FoundTargets } from './selection';
import { readTargetImageAsync } from './target-image';

type RequestTarget = Extract<ToPlugin, { type: 'REQUEST_TARGET' }>;

export class TargetRequests {
  /** `${requestId}#${index}` → the node whose image was sent. */
  private readonly sent = new Map<string, SceneNode>();

  constructor(
    private readonly targetsNow: () => FoundTargets,
    private readonly post: (message: ToUi) => void,
  ) {}

  /** Reads target `index` of the current selection and sends it, or says why there is none. */
  answer({ requestId, index }: RequestTarget): void {
    const found = this.targetsNow();
    const target = found.targets[index];
    if (found.targets.length === 0) {
      this.post({ type: 'NOTHING_SELECTED', requestId, message: nothingUsableMessage(found.skipped) });
      return;
    }
    if (target === undefined) {
      this.post({ type: 'SELECTION_ERROR', requestId, message: `There are ${found.targets.length} images selected; there is no image ${index + 1}.` });
      return;
    }
    readTargetImageAsync(target).then(
      (image) => {
        this.sent.set(key(requestId, index), target.node);
        this.post({ type: 'TARGET_IMAGE', requestId, nodeId: target.node.id, name: target.node.name, index, total: found.targets.length, ...image, source: target.source });
      },
      (cause: unknown) => this.post({ type: 'SELECTION_ERROR', requestId, message: cause instanceof Error ? cause.message : String(cause) }),
    );
  }

  /** The node sent for (requestId, index) when its id is `nodeId`; null for anything the panel was never sent. */
  sentNode(requestId: string, index: number, nodeId: string): SceneNode | null {
    const node = this.sent.get(key(requestId, index));
    return node !== undefined && node.id === nodeId ? node : null;
  }
}

function key(requestId: string, index: number): string {
  return `${requestId}#${index}`;
}
