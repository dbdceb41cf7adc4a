// The partial state of a `pack relevance` run, so an interrupted run resumes where it stopped and ends with
// the same bytes as an uninterrupted one: the float64 per-channel sums after `imagesDone` whole images, and
// a key of everything that decides them (pack graphs and statistics, options). A checkpoint whose key
// differs is ignored, never mixed in.

export const CHECKPOINT_FORMAT = 'facetext-relevance-partial/1';

/** Where checkpoints live: a file beside the pack in Node, anything else elsewhere. */
export interface CheckpointStore {
  /** The saved bytes, or null when there is no checkpoint. */
  read(): Promise<Uint8Array | null>;
  /** Replaces the checkpoint (atomically where the host can). */
  write(bytes: Uint8Array): Promise<void>;
  remove(): Promise<void>;
}

export interface RelevanceCheckpoint {
  /** JSON of everything the result depends on. */
  readonly key: string;
  readonly imagesDone: number;
  /** Σ over the images done of the unit difference per conv channel, [rows, dims]. */
  readonly sums: Float64Array;
}

export function encodeCheckpoint({ key, imagesDone, sums }: RelevanceCheckpoint): Uint8Array {
  const bytes = new Uint8Array(sums.buffer, sums.byteOffset, sums.byteLength);
  const json = { format: CHECKPOINT_FORMAT, key, imagesDone, sums: toBase64(bytes) };
  return new TextEncoder().encode(JSON.stringify(json));
}

/** The checkpoint, or a sentence saying why it cannot be used. */
export function decodeCheckpoint(bytes: Uint8Array, { key, length }: { key: string; length: number }): RelevanceCheckpoint | string {
  let json: { format?: unknown; key?: unknown; imagesDone?: unknown; sums?: unknown };
  try {
    json = JSON.parse(new TextDecoder().decode(bytes));
  } catch {
    return 'it is not valid JSON (a write was cut short)';
  }
  if (json.format !== CHECKPOINT_FORMAT) return `its format is ${JSON.stringify(json.format)}, not ${CHECKPOINT_FORMAT}`;
  if (json.key !== key) return 'it was made with other options or another version of the pack';
  if (typeof json.imagesDone !== 'number' || !Number.isInteger(json.imagesDone) || json.imagesDone < 0) return 'its image count is not a whole number';
  if (typeof json.sums !== 'string') return 'it holds no sums';
  const raw = fromBase64(json.sums);
  if (raw.byteLength !== length * 8) return `it holds ${raw.byteLength / 8} sums, not ${length}`;
  const sums = new Float64Array(length);
  new Uint8Array(sums.buffer).set(raw);
  return { key, imagesDone: json.imagesDone, sums };
}

function toBase64(bytes: Uint8Array): string {
  let binary = '';
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(binary);
}

function fromBase64(text: string): Uint8Array {
  let binary: string;
  try {
    binary = atob(text);
  } catch {
    return new Uint8Array(0);
  }
  return Uint8Array.from(binary, (c) => c.charCodeAt(0));
}
