// A model pack opened from some source (a URL, a picked folder, a Node directory). Only pack.json is
// read up front; every other file is read when asked for, and its size and sha256 are checked against
// pack.json before its bytes are handed out. Every read is bounded before it starts: a source never holds
// more than the size pack.json gives (MAX_PACK_JSON_BYTES for pack.json itself).
import { EngineError } from '../errors';
import type { ProgressCallback } from '../../../contract/progress';
import { PACK_JSON, parsePack, type Pack, type PackFile } from './pack-schema';
import { packInvalid } from './json-fields';
import { sha256HexPortable } from './sha256';

/** What the user should be told to do when something is wrong, in the source's own terms. */
export interface PackSourceHints {
  /** Imperative clause for a damaged or wrong file: "load the pack again". */
  readonly reload: string;
  /** Why a file can be shorter than pack.json says: "The download was cut short". */
  readonly shortFile: string;
  /** Sentence(s) for a file that is not there at all. */
  readonly missingFile: string;
  /** Sentence(s) for a source without pack.json. */
  readonly missingPackJson: string;
}

/** One small adapter per place packs come from. */
export interface PackSource {
  /** Where the pack lives, for messages: a folder path or a URL. */
  readonly location: string;
  readonly hints: PackSourceHints;
  /** The folder name, when the source has one: pack.json's id must equal it. */
  readonly folderName?: string;
  /**
   * Whether reading a file again costs no download (a disk, a picked folder, a persistent cache). The engine
   * then releases graphs it no longer needs and re-reads them when needed again; over the network it keeps
   * them. Default: false for an http(s) `location`, true otherwise.
   */
  readonly cheapRereads?: boolean;
  /** Where `name` was looked for (a path or URL), for messages. */
  where(name: string): string;
  /**
   * The file's bytes, or null when it does not exist. Never reads or holds more than `maxBytes`: a source
   * that learns the file is larger (its size up front, or more bytes arriving) throws `oversize(size)`
   * instead, with the size when it knows it. `onBytes` may report bytes received so far.
   */
  read(name: string, options: ReadOptions): Promise<Uint8Array | null>;
  /**
   * A persistent copy of verified files (pack-cache.ts), when the source keeps one. `read` may answer from it;
   * `keep` stores a file once it passed its checks; `discard` drops the stored copy of a file that failed them
   * and says whether there was one (then the file is read again from its origin).
   */
  readonly storage?: {
    stored(name: string, sha256: string, bytes: number): Promise<boolean>;
    keep(name: string, sha256: string, bytes: Uint8Array): Promise<void>;
    discard(name: string, sha256: string): Promise<boolean>;
  };
}

export interface ReadOptions {
  maxBytes: number;
  /** The sha256 pack.json gives the file (absent for pack.json itself): what a persistent copy is keyed on. */
  sha256?: string;
  oversize: (bytes: number | null) => EngineError;
  onBytes?: (loaded: number) => void;
}

/** pack.json is tens of kB (a full FFHQ pack's is ~60 kB); anything past this is not one. */
export const MAX_PACK_JSON_BYTES = 16 * 1024 * 1024;

export interface FileCheck {
  readonly file: string;
  readonly bytes: number; // the size pack.json gives
  readonly problem: EngineError | null;
}

export interface LoadedPack {
  readonly pack: Pack;
  /** Where the pack was loaded from (folder path or URL). */
  readonly location: string;
  /** Whether a file can be read again without downloading it (PackSource.cheapRereads). */
  readonly cheapRereads: boolean;
  /** The verified bytes of a file listed in pack.json `files`. Reads it on first use, then caches it until forget(). */
  readFile(name: string): Promise<Uint8Array>;
  /**
   * A verified little-endian float32 file (.f32) as an aligned Float32Array, a new one per call: the bytes are
   * not kept (callers keep the numbers), so each call reads the file again unless readFile cached it.
   */
  readFloat32(name: string): Promise<Float32Array>;
  /** Drops the cached bytes of `name` (its session exists); a later readFile reads and verifies it again. */
  forget(name: string): void;
  /** Reads and checks every file (for `pack verify`); reports each file's problem instead of stopping. */
  verifyAll(onProgress?: ProgressCallback): Promise<FileCheck[]>;
  /** What using the whole pack would download, or null when nothing comes over the network (a folder, a disk). */
  downloadPlan(): Promise<DownloadPlan | null>;
}

