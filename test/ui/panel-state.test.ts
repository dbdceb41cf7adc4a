// The panel's reducer: what a user reads after a batch, and what the preview shows after a failed one.
import { describe, expect, it } from 'vitest';
import { INITIAL_STATE, panelReducer, type PanelAction, type PanelState } from '../../ui/panel-state';

const image = (size: number, value = 0) => ({ width: size, height: size, data: new Uint8ClampedArray(size * size * 4).fill(value) });
const run = (actions: PanelAction[], from: PanelState = INITIAL_STATE) => actions.reduce(panelReducer, from);
const batchOf = (completed: number, failed: number, cancelled = false): PanelAction[] => [
  { type: 'batch-started', requestId: 'batch-1', total: 3, at: 0 },
  { type: 'batch-progress', done: completed + failed, total: 3, failed },
  { type: 'batch-done', completed, total: 3, cancelled, errors: Array.from({ length: failed }, (_, i) => ({ nodeId: `1:${i}`, name: `Photo ${i}`, message: 'No face found' })) },
];

describe('panel-state: batch outcome', () => {
  it('reads as success only when no image failed, a warning when some failed, an error when all failed', () => {
    expect(run(batchOf(3, 0))).toMatchObject({ notice: '3 of 3 images edited.', noticeTone: 'success', phase: 'idle' });
    expect(run(batchOf(2, 1))).toMatchObject({ notice: '2 of 3 images edited, 1 failed.', noticeTone: 'warning' });
    expect(run(batchOf(0, 3))).toMatchObject({ notice: '0 of 3 images edited, 3 failed.', noticeTone: 'error' });
    expect(run(batchOf(1, 0, true))).toMatchObject({ notice: 'Batch cancelled: 1 of 3 images edited.', noticeTone: 'success' });
  });

  it('a later success reads as success again', () => {
    const failed = run(batchOf(0, 3));
    expect(run([{ type: 'applied', notice: 'Added “Photo 0 · smile”.', warnings: [] }], failed)).toMatchObject({ noticeTone: 'success' });
  });
});

describe('panel-state: previews after a failure', () => {
  const ready = run([
    { type: 'face-selected', faceIndex: 0, faceKey: 'k', before: image(8, 1) },
    { type: 'preview-started' },
    { type: 'preview-result', image: image(4, 10), channelsKept: [3], warnings: [], final: true },
  ]);

  it('drops the earlier prompt’s preview when the next one fails, and the next success replaces both preview and banner', () => {
    expect(ready.preview?.image.data[0]).toBe(10);
    const failed = run([{ type: 'preview-started' }, { type: 'preview-failed', error: { show: 'banner', title: 'Something went wrong', message: 'boom' } }], ready);
    expect(failed).toMatchObject({ phase: 'ready', preview: null, error: { title: 'Something went wrong', message: 'boom' } });
    const fixed = run([{ type: 'preview-started' }, { type: 'preview-result', image: image(4, 20), channelsKept: [5], warnings: [], final: true }], failed);
    expect(fixed).toMatchObject({ phase: 'ready', error: null, preview: { channelsKept: [5] } });
    expect(fixed.preview?.image.data[0]).toBe(20);
  });

  it('keeps the preview for an overtaken request (Cancelled shows nothing)', () => {
    const overtaken = run([{ type: 'preview-started' }, { type: 'preview-failed', error: { show: 'nothing' } }], ready);
    expect(overtaken.preview?.image.data[0]).toBe(10);
    expect(overtaken.error).toBeNull();
  });
});
