// Every progress variant the engine can send has words in the panel, and none of them leaks a graph's name.
import { describe, expect, it } from 'vitest';
import type { Progress, ProgressStage } from '../../contract/progress';
import { stageView } from '../../ui/progress-label';

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
