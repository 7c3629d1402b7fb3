// SMB2 header and the request/response bodies this client uses ([MS-SMB2] 2.2). Requests are built
// as (header fields, body) and assembled by the transport; responses are parsed from the raw
// message, because their offsets are relative to the start of the SMB2 header.
import { randomBytes } from 'node:crypto';
import {
  Capabilities,
  Cipher,
  Command,
  CreateDisposition,
  HashAlgorithm,
  NegotiateContextType,
  ShareAccess,
  SigningAlgorithm,
} from './constants';

export const HEADER_SIZE = 64;
export const PROTOCOL_ID = Buffer.from([0xfe, 0x53, 0x4d, 0x42]);
export const TRANSFORM_ID = Buffer.from([0xfd, 0x53, 0x4d, 0x42]);
export const SMB1_ID = Buffer.from([0xff, 0x53, 0x4d, 0x42]);

export interface HeaderFields {
  creditCharge: number;
  status: number;
  command: number;
  credits: number;
  flags: number;
  nextCommand: number;
  messageId: bigint;
  asyncId: bigint;
  treeId: number;
  sessionId: bigint;
}

export interface HeaderToSend {
  command: number;
  creditCharge: number;
  creditRequest: number;
  flags: number;
  messageId: bigint;
  treeId: number;
  sessionId: bigint;
}

export function encodeHeader(h: HeaderToSend): Buffer {
  const b = Buffer.allocUnsafe(HEADER_SIZE);
  writeHeader(b, 0, h);
  return b;
}

/** Writes a sync SMB2 header at `off` (all 64 bytes, reserved fields zeroed). */
export function writeHeader(b: Buffer, off: number, h: HeaderToSend): void {
  b.fill(0, off, off + HEADER_SIZE);
  b.writeUInt32BE(0xfe534d42, off);
  b.writeUInt16LE(64, off + 4);
  b.writeUInt16LE(h.creditCharge, off + 6);
  b.writeUInt16LE(h.command, off + 12);
  b.writeUInt16LE(h.creditRequest, off + 14);
  b.writeUInt32LE(h.flags >>> 0, off + 16);
  b.writeBigUInt64LE(h.messageId, off + 24);
  b.writeUInt32LE(h.treeId >>> 0, off + 36);
  b.writeBigUInt64LE(h.sessionId, off + 40);
}

export function parseHeader(b: Buffer, off = 0): HeaderFields {
  if (b.length - off < HEADER_SIZE || b.readUInt32BE(off) !== 0xfe534d42) throw new Error('SMB2: bad header');
  const flags = b.readUInt32LE(off + 16);
  const async = (flags & 0x2) !== 0;
  return {
    creditCharge: b.readUInt16LE(off + 6),
    status: b.readUInt32LE(off + 8),
    command: b.readUInt16LE(off + 12),
    credits: b.readUInt16LE(off + 14),
    flags,
    nextCommand: b.readUInt32LE(off + 20),
    messageId: b.readBigUInt64LE(off + 24),
    asyncId: async ? b.readBigUInt64LE(off + 32) : 0n,
    treeId: async ? 0 : b.readUInt32LE(off + 36),
    sessionId: b.readBigUInt64LE(off + 40),
  };
}

/** An SMB2 message as received: parsed header plus the raw bytes of this one message. */
export interface SmbMessage extends HeaderFields {
  raw: Buffer;
  /**
   * READ replies read straight into the request's `readInto`: how many data bytes landed there
   * (`raw` then ends where the data would start).
   */
  placed?: number;
}

function utf16(s: string): Buffer {
  return Buffer.from(s, 'utf16le');
}

function pad8(n: number): number {
  return (n + 7) & ~7;
}

// ---------------------------------------------------------------- NEGOTIATE

export interface NegotiateRequestOptions {
  dialects: number[];
  securityMode: number;
  capabilities: number;
  clientGuid: Buffer;
  /** Only with 3.1.1 among the dialects. */
  preauthSalt?: Buffer;
  ciphers?: number[];
  signingAlgorithms?: number[];
}

