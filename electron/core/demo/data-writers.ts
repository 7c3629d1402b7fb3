// Writers for the demo's dataset files: a minimal valid Parquet (one row group, PLAIN, uncompressed,
// thrift-compact footer) and tiny PNG images.
import { crc32, deflateSync } from 'node:zlib';
import { ByteWriter, utf8 } from './binary';

// ---------------------------------------------------------------------------------------------
// Thrift compact writer

const T = { I32: 5, I64: 6, BINARY: 8, LIST: 9, STRUCT: 12 } as const;

class ThriftWriter {
  readonly w = new ByteWriter();
  private last: number[] = [0];

  private varint(v: bigint): void {
    let n = v;
    while (n >= 0x80n) {
      this.w.u8(Number(n & 0x7fn) | 0x80);
      n >>= 7n;
    }
    this.w.u8(Number(n));
  }
  private zigzag(v: number | bigint): void {
    const n = BigInt(v);
    this.varint(n >= 0n ? n * 2n : -n * 2n - 1n);
  }
  private header(id: number, type: number): void {
    const last = this.last[this.last.length - 1] as number;
    const delta = id - last;
    if (delta > 0 && delta <= 15) this.w.u8((delta << 4) | type);
    else {
      this.w.u8(type);
      this.zigzag(id);
    }
    this.last[this.last.length - 1] = id;
  }
  i32(id: number, v: number): this {
    this.header(id, T.I32);
    this.zigzag(v);
    return this;
  }
  i64(id: number, v: number): this {
    this.header(id, T.I64);
    this.zigzag(v);
    return this;
  }
  binary(id: number, v: string | Uint8Array): this {
    const b = typeof v === 'string' ? utf8(v) : v;
    this.header(id, T.BINARY);
    this.varint(BigInt(b.length));
    this.w.bytes(b);
    return this;
  }
  struct(id: number, body: (t: ThriftWriter) => void): this {
    this.header(id, T.STRUCT);
    this.structBody(body);
    return this;
  }
  structBody(body: (t: ThriftWriter) => void): this {
    this.last.push(0);
    body(this);
    this.w.u8(0);
    this.last.pop();
    return this;
  }
  private listHeader(id: number, elemType: number, size: number): void {
    this.header(id, T.LIST);
    if (size < 15) this.w.u8((size << 4) | elemType);
    else {
      this.w.u8(0xf0 | elemType);
      this.varint(BigInt(size));
    }
  }
  listI32(id: number, vs: number[]): this {
    this.listHeader(id, T.I32, vs.length);
    for (const v of vs) this.zigzag(v);
    return this;
  }
  listBinary(id: number, vs: string[]): this {
    this.listHeader(id, T.BINARY, vs.length);
    for (const v of vs) {
      const b = utf8(v);
      this.varint(BigInt(b.length));
      this.w.bytes(b);
    }
    return this;
  }
  listStruct<X>(id: number, items: X[], body: (t: ThriftWriter, item: X) => void): this {
    this.listHeader(id, T.STRUCT, items.length);
    for (const it of items) this.structBody((t) => body(t, it));
    return this;
  }
}

// ---------------------------------------------------------------------------------------------
// Parquet

export type ParquetColumn =
  | { name: string; type: 'int64'; values: number[] }
  | { name: string; type: 'int32'; values: number[] }
  | { name: string; type: 'double'; values: number[] }
  | { name: string; type: 'string'; values: string[] };

const PHYSICAL = { int32: 1, int64: 2, double: 5, string: 6 } as const;

export function writeParquet(columns: ParquetColumn[], keyValue: Record<string, string> = {}): Uint8Array {
  const rows = columns[0]?.values.length ?? 0;
  const out = new ByteWriter().utf8('PAR1');
  const chunks: { col: ParquetColumn; offset: number; size: number }[] = [];
  for (const col of columns) {
    const data = new ByteWriter();
    for (const v of col.values) {
      if (col.type === 'int32') data.i32(v as number);
      else if (col.type === 'int64') data.u64(BigInt.asUintN(64, BigInt(v as number)));
      else if (col.type === 'double') data.f64(v as number);
      else {
        const b = utf8(v as string);
        data.u32(b.length).bytes(b);
      }
    }
    const body = data.toBytes();
    const header = new ThriftWriter()
      .structBody((t) => {
        t.i32(1, 0) // DATA_PAGE
          .i32(2, body.length)
          .i32(3, body.length)
          .struct(5, (d) => d.i32(1, col.values.length).i32(2, 0).i32(3, 3).i32(4, 3));
      })
      .w.toBytes();
    const offset = out.length;
    out.bytes(header).bytes(body);
    chunks.push({ col, offset, size: header.length + body.length });
  }
  const total = chunks.reduce((n, c) => n + c.size, 0);
  const meta = new ThriftWriter().structBody((t) => {
    t.i32(1, 1);
    t.listStruct(2, [null, ...columns], (s, col) => {
      if (col === null) {
        s.binary(4, 'schema').i32(5, columns.length);
        return;
      }
      s.i32(1, PHYSICAL[col.type]).i32(3, 0).binary(4, col.name);
      if (col.type === 'string') s.i32(6, 0);
    });
    t.i64(3, rows);
    t.listStruct(4, [0], (rg) => {
      rg.listStruct(1, chunks, (cc, c) => {
        cc.i64(2, c.offset).struct(3, (m) => {
          m.i32(1, PHYSICAL[c.col.type])
            .listI32(2, [0])
            .listBinary(3, [c.col.name])
            .i32(4, 0)
            .i64(5, rows)
            .i64(6, c.size)
            .i64(7, c.size)
            .i64(9, c.offset);
        });
      });
      rg.i64(2, total).i64(3, rows);
    });
    const kv = Object.entries(keyValue);
    if (kv.length) t.listStruct(5, kv, (s, [k, v]) => s.binary(1, k).binary(2, v));
    t.binary(6, 'modelshelf demo writer');
  });
  const footer = meta.w.toBytes();
  out.bytes(footer).u32(footer.length).utf8('PAR1');
  return out.toBytes();
}

// ---------------------------------------------------------------------------------------------
// PNG (8-bit RGB)

export function writePng(width: number, height: number, pixel: (x: number, y: number) => [number, number, number]): Uint8Array {
  const raw = new Uint8Array((width * 3 + 1) * height);
  let p = 0;
  for (let y = 0; y < height; y++) {
    raw[p++] = 0;
    for (let x = 0; x < width; x++) {
      const [r, g, b] = pixel(x, y);
      raw[p++] = r;
      raw[p++] = g;
      raw[p++] = b;
    }
  }
  const chunk = (type: string, data: Uint8Array) => {
    const td = new ByteWriter().utf8(type).bytes(data).toBytes();
    const w = new ByteWriter();
    const len = new Uint8Array(4);
    new DataView(len.buffer).setUint32(0, data.length, false);
    const crc = new Uint8Array(4);
    new DataView(crc.buffer).setUint32(0, crc32(td) >>> 0, false);
    return w.bytes(len).bytes(td).bytes(crc).toBytes();
  };
  const ihdr = new Uint8Array(13);
  const dv = new DataView(ihdr.buffer);
  dv.setUint32(0, width, false);
  dv.setUint32(4, height, false);
  ihdr[8] = 8;
  ihdr[9] = 2;
  return new ByteWriter()
    .bytes(Uint8Array.of(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a))
    .bytes(chunk('IHDR', ihdr))
    .bytes(chunk('IDAT', new Uint8Array(deflateSync(raw, { level: 9 }))))
    .bytes(chunk('IEND', new Uint8Array(0)))
    .toBytes();
}
