// Batch edit: n of m with a Cancel button while it runs; the per-image errors once it ends.
import type { BatchState } from '../panel-state';
import { ProgressBar } from './progress-bar';

export interface BatchStatusProps {
  batch: BatchState;
  onCancel: () => void;
}

export function BatchStatus({ batch, onCancel }: BatchStatusProps) {
  const running = batch.summary === null;
  return (
    <section class="batch" aria-label="Batch">
      <ProgressBar testid="batch-progress" label={running ? (batch.cancelling ? 'Cancelling after this image…' : `Image ${Math.min(batch.done + 1, batch.total)} of ${batch.total}`) : 'Batch finished'}
        value={batch.done} max={batch.total} detail={`${batch.done} of ${batch.total}${batch.failed > 0 ? `, ${batch.failed} failed` : ''}`} />
      {running && (
        <button type="button" class="button-secondary" data-testid="cancel-button" disabled={batch.cancelling} onClick={onCancel}>Cancel</button>
      )}
      {batch.summary !== null && batch.summary.errors.length > 0 && (
        <ul class="batch-errors" data-testid="batch-errors">
          {batch.summary.errors.map((error) => <li key={error.nodeId}><strong>{error.name}</strong>: {error.message}</li>)}
        </ul>
      )}
    </section>
  );
}