function negContext(type: number, data: Buffer): Buffer {
  const h = Buffer.alloc(8);
  h.writeUInt16LE(type, 0);
  h.writeUInt16LE(data.length, 2);
  return Buffer.concat([h, data]);
}

export function negotiateRequest(o: NegotiateRequestOptions): Buffer {
  const fixed = Buffer.alloc(36);
  fixed.writeUInt16LE(36, 0);
  fixed.writeUInt16LE(o.dialects.length, 2);
  fixed.writeUInt16LE(o.securityMode, 4);
  fixed.writeUInt32LE(o.capabilities >>> 0, 8);
  o.clientGuid.copy(fixed, 12);
  const dialects = Buffer.alloc(o.dialects.length * 2);
  o.dialects.forEach((d, i) => {
    dialects.writeUInt16LE(d, i * 2);
  });
  if (!o.dialects.includes(0x0311)) return Buffer.concat([fixed, dialects]);

  const contexts: Buffer[] = [];
  const salt = o.preauthSalt ?? randomBytes(32);
  const pre = Buffer.alloc(6 + salt.length);
  pre.writeUInt16LE(1, 0);
  pre.writeUInt16LE(salt.length, 2);
  pre.writeUInt16LE(HashAlgorithm.SHA512, 4);
  salt.copy(pre, 6);
  contexts.push(negContext(NegotiateContextType.PREAUTH_INTEGRITY_CAPABILITIES, pre));
  if (o.ciphers && o.ciphers.length > 0) {
    const enc = Buffer.alloc(2 + o.ciphers.length * 2);
    enc.writeUInt16LE(o.ciphers.length, 0);
    o.ciphers.forEach((c, i) => {
      enc.writeUInt16LE(c, 2 + i * 2);
    });
    contexts.push(negContext(NegotiateContextType.ENCRYPTION_CAPABILITIES, enc));
  }
  if (o.signingAlgorithms && o.signingAlgorithms.length > 0) {
    const sig = Buffer.alloc(2 + o.signingAlgorithms.length * 2);
    sig.writeUInt16LE(o.signingAlgorithms.length, 0);
    o.signingAlgorithms.forEach((a, i) => {
      sig.writeUInt16LE(a, 2 + i * 2);
    });
    contexts.push(negContext(NegotiateContextType.SIGNING_CAPABILITIES, sig));
  }
  const contextStart = pad8(HEADER_SIZE + 36 + dialects.length);
  fixed.writeUInt32LE(contextStart, 28);
  fixed.writeUInt16LE(contexts.length, 32);
  const parts: Buffer[] = [fixed, dialects, Buffer.alloc(contextStart - (HEADER_SIZE + 36 + dialects.length))];
  contexts.forEach((c, i) => {
    parts.push(c);
    if (i < contexts.length - 1) parts.push(Buffer.alloc(pad8(c.length) - c.length));
  });
  return Buffer.concat(parts);
}

export interface NegotiateResponse {
  securityMode: number;
  dialect: number;
  serverGuid: Buffer;
  capabilities: number;
  maxTransactSize: number;
  maxReadSize: number;
  maxWriteSize: number;
  securityBuffer: Buffer;
  preauthHashAlgorithm?: number;
  cipher?: number;
  signingAlgorithm?: number;
}

export function parseNegotiateResponse(m: SmbMessage): NegotiateResponse {
  const b = m.raw;
  const o = HEADER_SIZE;
  if (b.length < o + 64) throw new Error('SMB2: short NEGOTIATE response');
  const secOff = b.readUInt16LE(o + 56);
  const secLen = b.readUInt16LE(o + 58);
  const r: NegotiateResponse = {
    securityMode: b.readUInt16LE(o + 2),
    dialect: b.readUInt16LE(o + 4),
    serverGuid: Buffer.from(b.subarray(o + 8, o + 24)),
    capabilities: b.readUInt32LE(o + 24),
    maxTransactSize: b.readUInt32LE(o + 28),
    maxReadSize: b.readUInt32LE(o + 32),
    maxWriteSize: b.readUInt32LE(o + 36),
    securityBuffer: Buffer.from(b.subarray(secOff, secOff + secLen)),
  };
  if (r.dialect === 0x0311) {
    const count = b.readUInt16LE(o + 6);
    let off = b.readUInt32LE(o + 60);
    for (let i = 0; i < count && off + 8 <= b.length; i++) {
      const type = b.readUInt16LE(off);
      const len = b.readUInt16LE(off + 2);
      const data = b.subarray(off + 8, off + 8 + len);
      if (type === NegotiateContextType.PREAUTH_INTEGRITY_CAPABILITIES && data.length >= 6) {
        r.preauthHashAlgorithm = data.readUInt16LE(4);
      } else if (type === NegotiateContextType.ENCRYPTION_CAPABILITIES && data.length >= 4) {
        r.cipher = data.readUInt16LE(2);
      } else if (type === NegotiateContextType.SIGNING_CAPABILITIES && data.length >= 4) {
        r.signingAlgorithm = data.readUInt16LE(2);
      }
      off = pad8(off + 8 + len);
    }
  }
  return r;
}