/** The bytes pack.json lists, and how many of them are stored on this computer (pack-cache.ts). */
export interface DownloadPlan {
  totalBytes: number;
  storedBytes: number;
  /** Whether verified files are kept for the next run (false in an origin without storage, e.g. Figma's inline panel). */
  persistent: boolean;
}

export interface LoadPackOptions {
  /** Receives `download` events while files arrive from a network source. */
  onProgress?: ProgressCallback;
}

/** Reads and validates pack.json; nothing else is read until asked for. */
export async function loadPack(source: PackSource, { onProgress }: LoadPackOptions = {}): Promise<LoadedPack> {
  const packJson = await source.read(PACK_JSON, {
    maxBytes: MAX_PACK_JSON_BYTES,
    oversize: (bytes) => new EngineError('PackInvalid', `pack.json is ${bytes === null ? 'larger than' : `${formatCount(bytes)} bytes; a pack.json is at most`} ${formatCount(MAX_PACK_JSON_BYTES)} bytes. ${source.hints.missingPackJson}`),
  });
  if (packJson === null) {
    throw new EngineError('PackFileMissing', `pack.json is missing (looked for ${source.where(PACK_JSON)}). ${source.hints.missingPackJson}`);
  }
  const pack = parsePack(parseJson(packJson));
  if (source.folderName !== undefined && source.folderName !== pack.id) {
    throw packInvalid(
      `id is "${pack.id}" but the pack folder is named "${source.folderName}"; they must be equal. Rename the folder to "${pack.id}".`,
    );
  }
  return new VerifyingPack(pack, source, onProgress);
}

class VerifyingPack implements LoadedPack {
  private readonly verified = new Map<string, Promise<Uint8Array>>();
  /** Reads readFloat32 has in flight and does not cache, so concurrent callers share one read. */
  private readonly uncached = new Map<string, Promise<Uint8Array>>();

  constructor(
    readonly pack: Pack,
    private readonly source: PackSource,
    private readonly onProgress: ProgressCallback | undefined,
  ) {}

  get location(): string {
    return this.source.location;
  }

  get cheapRereads(): boolean {
    return this.source.cheapRereads ?? !/^https?:/i.test(this.source.location);
  }

  forget(name: string): void {
    this.verified.delete(name);
  }

  async downloadPlan(): Promise<DownloadPlan | null> {
    if (!/^https?:/i.test(this.source.location)) return null;
    let totalBytes = 0;
    let storedBytes = 0;
    for (const [name, file] of this.pack.files) {
      totalBytes += file.bytes;
      if (await this.source.storage?.stored(name, file.sha256, file.bytes)) storedBytes += file.bytes;
    }
    return { totalBytes, storedBytes, persistent: this.source.storage !== undefined };
  }

  readFile(name: string): Promise<Uint8Array> {
    let bytes = this.verified.get(name);
    if (bytes === undefined) {
      bytes = this.readVerified(name, this.onProgress);
      this.verified.set(name, bytes);
      // A failure is not cached: loading again after fixing the pack must work.
      bytes.catch(() => this.verified.delete(name));
    }
    return bytes;
  }

  async readFloat32(name: string): Promise<Float32Array> {
    let read = this.verified.get(name) ?? this.uncached.get(name);
    if (read === undefined) {
      const pending = this.readVerified(name, this.onProgress);
      read = pending;
      this.uncached.set(name, pending);
      const done = () => void (this.uncached.get(name) === pending && this.uncached.delete(name));
      pending.then(done, done);
    }
    const bytes = await read;
    const values = new Float32Array(bytes.byteLength / 4);
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    for (let i = 0; i < values.length; i++) {
      values[i] = view.getFloat32(i * 4, true);
      // A NaN or infinity here (relevance, S statistics, presets) would turn every edit into a black image.
      if (!Number.isFinite(values[i])) {
        throw new EngineError('PackFileCorrupt', `${name} holds ${values[i]} at value ${formatCount(i)}; every number in it must be finite. The exporter or the pack builders wrote a broken file: ${this.source.hints.reload}.`);
      }
    }
    return values;
  }

  async verifyAll(onProgress?: ProgressCallback): Promise<FileCheck[]> {
    const total = [...this.pack.files.values()].reduce((sum, f) => sum + f.bytes, 0);
    const checks: FileCheck[] = [];
    let done = 0;
    for (const [file, listed] of this.pack.files) {
      let problem: EngineError | null = null;
      try {
        // Already-verified files are not read again; others are checked without keeping their bytes.
        const cached = this.verified.get(file);
        await (cached ?? this.readVerified(file, onProgress));
      } catch (error) {
        if (!(error instanceof EngineError)) throw error;
        problem = error;
      }
      done += listed.bytes;
      checks.push({ file, bytes: listed.bytes, problem });
      onProgress?.({ stage: 'verify', file, done, total });
    }
    return checks;
  }

