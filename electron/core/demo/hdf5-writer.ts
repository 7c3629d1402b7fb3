// A minimal HDF5 file (superblock v0, root object header v1) whose root group carries string
// attributes, as h5py writes Keras' keras_version/backend/model_config: fixed-length strings, or
// variable-length strings stored in a global heap collection. Enough for the readers and the demo;
// it holds no datasets.
import { ByteWriter, utf8 } from './binary';

export interface Hdf5Options {
  /** bytes of user block before the superblock (0, 512, 1024, …) */
  userBlock?: number;
  /** write the values as variable-length strings in a global heap */
  vlen?: boolean;
}

const UNDEF = 0xffffffffffffffffn;
const pad8 = (n: number) => Math.ceil(n / 8) * 8;

function padTo8(b: Uint8Array): Uint8Array {
  const out = new Uint8Array(pad8(b.length));
  out.set(b);
  return out;
}

function attributeMessage(name: string, data: Uint8Array, datatype: Uint8Array): Uint8Array {
  const nameBytes = new ByteWriter().utf8(name).u8(0).toBytes();
  const dataspace = new ByteWriter().u8(1).u8(0).u8(0).u8(0).u32(0).toBytes(); // v1 scalar
  const body = new ByteWriter()
    .u8(1).u8(0).u16(nameBytes.length).u16(datatype.length).u16(dataspace.length)
    .bytes(padTo8(nameBytes)).bytes(padTo8(datatype)).bytes(padTo8(dataspace)).bytes(data)
    .toBytes();
  return padTo8(body);
}

export function writeHdf5(attrs: Record<string, string>, opts: Hdf5Options = {}): Uint8Array {
  const userBlock = opts.userBlock ?? 0;
  const entries = Object.entries(attrs);
  const headerAt = 96;
  // Messages first (their sizes fix where the global heap goes).
  const heapObjects = entries.map(([, v]) => utf8(v));
  const messagesFor = (heapAt: number) =>
    entries.map(([k, v], i) => {
      if (!opts.vlen) {
        const b = utf8(v);
        const dt = new ByteWriter().u8(0x13).u8(0).u8(0).u8(0).u32(b.length).toBytes();
        return attributeMessage(k, b, dt);
      }
      const base = new ByteWriter().u8(0x10).u8(0).u8(0).u8(0).u32(1).u16(0).u16(8).toBytes();
      const dt = new ByteWriter().u8(0x19).u8(0x01).u8(0).u8(0).u32(16).bytes(base).toBytes();
      const data = new ByteWriter().u32((heapObjects[i] as Uint8Array).length).u64(heapAt).u32(i + 1).toBytes();
      return attributeMessage(k, data, dt);
    });
  const probe = messagesFor(0);
  const headerSize = probe.reduce((n, m) => n + 8 + m.length, 0);
  const heapAt = headerAt + 16 + headerSize;
  const messages = messagesFor(heapAt);

  const heap = new ByteWriter();
  if (opts.vlen) {
    const objs = new ByteWriter();
    heapObjects.forEach((b, i) => {
      objs.u16(i + 1).u16(1).u32(0).u64(b.length).bytes(padTo8(b));
    });
    const used = 16 + objs.length;
    const size = Math.max(4096, pad8(used + 16));
    heap.utf8('GCOL').u8(1).u8(0).u8(0).u8(0).u64(size).bytes(objs.toBytes());
    heap.u16(0).u16(0).u32(0).u64(size - used).zeros(size - used - 16);
  }
  const eof = heapAt + heap.length;

  const w = new ByteWriter();
  if (userBlock > 0) w.zeros(userBlock);
  w.bytes(Uint8Array.of(0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a));
  w.u8(0).u8(0).u8(0).u8(0).u8(0).u8(8).u8(8).u8(0).u16(4).u16(16).u32(0);
  w.u64(userBlock).u64(UNDEF).u64(eof).u64(UNDEF);
  w.u64(0).u64(headerAt).u32(0).u32(0).zeros(16); // root group symbol table entry
  w.u8(1).u8(0).u16(messages.length).u32(1).u32(headerSize).u32(0);
  for (const m of messages) w.u16(0x000c).u16(m.length).u8(0).zeros(3).bytes(m);
  w.bytes(heap.toBytes());
  return w.toBytes();
}