/** In order of preference (the NAS picks by its own preference among these). */
export const DEFAULT_CIPHERS = [Cipher.AES128GCM, Cipher.AES256GCM, Cipher.AES128CCM, Cipher.AES256CCM];
export const DEFAULT_SIGNING = [SigningAlgorithm.AES_GMAC, SigningAlgorithm.AES_CMAC, SigningAlgorithm.HMAC_SHA256];
export const CLIENT_CAPABILITIES = Capabilities.LARGE_MTU | Capabilities.ENCRYPTION | Capabilities.LEASING;

// ---------------------------------------------------------------- SESSION_SETUP, LOGOFF, TREE_*

export function sessionSetupRequest(securityMode: number, token: Buffer): Buffer {
  const b = Buffer.alloc(24);
  b.writeUInt16LE(25, 0);
  b[2] = 0; // Flags
  b[3] = securityMode;
  b.writeUInt32LE(0, 4); // Capabilities (DFS not asked)
  b.writeUInt16LE(HEADER_SIZE + 24, 12);
  b.writeUInt16LE(token.length, 14);
  return Buffer.concat([b, token]);
}

export function parseSessionSetupResponse(m: SmbMessage): { sessionFlags: number; token: Buffer } {
  const b = m.raw;
  const o = HEADER_SIZE;
  const off = b.readUInt16LE(o + 4);
  const len = b.readUInt16LE(o + 6);
  return { sessionFlags: b.readUInt16LE(o + 2), token: Buffer.from(b.subarray(off, off + len)) };
}

/** LOGOFF, TREE_DISCONNECT and ECHO share the same 4-byte body. */
export function emptyRequest(): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt16LE(4, 0);
  return b;
}

export function treeConnectRequest(uncPath: string): Buffer {
  const path = utf16(uncPath);
  const b = Buffer.alloc(8);
  b.writeUInt16LE(9, 0);
  b.writeUInt16LE(HEADER_SIZE + 8, 4);
  b.writeUInt16LE(path.length, 6);
  return Buffer.concat([b, path]);
}

export function parseTreeConnectResponse(m: SmbMessage): { shareType: number; shareFlags: number; capabilities: number; maximalAccess: number } {
  const b = m.raw;
  const o = HEADER_SIZE;
  return { shareType: b[o + 2]!, shareFlags: b.readUInt32LE(o + 4), capabilities: b.readUInt32LE(o + 8), maximalAccess: b.readUInt32LE(o + 12) };
}

// ---------------------------------------------------------------- CREATE / CLOSE

/** FileId of the previous request in a related compound. */
export const RELATED_FILE_ID = Buffer.alloc(16, 0xff);

export interface CreateContext {
  /** 4-character tag, e.g. 'MxAc' (query maximal access) or 'RqLs' (request a lease). */
  name: string;
  data: Buffer;
}

