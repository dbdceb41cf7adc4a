// The one check of an edit stack, used by the panel (before it renders), the engine (before it runs) and the
// recipe reader (before a stored recipe is trusted), so all three refuse the same things in the same words.
// Edits may come from anywhere (a message, a recipe, a command line), so every field is checked as unknown.
import {
  ALPHA_LIMIT, BETA_RANGE, EDIT_KINDS, MAPPER_STRENGTH_LIMIT, MAX_EDITS, MAX_TEXT_LENGTH, type EditStack,
} from './edit-spec';

export type EditProblemCode =
  | 'too-many-edits'
  | 'not-an-edit'
  | 'unknown-kind'
  | 'target-empty'
  | 'neutral-empty'
  | 'text-too-long'
  | 'alpha-invalid'
  | 'beta-invalid'
  | 'strength-invalid'
  | 'mapper-unknown';

export interface EditProblem {
  code: EditProblemCode;
  /** Position of the edit in the stack, or null for the stack as a whole. */
  edit: number | null;
  /** The one-line message every context shows. */
  message: string;
}

/** What the checks need to know of the loaded pack: its id and mapper names. */
export interface PackFacts {
  id: string;
  mappers: readonly { name: string }[];
}

/**
 * Everything wrong with `edits`, in stack order; empty when they can run. An empty stack is valid (it renders
 * the inverted face as it is). `pack` adds the checks that need
 * the pack (mapper names); without it they are skipped (the main thread reads recipes without a pack).
 */
export function problemsOf(edits: EditStack | unknown, pack: PackFacts | null): EditProblem[] {
  if (!Array.isArray(edits)) return [{ code: 'not-an-edit', edit: null, message: 'The edits are not a list.' }];
  if (edits.length > MAX_EDITS) return [{ code: 'too-many-edits', edit: null, message: `${edits.length} edits are stacked; at most ${MAX_EDITS} can be.` }];
  const problems: EditProblem[] = [];
  edits.forEach((edit: unknown, index) => {
    const where = edits.length > 1 ? `Edit ${index + 1}: ` : '';
    const problem = (code: EditProblemCode, message: string) => problems.push({ code, edit: index, message: where + message });
    if (typeof edit !== 'object' || edit === null) return problem('not-an-edit', 'this is not an edit.');
    const e = edit as Record<string, unknown>;
    if (e.kind === 'global') {
      checkText(e.target, 'target-empty', 'The prompt is empty: describe the face you want, e.g. “smiling face”.', 'prompt', problem);
      checkText(e.neutral, 'neutral-empty', 'The neutral text is empty: describe the face as it is now, e.g. “face”.', 'neutral text', problem);
      if (!inRange(e.alpha, -ALPHA_LIMIT, ALPHA_LIMIT)) problem('alpha-invalid', `α must be a number from −${ALPHA_LIMIT} to ${ALPHA_LIMIT}, got ${shown(e.alpha)}. Typical values are −10 to 10.`);
      if (!inRange(e.beta, BETA_RANGE.min, BETA_RANGE.max)) problem('beta-invalid', `β must be a number from ${BETA_RANGE.min} to ${BETA_RANGE.max}, got ${shown(e.beta)}. Typical values are 0.08 to 0.30.`);
    } else if (e.kind === 'mapper') {
      const names = pack?.mappers.map((m) => m.name) ?? null;
      if (typeof e.mapper !== 'string' || e.mapper === '') problem('mapper-unknown', 'the mapper has no name.');
      else if (names !== null && names.length === 0) problem('mapper-unknown', `pack ${pack!.id} has no latent mappers, so “${e.mapper}” cannot be used.`);
      else if (names !== null && !names.includes(e.mapper)) problem('mapper-unknown', `unknown mapper “${e.mapper}”. Must be one of: ${names.join(', ')}`);
      if (!inRange(e.strength, -MAPPER_STRENGTH_LIMIT, MAPPER_STRENGTH_LIMIT)) {
        problem('strength-invalid', `the mapper strength must be a number from −${MAPPER_STRENGTH_LIMIT} to ${MAPPER_STRENGTH_LIMIT}, got ${shown(e.strength)}. 1 is upstream's edit; 0 leaves the face unchanged.`);
      }
    } else {
      problem('unknown-kind', `unknown kind ${shown(e.kind)}. Must be one of: ${EDIT_KINDS.join(', ')}`);
    }
  });
  return problems;
}

function checkText(value: unknown, code: EditProblemCode, emptyMessage: string, what: string, problem: (code: EditProblemCode, message: string) => void): void {
  if (typeof value !== 'string' || value.trim() === '') problem(code, emptyMessage);
  else if (value.length > MAX_TEXT_LENGTH) {
    problem('text-too-long', `The ${what} is ${value.length} characters long; at most ${MAX_TEXT_LENGTH} are read (CLIP reads about 55 words). Describe the change in a few words.`);
  }
}

/** A finite number within [min, max]: bounded values also stay finite once they become float32. */
function inRange(value: unknown, min: number, max: number): value is number {
  return typeof value === 'number' && Number.isFinite(value) && value >= min && value <= max;
}

function shown(value: unknown): string {
  if (typeof value === 'string') return `“${value.length > 40 ? `${value.slice(0, 39)}…` : value}”`;
  return typeof value === 'number' ? String(value) : value === undefined ? 'nothing' : JSON.stringify(value) ?? String(value);
}
