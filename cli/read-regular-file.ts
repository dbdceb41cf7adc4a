// Reads a file the user named on the command line, bounded: its type and size are known before one byte is
// read. Only regular files are read: a directory, a FIFO (which would block), a device such as /dev/zero
// (which never ends) or a socket is refused, also behind a symbolic link. A symbolic link to a regular file
// is read: the user named the file, and links to photos are ordinary (a synced folder, a library alias).
import { closeSync, constants, fstatSync, lstatSync, openSync, readSync, statSync, type Stats } from 'node:fs';
import { EngineError, type EngineErrorKind } from '../ui/worker/errors';

export interface ReadRegularFileOptions {
  /** Largest size read; a larger file is refused before it is opened. */
  maxBytes: number;
  /** The error kind of every refusal. */
  kind: EngineErrorKind;
  /** What the file is for, in the messages ("The image"). */
  what: string;
  /** What to do instead, after "not a regular file." */
  hint?: string;
}

export function readRegularFile(path: string, { maxBytes, kind, what, hint = 'Give the path of a regular file.' }: ReadRegularFileOptions): Uint8Array {
  const fail = (problem: string): never => {
    throw new EngineError(kind, `${what} ${path} ${problem}`);
  };
  const link = statOrFail(() => lstatSync(path), fail);
  const target = link.isSymbolicLink() ? statOrFail(() => statSync(path), fail) : link;
  const linkTo = link.isSymbolicLink() ? 'a symbolic link to ' : '';
  if (!target.isFile()) fail(`is ${linkTo}${fileTypeName(target)}, not a regular file. ${hint}`);
  if (target.size > maxBytes) fail(`is ${formatBytes(target.size)}; at most ${formatBytes(maxBytes)} are read. Export a smaller file.`);

  // O_NONBLOCK: should the path be swapped for a FIFO after the check above, open returns instead of waiting
  // for a writer, and fstat below refuses it.
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOCTTY);
  } catch (error) {
    return fail(`cannot be read: ${systemMessage(error)}.`);
  }
  try {
    const opened = fstatSync(fd);
    if (!opened.isFile() || opened.ino !== target.ino || opened.dev !== target.dev) fail('changed while it was being opened; try again.');
    const size = opened.size;
    if (size > maxBytes) fail(`is ${formatBytes(size)}; at most ${formatBytes(maxBytes)} are read. Export a smaller file.`);
    const bytes = new Uint8Array(size);
    let done = 0;
    while (done < size) {
      let n: number;
      try {
        n = readSync(fd, bytes, done, size - done, done);
      } catch (error) {
        return fail(`cannot be read: ${systemMessage(error)}.`);
      }
      if (n === 0) break; // shrank while being read: what was there is checked by the decoder
      done += n;
    }
    return done === size ? bytes : bytes.subarray(0, done);
  } finally {
    closeSync(fd);
  }
}

function statOrFail(stat: () => Stats, fail: (problem: string) => never): Stats {
  try {
    return stat();
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return fail('does not exist (ENOENT). Check the path.');
    if (code === 'ELOOP') return fail('is a loop of symbolic links (ELOOP).');
    return fail(`cannot be read: ${systemMessage(error)}.`);
  }
}

/** "a directory", "a named pipe (FIFO)", … for a message. */
export function fileTypeName(stats: Stats): string {
  if (stats.isDirectory()) return 'a directory';
  if (stats.isFIFO()) return 'a named pipe (FIFO)';
  if (stats.isCharacterDevice()) return 'a character device';
  if (stats.isBlockDevice()) return 'a block device';
  if (stats.isSocket()) return 'a socket';
  if (stats.isSymbolicLink()) return 'a symbolic link';
  return 'a regular file';
}

/** An fs error as one line: "EACCES: permission denied" (Node's message without the path it repeats). */
export function systemMessage(error: unknown): string {
  const e = error as NodeJS.ErrnoException;
  const message = e.message ?? String(error);
  return message.replace(/, \w+ '.*'$/s, '');
}

export function formatBytes(bytes: number): string {
  if (bytes >= 2 ** 30) return `${(bytes / 2 ** 30).toFixed(1)} GiB`;
  if (bytes >= 2 ** 20) return `${(bytes / 2 ** 20).toFixed(1)} MiB`;
  return `${bytes.toLocaleString('en-US')} bytes`;
}
