import { describe, expect, it } from 'vitest';
import { graphBackendsNote } from '../../ui/graph-backends-note';

describe('graphBackendsNote', () => {
  it('names the int8 face encoder that runs on the CPU while the engine runs on WebGPU', () => {
    expect(graphBackendsNote({ backend: 'webgpu', sessionBackends: { encoder: 'wasm', affine: 'webgpu', 'synthesisPreview:64': 'webgpu' } })).toBe('Face encoder: CPU (int8, faster there)');
  });

  it('lists every graph on the CPU in one line, in the order they opened', () => {
    expect(graphBackendsNote({ backend: 'webgpu', sessionBackends: { encoder: 'wasm', 'mapper:smile': 'wasm', synthesis: 'webgpu' } })).toBe('Face encoder, Mapper “smile”: CPU (int8, faster there)');
  });

  it('says nothing when every opened graph runs on the engine’s backend, or none has opened', () => {
    expect(graphBackendsNote({ backend: 'webgpu', sessionBackends: { encoder: 'webgpu', affine: 'webgpu' } })).toBeNull();
    expect(graphBackendsNote({ backend: 'wasm', sessionBackends: { encoder: 'wasm', 'synthesisPreview:32': 'wasm' } })).toBeNull();
    expect(graphBackendsNote({ backend: 'webgpu', sessionBackends: {} })).toBeNull();
  });

  it('names graphs left on the GPU after the engine moved to the CPU', () => {
    expect(graphBackendsNote({ backend: 'wasm', sessionBackends: { 'synthesisPreview:32': 'webgpu', encoder: 'wasm' } })).toBe('Preview (32 px): GPU (opened before the engine moved to the CPU)');
  });
});
