import { describe, expect, it } from 'vitest';
import { createPreviewScheduler } from '../../ui/preview-scheduler';

/** A run() whose calls finish when the test says so. */
function controllableRun() {
  const calls: { request: number; finish: (value: string) => void; fail: (error: unknown) => void }[] = [];
  const run = (request: number) => new Promise<string>((finish, fail) => calls.push({ request, finish, fail }));
  return { run, calls };
}
const tick = () => new Promise((resolve) => setTimeout(resolve, 0));

describe('createPreviewScheduler', () => {
  it('runs at most one render and, when it ends, only the newest waiting request', async () => {
    const { run, calls } = controllableRun();
    const results: [string, number, boolean][] = [];
    const scheduler = createPreviewScheduler({ run, onResult: (result, request, { superseded }) => results.push([result, request, superseded]), onError: () => undefined });
    scheduler.request(1);
    scheduler.request(2);
    scheduler.request(3);
    scheduler.request(4);
    expect(calls.map((c) => c.request)).toEqual([1]);
    calls[0]!.finish('r1');
    await tick();
    expect(calls.map((c) => c.request)).toEqual([1, 4]); // 2 and 3 were dropped, never queued
    expect(scheduler.dropped).toBe(2);
    scheduler.request(5);
    calls[1]!.finish('r4');
    await tick();
    calls[2]!.finish('r5');
    await scheduler.idle();
    expect(calls.map((c) => c.request)).toEqual([1, 4, 5]);
    expect(results).toEqual([['r1', 1, true], ['r4', 4, true], ['r5', 5, false]]); // the last result is the final state
    expect(scheduler.busy).toBe(false);
  });

  it('ignores the in-flight result and drops the waiting request after clear()', async () => {
    const { run, calls } = controllableRun();
    const results: string[] = [];
    const scheduler = createPreviewScheduler({ run, onResult: (result) => results.push(result), onError: () => undefined });
    scheduler.request(1);
    scheduler.request(2);
    scheduler.clear();
    calls[0]!.finish('old face');
    await scheduler.idle();
    expect(results).toEqual([]);
    expect(calls).toHaveLength(1);
    scheduler.request(3);
    calls[1]!.finish('new face');
    await scheduler.idle();
    expect(results).toEqual(['new face']);
  });

  it('reports a failed render and still runs the request that waited behind it', async () => {
    const { run, calls } = controllableRun();
    const errors: [string, number][] = [];
    const results: string[] = [];
    const scheduler = createPreviewScheduler({ run, onResult: (result) => results.push(result), onError: (error, request) => errors.push([(error as Error).name, request]) });
    scheduler.request(1);
    scheduler.request(2);
    const failure = new Error('no channel');
    failure.name = 'BetaTooHigh';
    calls[0]!.fail(failure);
    await tick();
    calls[1]!.finish('r2');
    await scheduler.idle();
    expect(errors).toEqual([['BetaTooHigh', 1]]);
    expect(results).toEqual(['r2']);
  });

  it('settles a burst of 100 slider moves with at most 2 renders each time a render ends', async () => {
    const { run, calls } = controllableRun();
    const rendered: number[] = [];
    const scheduler = createPreviewScheduler({ run: async (request: number) => { await run(request); return request; }, onResult: (result) => rendered.push(result), onError: () => undefined });
    for (let value = 0; value < 100; value++) scheduler.request(value);
    calls[0]!.finish('');
    await tick();
    await tick();
    calls[1]!.finish('');
    await scheduler.idle();
    expect(calls.map((c) => c.request)).toEqual([0, 99]);
    expect(rendered).toEqual([0, 99]);
    expect(scheduler.dropped).toBe(98);
  });
});
