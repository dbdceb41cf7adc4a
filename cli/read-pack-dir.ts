// Pack source for Node (CLI, tests): a pack folder on disk, e.g. models/packs/golden-tiny. Reads are bounded
// before they start: a file must be a plain file inside the folder (no symbolic link, FIFO, device or
// folder), no larger than pack.json says, and is read no further than that.
import { constants } from 'node:fs';
import { lstat, open } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import type { ProgressCallback } from '../contract/progress';
import { EngineError } from '../ui/worker/errors';
import { loadPack, type LoadedPack, type PackSource, type ReadOptions } from '../ui/worker/pack/load-pack';

export async function packFromDirectory(dir: string, { onProgress }: { onProgress?: ProgressCallback } = {}): Promise<LoadedPack> {
  return loadPack(directorySource(resolve(dir)), { onProgress });
}

function directorySource(dir: string): PackSource {
  return {
    location: dir,
    folderName: basename(dir),
    hints: {
      reload: 'copy the complete pack folder again, or export it again (python3 -m models.export)',
      shortFile: 'The file was cut short (an interrupted copy or download)',
      missingFile: 'Copy the complete pack folder again, or export it again (python3 -m models.export).',
      missingPackJson: 'Give the pack folder itself, the one that holds pack.json (e.g. models/packs/golden-tiny).',
    },
    where: (name) => join(dir, name),
    read: (name, options) => readBounded(join(dir, name), name, options),
  };
}

async function readBounded(path: string, name: string, { maxBytes, oversize }: ReadOptions): Promise<Uint8Array | null> {
  try {
    const info = await lstat(path);
    if (!info.isFile()) throw notPlain(name, info.isSymbolicLink() ? 'a symbolic link' : info.isDirectory() ? 'a folder' : 'not a plain file (a pipe, socket or device)');
    if (info.size > maxBytes) throw oversize(info.size);
    // O_NOFOLLOW and O_NONBLOCK: a file swapped for a link or a FIFO after the lstat neither follows nor hangs.
    const handle = await open(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
    try {
      if (!(await handle.stat()).isFile()) throw notPlain(name, 'not a plain file');
      const buffer = new Uint8Array(Math.min(info.size, maxBytes) + 1); // one byte more: notices a file that grew
      let filled = 0;
      while (filled < buffer.byteLength) {
        const { bytesRead } = await handle.read(buffer, filled, buffer.byteLength - filled, filled);
        if (bytesRead === 0) break;
        filled += bytesRead;
      }
      if (filled > maxBytes) throw oversize(null);
      return buffer.subarray(0, filled);
    } finally {
      await handle.close();
    }
  } catch (error) {
    if (error instanceof EngineError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return null;
    throw new EngineError('PackFileMissing', `${name} cannot be read (${code ?? 'error'}: ${(error as Error).message.replace(/^[A-Z]+: /, '')}). Check the pack folder's permissions, or copy it again.`);
  }
}

function notPlain(name: string, what: string): EngineError {
  return new EngineError('PackFileCorrupt', `${name} is ${what}; a pack's files must be plain files inside the pack folder. Copy the real file into the folder.`);
}
