// Batch edit: n of m while it runs (in the footer, beside Cancel); the per-image errors once it ends.
import type { ItemError } from '../../plugin/protocol';
import type { BatchState } from '../panel-state';
import { ProgressBar } from './progress-bar';

export interface BatchStatusProps {
  batch: BatchState;
  /** Elapsed and remaining time (ui/progress-label.ts timeWords). */
  time?: string;
}

export function BatchStatus({ batch, time }: BatchStatusProps) {
  const running = batch.summary === null;
  return (
    <ProgressBar testid="batch-progress" label={running ? (batch.cancelling ? 'Cancelling after this image…' : `Image ${Math.min(batch.done + 1, batch.total)} of ${batch.total}`) : 'Batch finished'}
      value={batch.done} max={batch.total} detail={`${batch.done} of ${batch.total}${batch.failed > 0 ? `, ${batch.failed} failed` : ''}`} time={time} />
  );
}

export function BatchErrors({ errors }: { errors: readonly ItemError[] }) {
  return (
    <ul class="batch-errors" data-testid="batch-errors" aria-label="Images that failed">
      {errors.map((error) => <li key={error.nodeId}><strong>{error.name}</strong>: {error.message}</li>)}
    </ul>
  );
}
