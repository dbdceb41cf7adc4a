// Type tests of the engine's remote API (spec/style.md §7): what the panel sees through comlink's
// Remote<WorkerEngine> – promises of plain records, typed arrays for pixels and latents, edits as a
// discriminated union.
import type { Remote } from 'comlink';
import { describe, expectTypeOf, it } from 'vitest';
import type { Engine } from '../../ui/worker/engine';
import type { EditSpec, FloatImage, InvertResult, PackSourceSpec, PackSummary, RenderResult, RuntimeReport } from '../../ui/worker/engine-api';
import type { RgbaImage } from '../../ui/worker/image';
import type { WorkerEngine } from '../../ui/worker/worker-engine';

describe('the engine remote API', () => {
  it('starts with init(runtime options) and reports the backend', () => {
    expectTypeOf<Remote<WorkerEngine>['init']>().parameter(0).toEqualTypeOf<Parameters<WorkerEngine['init']>[0]>();
    expectTypeOf<Remote<WorkerEngine>['init']>().returns.resolves.toEqualTypeOf<RuntimeReport>();
    expectTypeOf<{ wasmBinary: ArrayBuffer }>().toMatchTypeOf<NonNullable<Parameters<WorkerEngine['init']>[0]>>();
  });

  it('loads packs from data a Worker can receive', () => {
    expectTypeOf<Remote<WorkerEngine>['loadPack']>().parameter(0).toEqualTypeOf<PackSourceSpec>();
    expectTypeOf<Remote<WorkerEngine>['loadPack']>().returns.resolves.toEqualTypeOf<PackSummary>();
    expectTypeOf<{ kind: 'url'; url: string }>().toMatchTypeOf<PackSourceSpec>();
  });

  it('takes and returns pixels as plain { width, height, data } records', () => {
    expectTypeOf<Remote<WorkerEngine>['invert']>().parameter(0).toEqualTypeOf<RgbaImage>();
    expectTypeOf<Remote<WorkerEngine>['invert']>().returns.resolves.toEqualTypeOf<InvertResult>();
    expectTypeOf<Awaited<ReturnType<Remote<WorkerEngine>['render']>>>().toEqualTypeOf<RenderResult>();
    expectTypeOf<RenderResult['image']['data']>().toEqualTypeOf<Uint8ClampedArray>();
    expectTypeOf<Awaited<ReturnType<Remote<WorkerEngine>['synthesize']>>>().toEqualTypeOf<FloatImage>();
    expectTypeOf<Awaited<ReturnType<Remote<WorkerEngine>['textDirection']>>>().toEqualTypeOf<Float32Array>();
  });

  it('accepts only well-formed edits', () => {
    expectTypeOf<{ kind: 'global'; target: string; neutral: string; alpha: number; beta: number }>().toMatchTypeOf<EditSpec>();
    expectTypeOf<{ kind: 'mapper'; mapper: string; strength: number }>().toMatchTypeOf<EditSpec>();
    expectTypeOf<{ kind: 'mapper'; target: string; alpha: number }>().not.toMatchTypeOf<EditSpec>();
    expectTypeOf<{ kind: 'global'; target: string }>().not.toMatchTypeOf<EditSpec>();
  });

  it('offers the engine methods the panel needs through the worker, with the same parameters', () => {
    type Remoted = 'backend' | 'loadPack' | 'cancelPackLoad' | 'invert' | 'faceFromWPlus' | 'latents' | 'editLatents' | 'synthesize' | 'render' | 'textDirection' | 'checkEdits' | 'stats' | 'dispose';
    expectTypeOf<Remoted>().toMatchTypeOf<keyof WorkerEngine & keyof Engine>();
    expectTypeOf<Parameters<WorkerEngine['render']>>().toEqualTypeOf<Parameters<Engine['render']>>();
    expectTypeOf<Parameters<WorkerEngine['invert']>>().toEqualTypeOf<Parameters<Engine['invert']>>();
    expectTypeOf<Parameters<WorkerEngine['editLatents']>>().toEqualTypeOf<Parameters<Engine['editLatents']>>();
  });
});
