// HDF5 (.h5/.hdf5; legacy Keras models). The signature `89 48 44 46 0D 0A 1A 0A` sits at 0, 512,
// 1024, 2048, … (after a user block). From the superblock we follow the root group's object header
// and read its attribute messages (Keras writes keras_version, backend, model_config, training_config
// there as strings) and link messages (child names of new-style groups). Everything is bounded:
// a few small reads, no B-tree walking, no dataset data.
import { clip, decodeUtf8, readExact } from './bytes';
import { FbFile, NeedBytes, readWithWindows } from './flatbuffers';
import type { RangeSource } from './range-source';
import { type FormatInfo, FormatError } from './types';

const SIGNATURE = [0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a];
const HEAD = 64 * 1024;
const MAX_ATTR_VALUE = 4 * 1024 * 1024;
const MAX_CONTINUATIONS = 16;

const hasSignature = (b: Uint8Array, at: number) => SIGNATURE.every((x, i) => b[at + i] === x);

export async function readHdf5(src: RangeSource): Promise<FormatInfo> {
  if (src.size < 8) throw new FormatError('file is too small to be HDF5');
  const head = await readExact(src, 0, Math.min(src.size, HEAD), 'header');
  let sb = -1;
  for (let at = 0; at + 8 <= head.length; at = at === 0 ? 512 : at * 2) {
    if (hasSignature(head, at)) {
      sb = at;
      break;
    }
  }
  for (let at = HEAD; sb < 0 && at + 8 <= src.size; at *= 2) {
    if (hasSignature(await readExact(src, at, 8, 'signature'), 0)) sb = at;
  }
  if (sb < 0) throw new FormatError('no HDF5 signature at 0, 512, 1024, …: not an HDF5 file');

  const f = new FbFile(src.size);
  f.add(0, head);
  const warnings: string[] = [];
  const info = await readWithWindows(src, f, () => parse(f, sb), { chunk: HEAD, maxExtraReads: 24 }).catch((err: unknown) => {
    if (err instanceof FormatError) {
      warnings.push(`root group could not be read (${err.message})`);
      return null;
    }
    throw err;
  });
  const metadata: Record<string, unknown> = { superblockOffset: sb, superblockVersion: head.length > sb + 8 ? head[sb + 8] : undefined };
  if (!info) return { format: 'hdf5', kind: 'other', metadata, warnings };
  const attrs = await resolveAttributes(src, f, info);
  warnings.push(...info.warnings);
  if (info.links.length) metadata.rootGroups = info.links.slice(0, 100);
  if (Object.keys(attrs).length) metadata.rootAttributes = Object.keys(attrs).slice(0, 100);
  let kind: FormatInfo['kind'] = 'other';
  if (typeof attrs.keras_version === 'string') {
    kind = 'model';
    metadata.kerasVersion = clip(attrs.keras_version, 50);
    if (typeof attrs.backend === 'string') metadata.backend = clip(attrs.backend, 50);
    if (typeof attrs.model_config === 'string') {
      try {
        const cfg = JSON.parse(attrs.model_config) as { class_name?: unknown; config?: { name?: unknown; layers?: unknown } };
        if (typeof cfg.class_name === 'string') metadata.className = clip(cfg.class_name, 200);
        if (typeof cfg.config?.name === 'string') metadata.modelName = clip(cfg.config.name, 200);
        if (Array.isArray(cfg.config?.layers)) metadata.layers = cfg.config.layers.length;
      } catch {
        warnings.push('model_config attribute is not valid JSON');
      }
    }
    if (typeof attrs.training_config === 'string') metadata.hasTrainingConfig = true;
  }
  return { format: 'hdf5', kind, metadata, warnings };
}

interface RawAttr {
  name: string;
  /** fixed string value, already decoded */
  text?: string;
  /** variable-length string: where its bytes live in a global heap collection */
  vlen?: { collection: number; index: number; length: number };
}

interface RootInfo {
  attrs: RawAttr[];
  links: string[];
  offsetSize: number;
  lengthSize: number;
  warnings: string[];
}

