// A file on the command line that cannot be used as asked (--out's folder is missing, a path is a
// directory, permission is denied): printed as one line without a stack trace, exit status 1, like an
// EngineError. Problems with the input image are EngineError ImageInvalid instead, as in the panel.
export class FileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FileError';
  }
}
