// A pack folder named on the command line (pack verify <dir>, --pack <dir>). The path of the pack's pack.json
// means its folder, as users copy it from a file manager; another file is refused in one line.
import { statSync } from 'node:fs';
import { basename, dirname } from 'node:path';
import { PACK_JSON } from '../ui/worker/pack/pack-schema';
import { FileError } from './file-error';
import { fileTypeName } from './read-regular-file';

export function packDirArg(path: string): string {
  let stats;
  try {
    stats = statSync(path);
  } catch {
    // Missing or unreadable: the pack loader says which file it looked for.
    return basename(path) === PACK_JSON ? dirname(path) : path;
  }
  if (stats.isDirectory()) return path;
  if (basename(path) === PACK_JSON && stats.isFile()) return dirname(path);
  throw new FileError(`${path} is ${fileTypeName(stats)}, not a pack folder. Give the folder that holds ${PACK_JSON} (e.g. models/packs/golden-tiny).`);
}
