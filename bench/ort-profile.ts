// Where one graph run's time goes, per node type. onnxruntime-web's profiler (session option
// enableProfiling) prints one JSON event per executed node on stdout when the session ends profiling;
// there is no API that returns them, so the Node child captures stdout around endProfiling().

export interface ProfileEvent {
  cat: string;
  name: string;
  ts: number; // µs
  dur: number; // µs
  args?: { op_name?: string; input_type_shape?: Record<string, number[]>[]; output_type_shape?: Record<string, number[]>[] };
}

export interface OpTypeTime {
  op: string;
  ms: number;
  share: number;
  nodes: number;
}

export interface SlowNode {
  node: string;
  op: string;
  ms: number;
  input: number[] | null;
  output: number[] | null;
}

export interface RunProfile {
  /** The profiled run's kernel time, summed over nodes. */
  kernelMs: number;
  byOp: OpTypeTime[];
  slowest: SlowNode[];
}

/** The JSON events in ORT's profiler output (one per line, after a "[" line, each followed by ","). */
export function parseProfileEvents(text: string): ProfileEvent[] {
  const events: ProfileEvent[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.trim().replace(/,$/, '');
    if (!line.startsWith('{') || !line.includes('"cat"')) continue;
    events.push(JSON.parse(line) as ProfileEvent);
  }
  return events;
}

/**
 * Per-op-type time of the last `model_run` in `events` (earlier runs are warm-ups: the first run of a
 * session grows ORT's memory arena), and its `slowestCount` slowest nodes with their shapes.
 */
export function summariseLastRun(events: ProfileEvent[], slowestCount = 12): RunProfile {
  const runs = events.filter((e) => e.cat === 'Session' && e.name === 'model_run');
  const last = runs[runs.length - 1];
  if (last === undefined) throw new Error('the profile holds no model_run event');
  const kernels = events.filter((e) => e.cat === 'Node' && e.name.endsWith('_kernel_time') && e.ts >= last.ts && e.ts <= last.ts + last.dur);
  const byOp = new Map<string, { us: number; nodes: number }>();
  for (const e of kernels) {
    const op = e.args?.op_name ?? 'unknown';
    const entry = byOp.get(op) ?? { us: 0, nodes: 0 };
    entry.us += e.dur;
    entry.nodes += 1;
    byOp.set(op, entry);
  }
  const totalUs = kernels.reduce((sum, e) => sum + e.dur, 0);
  const firstShape = (shapes: Record<string, number[]>[] | undefined) => (shapes?.[0] ? (Object.values(shapes[0])[0] ?? null) : null);
  return {
    kernelMs: totalUs / 1000,
    byOp: [...byOp].map(([op, { us, nodes }]) => ({ op, ms: us / 1000, share: totalUs > 0 ? us / totalUs : 0, nodes })).sort((a, b) => b.ms - a.ms),
    slowest: [...kernels].sort((a, b) => b.dur - a.dur).slice(0, slowestCount).map((e) => ({
      node: e.name.replace(/_kernel_time$/, ''), op: e.args?.op_name ?? 'unknown', ms: e.dur / 1000,
      input: firstShape(e.args?.input_type_shape), output: firstShape(e.args?.output_type_shape),
    })),
  };
}
