// A W+ latent file named on the command line (python3 -m models.optimize writes wplus.npy), read bounded and
// parsed by the engine's parseLatentNpy.
import { parseLatentNpy } from '../ui/worker/latent-npy';
import { readRegularFile } from './read-regular-file';

/** 64 × 4096 float32 plus a header: past any W+ a pack.json may declare. */
const MAX_LATENT_FILE_BYTES = 2 * 1024 * 1024;

export function readLatentFile(path: string, { numWs, wDim }: { numWs: number; wDim: number }): Float32Array {
  const bytes = readRegularFile(path, { maxBytes: MAX_LATENT_FILE_BYTES, kind: 'BadArgument', what: 'The latent file' });
  return parseLatentNpy(bytes, { numWs, wDim, name: path });
}
