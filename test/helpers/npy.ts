// Reader for NumPy .npy files (format 1/2, little-endian, C order) as written by the golden generator.
export type NpyArray =
  | { dtype: 'float32'; shape: number[]; data: Float32Array }
  | { dtype: 'int32'; shape: number[]; data: Int32Array }
  | { dtype: 'uint8'; shape: number[]; data: Uint8Array };

export function parseNpy(bytes: Uint8Array): NpyArray {
  const magic = String.fromCharCode(...bytes.subarray(1, 6));
  if (bytes[0] !== 0x93 || magic !== 'NUMPY') throw new Error('not an .npy file');
  const major = bytes[6];
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLength = major === 1 ? view.getUint16(8, true) : view.getUint32(8, true);
  const headerStart = major === 1 ? 10 : 12;
  const header = new TextDecoder().decode(bytes.subarray(headerStart, headerStart + headerLength));
  const descr = /'descr':\s*'([^']+)'/.exec(header)?.[1];
  const fortran = /'fortran_order':\s*(True|False)/.exec(header)?.[1];
  const shapeText = /'shape':\s*\(([^)]*)\)/.exec(header)?.[1];
  if (!descr || !fortran || shapeText === undefined) throw new Error(`unreadable .npy header: ${header}`);
  if (fortran === 'True') throw new Error('Fortran-order .npy files are not supported');
  const shape = shapeText.split(',').map((s) => s.trim()).filter((s) => s !== '').map(Number);
  const count = shape.reduce((a, b) => a * b, 1);
  // Copy so the typed array is aligned regardless of the header length. Uint8Array's slice, not
  // Buffer's: on a Node Buffer `slice` returns a view into Node's shared pool, not a copy.
  const body = Uint8Array.prototype.slice.call(bytes, headerStart + headerLength);
  switch (descr) {
    case '<f4':
      return { dtype: 'float32', shape, data: new Float32Array(body.buffer, 0, count) };
    case '<i4':
      return { dtype: 'int32', shape, data: new Int32Array(body.buffer, 0, count) };
    case '|u1':
      return { dtype: 'uint8', shape, data: new Uint8Array(body.buffer, 0, count) };
    default:
      throw new Error(`unsupported .npy dtype ${descr}`);
  }
}
