// Turns what the engine, the codec or the bridge threw into what the panel shows. comlink keeps only
// name/message/stack, so this switches on `name` (spec/style.md §5), never on instanceof.
import type { EngineErrorKind } from './worker/errors';

export type ShownError =
  | { show: 'banner'; title: string; message: string } // the error banner
  | { show: 'beta'; message: string } // the engine's own words, inline under the β slider: not a failure, a setting to change
  | { show: 'nothing' }; // a preview a newer one replaced

const PACK_TITLE = 'The model pack could not be used';

export function describeError(error: unknown): ShownError {
  const name = error instanceof Error || (typeof error === 'object' && error !== null && 'name' in error) ? String((error as { name: unknown }).name) : '';
  const message = messageOf(error);
  switch (name as EngineErrorKind | string) {
    case 'Cancelled':
      return { show: 'nothing' };
    case 'BetaTooHigh':
      return { show: 'beta', message };
    case 'PackInvalid':
    case 'PackFileMissing':
    case 'PackFileCorrupt':
    case 'PackUnreachable':
    case 'GraphInvalid':
      return { show: 'banner', title: PACK_TITLE, message };
    case 'NoFace':
      return { show: 'banner', title: 'No face found', message };
    case 'FaceTooSmall':
      return { show: 'banner', title: 'The face is too small', message };
    case 'ImageInvalid':
      return { show: 'banner', title: 'This image cannot be edited', message };
    case 'BadArgument':
      return { show: 'banner', title: 'Check the settings', message };
    default:
      return { show: 'banner', title: 'Something went wrong', message };
  }
}

export function messageOf(error: unknown): string {
  if (error instanceof Error) return error.message;
  if (typeof error === 'object' && error !== null && typeof (error as { message?: unknown }).message === 'string') return (error as { message: string }).message;
  return String(error);
}