export function createRequest(o: {
  name: string;
  desiredAccess: number;
  createOptions: number;
  shareAccess?: number;
  disposition?: number;
  fileAttributes?: number;
  oplockLevel?: number;
  contexts?: CreateContext[];
}): Buffer {
  const name = utf16(o.name);
  const b = Buffer.alloc(56);
  b.writeUInt16LE(57, 0);
  b[2] = 0; // SecurityFlags
  b[3] = o.oplockLevel ?? 0; // RequestedOplockLevel: none (0xFF = lease)
  b.writeUInt32LE(2, 4); // ImpersonationLevel: Impersonation
  b.writeUInt32LE(o.desiredAccess >>> 0, 24);
  b.writeUInt32LE(o.fileAttributes ?? 0, 28);
  b.writeUInt32LE(o.shareAccess ?? ShareAccess.READ | ShareAccess.WRITE | ShareAccess.DELETE, 32);
  b.writeUInt32LE(o.disposition ?? CreateDisposition.OPEN, 36);
  b.writeUInt32LE(o.createOptions >>> 0, 40);
  b.writeUInt16LE(HEADER_SIZE + 56, 44);
  b.writeUInt16LE(name.length, 46);
  // The buffer must hold at least one byte even for the share root (empty name).
  const nameBuf = name.length > 0 ? name : Buffer.alloc(1);
  if (!o.contexts || o.contexts.length === 0) return Buffer.concat([b, nameBuf]);
  // Create contexts start 8-aligned (offsets count from the SMB2 header).
  const ctxStart = pad8(HEADER_SIZE + 56 + nameBuf.length);
  const ctx = encodeCreateContexts(o.contexts);
  b.writeUInt32LE(ctxStart, 48);
  b.writeUInt32LE(ctx.length, 52);
  return Buffer.concat([b, nameBuf, Buffer.alloc(ctxStart - (HEADER_SIZE + 56 + nameBuf.length)), ctx]);
}

/** A chain of SMB2_CREATE_CONTEXT structures ([MS-SMB2] 2.2.13.2), each 8-aligned. */
export function encodeCreateContexts(list: CreateContext[]): Buffer {
  const parts: Buffer[] = [];
  list.forEach((c, i) => {
    const name = Buffer.from(c.name, 'latin1');
    const dataOff = c.data.length > 0 ? pad8(16 + name.length) : 0;
    const len = c.data.length > 0 ? dataOff + c.data.length : 16 + name.length;
    const total = i < list.length - 1 ? pad8(len) : len;
    const e = Buffer.alloc(total);
    e.writeUInt32LE(i < list.length - 1 ? total : 0, 0); // Next
    e.writeUInt16LE(16, 4); // NameOffset
    e.writeUInt16LE(name.length, 6);
    e.writeUInt16LE(dataOff, 10);
    e.writeUInt32LE(c.data.length, 12);
    name.copy(e, 16);
    c.data.copy(e, dataOff);
    parts.push(e);
  });
  return Buffer.concat(parts);
}

/** Create contexts of a CREATE response, by tag. */
export function parseCreateContexts(m: SmbMessage): Map<string, Buffer> {
  const b = m.raw;
  const o = HEADER_SIZE;
  const out = new Map<string, Buffer>();
  if (b.length < o + 88) return out;
  let off = b.readUInt32LE(o + 80);
  const len = b.readUInt32LE(o + 84);
  if (off === 0 || len === 0 || off + len > b.length) return out;
  const end = off + len;
  for (;;) {
    if (off + 16 > end) break;
    const next = b.readUInt32LE(off);
    const nameOff = b.readUInt16LE(off + 4);
    const nameLen = b.readUInt16LE(off + 6);
    const dataOff = b.readUInt16LE(off + 10);
    const dataLen = b.readUInt32LE(off + 12);
    const name = b.toString('latin1', off + nameOff, off + nameOff + nameLen);
    if (off + dataOff + dataLen <= end) out.set(name, b.subarray(off + dataOff, off + dataOff + dataLen));
    if (next === 0) break;
    off += next;
  }
  return out;
}

/** 'MxAc' response: QueryStatus, MaximalAccess. Undefined when absent or refused. */
export function parseMaximalAccess(ctx: Map<string, Buffer>): number | undefined {
  const d = ctx.get('MxAc');
  if (!d || d.length < 8 || d.readUInt32LE(0) !== 0) return undefined;
  return d.readUInt32LE(4);
}

