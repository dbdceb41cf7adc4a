// Every message from the panel is untrusted: checked field by field before the main thread acts on it. A
// message that fails is answered (when it can be) and never touches the document.
import { parseEditRecipe } from '../contract/recipe';
import { MAX_IMAGE_SIDE } from '../contract/limits';
import type { ToPlugin } from './protocol';

/** Longest request or node id accepted (the panel makes ids like "target-12"; Figma's look like "I1:2;3:4"). */
const MAX_ID_LENGTH = 200;
/** Longest notification or item error the panel may send (figma.notify shows one line). */
const MAX_TEXT_LENGTH = 2000;
/** Longest pack URL remembered in figma.clientStorage. */
const MAX_URL_LENGTH = 2048;
/** A PNG of MAX_IMAGE_SIDE² RGBA stored uncompressed is 64 MiB plus headers; nothing larger is an image we made. */
const MAX_RESULT_BYTES = MAX_IMAGE_SIDE * MAX_IMAGE_SIDE * 4 + (1 << 20);

/** Why a panel message was refused (`refused`, not `error`: NOTIFY messages have an `error` flag). */
export type PanelMessageError = { refused: string };

/** The message as a ToPlugin, or why it is not one. */
export function parsePanelMessage(raw: unknown): ToPlugin | PanelMessageError {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return { refused: 'the panel sent something that is not a message' };
  const m = raw as Record<string, unknown>;
  const bad = (field: string, what: string): PanelMessageError => ({ refused: `the panel's ${String(m.type)} message has ${field} that is not ${what}` });
  const id = (field: string) => isString(m[field], MAX_ID_LENGTH) || bad(`a ${field}`, 'an id');
  const index = () => (Number.isInteger(m.index) && (m.index as number) >= 0) || bad('an index', 'an integer ≥ 0');
  const checks = (...results: Array<true | PanelMessageError>): PanelMessageError | null => results.find((r): r is PanelMessageError => r !== true) ?? null;
  let problem: PanelMessageError | null;
  switch (m.type) {
    case 'UI_READY':
    case 'CLOSE_PLUGIN':
      return { type: m.type };
    case 'REQUEST_TARGET':
      problem = checks(id('requestId'), index());
      return problem ?? { type: m.type, requestId: m.requestId as string, index: m.index as number };
    case 'START_BATCH':
    case 'CANCEL_BATCH':
      problem = checks(id('requestId'));
      return problem ?? { type: m.type, requestId: m.requestId as string };
    case 'APPLY_RESULT': {
      problem = checks(id('requestId'), index(), id('nodeId'),
        (m.bytes instanceof Uint8Array && m.bytes.length > 0 && m.bytes.length <= MAX_RESULT_BYTES) || bad('bytes', `an image of at most ${MAX_RESULT_BYTES} bytes`),
        isSide(m.width) || bad('a width', 'a positive integer'), isSide(m.height) || bad('a height', 'a positive integer'));
      if (problem !== null) return problem;
      const recipe = parseEditRecipe(m.recipe);
      if ('error' in recipe) return { refused: `the panel's recipe is not usable: ${recipe.error}` };
      return { type: m.type, requestId: m.requestId as string, index: m.index as number, nodeId: m.nodeId as string, bytes: m.bytes as Uint8Array, width: m.width as number, height: m.height as number, recipe };
    }
    case 'ITEM_FAILED':
      problem = checks(id('requestId'), index(), id('nodeId'), isString(m.message, MAX_TEXT_LENGTH) || bad('a message', 'text'));
      return problem ?? { type: m.type, requestId: m.requestId as string, index: m.index as number, nodeId: m.nodeId as string, message: m.message as string };
    case 'REMEMBER_PACK_URL':
      return isPackUrl(m.url) ? { type: m.type, url: m.url } : bad('a url', `an http(s) URL of at most ${MAX_URL_LENGTH} characters`);
    case 'NOTIFY':
      problem = checks(isString(m.message, MAX_TEXT_LENGTH) || bad('a message', 'text'), typeof m.error === 'boolean' || bad('an error flag', 'true or false'));
      return problem ?? { type: m.type, message: m.message as string, error: m.error as boolean };
    default:
      return { refused: `the panel sent a message of unknown type ${JSON.stringify(m.type) ?? String(m.type)}` };
  }
}

function isString(value: unknown, maxLength: number): value is string {
  return typeof value === 'string' && value !== '' && value.length <= maxLength;
}

/** A pixel size; figma.createImage refuses sides over MAX_IMAGE_SIDE itself, with its own message. */
function isSide(value: unknown): boolean {
  return Number.isInteger(value) && (value as number) >= 1;
}

/** For a refused APPLY_RESULT whose ids are readable: the APPLY_FAILED that tells the panel, else null. */
export function applyFailedFor(raw: unknown, error: string): { requestId: string; index: number; message: string } | null {
  if (typeof raw !== 'object' || raw === null) return null;
  const m = raw as Record<string, unknown>;
  if (m.type !== 'APPLY_RESULT' || !isString(m.requestId, MAX_ID_LENGTH) || !Number.isInteger(m.index)) return null;
  return { requestId: m.requestId, index: m.index as number, message: `The result was not written: ${endSentence(error)}` };
}

/** An absolute http(s) URL (the panel normalises what the user typed before it asks to remember it). */
function isPackUrl(value: unknown): value is string {
  return typeof value === 'string' && value.length <= MAX_URL_LENGTH && /^https?:\/\/[^\s/?#]+[^\s]*$/i.test(value);
}

/** `text` ending in one full stop (refusal reasons may quote a contract message that has its own). */
export function endSentence(text: string): string {
  return /[.!?]$/.test(text) ? text : `${text}.`;
}
