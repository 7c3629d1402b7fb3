// Hand-assembled pickles (protocol 2, as torch.save writes them). Only data and class *names* are
// written; the demo never produces anything that would run code when loaded.
import { ByteWriter, float16Bytes, float32Bytes, utf8 } from './binary';
import { writeStoredZip } from './zip-writer';

export class Float {
  constructor(readonly value: number) {}
}
export class OrderedDict {
  constructor(readonly entries: [string, PickleValue][]) {}
}
export class Tensor {
  constructor(readonly dtype: 'F32' | 'F16' | 'I64', readonly shape: number[], readonly values: ArrayLike<number>) {}
  get numel(): number {
    return this.shape.reduce((a, b) => a * b, 1);
  }
}
/** An object rebuilt by NEWOBJ + BUILD (e.g. an sklearn estimator) — names only. */
export class PyObject {
  constructor(readonly module: string, readonly name: string, readonly state: Record<string, PickleValue>) {}
}
export type PickleValue = null | boolean | number | string | Float | OrderedDict | Tensor | PyObject | PickleValue[] | { [k: string]: PickleValue };

const STORAGE: Record<Tensor['dtype'], string> = { F32: 'FloatStorage', F16: 'HalfStorage', I64: 'LongStorage' };

export class PickleWriter {
  readonly w = new ByteWriter();
  /** raw storages emitted by tensors, by key */
  readonly storages: Uint8Array[] = [];

  op(code: number): this {
    this.w.u8(code);
    return this;
  }
  proto(n: number): this {
    return this.op(0x80).op(n);
  }
  global(module: string, name: string): this {
    this.w.u8(0x63).utf8(`${module}\n${name}\n`);
    return this;
  }
  int(n: number): this {
    if (n >= 0 && n < 256) return this.op(0x4b).op(n);
    if (n >= 0 && n < 65536) {
      this.w.u8(0x4d).u16(n);
      return this;
    }
    if (n >= -0x80000000 && n <= 0x7fffffff) {
      this.w.u8(0x4a).i32(n);
      return this;
    }
    // LONG1 with 8 bytes
    const b = new Uint8Array(8);
    new DataView(b.buffer).setBigInt64(0, BigInt(n), true);
    this.w.u8(0x8a).u8(8).bytes(b);
    return this;
  }
  float(x: number): this {
    const b = new Uint8Array(8);
    new DataView(b.buffer).setFloat64(0, x, false);
    this.w.u8(0x47).bytes(b);
    return this;
  }
  str(s: string): this {
    const b = utf8(s);
    this.w.u8(0x58).u32(b.length).bytes(b);
    return this;
  }
  stop(): Uint8Array {
    this.op(0x2e);
    return this.w.toBytes();
  }

  value(v: PickleValue): this {
    if (v === null) return this.op(0x4e);
    if (v === true) return this.op(0x88);
    if (v === false) return this.op(0x89);
    if (typeof v === 'number') return Number.isInteger(v) ? this.int(v) : this.float(v);
    if (typeof v === 'string') return this.str(v);
    if (v instanceof Float) return this.float(v.value);
    if (v instanceof Tensor) return this.tensor(v);
    if (v instanceof OrderedDict) {
      this.global('collections', 'OrderedDict').op(0x29).op(0x52); // OrderedDict()
      return this.items(v.entries);
    }
    if (v instanceof PyObject) {
      this.global(v.module, v.name).op(0x29).op(0x81); // cls.__new__(cls)
      this.op(0x7d);
      this.items(Object.entries(v.state));
      return this.op(0x62); // BUILD
    }
    if (Array.isArray(v)) {
      this.op(0x5d);
      if (v.length) {
        this.op(0x28);
        for (const x of v) this.value(x);
        this.op(0x65); // APPENDS
      }
      return this;
    }
    this.op(0x7d);
    return this.items(Object.entries(v));
  }

  private items(entries: [string, PickleValue][]): this {
    if (!entries.length) return this;
    this.op(0x28);
    for (const [k, val] of entries) {
      this.str(k);
      this.value(val);
    }
    return this.op(0x75); // SETITEMS
  }

  /** torch._utils._rebuild_tensor_v2(storage, 0, size, stride, False, OrderedDict()) */
  tensor(t: Tensor): this {
    const key = String(this.storages.length);
    const data = t.dtype === 'F32' ? float32Bytes(t.values) : t.dtype === 'F16' ? float16Bytes(t.values) : int64Bytes(t.values);
    this.storages.push(data);
    this.global('torch._utils', '_rebuild_tensor_v2');
    this.op(0x28); // args
    this.op(0x28).str('storage').global('torch', STORAGE[t.dtype]).str(key).str('cpu').int(t.numel).op(0x74).op(0x51); // BINPERSID
    this.int(0);
    this.tuple(t.shape);
    this.tuple(strides(t.shape));
    this.op(0x89);
    this.global('collections', 'OrderedDict').op(0x29).op(0x52);
    this.op(0x74).op(0x52); // TUPLE, REDUCE
    return this;
  }

  private tuple(ns: number[]): this {
    if (ns.length === 0) return this.op(0x29);
    this.op(0x28);
    for (const n of ns) this.int(n);
    return this.op(0x74);
  }
}

function strides(shape: number[]): number[] {
  const out = new Array<number>(shape.length).fill(1);
  for (let i = shape.length - 2; i >= 0; i--) out[i] = (out[i + 1] as number) * (shape[i + 1] as number);
  return out;
}

function int64Bytes(values: ArrayLike<number>): Uint8Array {
  const b = new Uint8Array(values.length * 8);
  const dv = new DataView(b.buffer);
  for (let i = 0; i < values.length; i++) dv.setBigInt64(i * 8, BigInt(Math.trunc(values[i] as number)), true);
  return b;
}

/** A standalone pickle (protocol 2) of `value`. */
export function pickle(value: PickleValue): Uint8Array {
  const p = new PickleWriter().proto(2);
  p.value(value);
  return p.stop();
}

/** A torch.save()-style zip: `<name>/data.pkl`, `<name>/data/<key>`, `version`, `byteorder`. */
export function torchSave(archiveName: string, value: PickleValue): Uint8Array {
  const p = new PickleWriter().proto(2);
  p.value(value);
  const pkl = p.stop();
  const entries = [{ name: `${archiveName}/data.pkl`, data: pkl }, { name: `${archiveName}/byteorder`, data: utf8('little') }];
  p.storages.forEach((data, i) => {
    entries.push({ name: `${archiveName}/data/${i}`, data });
  });
  entries.push({ name: `${archiveName}/version`, data: utf8('3\n') });
  entries.push({ name: `${archiveName}/.data/serialization_id`, data: utf8('1234567890123456789012345678901234567890') });
  return writeStoredZip(entries, 64);
}