function parse(f: FbFile, sb: number): RootInfo {
  const version = f.u8(sb + 8);
  let offsetSize: number;
  let lengthSize: number;
  let base: number;
  let rootHeader: number;
  const addr = (pos: number, size: number): number => {
    if (size === 8) {
      const lo = f.u32(pos);
      const hi = f.u32(pos + 4);
      if (lo === 0xffffffff && hi === 0xffffffff) return -1;
      if (hi > 0x1fffff) throw new FormatError('address out of range');
      return hi * 2 ** 32 + lo;
    }
    if (size === 4) {
      const v = f.u32(pos);
      return v === 0xffffffff ? -1 : v;
    }
    if (size === 2) return f.u16(pos);
    throw new FormatError(`unsupported size of offsets ${size}`);
  };
  if (version === 0 || version === 1) {
    offsetSize = f.u8(sb + 13);
    lengthSize = f.u8(sb + 14);
    const p = sb + (version === 0 ? 24 : 28);
    base = addr(p, offsetSize);
    const rootEntry = p + 4 * offsetSize;
    rootHeader = addr(rootEntry + offsetSize, offsetSize);
  } else if (version === 2 || version === 3) {
    offsetSize = f.u8(sb + 9);
    lengthSize = f.u8(sb + 10);
    base = addr(sb + 12, offsetSize);
    rootHeader = addr(sb + 12 + 3 * offsetSize, offsetSize);
  } else {
    throw new FormatError(`unsupported superblock version ${version}`);
  }
  if (![2, 4, 8].includes(offsetSize) || ![2, 4, 8].includes(lengthSize)) throw new FormatError('invalid sizes in the superblock');
  if (base < 0) base = sb;
  if (rootHeader < 0) throw new FormatError('root group address is undefined');
  const info: RootInfo = { attrs: [], links: [], offsetSize, lengthSize, warnings: [] };
  const abs = (a: number) => base + a;
  const len = (pos: number) => addr(pos, lengthSize);

  const blocks: Array<{ start: number; end: number; v: 1 | 2; crOrder: boolean }> = [];
  const h = abs(rootHeader);
  if (f.u8(h) === 1) {
    const size = f.u32(h + 8);
    blocks.push({ start: h + 16, end: h + 16 + size, v: 1, crOrder: false });
  } else if (String.fromCharCode(f.u8(h), f.u8(h + 1), f.u8(h + 2), f.u8(h + 3)) === 'OHDR') {
    const flags = f.u8(h + 5);
    let p = h + 6;
    if (flags & 0x20) p += 16;
    if (flags & 0x10) p += 4;
    const width = 1 << (flags & 3);
    const size = width === 8 ? addr(p, 8) : width === 4 ? f.u32(p) : width === 2 ? f.u16(p) : f.u8(p);
    p += width;
    blocks.push({ start: p, end: p + size, v: 2, crOrder: (flags & 0x04) !== 0 });
  } else throw new FormatError('root object header has an unknown version');

  for (let b = 0; b < blocks.length; b++) {
    const blk = blocks[b] as (typeof blocks)[number];
    if (blk.end > f.size) throw new FormatError('object header runs past the end of the file');
    let p = blk.start;
    let count = 0;
    while (p + (blk.v === 1 ? 8 : 4) <= blk.end) {
      if (++count > 10_000) throw new FormatError('too many header messages');
      let type: number;
      let size: number;
      if (blk.v === 1) {
        type = f.u16(p);
        size = f.u16(p + 2);
        p += 8;
      } else {
        type = f.u8(p);
        size = f.u16(p + 1);
        p += 4;
        if (blk.crOrder) p += 2; // creation order of each message is tracked
      }
      if (p + size > blk.end) throw new FormatError('header message runs past its block');
      if (type === 0x0c) {
        if (info.attrs.length < 200) {
          try {
            info.attrs.push(attribute(f, p, size, lengthSize, offsetSize, (x) => addr(x, offsetSize), abs));
          } catch (err) {
            if (err instanceof NeedBytes) throw err;
            info.warnings.push(`an attribute could not be read (${err instanceof Error ? err.message : String(err)})`);
          }
        }
      } else if (type === 0x06) {
        const name = linkName(f, p, size);
        if (name !== null && info.links.length < 1000) info.links.push(name);
      } else if (type === 0x10) {
        if (blocks.length > MAX_CONTINUATIONS) throw new FormatError('too many object header continuations');
        const at = abs(addr(p, offsetSize));
        const length = len(p + offsetSize);
        if (blk.v === 2) blocks.push({ start: at + 4, end: at + length - 4, v: 2, crOrder: blk.crOrder });
        else blocks.push({ start: at, end: at + length, v: 1, crOrder: false });
      } else if (type === 0x15) {
        info.warnings.push('attributes are stored densely (in a fractal heap) and were not read');
      }
      p += size;
    }
  }
  return info;
}

function padded8(n: number): number {
  return Math.ceil(n / 8) * 8;
}