/** 'RqLs' request: lease v1 (32 bytes, SMB 2.1) or v2 (52 bytes, SMB 3.x). */
export function leaseContext(key: Buffer, state: number, v2: boolean): CreateContext {
  const d = Buffer.alloc(v2 ? 52 : 32);
  key.copy(d, 0);
  d.writeUInt32LE(state, 16);
  return { name: 'RqLs', data: d };
}

/** Granted lease state from a CREATE response's 'RqLs' context (0 when none). */
export function parseLease(ctx: Map<string, Buffer>): { key: Buffer; state: number } | undefined {
  const d = ctx.get('RqLs');
  if (!d || d.length < 32) return undefined;
  return { key: Buffer.from(d.subarray(0, 16)), state: d.readUInt32LE(16) };
}

/** Lease break notification ([MS-SMB2] 2.2.23.2), sent unsolicited with MessageId 0xFFFF…. */
export function parseLeaseBreak(m: SmbMessage): { ackRequired: boolean; key: Buffer; current: number; next: number } | undefined {
  const b = m.raw;
  const o = HEADER_SIZE;
  if (b.length < o + 44 || b.readUInt16LE(o) !== 44) return undefined;
  return {
    ackRequired: (b.readUInt32LE(o + 4) & 1) !== 0,
    key: Buffer.from(b.subarray(o + 8, o + 24)),
    current: b.readUInt32LE(o + 24),
    next: b.readUInt32LE(o + 28),
  };
}

/** Lease break acknowledgment ([MS-SMB2] 2.2.24.2). */
export function leaseBreakAck(key: Buffer, state: number): Buffer {
  const b = Buffer.alloc(36);
  b.writeUInt16LE(36, 0);
  key.copy(b, 8);
  b.writeUInt32LE(state, 24);
  return b;
}

export interface CreateResponse {
  createAction: number;
  creationTime: bigint;
  lastWriteTime: bigint;
  changeTime: bigint;
  allocationSize: bigint;
  endOfFile: bigint;
  fileAttributes: number;
  fileId: Buffer;
}

export function parseCreateResponse(m: SmbMessage): CreateResponse {
  const b = m.raw;
  const o = HEADER_SIZE;
  if (b.length < o + 88) throw new Error('SMB2: short CREATE response');
  return {
    createAction: b.readUInt32LE(o + 4),
    creationTime: b.readBigUInt64LE(o + 8),
    lastWriteTime: b.readBigUInt64LE(o + 24),
    changeTime: b.readBigUInt64LE(o + 32),
    allocationSize: b.readBigUInt64LE(o + 40),
    endOfFile: b.readBigUInt64LE(o + 48),
    fileAttributes: b.readUInt32LE(o + 56),
    fileId: Buffer.from(b.subarray(o + 64, o + 80)),
  };
}

export function closeRequest(fileId: Buffer): Buffer {
  const b = Buffer.alloc(24);
  b.writeUInt16LE(24, 0);
  fileId.copy(b, 8);
  return b;
}

// ---------------------------------------------------------------- READ

export function readRequest(fileId: Buffer, offset: number, length: number): Buffer {
  const b = Buffer.alloc(49);
  b.writeUInt16LE(49, 0);
  b[2] = 0x50; // Padding: where we would like the data (header + 16)
  b.writeUInt32LE(length >>> 0, 4);
  b.writeBigUInt64LE(BigInt(offset), 8);
  fileId.copy(b, 16);
  b.writeUInt32LE(0, 32); // MinimumCount
  return b;
}

export function parseReadResponse(m: SmbMessage): Buffer {
  const b = m.raw;
  const o = HEADER_SIZE;
  const off = b[o + 2]!;
  const len = b.readUInt32LE(o + 4);
  if (off + len > b.length) throw new Error('SMB2: READ data outside the message');
  return b.subarray(off, off + len);
}

// ---------------------------------------------------------------- QUERY_DIRECTORY / QUERY_INFO

