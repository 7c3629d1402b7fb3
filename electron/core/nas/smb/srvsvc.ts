// Share enumeration: DCE/RPC over the \srvsvc pipe on IPC$, NetrShareEnum level 1 ([MS-SRVS] 3.1.4.8),
// with a hand-written NDR writer/reader for exactly this call.
import { EngineError } from '../../errors';

export interface ShareInfo {
  name: string;
  /** STYPE_* value ([MS-SRVS] 2.2.2.4): 0 disk, 1 printer, 3 IPC; 0x80000000 = special (admin). */
  type: number;
  comment: string;
}

const SRVSVC_UUID = '4b324fc8-1670-01d3-1278-5a47bf6ee188';
const NDR_UUID = '8a885d04-1ceb-11c9-9fe8-08002b104860';
export const MAX_FRAG = 4280;

function uuidBytes(uuid: string): Buffer {
  const h = uuid.replace(/-/g, '');
  const b = Buffer.from(h, 'hex');
  // First three fields are little-endian on the wire.
  return Buffer.concat([Buffer.from(b.subarray(0, 4)).reverse(), Buffer.from(b.subarray(4, 6)).reverse(), Buffer.from(b.subarray(6, 8)).reverse(), b.subarray(8)]);
}

function rpcHeader(ptype: number, fragLength: number, callId: number): Buffer {
  const h = Buffer.alloc(16);
  h[0] = 5;
  h[1] = 0;
  h[2] = ptype;
  h[3] = 0x03; // first + last fragment
  h.writeUInt32LE(0x00000010, 4); // little-endian, ASCII, IEEE
  h.writeUInt16LE(fragLength, 8);
  h.writeUInt16LE(0, 10);
  h.writeUInt32LE(callId, 12);
  return h;
}

export function bindPdu(callId: number): Buffer {
  const body = Buffer.alloc(8 + 4 + 4 + 20 + 20);
  body.writeUInt16LE(MAX_FRAG, 0);
  body.writeUInt16LE(MAX_FRAG, 2);
  body.writeUInt32LE(0, 4); // assoc group
  body[8] = 1; // one context
  body.writeUInt16LE(0, 12); // context id
  body[14] = 1; // one transfer syntax
  uuidBytes(SRVSVC_UUID).copy(body, 16);
  body.writeUInt16LE(3, 32); // srvsvc v3.0
  body.writeUInt16LE(0, 34);
  uuidBytes(NDR_UUID).copy(body, 36);
  body.writeUInt32LE(2, 52); // NDR v2
  return Buffer.concat([rpcHeader(11, 16 + body.length, callId), body]);
}

class NdrWriter {
  private parts: Buffer[] = [];
  private len = 0;
  private referent = 0x00020000;
  u32(v: number): this {
    const b = Buffer.alloc(4);
    b.writeUInt32LE(v >>> 0, 0);
    return this.push(b);
  }
  ptr(): this {
    const r = this.referent;
    this.referent += 4;
    return this.u32(r);
  }
  /** Conformant varying UTF-16 string with terminator, padded to 4. */
  wstring(s: string): this {
    const chars = Buffer.from(`${s}\0`, 'utf16le');
    const n = chars.length / 2;
    this.u32(n).u32(0).u32(n).push(chars);
    return this.align(4);
  }
  align(n: number): this {
    const pad = (n - (this.len % n)) % n;
    return pad ? this.push(Buffer.alloc(pad)) : this;
  }
  private push(b: Buffer): this {
    this.parts.push(b);
    this.len += b.length;
    return this;
  }
  done(): Buffer {
    return Buffer.concat(this.parts);
  }
}

export function netShareEnumAllRequest(server: string, callId: number): Buffer {
  const stub = new NdrWriter()
    .ptr()
    .wstring(`\\\\${server}`) // ServerName (unique pointer + string)
    .u32(1) // InfoStruct.Level
    .u32(1) // union switch
    .ptr() // -> SHARE_INFO_1_CONTAINER
    .u32(0) // EntriesRead
    .u32(0) // Buffer = NULL
    .u32(0xffffffff) // PreferedMaximumLength
    .ptr()
    .u32(0) // ResumeHandle
    .done();
  const req = Buffer.alloc(8);
  req.writeUInt32LE(stub.length, 0); // alloc hint
  req.writeUInt16LE(0, 4); // context id
  req.writeUInt16LE(15, 6); // opnum NetrShareEnum
  return Buffer.concat([rpcHeader(0, 16 + 8 + stub.length, callId), req, stub]);
}

export interface RpcFragment {
  ptype: number;
  last: boolean;
  stub: Buffer;
  /** Status for fault PDUs. */
  fault?: number;
}

export function parseRpcFragment(b: Buffer): RpcFragment {
  if (b.length < 16 || b[0] !== 5) throw new EngineError('IO', 'The NAS sent a malformed RPC reply.');
  const ptype = b[2]!;
  const last = (b[3]! & 0x02) !== 0;
  const fragLen = b.readUInt16LE(8);
  const authLen = b.readUInt16LE(10);
  if (ptype === 3) return { ptype, last, stub: Buffer.alloc(0), fault: b.readUInt32LE(24) };
  if (ptype === 2) return { ptype, last, stub: b.subarray(24, fragLen - authLen - (authLen ? 8 : 0)) };
  return { ptype, last, stub: b.subarray(16, fragLen) };
}

class NdrReader {
  off = 0;
  constructor(private readonly b: Buffer) {}
  u32(): number {
    this.align(4);
    if (this.off + 4 > this.b.length) throw new EngineError('IO', 'The NAS sent a truncated share list.');
    const v = this.b.readUInt32LE(this.off);
    this.off += 4;
    return v;
  }
  align(n: number): void {
    this.off = Math.ceil(this.off / n) * n;
  }
  wstring(): string {
    this.u32(); // max count
    this.u32(); // offset
    const actual = this.u32();
    const s = this.b.toString('utf16le', this.off, this.off + actual * 2);
    this.off += actual * 2;
    this.align(4);
    return s.replace(/\0+$/, '');
  }
}

export function parseNetShareEnumAllResponse(stub: Buffer): ShareInfo[] {
  const r = new NdrReader(stub);
  r.u32(); // Level
  r.u32(); // switch
  const containerPtr = r.u32();
  if (containerPtr === 0) return [];
  const count = r.u32();
  const bufPtr = r.u32();
  const out: ShareInfo[] = [];
  if (bufPtr !== 0) {
    const max = r.u32();
    const fixed: Array<{ namePtr: number; type: number; remarkPtr: number }> = [];
    for (let i = 0; i < max; i++) fixed.push({ namePtr: r.u32(), type: r.u32(), remarkPtr: r.u32() });
    for (const f of fixed) {
      const name = f.namePtr ? r.wstring() : '';
      const comment = f.remarkPtr ? r.wstring() : '';
      out.push({ name, type: f.type >>> 0, comment });
    }
  }
  r.u32(); // TotalEntries
  if (r.u32() !== 0) r.u32(); // ResumeHandle pointer + value
  const werr = r.u32();
  if (werr !== 0) throw new EngineError('IO', `The NAS refused to list its shares (WERROR 0x${werr.toString(16)}).`);
  return out.slice(0, count);
}

/** Shares a person can browse: disk shares, not IPC$/ADMIN$/C$ or printers. */
export function isBrowsableShare(s: ShareInfo): boolean {
  return (s.type & 0x0fffffff) === 0 && (s.type & 0x80000000) === 0 && !s.name.endsWith('$');
}