function attribute(f: FbFile, p: number, size: number, lengthSize: number, offsetSize: number, addrAt: (pos: number) => number, abs: (a: number) => number): RawAttr {
  const version = f.u8(p);
  const nameSize = f.u16(p + 2);
  const typeSize = f.u16(p + 4);
  const spaceSize = f.u16(p + 6);
  let q = p + (version === 3 ? 9 : 8);
  const name = decodeUtf8(f.bytes(q, Math.max(0, nameSize - 1))).replace(/\0+$/, '');
  q += version === 1 ? padded8(nameSize) : nameSize;
  const typeAt = q;
  q += version === 1 ? padded8(typeSize) : typeSize;
  const spaceAt = q;
  q += version === 1 ? padded8(spaceSize) : spaceSize;
  const dataEnd = p + size;
  if (version < 1 || version > 3 || q > dataEnd) throw new FormatError(`attribute "${clip(name, 100)}" is malformed`);
  const cls = f.u8(typeAt) & 0x0f;
  const elemSize = f.u32(typeAt + 4);
  // elements in the dataspace: scalar → 1; only single strings are decoded
  const spaceVersion = f.u8(spaceAt);
  const rank = f.u8(spaceAt + 1);
  let elements = 1;
  if (spaceVersion === 2 && f.u8(spaceAt + 3) === 2) elements = 0;
  const dimsAt = spaceAt + (spaceVersion === 1 ? 8 : 4);
  for (let i = 0; i < rank; i++) elements *= readLen(f, dimsAt + i * lengthSize, lengthSize);
  const attr: RawAttr = { name };
  if (elements !== 1) return attr;
  if (cls === 3) {
    const n = Math.min(elemSize, dataEnd - q, MAX_ATTR_VALUE);
    attr.text = decodeUtf8(f.bytes(q, Math.max(0, n))).replace(/[\0 ]+$/, '');
  } else if (cls === 9 && (f.u8(typeAt + 1) & 0x0f) === 1) {
    const length = f.u32(q);
    const collection = addrAt(q + 4);
    const index = f.u32(q + 4 + offsetSize);
    if (collection >= 0) attr.vlen = { collection: abs(collection), index, length };
  }
  return attr;
}

function readLen(f: FbFile, pos: number, size: number): number {
  if (size === 8) return f.u32(pos) + f.u32(pos + 4) * 2 ** 32;
  if (size === 4) return f.u32(pos);
  return f.u16(pos);
}

/** Link message (new-style groups): the child's name. */
function linkName(f: FbFile, p: number, size: number): string | null {
  if (f.u8(p) !== 1) return null;
  const flags = f.u8(p + 1);
  let q = p + 2;
  if (flags & 0x08) q += 1;
  if (flags & 0x04) q += 8;
  if (flags & 0x10) q += 1;
  const width = 1 << (flags & 3);
  const n = width === 1 ? f.u8(q) : width === 2 ? f.u16(q) : f.u32(q);
  q += width;
  if (q + n > p + size || n > 1000) return null;
  return decodeUtf8(f.bytes(q, n));
}

/** Decodes attributes; variable-length strings are fetched from their global heap collection. */
async function resolveAttributes(src: RangeSource, f: FbFile, info: RootInfo): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const a of info.attrs) {
    if (a.text !== undefined) out[a.name] = a.text;
    else if (a.vlen && a.vlen.length <= MAX_ATTR_VALUE) {
      try {
        out[a.name] = await readWithWindows(src, f, () => globalHeapObject(f, a.vlen as NonNullable<RawAttr['vlen']>, info.lengthSize), { chunk: 64 * 1024, maxExtraReads: 4 });
      } catch (err) {
        if (!(err instanceof FormatError)) throw err;
        info.warnings.push(`attribute "${clip(a.name, 100)}" could not be read (${err.message})`);
      }
    }
  }
  return out;
}

function globalHeapObject(f: FbFile, ref: { collection: number; index: number; length: number }, lengthSize: number): string {
  const c = ref.collection;
  if (String.fromCharCode(f.u8(c), f.u8(c + 1), f.u8(c + 2), f.u8(c + 3)) !== 'GCOL') throw new FormatError('global heap collection signature missing');
  const size = readLen(f, c + 8, lengthSize);
  let p = c + 8 + lengthSize;
  const end = c + size;
  for (let i = 0; i < 100_000 && p + 8 + lengthSize <= end; i++) {
    const index = f.u16(p);
    const objSize = readLen(f, p + 8, lengthSize);
    if (index === 0) break;
    if (index === ref.index) return decodeUtf8(f.bytes(p + 8 + lengthSize, Math.min(objSize, ref.length, MAX_ATTR_VALUE)));
    p += 8 + lengthSize + padded8(objSize);
  }
  throw new FormatError('global heap object not found');
}
