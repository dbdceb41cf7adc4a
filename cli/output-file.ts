// The --out file of `facetext edit`: checked before the run (its folder exists and can be written, it is not
// a directory or a device, it is not the --image file under any name), then written all at once (a
// temporary file beside it, renamed over it), so a failed write never leaves half a PNG.
import { accessSync, constants, renameSync, rmSync, statSync, writeFileSync, type Stats } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { FileError } from './file-error';
import { fileTypeName, systemMessage } from './read-regular-file';

/** Refuses an --out that cannot be written, or that is the input image itself; nothing is written yet. */
export function checkOutputFile(out: string, { image }: { image: string }): void {
  const path = resolve(out);
  const folder = dirname(path);
  const folderStats = statOr(folder);
  if (folderStats === null) throw new FileError(`--out ${out}: the folder ${folder} does not exist. Create it first or write somewhere else.`);
  if (!folderStats.isDirectory()) throw new FileError(`--out ${out}: ${folder} is ${fileTypeName(folderStats)}, not a folder.`);
  try {
    accessSync(folder, constants.W_OK | constants.X_OK);
  } catch (error) {
    throw new FileError(`--out ${out}: the folder ${folder} cannot be written (${systemMessage(error)}). Write somewhere else.`);
  }
  const existing = statOr(path);
  const input = statOrNull(resolve(image)); // an image that cannot be examined is reported when it is read
  // The same path, or the same file under another name (a symbolic or hard link).
  if (path === resolve(image) || (existing !== null && input !== null && input.dev === existing.dev && input.ino === existing.ino)) {
    throw new FileError(`--out ${out} is the --image file; the original is never overwritten. Give another --out path.`);
  }
  if (existing === null) return;
  if (!existing.isFile()) throw new FileError(`--out ${out} is ${fileTypeName(existing)}; give the path of a PNG file to write.`);
  try {
    accessSync(path, constants.W_OK);
  } catch (error) {
    throw new FileError(`--out ${out} cannot be replaced (${systemMessage(error)}). Write somewhere else.`);
  }
}

/** Writes `bytes` to `out` through a temporary file in the same folder. */
export function writeOutputFile(out: string, bytes: Uint8Array): void {
  const path = resolve(out);
  const temporary = join(dirname(path), `.${basename(path)}.writing-${process.pid}`);
  try {
    writeFileSync(temporary, bytes, { flag: 'wx' });
    renameSync(temporary, path);
  } catch (error) {
    rmSync(temporary, { force: true });
    throw new FileError(`--out ${out} could not be written: ${systemMessage(error)}.`);
  }
}

function statOrNull(path: string): Stats | null {
  try {
    return statSync(path);
  } catch {
    return null;
  }
}

function statOr(path: string): Stats | null {
  try {
    return statSync(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return null;
    throw new FileError(`${path} cannot be examined: ${systemMessage(error)}.`);
  }
}
