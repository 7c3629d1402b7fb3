// Zip directory reader over a RangeSource: EOCD (with zip64) → central directory → entries; entry
// data is read only on request, STORED or DEFLATE (inflated with an output cap).
import { inflateRawSync } from 'node:zlib';
import { decodeUtf8, readExact, view } from './bytes';
import type { RangeSource } from './range-source';
import { FormatError } from './types';

export interface ZipEntry {
  name: string;
  method: number;
  crc32: number;
  compressedSize: number;
  size: number;
  localHeaderOffset: number;
}

export interface ZipDirectory {
  entries: ZipEntry[];
  comment: string;
  /** true when the directory lists more entries than `maxEntries` */
  truncated: boolean;
}

const EOCD_SIG = 0x06054b50;
const Z64_LOCATOR_SIG = 0x07064b50;
const Z64_EOCD_SIG = 0x06064b50;
const CDH_SIG = 0x02014b50;
const LFH_SIG = 0x04034b50;
const MAX_TAIL = 22 + 0xffff + 20;
export const ZIP_MAX_DIRECTORY_BYTES = 32 * 1024 * 1024;

export function looksLikeZip(head: Uint8Array): boolean {
  return head.length >= 4 && head[0] === 0x50 && head[1] === 0x4b && (head[2] === 3 || head[2] === 5) && (head[3] === 4 || head[3] === 6);
}

export async function readZipDirectory(src: RangeSource, opts: { maxEntries?: number; maxDirectoryBytes?: number } = {}): Promise<ZipDirectory> {
  const maxEntries = opts.maxEntries ?? 100_000;
  const maxDirBytes = opts.maxDirectoryBytes ?? ZIP_MAX_DIRECTORY_BYTES;
  if (src.size < 22) throw new FormatError('file is too small to be a zip archive');
  const tailLen = Math.min(src.size, MAX_TAIL);
  const tailStart = src.size - tailLen;
  const tail = await readExact(src, tailStart, tailLen, 'zip end record');
  const tv = view(tail);
  let eocd = -1;
  for (let i = tail.length - 22; i >= 0; i--) {
    if (tv.getUint32(i, true) === EOCD_SIG && i + 22 + tv.getUint16(i + 20, true) <= tail.length) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) throw new FormatError('no zip end-of-central-directory record (not a zip, or truncated)');
  let count = tv.getUint16(eocd + 10, true);
  let cdSize = tv.getUint32(eocd + 12, true);
  let cdOffset = tv.getUint32(eocd + 16, true);
  const comment = decodeUtf8(tail.subarray(eocd + 22, eocd + 22 + tv.getUint16(eocd + 20, true)));

  if (count === 0xffff || cdSize === 0xffffffff || cdOffset === 0xffffffff) {
    const loc = eocd - 20;
    if (loc < 0 || tv.getUint32(loc, true) !== Z64_LOCATOR_SIG) throw new FormatError('zip64 locator missing');
    const z64Offset = safe(tv.getBigUint64(loc + 8, true), 'zip64 record offset');
    const z = view(await readExact(src, z64Offset, 56, 'zip64 end record'));
    if (z.getUint32(0, true) !== Z64_EOCD_SIG) throw new FormatError('zip64 end record signature mismatch');
    count = safe(z.getBigUint64(32, true), 'entry count');
    cdSize = safe(z.getBigUint64(40, true), 'directory size');
    cdOffset = safe(z.getBigUint64(48, true), 'directory offset');
  }
  if (cdOffset + cdSize > src.size) throw new FormatError('central directory runs past the end of the file');
  if (cdSize > maxDirBytes) throw new FormatError(`central directory is larger than ${maxDirBytes} bytes`);
  if (count * 46 > cdSize) throw new FormatError('entry count does not fit in the central directory');

  const cd = cdOffset >= tailStart && cdOffset + cdSize <= src.size
    ? tail.subarray(cdOffset - tailStart, cdOffset - tailStart + cdSize)
    : await readExact(src, cdOffset, cdSize, 'central directory');
  const dv = view(cd);
  const entries: ZipEntry[] = [];
  let p = 0;
  const n = Math.min(count, maxEntries);
  for (let i = 0; i < n; i++) {
    if (p + 46 > cd.length || dv.getUint32(p, true) !== CDH_SIG) throw new FormatError('corrupt central directory entry');
    const method = dv.getUint16(p + 10, true);
    const crc = dv.getUint32(p + 16, true);
    let compressedSize = dv.getUint32(p + 20, true);
    let size = dv.getUint32(p + 24, true);
    const nameLen = dv.getUint16(p + 28, true);
    const extraLen = dv.getUint16(p + 30, true);
    const commentLen = dv.getUint16(p + 32, true);
    let localHeaderOffset = dv.getUint32(p + 42, true);
    const end = p + 46 + nameLen + extraLen + commentLen;
    if (end > cd.length) throw new FormatError('corrupt central directory entry');
    const name = decodeUtf8(cd.subarray(p + 46, p + 46 + nameLen));
    // zip64 extended information: values present only for fields that are 0xFFFFFFFF, in this order.
    let e = p + 46 + nameLen;
    const extraEnd = e + extraLen;
    while (e + 4 <= extraEnd) {
      const id = dv.getUint16(e, true);
      const len = dv.getUint16(e + 2, true);
      if (e + 4 + len > extraEnd) break;
      if (id === 0x0001) {
        let q = e + 4;
        const take = (): number => {
          if (q + 8 > e + 4 + len) throw new FormatError('corrupt zip64 extra field');
          const v = safe(dv.getBigUint64(q, true), 'zip64 value');
          q += 8;
          return v;
        };
        if (size === 0xffffffff) size = take();
        if (compressedSize === 0xffffffff) compressedSize = take();
        if (localHeaderOffset === 0xffffffff) localHeaderOffset = take();
      }
      e += 4 + len;
    }
    if (localHeaderOffset + compressedSize > src.size) throw new FormatError(`entry "${name.slice(0, 100)}" runs past the end of the file`);
    entries.push({ name, method, crc32: crc, compressedSize, size, localHeaderOffset });
    p = end;
  }
  return { entries, comment, truncated: count > maxEntries };
}