export function queryDirectoryRequest(o: { fileId: Buffer; infoClass: number; flags: number; pattern: string; outputLength: number }): Buffer {
  const pattern = utf16(o.pattern);
  const b = Buffer.alloc(32);
  b.writeUInt16LE(33, 0);
  b[2] = o.infoClass;
  b[3] = o.flags;
  o.fileId.copy(b, 8);
  b.writeUInt16LE(HEADER_SIZE + 32, 24);
  b.writeUInt16LE(pattern.length, 26);
  b.writeUInt32LE(o.outputLength >>> 0, 28);
  return Buffer.concat([b, pattern.length > 0 ? pattern : Buffer.alloc(1)]);
}

/** The output buffer of QUERY_DIRECTORY / QUERY_INFO / CHANGE_NOTIFY responses (same layout). */
export function parseOutputBuffer(m: SmbMessage): Buffer {
  const b = m.raw;
  const o = HEADER_SIZE;
  const off = b.readUInt16LE(o + 2);
  const len = b.readUInt32LE(o + 4);
  if (len === 0) return Buffer.alloc(0);
  if (off + len > b.length) throw new Error('SMB2: output buffer outside the message');
  return b.subarray(off, off + len);
}

export interface DirectoryEntry {
  name: string;
  lastWriteTime: bigint;
  endOfFile: bigint;
  fileAttributes: number;
  /** The server's id of the file or folder (FileIdBothDirectoryInformation only; 0 = not given). */
  fileId?: bigint;
}

/**
 * Walks the records of a QUERY_DIRECTORY reply. FileDirectoryInformation ([MS-FSCC] 2.4.10) and
 * FileIdBothDirectoryInformation (2.4.17) share their first 64 bytes; the latter adds short name and
 * FileId before the name.
 */
function parseDirectoryRecords(buf: Buffer, nameOffset: 64 | 104): DirectoryEntry[] {
  const out: DirectoryEntry[] = [];
  let off = 0;
  while (off + nameOffset <= buf.length) {
    const next = buf.readUInt32LE(off);
    const nameLen = buf.readUInt32LE(off + 60);
    const entry: DirectoryEntry = {
      lastWriteTime: buf.readBigUInt64LE(off + 24),
      endOfFile: buf.readBigUInt64LE(off + 40),
      fileAttributes: buf.readUInt32LE(off + 56),
      name: buf.toString('utf16le', off + nameOffset, off + nameOffset + nameLen),
    };
    if (nameOffset === 104) entry.fileId = buf.readBigUInt64LE(off + 96);
    out.push(entry);
    if (next === 0) break;
    off += next;
  }
  return out;
}

/** FileIdBothDirectoryInformation records: the same fields plus the server's FileId. */
export function parseFileIdBothDirectoryInformation(buf: Buffer): DirectoryEntry[] {
  return parseDirectoryRecords(buf, 104);
}

/** FileDirectoryInformation records. */
export function parseFileDirectoryInformation(buf: Buffer): DirectoryEntry[] {
  return parseDirectoryRecords(buf, 64);
}

export function queryInfoRequest(o: { fileId: Buffer; infoType: number; infoClass: number; outputLength: number }): Buffer {
  const b = Buffer.alloc(41);
  b.writeUInt16LE(41, 0);
  b[2] = o.infoType;
  b[3] = o.infoClass;
  b.writeUInt32LE(o.outputLength >>> 0, 4);
  o.fileId.copy(b, 24);
  return b;
}

export function changeNotifyRequest(o: { fileId: Buffer; watchTree: boolean; outputLength: number; filter: number }): Buffer {
  const b = Buffer.alloc(32);
  b.writeUInt16LE(32, 0);
  b.writeUInt16LE(o.watchTree ? 1 : 0, 2);
  b.writeUInt32LE(o.outputLength >>> 0, 4);
  o.fileId.copy(b, 8);
  b.writeUInt32LE(o.filter >>> 0, 24);
  return b;
}

