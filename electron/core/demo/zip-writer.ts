// Minimal STORED zip writer (local headers + central directory + EOCD), as PyTorch writes them:
// no compression, entry data optionally aligned (PyTorch aligns to 64 bytes with an "FB" extra field).
import { crc32 } from 'node:zlib';
import { ByteWriter, utf8 } from './binary';

export interface ZipInput {
  name: string;
  data: Uint8Array;
}

// 2026-01-01 00:00:00 in DOS format (date, time)
const DOS_DATE = ((2026 - 1980) << 9) | (1 << 5) | 1;
const DOS_TIME = 0;

export function writeStoredZip(entries: ZipInput[], align = 0): Uint8Array {
  const out = new ByteWriter();
  const central = new ByteWriter();
  for (const e of entries) {
    const name = utf8(e.name);
    const crc = crc32(e.data) >>> 0;
    const offset = out.length;
    let extra = new Uint8Array(0);
    if (align > 0) {
      const base = offset + 30 + name.length + 4;
      const pad = (align - (base % align)) % align;
      extra = new Uint8Array(4 + pad).fill(0x5a);
      new DataView(extra.buffer).setUint16(0, 0x4246, true);
      new DataView(extra.buffer).setUint16(2, pad, true);
    }
    out.u32(0x04034b50).u16(20).u16(0).u16(0).u16(DOS_TIME).u16(DOS_DATE).u32(crc)
      .u32(e.data.length).u32(e.data.length).u16(name.length).u16(extra.length).bytes(name).bytes(extra).bytes(e.data);
    central.u32(0x02014b50).u16(20).u16(20).u16(0).u16(0).u16(DOS_TIME).u16(DOS_DATE).u32(crc)
      .u32(e.data.length).u32(e.data.length).u16(name.length).u16(0).u16(0).u16(0).u16(0).u32(0)
      .u32(offset).bytes(name);
  }
  const cdOffset = out.length;
  const cd = central.toBytes();
  out.bytes(cd);
  out.u32(0x06054b50).u16(0).u16(0).u16(entries.length).u16(entries.length).u32(cd.length).u32(cdOffset).u16(0);
  return out.toBytes();
}
