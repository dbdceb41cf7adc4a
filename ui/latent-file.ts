// A W+ latent picked in the panel (python3 -m models.optimize writes wplus.npy), and its form in a recipe:
// little-endian float32 bytes in base64 (contract/recipe.ts LatentSource), so Edit again can render it again.
import { EngineError } from './worker/errors';
import { parseLatentNpy } from './worker/latent-npy';

/** An .npy W+ is 64 × 4096 float32 at most (the pack schema's bounds); past this it is not one. */
export const MAX_LATENT_FILE_BYTES = 2 * 1024 * 1024;

/** The W+ in a picked file, checked against the pack's W+ shape; throws BadArgument in one line. */
export async function readLatentPick(file: Pick<File, 'name' | 'size' | 'arrayBuffer'>, shape: { numWs: number; wDim: number }): Promise<Float32Array> {
  if (file.size > MAX_LATENT_FILE_BYTES) {
    throw new EngineError('BadArgument', `${file.name} is ${file.size} bytes; a W+ latent is at most ${MAX_LATENT_FILE_BYTES}. Pick the wplus.npy that python3 -m models.optimize wrote.`);
  }
  return parseLatentNpy(new Uint8Array(await file.arrayBuffer()), { ...shape, name: file.name });
}

/** A W+ as the recipe stores it. */
export function encodeLatent(wPlus: Float32Array): string {
  const bytes = new Uint8Array(wPlus.length * 4);
  const view = new DataView(bytes.buffer);
  wPlus.forEach((value, i) => view.setFloat32(i * 4, value, true));
  let binary = '';
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(binary);
}

/** The W+ of a stored latent; throws BadArgument when its bytes are not whole, finite float32 values of this shape. */
export function decodeLatent(base64: string, { numWs, wDim }: { numWs: number; wDim: number }): Float32Array {
  const binary = atob(base64);
  if (binary.length !== numWs * wDim * 4) {
    throw new EngineError('BadArgument', `The recipe's latent holds ${binary.length} bytes; this pack's W+ (${numWs} × ${wDim}) needs ${numWs * wDim * 4}. Load the pack the result was made with.`);
  }
  const view = new DataView(new ArrayBuffer(binary.length));
  for (let i = 0; i < binary.length; i++) view.setUint8(i, binary.charCodeAt(i));
  const wPlus = new Float32Array(binary.length / 4);
  for (let i = 0; i < wPlus.length; i++) {
    wPlus[i] = view.getFloat32(i * 4, true);
    if (!Number.isFinite(wPlus[i])) throw new EngineError('BadArgument', `The recipe's latent holds ${wPlus[i]} at value ${i}: it is damaged. Load the latent file again.`);
  }
  return wPlus;
}
