// StyleCLIP latent-mapper edit (spec/styleclip.md §2): ŵ = w + 0.1·M(w). Upstream has no strength
// control; the authors suggest scaling the offset (StyleCLIP issue #81), so strength multiplies it.

/** Hard-coded in upstream's run_on_batch and training loop (mapper/scripts/inference.py, coach.py). */
export const MAPPER_RESIDUAL_SCALE = 0.1;

/** W+ + strength·0.1·delta; strength 1 reproduces upstream. Returns a new array. */
export function applyMapperDelta(wPlus: Float32Array, delta: Float32Array, strength: number): Float32Array {
  if (delta.length !== wPlus.length) throw new Error(`\`delta\` has ${delta.length} values; \`wPlus\` has ${wPlus.length}`);
  if (!Number.isFinite(strength)) throw new Error(`\`strength\` must be a finite number, got ${strength}`);
  // torch multiplies a float32 tensor by the scalar in float32.
  const scale = Math.fround(MAPPER_RESIDUAL_SCALE * strength);
  const edited = new Float32Array(wPlus.length);
  for (let i = 0; i < wPlus.length; i++) edited[i] = wPlus[i] + Math.fround(scale * delta[i]);
  return edited;
}
