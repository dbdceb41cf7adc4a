// StyleCLIP global directions (spec/styleclip.md §1.2; upstream GetBoundary + SplitS + MSCode):
//   r = relevance · Δt                      relevanceScores   (once per prompt; the caller caches it)
//   zero |r| < β, divide by max|r|          thresholdScores   (again when β changes)
//   × the S std of each conv channel        deltaSFromScores  (ToRGB channels stay 0)
//   s' = s + Σ αᵢ·Δsᵢ                       applyDeltaS       (again when α changes; Δs is reused)
// Arithmetic mirrors upstream's float32 numpy: every stored value is rounded to float32.
import { EngineError } from '../errors';
import { styleLayout, type StyleLayerLayout } from './style-layout';

export interface RelevanceScoresOptions {
  /** fs3: one unit row per conv S channel (forward order), row-major rows × dims. */
  relevance: Float32Array;
  /** CLIP embedding size D. */
  dims: number;
  /** Unit text direction Δt, length dims. */
  deltaT: Float32Array;
}

/** r = relevance · Δt: the cosine between each conv channel's image-space direction and Δt. */
export function relevanceScores({ relevance, dims, deltaT }: RelevanceScoresOptions): Float32Array {
  if (!Number.isInteger(dims) || dims < 1) throw new Error(`\`dims\` must be a positive integer, got ${dims}`);
  if (deltaT.length !== dims) throw new Error(`\`deltaT\` has ${deltaT.length} values; \`dims\` is ${dims}`);
  if (relevance.length % dims !== 0) throw new Error(`\`relevance\` has ${relevance.length} values, not a multiple of \`dims\` (${dims})`);
  for (let d = 0; d < dims; d++) {
    if (!Number.isFinite(deltaT[d])) throw new Error(`\`deltaT[${d}]\` is ${deltaT[d]}; a text direction must be finite`);
  }
  const rows = relevance.length / dims;
  const scores = new Float32Array(rows);
  for (let r = 0; r < rows; r++) {
    let sum = 0;
    const base = r * dims;
    for (let d = 0; d < dims; d++) sum += relevance[base + d] * deltaT[d];
    scores[r] = sum;
  }
  return scores;
}

export interface ThresholdedScores {
  /** r with |r| < β zeroed, divided by max|r| (upstream ds_imp before the std scaling); largest |value| is 1. */
  direction: Float32Array;
  /** Channels with |r| ≥ β (upstream num_c). */
  channelsKept: number;
}

/** Keeps the channels whose |r| reaches β and scales them so the largest is ±1. */
export function thresholdScores(scores: Float32Array, beta: number): ThresholdedScores {
  checkBeta(beta);
  // Upstream compares a float32 array with a Python float, which numpy does in float32.
  const threshold = Math.fround(beta);
  let largest = 0;
  let channelsKept = 0;
  for (let i = 0; i < scores.length; i++) {
    const magnitude = Math.abs(scores[i]);
    if (magnitude > largest) largest = magnitude;
    if (magnitude >= threshold) channelsKept++;
  }
  if (largest === 0) {
    throw new EngineError(
      'BetaTooHigh',
      'No channel is relevant to this prompt (every relevance is 0), so no β can work: the target and neutral texts may mean the same thing.',
    );
  }
  if (channelsKept === 0) {
    // Upstream divides 0 by 0 here and edits with NaN; tell the user which β would work instead.
    throw new EngineError(
      'BetaTooHigh',
      `β too high: 0 channels pass β = ${formatBeta(beta)}. Lower β (the largest |relevance| for this prompt is ${floorForDisplay(largest)}).`,
    );
  }
  const direction = new Float32Array(scores.length);
  for (let i = 0; i < scores.length; i++) {
    if (Math.abs(scores[i]) >= threshold) direction[i] = scores[i] / largest;
  }
  return { direction, channelsKept };
}

export interface DeltaSFromScoresOptions {
  /** relevanceScores(…) for the current prompt. */
  scores: Float32Array;
  beta: number;
  /** Per S channel standard deviation, all layers (ToRGB entries unused). */
  sStd: Float32Array;
  /** The pack's generator.styleLayers. */
  layers: readonly StyleLayerLayout[];
}

export interface GlobalDeltaS {
  /** Δs in S layout (length totalS); ToRGB channels are 0. */
  deltaS: Float32Array;
  channelsKept: number;
}

/** Thresholds cached scores at β and spreads them into S, scaled by each channel's std. */
export function deltaSFromScores({ scores, beta, sStd, layers }: DeltaSFromScoresOptions): GlobalDeltaS {
  const { totalS, convChannels, convIndex } = styleLayout(layers);
  if (scores.length !== convChannels) {
    throw new Error(`\`scores\` has ${scores.length} values; the style layers have ${convChannels} conv channels`);
  }
  if (sStd.length !== totalS) throw new Error(`\`sStd\` has ${sStd.length} values; the style layers hold ${totalS}`);
  const { direction, channelsKept } = thresholdScores(scores, beta);
  const deltaS = new Float32Array(totalS);
  for (let row = 0; row < convChannels; row++) {
    const s = convIndex[row];
    deltaS[s] = direction[row] * sStd[s];
  }
  return { deltaS, channelsKept };
}

export interface StyleEdit {
  deltaS: Float32Array;
  alpha: number;
}

/** s' = s + Σ αᵢ·Δsᵢ: an edit stack composes as a sum. Returns a new array; `s` is untouched. */
export function applyDeltaS(s: Float32Array, edits: readonly StyleEdit[]): Float32Array {
  const edited = Float32Array.from(s);
  edits.forEach(({ deltaS, alpha }, i) => {
    if (deltaS.length !== s.length) throw new Error(`\`edits[${i}].deltaS\` has ${deltaS.length} values; \`s\` has ${s.length}`);
    if (!Number.isFinite(Math.fround(alpha))) throw new Error(`\`edits[${i}].alpha\` must stay finite in float32, got ${alpha} (contract/edit-problems.ts bounds it)`);
    const a = Math.fround(alpha); // upstream passes alpha as np.float32
    for (let j = 0; j < edited.length; j++) edited[j] += Math.fround(a * deltaS[j]);
  });
  return edited;
}

function checkBeta(beta: number): void {
  if (!Number.isFinite(beta) || beta < 0) throw new Error(`\`beta\` must be a number ≥ 0, got ${beta} (contract/edit-problems.ts bounds it)`);
}

function formatBeta(beta: number): string {
  return String(Number(beta.toPrecision(4)));
}

/** Rounds down, so that a β equal to the shown value keeps at least one channel. */
function floorForDisplay(value: number): string {
  const decimals = value >= 0.01 ? 2 : Math.max(2, 1 - Math.floor(Math.log10(value)));
  const factor = 10 ** decimals;
  return (Math.floor(value * factor) / factor).toFixed(decimals);
}
