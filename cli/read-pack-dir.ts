// Pack source for Node (CLI, tests): a pack folder on disk, e.g. models/packs/golden-tiny.
import { readFile } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { loadPack, type LoadedPack, type PackSource } from '../ui/worker/pack/load-pack';
import type { ProgressCallback } from '../contract/progress';

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
    async read(name) {
      try {
        const buffer = await readFile(join(dir, name));
        return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
        throw error;
      }
    },
  };
}
