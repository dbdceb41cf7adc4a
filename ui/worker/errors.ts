// Errors a user can cause (bad pack, no face, β too high, …). comlink keeps only name/message/stack,
// so callers switch on `name`, never on instanceof.
export type EngineErrorKind =
  | 'PackInvalid' // pack.json missing a field or holding a wrong value
  | 'PackFileMissing'
  | 'PackFileCorrupt' // wrong size or sha256
  | 'PackUnreachable' // a pack URL that fails: network error or an HTTP status other than 404/410
  | 'GraphInvalid' // an ONNX graph whose inputs/outputs break the contract
  | 'BetaTooHigh' // no channel passes the disentanglement threshold
  | 'NoFace'
  | 'FaceTooSmall'
  | 'ImageInvalid' // corrupt, unsupported or unusable image
  | 'BadArgument' // a value outside its documented range
  | 'Cancelled';

export class EngineError extends Error {
  constructor(
    readonly kind: EngineErrorKind,
    message: string,
  ) {
    super(message);
    this.name = kind;
  }
}

export function isEngineError(error: unknown, kind?: EngineErrorKind): error is Error {
  return error instanceof Error && (kind === undefined ? isKind(error.name) : error.name === kind);
}

const KINDS: ReadonlySet<string> = new Set<EngineErrorKind>([
  'PackInvalid', 'PackFileMissing', 'PackFileCorrupt', 'PackUnreachable', 'GraphInvalid', 'BetaTooHigh',
  'NoFace', 'FaceTooSmall', 'ImageInvalid', 'BadArgument', 'Cancelled',
]);

function isKind(name: string): name is EngineErrorKind {
  return KINDS.has(name);
}
