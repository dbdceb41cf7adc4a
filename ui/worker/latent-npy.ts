// A W+ latent from the offline tools (python3 -m models.optimize writes wplus.npy): NumPy .npy, version 1–3,
// little-endian float32, C order, shape [numWs, wDim] or [1, numWs, wDim] (models/README.md, "Offline tools").
// Parsed strictly, every number checked finite; the CLI reads the file, the panel a picked File.
import { EngineError } from './errors';

export function parseLatentNpy(bytes: Uint8Array, { numWs, wDim, name }: { numWs: number; wDim: number; name: string }): Float32Array {
  const fail = (problem: string): never => {
    throw new EngineError('BadArgument', `${name} ${problem} A W+ latent is a float32 .npy of shape [${numWs}, ${wDim}], as python3 -m models.optimize writes it.`);
  };
  if (bytes.length < 10 || bytes[0] !== 0x93 || String.fromCharCode(...bytes.subarray(1, 6)) !== 'NUMPY') fail('is not a NumPy .npy file.');
  const major = bytes[6];
  if (major !== 1 && major !== 2 && major !== 3) fail(`is .npy format ${major}; versions 1–3 are read.`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerStart = major === 1 ? 10 : 12;
  const headerLength = major === 1 ? view.getUint16(8, true) : view.getUint32(8, true);
  if (headerStart + headerLength > bytes.length) fail('is cut short inside its header.');
  const header = new TextDecoder().decode(bytes.subarray(headerStart, headerStart + headerLength));
  const descr = /'descr':\s*'([^']*)'/.exec(header)?.[1];
  const fortran = /'fortran_order':\s*(True|False)/.exec(header)?.[1];
  const shapeText = /'shape':\s*\(([^)]*)\)/.exec(header)?.[1];
  if (descr === undefined || fortran === undefined || shapeText === undefined) fail('has an unreadable .npy header.');
  if (descr !== '<f4') fail(`holds ${descr} values, not little-endian float32 (<f4).`);
  if (fortran === 'True') fail('is stored in Fortran order.');
  const shape = shapeText!.split(',').map((part) => part.trim()).filter((part) => part !== '').map(Number);
  const squeezed = shape.length === 3 && shape[0] === 1 ? shape.slice(1) : shape;
  if (squeezed.length !== 2 || squeezed[0] !== numWs || squeezed[1] !== wDim) fail(`has shape [${shape.join(', ')}], not [${numWs}, ${wDim}] for this pack.`);
  const body = bytes.subarray(headerStart + headerLength);
  if (body.length !== numWs * wDim * 4) fail(`holds ${body.length} bytes of data; its shape needs ${numWs * wDim * 4}.`);
  const wPlus = new Float32Array(numWs * wDim);
  const data = new DataView(body.buffer, body.byteOffset, body.byteLength);
  for (let i = 0; i < wPlus.length; i++) {
    wPlus[i] = data.getFloat32(i * 4, true);
    if (!Number.isFinite(wPlus[i])) fail(`holds ${wPlus[i]} at value ${i}; every number must be finite.`);
  }
  return wPlus;
}
