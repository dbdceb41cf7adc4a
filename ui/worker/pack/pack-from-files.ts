// Pack source: a folder the user picked in the browser (<input type="file" webkitdirectory>, or files
// dropped together). Files are matched by name inside the folder that holds pack.json; each file's size is
// checked against pack.json before it is read.
import { EngineError } from '../errors';
import type { ProgressCallback } from '../../../contract/progress';
import { loadPack, type LoadedPack, type PackSource } from './load-pack';
import { PACK_JSON } from './pack-schema';

/** A File, or any Blob carrying the name the browser gave it. */
export interface PackFileLike {
  readonly name: string;
  /** "golden-tiny/mapping.onnx" for files from a folder picker; '' or absent for loose files. */
  readonly webkitRelativePath?: string;
  /** Bytes, known before reading (File.size): checked against pack.json first. */
  readonly size: number;
  arrayBuffer(): Promise<ArrayBuffer>;
}

export async function packFromFiles(
  files: Iterable<PackFileLike> | ArrayLike<PackFileLike>,
  { onProgress }: { onProgress?: ProgressCallback } = {},
): Promise<LoadedPack> {
  return loadPack(filesSource(Array.from(files)), { onProgress });
}

function filesSource(files: readonly PackFileLike[]): PackSource {
  const paths = files.map((file) => ({ file, path: file.webkitRelativePath || file.name }));
  const packJsons = paths.filter(({ path }) => basename(path) === PACK_JSON);
  if (packJsons.length > 1) {
    throw new EngineError(
      'PackInvalid',
      `The chosen folder holds ${packJsons.length} packs (${packJsons.map((p) => p.path).join(', ')}). Choose one pack folder, the one that holds pack.json.`,
    );
  }
  const folder = packJsons.length === 1 ? dirname(packJsons[0].path) : topFolder(paths.map((p) => p.path));
  const byName = new Map<string, PackFileLike>();
  for (const { file, path } of paths) {
    if (dirname(path) === folder) byName.set(basename(path), file);
  }
  const location = folder === '' ? 'the chosen files' : `the chosen folder ${folder}`;
  return {
    location,
    folderName: folder === '' ? undefined : basename(folder),
    hints: {
      reload: 'copy the complete pack folder again, then choose it again',
      shortFile: 'The file was cut short (an interrupted download or copy)',
      missingFile: 'Choose the complete pack folder: every file pack.json lists must be in it.',
      missingPackJson: 'Choose the pack folder itself, the one that holds pack.json.',
    },
    where: (name) => (folder === '' ? name : `${folder}/${name}`),
    async read(name, { maxBytes, oversize }) {
      const file = byName.get(name);
      if (file === undefined) return null;
      if (!(file.size <= maxBytes)) throw oversize(Number.isFinite(file.size) ? file.size : null);
      const bytes = new Uint8Array(await file.arrayBuffer());
      if (bytes.byteLength > maxBytes) throw oversize(bytes.byteLength); // a Blob whose size changed
      return bytes;
    },
  };
}

function basename(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}

function dirname(path: string): string {
  const slash = path.lastIndexOf('/');
  return slash < 0 ? '' : path.slice(0, slash);
}

/** Without pack.json, name the folder the files came from (for the "pack.json is missing" message). */
function topFolder(paths: readonly string[]): string {
  const dirs = new Set(paths.map(dirname));
  return dirs.size === 1 ? [...dirs][0] : '';
}
