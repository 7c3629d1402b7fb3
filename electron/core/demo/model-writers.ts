// Writers for the demo's model files: safetensors, GGUF v3, ONNX (hand-encoded protobuf).
import { ByteWriter, float16Bytes, float32Bytes, utf8 } from './binary';

// ---------------------------------------------------------------------------------------------
// safetensors

export interface StTensor {
  name: string;
  dtype: 'F32' | 'F16';
  shape: number[];
  values: ArrayLike<number>;
}

export function writeSafetensors(tensors: StTensor[], metadata: Record<string, string> = { format: 'pt' }): Uint8Array {
  const header: Record<string, unknown> = { __metadata__: metadata };
  const datas: Uint8Array[] = [];
  let offset = 0;
  for (const t of tensors) {
    const data = t.dtype === 'F32' ? float32Bytes(t.values) : float16Bytes(t.values);
    header[t.name] = { dtype: t.dtype, shape: t.shape, data_offsets: [offset, offset + data.length] };
    offset += data.length;
    datas.push(data);
  }
  let json = JSON.stringify(header);
  json += ' '.repeat((8 - (json.length % 8)) % 8);
  const w = new ByteWriter().u64(utf8(json).length).utf8(json);
  for (const d of datas) w.bytes(d);
  return w.toBytes();
}

// ---------------------------------------------------------------------------------------------
// GGUF v3

export type GgufValue =
  | { t: 'u32'; v: number }
  | { t: 'i32'; v: number }
  | { t: 'f32'; v: number }
  | { t: 'bool'; v: boolean }
  | { t: 'str'; v: string }
  | { t: 'u64'; v: number }
  | { t: 'arr-str'; v: string[] }
  | { t: 'arr-f32'; v: number[] }
  | { t: 'arr-i32'; v: number[] };

export interface GgufTensor {
  name: string;
  /** ggml order: ne0 first */
  dims: number[];
  type: number;
  data: Uint8Array;
}

export function writeGguf(kv: [string, GgufValue][], tensors: GgufTensor[], alignment = 32): Uint8Array {
  const w = new ByteWriter();
  const str = (s: string) => {
    const b = utf8(s);
    w.u64(b.length).bytes(b);
  };
  w.utf8('GGUF').u32(3).u64(tensors.length).u64(kv.length);
  for (const [key, val] of kv) {
    str(key);
    switch (val.t) {
      case 'u32': w.u32(4).u32(val.v); break;
      case 'i32': w.u32(5).i32(val.v); break;
      case 'f32': w.u32(6).f32(val.v); break;
      case 'bool': w.u32(7).u8(val.v ? 1 : 0); break;
      case 'str': w.u32(8); str(val.v); break;
      case 'u64': w.u32(10).u64(val.v); break;
      case 'arr-str': w.u32(9).u32(8).u64(val.v.length); for (const s of val.v) str(s); break;
      case 'arr-f32': w.u32(9).u32(6).u64(val.v.length); for (const x of val.v) w.f32(x); break;
      case 'arr-i32': w.u32(9).u32(5).u64(val.v.length); for (const x of val.v) w.i32(x); break;
    }
  }
  let offset = 0;
  const placed: { t: GgufTensor; offset: number }[] = [];
  for (const t of tensors) {
    placed.push({ t, offset });
    offset += Math.ceil(t.data.length / alignment) * alignment;
  }
  for (const { t, offset: o } of placed) {
    str(t.name);
    w.u32(t.dims.length);
    for (const d of t.dims) w.u64(d);
    w.u32(t.type).u64(o);
  }
  w.zeros((alignment - (w.length % alignment)) % alignment);
  for (const { t } of placed) {
    w.bytes(t.data);
    w.zeros((alignment - (t.data.length % alignment)) % alignment);
  }
  return w.toBytes();
}

// ---------------------------------------------------------------------------------------------
// Protobuf / ONNX

export class Pb {
  private w = new ByteWriter();
  private key(field: number, wire: number): void {
    this.varintRaw(field * 8 + wire);
  }
  private varintRaw(v: number): void {
    let n = v;
    while (n >= 0x80) {
      this.w.u8((n % 128) | 0x80);
      n = Math.floor(n / 128);
    }
    this.w.u8(n);
  }
  varint(field: number, v: number): this {
    this.key(field, 0);
    this.varintRaw(v);
    return this;
  }
  bytes(field: number, b: Uint8Array): this {
    this.key(field, 2);
    this.varintRaw(b.length);
    this.w.bytes(b);
    return this;
  }
  string(field: number, s: string): this {
    return this.bytes(field, utf8(s));
  }
  /** fixed64 little-endian double (wire type 1) */
  double(field: number, v: number): this {
    this.key(field, 1);
    this.w.f64(v);
    return this;
  }
  /** fixed32 little-endian float (wire type 5) */
  float(field: number, v: number): this {
    this.key(field, 5);
    this.w.f32(v);
    return this;
  }
  message(field: number, m: Pb): this {
    return this.bytes(field, m.toBytes());
  }
  toBytes(): Uint8Array {
    return this.w.toBytes();
  }
}

export interface OnnxInit {
  name: string;
  dims: number[];
  values: ArrayLike<number>;
}

export interface OnnxModelSpec {
  irVersion: number;
  producerVersion: string;
  opset: number;
  modelVersion: number;
  docString: string;
  graphName: string;
  input: { name: string; shape: (number | string)[] };
  output: { name: string; shape: (number | string)[] };
  nodes: { op: string; inputs: string[]; outputs: string[]; name: string }[];
  initializers: OnnxInit[];
  metadata: Record<string, string>;
}

function valueInfo(name: string, shape: (number | string)[]): Pb {
  const sh = new Pb();
  for (const d of shape) sh.message(1, typeof d === 'number' ? new Pb().varint(1, d) : new Pb().string(2, d));
  const tensorType = new Pb().varint(1, 1).message(2, sh);
  return new Pb().string(1, name).message(2, new Pb().message(1, tensorType));
}

export function writeOnnx(spec: OnnxModelSpec): Uint8Array {
  const graph = new Pb();
  for (const n of spec.nodes) {
    const node = new Pb();
    for (const i of n.inputs) node.string(1, i);
    for (const o of n.outputs) node.string(2, o);
    node.string(3, n.name).string(4, n.op);
    graph.message(1, node);
  }
  graph.string(2, spec.graphName);
  for (const init of spec.initializers) {
    const t = new Pb();
    for (const d of init.dims) t.varint(1, d);
    t.varint(2, 1).string(8, init.name).bytes(9, float32Bytes(init.values));
    graph.message(5, t);
  }
  graph.message(11, valueInfo(spec.input.name, spec.input.shape));
  graph.message(12, valueInfo(spec.output.name, spec.output.shape));

  const model = new Pb()
    .varint(1, spec.irVersion)
    .string(2, 'pytorch')
    .string(3, spec.producerVersion)
    .string(4, '')
    .varint(5, spec.modelVersion)
    .string(6, spec.docString)
    .message(7, graph)
    .message(8, new Pb().string(1, '').varint(2, spec.opset));
  for (const [k, v] of Object.entries(spec.metadata)) model.message(14, new Pb().string(1, k).string(2, v));
  return model.toBytes();
}
