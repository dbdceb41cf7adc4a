// Engine defaults and ranges, with where each number comes from (spec/styleclip.md §1.5).

/** Global-direction strength α: upstream UI default (TF and torch Colab notebooks, Replicate cog_predict.py). */
export const DEFAULT_ALPHA = 4.1;
/** α slider range of the notebooks and cog_predict.py; α is in std units of the most relevant channel. */
export const ALPHA_MIN = -10;
export const ALPHA_MAX = 10;
/** Notebook slider step for α. */
export const ALPHA_STEP = 0.1;

/** Disentanglement threshold β: upstream UI default (notebooks, cog_predict.py). */
export const DEFAULT_BETA = 0.15;
/** β slider range of the notebooks and cog_predict.py. */
export const BETA_UI_MIN = 0.08;
export const BETA_UI_MAX = 0.3;
/** Notebook slider step for β. */
export const BETA_STEP = 0.01;
/** The engine API accepts any β ≥ 0 (STIT's presets go down to 0.01); above every |relevance| it throws BetaTooHigh. */
export const BETA_MIN = 0;

/**
 * Neutral text of a free prompt. Upstream writes class names without an article ('face', 'smiling face':
 * the torch/TF notebooks' examples, the golden pairs) because every prompt template already has one
 * ("a photo of a {}."); 'a face' would give "a photo of a a face.".
 */
export const DEFAULT_NEUTRAL = 'face';

/** Latent-mapper strength: 1 = upstream's w + 0.1·M(w) (our own scaling knob, StyleCLIP issue #81). */
export const DEFAULT_MAPPER_STRENGTH = 1;
