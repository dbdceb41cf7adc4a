// The edit contract: what one edit is, how several stack, and the numbers around them (spec/styleclip.md §1.5,
// §2). The panel, the engine, the CLI and the main thread's recipe reader all use these types and limits.
// No runtime dependencies: this folder compiles with ES2020 alone, so every context can import it.

/** One global-direction edit (spec/styleclip.md §1): s' = s + α·Δs(Δt(neutral → target), β). */
export interface GlobalEditSpec {
  kind: 'global';
  target: string;
  neutral: string;
  alpha: number;
  beta: number;
}

/** One latent-mapper edit (spec/styleclip.md §2): w' = w + strength·0.1·M(w). */
export interface MapperEditSpec {
  kind: 'mapper';
  /** A name from the pack's mappers. */
  mapper: string;
  strength: number;
}

export type EditSpec = GlobalEditSpec | MapperEditSpec;
export type EditKind = EditSpec['kind'];
export const EDIT_KINDS: readonly EditKind[] = ['global', 'mapper'];

/**
 * Edits applied together ("smiling" + "grey hair"): every mapper delta comes from the inverted W+ and they add
 * up on W+; then every global edit adds its α·Δs to S. Order does not change the result.
 */
export type EditStack = readonly EditSpec[];

/** Global-direction strength α: upstream UI default (TF and torch Colab notebooks, Replicate cog_predict.py). */
export const DEFAULT_ALPHA = 4.1;
/** α slider of the notebooks and cog_predict.py; α is in std units of the most relevant channel. */
export const ALPHA_SLIDER = { min: -10, max: 10, step: 0.1 } as const;
/**
 * The largest |α| any caller may ask for. Upstream's Tk GUI goes to 25; far past it S leaves the generator's
 * range and the image is noise. The bound also keeps α·Δs finite in float32.
 */
export const ALPHA_LIMIT = 50;

/** Disentanglement threshold β: upstream UI default (notebooks, cog_predict.py). */
export const DEFAULT_BETA = 0.15;
/** β slider of the notebooks and cog_predict.py. */
export const BETA_SLIDER = { min: 0.08, max: 0.3, step: 0.01 } as const;
/**
 * β is compared with |relevance|, a cosine of unit vectors, so 0 ≤ β ≤ 1 (STIT's presets go down to 0.01).
 * A β above every |relevance| of a prompt gives BetaTooHigh from the engine, with the largest one.
 */
export const BETA_RANGE = { min: 0, max: 1 } as const;

/** Latent-mapper strength: 1 = upstream's w + 0.1·M(w) (our own scaling knob, StyleCLIP issue #81). */
export const DEFAULT_MAPPER_STRENGTH = 1;
/** The mapper strength slider, around upstream's 1. */
export const MAPPER_STRENGTH_SLIDER = { min: 0, max: 2, step: 0.05 } as const;
/** The largest |strength| any caller may ask for: 10 × upstream's edit is far past a usable face. */
export const MAPPER_STRENGTH_LIMIT = 10;

/**
 * Neutral text of a free prompt. Upstream writes class names without an article ('face', 'smiling face':
 * the torch/TF notebooks' examples, the golden pairs) because every prompt template already has one
 * ("a photo of a {}."); 'a face' would give "a photo of a a face.".
 */
export const DEFAULT_NEUTRAL = 'face';

/**
 * Longest prompt or neutral text, in characters. CLIP reads 77 tokens including the template (about 55
 * words), so a longer text only loses its end; the cap also bounds the tokenizer's work on one long word.
 */
export const MAX_TEXT_LENGTH = 300;
/** CLIP reads 77 tokens including start, end and the template words: ~1.3 tokens a word → warn past 55 words. */
export const PROMPT_WARN_WORDS = 55;
/** Edits in one stack. */
export const MAX_EDITS = 8;

/** A global edit with the defaults for what was left out. */
export function globalEdit({ target, neutral = DEFAULT_NEUTRAL, alpha = DEFAULT_ALPHA, beta = DEFAULT_BETA }: { target: string; neutral?: string; alpha?: number; beta?: number }): GlobalEditSpec {
  return { kind: 'global', target, neutral, alpha, beta };
}

/** A mapper edit with upstream's strength unless given. */
export function mapperEdit({ mapper, strength = DEFAULT_MAPPER_STRENGTH }: { mapper: string; strength?: number }): MapperEditSpec {
  return { kind: 'mapper', mapper, strength };
}

/** What a person reads for an edit: the target text, or the mapper's name. */
export function editLabel(edit: EditSpec): string {
  return edit.kind === 'global' ? edit.target : `${edit.mapper} mapper`;
}

/** What a person reads for a stack: "smiling face + face with grey hair". */
export function stackLabel(edits: EditStack): string {
  return edits.map(editLabel).join(' + ');
}