/** Reads one entry's bytes (STORED or DEFLATE); refuses entries whose size exceeds `maxBytes`. */
export async function readZipEntry(src: RangeSource, entry: ZipEntry, maxBytes: number): Promise<Uint8Array> {
  if (entry.size > maxBytes) throw new FormatError(`"${entry.name}" is larger than the ${maxBytes}-byte limit`);
  const start = await zipEntryDataOffset(src, entry);
  if (entry.method === 0) {
    if (entry.compressedSize !== entry.size) throw new FormatError(`stored entry "${entry.name}" has inconsistent sizes`);
    return readExact(src, start, entry.size, entry.name);
  }
  if (entry.method === 8) {
    if (entry.compressedSize > maxBytes) throw new FormatError(`"${entry.name}" is larger than the ${maxBytes}-byte limit`);
    const raw = await readExact(src, start, entry.compressedSize, entry.name);
    try {
      return new Uint8Array(inflateRawSync(raw, { maxOutputLength: Math.max(1, maxBytes) }));
    } catch {
      throw new FormatError(`"${entry.name}" could not be inflated (corrupt or over the size limit)`);
    }
  }
  throw new FormatError(`"${entry.name}" uses unsupported compression method ${entry.method}`);
}

export async function zipEntryDataOffset(src: RangeSource, entry: ZipEntry): Promise<number> {
  const h = view(await readExact(src, entry.localHeaderOffset, 30, 'local header'));
  if (h.getUint32(0, true) !== LFH_SIG) throw new FormatError(`local header of "${entry.name}" is missing`);
  return entry.localHeaderOffset + 30 + h.getUint16(26, true) + h.getUint16(28, true);
}

function safe(v: bigint, what: string): number {
  if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw new FormatError(`${what} is out of range`);
  return Number(v);
}