  private async readVerified(name: string, onProgress: ProgressCallback | undefined): Promise<Uint8Array> {
    const listed = this.pack.files.get(name);
    if (listed === undefined) {
      throw new Error(`readFile: "${name}" is not listed in the files of pack ${this.pack.id}; ask for one of: ${[...this.pack.files.keys()].join(', ')}`);
    }
    const total = listed.bytes;
    let reported = -1;
    const onBytes = onProgress
      ? (loaded: number) => {
          const clamped = Math.min(loaded, total);
          if (clamped <= reported) return; // the stream never goes backwards
          reported = clamped;
          onProgress({ stage: 'download', file: name, loaded: clamped, total });
        }
      : undefined;
    const read = async () => {
      const bytes = await this.source.read(name, {
        maxBytes: total,
        sha256: listed.sha256,
        onBytes,
        oversize: (size) => new EngineError('PackFileCorrupt', `${name} is ${size === null ? 'larger than' : `${formatCount(size)} bytes;`} pack.json says ${formatCount(total)}${size === null ? ' bytes' : ''}. The file does not belong to this pack.json (it is a different version, or damaged): ${this.source.hints.reload}.`),
      });
      if (bytes === null) throw this.missing(name);
      await checkFile(name, bytes, listed, this.pack, this.source.hints);
      return bytes;
    };
    const { storage } = this.source;
    let bytes: Uint8Array;
    try {
      bytes = await read();
    } catch (error) {
      // A stored copy that no longer matches pack.json (changed on disk, cut short) is dropped and fetched again.
      if (!(error instanceof EngineError) || error.kind !== 'PackFileCorrupt' || storage === undefined || !(await storage.discard(name, listed.sha256))) throw error;
      bytes = await read();
    }
    // Storing is best effort: a full quota costs the next run a download, not this run its file.
    await storage?.keep(name, listed.sha256, bytes).catch(() => undefined);
    return bytes;
  }

  private missing(name: string): EngineError {
    const vocabNote =
      name === this.pack.clip.vocab
        ? ' The CLIP vocabulary is not committed to the repository: `npm run build` copies it into the pack from ../shared/clip.'
        : '';
    return new EngineError(
      'PackFileMissing',
      `${name} is missing from pack ${this.pack.id} (looked for ${this.source.where(name)}). ${this.source.hints.missingFile}${vocabNote}`,
    );
  }
}

async function checkFile(name: string, bytes: Uint8Array, listed: PackFile, pack: Pack, hints: PackSourceHints): Promise<void> {
  if (bytes.byteLength !== listed.bytes) {
    const cause =
      bytes.byteLength < listed.bytes
        ? `${hints.shortFile}: ${hints.reload}.`
        : `The file does not belong to this pack.json (it is a different version, or damaged): ${hints.reload}.`;
    throw new EngineError(
      'PackFileCorrupt',
      `${name} is ${formatCount(bytes.byteLength)} bytes; pack.json says ${formatCount(listed.bytes)}. ${cause}`,
    );
  }
  const actual = await sha256Hex(bytes);
  if (actual !== listed.sha256) {
    throw new EngineError(
      'PackFileCorrupt',
      `${name} has sha256 ${actual}; pack.json says ${listed.sha256}. The file is damaged or belongs to another version of pack ${pack.id}: ${hints.reload}.`,
    );
  }
}

export async function sha256Hex(bytes: Uint8Array): Promise<string> {
  // crypto.subtle exists in Workers, browsers (secure contexts) and Node ≥ 19 as globalThis.crypto. A blob:
  // worker in a null-origin frame (Figma's, when its CSP refuses data: workers) is not a secure context.
  if ((globalThis as { crypto?: { subtle?: unknown } }).crypto?.subtle === undefined) return sha256HexPortable(bytes);
  const digest = await crypto.subtle.digest('SHA-256', bytes as Uint8Array<ArrayBuffer>);
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, '0')).join('');
}

/** 48311022 → "48,311,022" (the same in every locale, unlike toLocaleString). */
export function formatCount(n: number): string {
  return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

function parseJson(bytes: Uint8Array): unknown {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new EngineError('PackInvalid', 'pack.json is not UTF-8 text. Export the pack again.');
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new EngineError('PackInvalid', `pack.json is not valid JSON (${(error as Error).message}). Export the pack again.`);
  }
}
