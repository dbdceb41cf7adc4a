// Every progress variant the engine can send has words in the panel, and none of them leaks a graph's name.
import { describe, expect, it } from 'vitest';
import type { Progress, ProgressStage } from '../../contract/progress';
import { durationWords, SHOW_ELAPSED_AFTER_MS, stageView, timeWords } from '../../ui/progress-label';

const EXAMPLES: Array<[string, Progress, string, string | undefined]> = [
  ['download', { stage: 'download', file: 'encoder.onnx', loaded: 10, total: 40 }, 'Downloading encoder.onnx', undefined],
  ['verify', { stage: 'verify', file: 'encoder.onnx', done: 5, total: 9 }, 'Checking encoder.onnx', undefined],
  ['load-graph encoder', { stage: 'load-graph', role: 'encoder' }, 'Loading the face encoder', undefined],
  ['load-graph clipText', { stage: 'load-graph', role: 'clipText' }, 'Loading the text model', undefined],
  ['load-graph clipImage', { stage: 'load-graph', role: 'clipImage' }, 'Loading the image model', undefined],
  ['load-graph synthesis', { stage: 'load-graph', role: 'synthesis' }, 'Loading the generator', undefined],
  ['load-graph preview', { stage: 'load-graph', role: 'synthesisPreview:128' }, 'Loading the 128 px preview generator', undefined],
  ['load-graph affine', { stage: 'load-graph', role: 'affine' }, 'Loading the style layers', undefined],
  ['load-graph mapping', { stage: 'load-graph', role: 'mapping' }, 'Loading the mapping network', undefined],
  ['load-graph mapper', { stage: 'load-graph', role: 'mapper:afro' }, 'Loading the “afro” mapper', undefined],
  ['encode-face', { stage: 'encode-face', step: 1, of: 2 }, 'Encoding the face', '1 of 2'],
  ['map-latent', { stage: 'map-latent', mapper: 'afro', step: 1, of: 3 }, 'Running the “afro” mapper', '1 of 3'],
  ['styles', { stage: 'styles', step: 2, of: 3 }, 'Computing the face’s styles', '2 of 3'],
  ['text-direction', { stage: 'text-direction', neutral: 'face', target: 'smiling face', step: 2, of: 3 }, 'Reading the prompt “smiling face”', '2 of 3'],
  ['render preview', { stage: 'render', size: 128, full: false, step: 3, of: 3 }, 'Rendering the preview (128 px)', '3 of 3'],
  ['render full', { stage: 'render', size: 1024, full: true, step: 3, of: 3 }, 'Rendering at full size', '3 of 3'],
  ['a face of several', { stage: 'render', size: 1024, full: true, step: 6, of: 6, face: { index: 1, count: 2 } }, 'Face 2 of 2: rendering at full size', '6 of 6'],
];

describe('ui/progress-label.ts', () => {
  it.each(EXAMPLES)('words for %s', (_name, progress, label, detail) => {
    const view = stageView(progress);
    expect(view.label).toBe(label);
    expect(view.detail).toBe(detail);
    expect(view.label).not.toMatch(/clipText|clipImage|synthesisPreview|affine|mapper:|infer/);
  });

  it('covers every stage of the progress union', () => {
    const stages: Record<ProgressStage, true> = {
      download: true, verify: true, 'load-graph': true, 'encode-face': true, 'map-latent': true, styles: true, 'text-direction': true, render: true,
    };
    expect(new Set(EXAMPLES.map(([, progress]) => progress.stage))).toEqual(new Set(Object.keys(stages)));
  });

  it('fills the bar by steps for jobs and by bytes for files', () => {
    expect(stageView({ stage: 'styles', step: 2, of: 4 })).toMatchObject({ value: 2, max: 4 });
    expect(stageView({ stage: 'verify', file: 'a', done: 300, total: 1200 })).toMatchObject({ value: 300, max: 1200 });
  });
});

describe('ui/progress-label.ts: elapsed and remaining time (fake clock)', () => {
  const start = 50_000;
  it('says nothing for the first 2 s of a step, then the elapsed time', () => {
    expect(timeWords({ startedAt: start, now: start })).toBeUndefined();
    expect(timeWords({ startedAt: start, now: start + SHOW_ELAPSED_AFTER_MS - 1 })).toBeUndefined();
    expect(timeWords({ startedAt: start, now: start + 2_000 })).toBe('2 s');
    expect(timeWords({ startedAt: start, now: start + 2_001 })).toBe('3 s');
    expect(timeWords({ startedAt: start, now: start + 65_000 })).toBe('1 min 5 s');
  });

  it('estimates the time left from the rate so far where the work is measured (bytes, items)', () => {
    // 40 of 100 bytes in 4 s: 60 more at the same rate take 6 s.
    expect(timeWords({ startedAt: start, now: start + 4_000, done: 40, total: 100 })).toBe('4 s · about 6 s left');
    // 1 of 3 images in 30 s: about a minute left.
    expect(timeWords({ startedAt: start, now: start + 30_000, done: 1, total: 3 })).toBe('30 s · about 1 min left');
    // Too little done to say (under 5 %), nothing left, or nothing measured: the elapsed time only.
    expect(timeWords({ startedAt: start, now: start + 10_000, done: 4, total: 100 })).toBe('10 s');
    expect(timeWords({ startedAt: start, now: start + 10_000, done: 100, total: 100 })).toBe('10 s');
    expect(timeWords({ startedAt: start, now: start + 10_000, done: 0, total: 0 })).toBe('10 s');
  });

  it('words durations in whole seconds, rounded up, and whole minutes past ten', () => {
    expect([100, 1_000, 59_000, 59_500, 60_000, 61_000, 599_000, 600_000, 629_000, 631_000].map(durationWords)).toEqual(['1 s', '1 s', '59 s', '1 min', '1 min', '1 min 1 s', '9 min 59 s', '10 min', '10 min', '11 min']);
  });

  it('marks only byte and item counts as measurable, not a job’s steps', () => {
    expect(stageView({ stage: 'download', file: 'a.onnx', loaded: 1, total: 2 }).measurable).toBe(true);
    expect(stageView({ stage: 'verify', file: 'a.onnx', done: 1, total: 2 }).measurable).toBe(true);
    expect(stageView({ stage: 'load-graph', role: 'encoder' }).measurable).toBe(false);
    expect(stageView({ stage: 'render', size: 1024, full: true, step: 3, of: 3 }).measurable).toBe(false);
  });
});
