// A dependency-free ONNX (protobuf) encoder for tiny test models. Field numbers: spec/runtime.md §5.
// ORT validates the result when it loads it, so a wrong encoding fails loudly.

export type Attribute = number | readonly number[] | string; // integer → i, float → f, number[] → ints, string → s
export interface OnnxNode { op: string; inputs: string[]; outputs: string[]; attributes?: Record<string, Attribute>; floats?: string[] }
export interface OnnxValue { name: string; type: 'float32' | 'int32' | 'int64'; dims: readonly (number | string)[] }
export interface OnnxInitializer { name: string; dims: readonly number[]; data: Float32Array | BigInt64Array | Int32Array }
export interface OnnxModel { nodes: OnnxNode[]; inputs: OnnxValue[]; outputs: OnnxValue[]; initializers?: OnnxInitializer[]; opset?: number }

const ELEM_TYPE = { float32: 1, int32: 6, int64: 7 } as const;

function varint(value: number | bigint): number[] {
  let v = BigInt.asUintN(64, BigInt(value));
  const out: number[] = [];
  do {
    const byte = Number(v & 0x7fn);
    v >>= 7n;
    out.push(v > 0n ? byte | 0x80 : byte);
  } while (v > 0n);
  return out;
}
const key = (field: number, wire: number): number[] => varint((field << 3) | wire);
const int = (field: number, value: number | bigint): number[] => [...key(field, 0), ...varint(value)];
const bytes = (field: number, payload: ArrayLike<number>): number[] => [...key(field, 2), ...varint(payload.length), ...Array.from(payload)];
const str = (field: number, text: string): number[] => bytes(field, new TextEncoder().encode(text));
const f32 = (field: number, value: number): number[] => [...key(field, 5), ...new Uint8Array(new Float32Array([value]).buffer)];

function attribute(name: string, value: Attribute, isFloat: boolean): number[] {
  // AttributeProto: name=1, f=2, i=3, s=4, ints=8, type=20 (FLOAT=1, INT=2, STRING=3, INTS=7)
  if (typeof value === 'string') return [...str(1, name), ...str(4, value), ...int(20, 3)];
  if (typeof value === 'number') return isFloat ? [...str(1, name), ...f32(2, value), ...int(20, 1)] : [...str(1, name), ...int(3, value), ...int(20, 2)];
  return [...str(1, name), ...value.flatMap((v) => int(8, v)), ...int(20, 7)];
}

function node(n: OnnxNode, index: number): number[] {
  const attrs = Object.entries(n.attributes ?? {}).flatMap(([name, value]) => bytes(5, attribute(name, value, n.floats?.includes(name) ?? false)));
  return [...n.inputs.flatMap((i) => str(1, i)), ...n.outputs.flatMap((o) => str(2, o)), ...str(3, `${n.op}_${index}`), ...str(4, n.op), ...attrs];
}

function valueInfo(v: OnnxValue): number[] {
  const dims = v.dims.flatMap((d) => bytes(1, typeof d === 'number' ? int(1, d) : str(2, d)));
  const tensorType = [...int(1, ELEM_TYPE[v.type]), ...bytes(2, dims)];
  return [...str(1, v.name), ...bytes(2, bytes(1, tensorType))];
}

function initializer(t: OnnxInitializer): number[] {
  const type = t.data instanceof Float32Array ? 1 : t.data instanceof Int32Array ? 6 : 7;
  const raw = new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength); // little-endian hosts only
  return [...t.dims.flatMap((d) => int(1, d)), ...int(2, type), ...str(8, t.name), ...bytes(9, raw)];
}

export function buildOnnxModel(model: OnnxModel): Uint8Array {
  const graph = [
    ...model.nodes.flatMap((n, i) => bytes(1, node(n, i))),
    ...str(2, 'test-graph'),
    ...(model.initializers ?? []).flatMap((t) => bytes(5, initializer(t))),
    ...model.inputs.flatMap((v) => bytes(11, valueInfo(v))),
    ...model.outputs.flatMap((v) => bytes(12, valueInfo(v))),
  ];
  const opset = [...str(1, ''), ...int(2, model.opset ?? 17)]; // OperatorSetIdProto: domain=1, version=2
  return new Uint8Array([...int(1, 8), ...str(2, 'facetext-test'), ...bytes(7, graph), ...bytes(8, opset)]);
}