export function ioctlRequest(o: { ctlCode: number; fileId: Buffer; input: Buffer; maxOutput: number; isFsctl: boolean }): Buffer {
  const b = Buffer.alloc(56);
  b.writeUInt16LE(57, 0);
  b.writeUInt32LE(o.ctlCode >>> 0, 4);
  o.fileId.copy(b, 8);
  b.writeUInt32LE(o.input.length > 0 ? HEADER_SIZE + 56 : 0, 24);
  b.writeUInt32LE(o.input.length, 28);
  b.writeUInt32LE(0, 32); // MaxInputResponse
  b.writeUInt32LE(0, 36); // OutputOffset
  b.writeUInt32LE(0, 40); // OutputCount
  b.writeUInt32LE(o.maxOutput >>> 0, 44);
  b.writeUInt32LE(o.isFsctl ? 1 : 0, 48);
  return Buffer.concat([b, o.input.length > 0 ? o.input : Buffer.alloc(0)]);
}

export function parseIoctlResponse(m: SmbMessage): Buffer {
  const b = m.raw;
  const o = HEADER_SIZE;
  const off = b.readUInt32LE(o + 32);
  const len = b.readUInt32LE(o + 36);
  if (len === 0) return Buffer.alloc(0);
  return b.subarray(off, off + len);
}

/** WRITE request body without the data: the transport sends `data` as the payload after it. */
export function writeRequest(fileId: Buffer, offset: number, length: number): Buffer {
  const b = Buffer.alloc(48);
  b.writeUInt16LE(49, 0);
  b.writeUInt16LE(HEADER_SIZE + 48, 2);
  b.writeUInt32LE(length >>> 0, 4);
  b.writeBigUInt64LE(BigInt(offset), 8);
  fileId.copy(b, 16);
  return b;
}

/** Bytes the server wrote. */
export function parseWriteResponse(m: SmbMessage): number {
  const b = m.raw;
  if (b.length < HEADER_SIZE + 8) throw new Error('SMB2: short WRITE response');
  return b.readUInt32LE(HEADER_SIZE + 4);
}

export function flushRequest(fileId: Buffer): Buffer {
  const b = Buffer.alloc(24);
  b.writeUInt16LE(24, 0);
  fileId.copy(b, 8);
  return b;
}

export function setInfoRequest(o: { fileId: Buffer; infoType: number; infoClass: number; buffer: Buffer }): Buffer {
  const b = Buffer.alloc(32);
  b.writeUInt16LE(33, 0);
  b[2] = o.infoType;
  b[3] = o.infoClass;
  b.writeUInt32LE(o.buffer.length, 4);
  b.writeUInt16LE(HEADER_SIZE + 32, 8);
  o.fileId.copy(b, 16);
  return Buffer.concat([b, o.buffer]);
}

/** FILE_RENAME_INFORMATION_TYPE_2 ([MS-FSCC] 2.4.37.2): the target is a path from the share root. */
export function fileRenameInformation(target: string, replace: boolean): Buffer {
  const name = utf16(target);
  const b = Buffer.alloc(Math.max(24, 20 + name.length));
  b[0] = replace ? 1 : 0;
  b.writeUInt32LE(name.length, 16);
  name.copy(b, 20);
  return b;
}

export function fileDispositionInformation(deletePending: boolean): Buffer {
  return Buffer.from([deletePending ? 1 : 0]);
}

export interface NotifyRecord {
  action: number;
  /** Relative to the watched folder, '\\'-separated as sent. */
  name: string;
}

/** FILE_NOTIFY_INFORMATION records ([MS-FSCC] 2.7.1). */
export function parseFileNotifyInformation(buf: Buffer): NotifyRecord[] {
  const out: NotifyRecord[] = [];
  let off = 0;
  for (;;) {
    if (off + 12 > buf.length) break;
    const next = buf.readUInt32LE(off);
    const action = buf.readUInt32LE(off + 4);
    const len = buf.readUInt32LE(off + 8);
    if (off + 12 + len > buf.length) break;
    out.push({ action, name: buf.toString('utf16le', off + 12, off + 12 + len) });
    if (next === 0) break;
    off += next;
  }
  return out;
}

/** FILETIME (100 ns since 1601) → ms since 1970. */
export function filetimeToMs(ft: bigint): number {
  if (ft === 0n) return 0;
  return Number(ft / 10000n) - 11644473600000;
}

export function ensureCommand(m: SmbMessage, command: number): void {
  if (m.command !== command) throw new Error(`SMB2: expected command ${command}, got ${m.command}`);
}

export { Command };
