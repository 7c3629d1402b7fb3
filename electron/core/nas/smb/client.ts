// SmbClient (one connection + one session) and SmbShare (one tree connect): list, stat, ranged read.
import { EngineError } from '../../errors';
import type { FileEntry } from '../file-source';
import {
  Access,
  Command,
  CreateOptions,
  FileAttributes,
  FileInfoClass,
  QueryDirectoryFlags,
  ShareFlags,
  Status,
  dialectName,
} from './constants';
import { errorFromStatus, type SmbStatusError } from './errors';
import {
  closeRequest,
  createRequest,
  emptyRequest,
  filetimeToMs,
  ioctlRequest,
  parseCreateResponse,
  parseFileDirectoryInformation,
  parseIoctlResponse,
  parseOutputBuffer,
  parseReadResponse,
  parseTreeConnectResponse,
  queryDirectoryRequest,
  RELATED_FILE_ID,
  readRequest,
  type SmbMessage,
  treeConnectRequest,
} from './packets';
import { establishSession, type SessionInfo, type SessionOptions } from './session';
import { bindPdu, isBrowsableShare, netShareEnumAllRequest, parseNetShareEnumAllResponse, parseRpcFragment, type ShareInfo } from './srvsvc';
import { SmbTransport, type OutgoingRequest } from './transport';

export interface SmbConnectOptions {
  host: string;
  port?: number;
  user: string;
  password: string;
  domain?: string;
  signing?: 'auto' | 'required';
  encryption?: 'auto' | 'required';
  timeoutMs?: number;
  /** Restrict the dialects offered (tests, troubleshooting). */
  dialects?: number[];
}

export interface SmbCounters {
  requests: number;
  roundTrips: number;
  bytesRead: number;
}

export interface SmbShare {
  readonly name: string;
  list(dir: string): Promise<FileEntry[]>;
  stat(path: string): Promise<FileEntry>;
  read(path: string, offset: number, length: number): Promise<Uint8Array>;
  close(): Promise<void>;
}

export interface SmbClient {
  readonly dialect: string;
  readonly signingRequired: boolean;
  /** Signing algorithm in use ('aes-gmac' | 'aes-cmac' | 'hmac-sha256'), null for guest sessions. */
  readonly signing: string | null;
  readonly encrypted: boolean;
  tree(share: string): Promise<SmbShare>;
  /** Disk shares a person can browse (srvsvc NetShareEnumAll over IPC$); `all` keeps IPC$, admin shares, printers. */
  listShares(opts?: { all?: boolean }): Promise<ShareInfo[]>;
  counters(): SmbCounters;
  close(): Promise<void>;
}

/** Converts a share-relative '/'-path to the wire form ('\\'-separated, no leading separator). */
export function toWirePath(path: string): string {
  return path.replace(/^\/+|\/+$/g, '').split('/').filter((p) => p !== '').join('\\');
}

function baseName(path: string): string {
  const parts = path.split('/').filter((p) => p !== '');
  return parts.length ? parts[parts.length - 1]! : '';
}

const READ_ACCESS = Access.FILE_READ_DATA | Access.FILE_READ_ATTRIBUTES | Access.SYNCHRONIZE;
const LIST_ACCESS = Access.FILE_READ_DATA | Access.FILE_READ_ATTRIBUTES | Access.SYNCHRONIZE;
const STAT_ACCESS = Access.FILE_READ_ATTRIBUTES | Access.SYNCHRONIZE;
const CHUNK = 1024 * 1024;
const MAX_READS_IN_FLIGHT = 16;

class Client implements SmbClient {
  readonly dialect: string;
  readonly signingRequired: boolean;
  readonly signing: string | null;
  readonly encrypted: boolean;
  bytesRead = 0;
  private shares = new Set<Share>();
  private closed = false;

  constructor(
    readonly transport: SmbTransport,
    readonly info: SessionInfo,
    readonly host: string,
  ) {
    this.dialect = dialectName(info.dialect);
    this.signingRequired = info.signingRequired;
    this.signing = info.signing;
    this.encrypted = info.encrypted;
  }

  get readChunk(): number {
    const max = this.transport.multiCredit ? CHUNK : 65536;
    return Math.max(4096, Math.min(max, this.info.negotiate.maxReadSize));
  }

  get listBuffer(): number {
    const max = this.transport.multiCredit ? CHUNK : 65536;
    return Math.max(4096, Math.min(max, this.info.negotiate.maxTransactSize));
  }

  async tree(share: string): Promise<SmbShare> {
    if (this.closed) throw new EngineError('INVALID_INPUT', 'This SMB connection is closed.');
    if (!share || /[\\/]/.test(share)) throw new EngineError('INVALID_INPUT', `"${share}" is not a share name.`);
    const m = await this.transport.request({ command: Command.TREE_CONNECT, body: treeConnectRequest(`\\\\${this.host}\\${share}`) });
    if (m.status !== Status.SUCCESS) throw errorFromStatus(m.status, { share, op: 'open the share' });
    const tc = parseTreeConnectResponse(m);
    if (tc.shareFlags & ShareFlags.ENCRYPT_DATA && !this.transport.encryptAll) {
      if (!this.info.encryptor) {
        await this.transport.request({ command: Command.TREE_DISCONNECT, body: emptyRequest(), treeId: m.treeId }).catch(() => {});
        throw new EngineError('UNSUPPORTED', `The share ${share} requires encryption, which this connection cannot provide.`);
      }
      // Simplest correct choice: once any share wants encryption, encrypt everything on this session.
      this.transport.encryptAll = true;
    }
    const s = new Share(this, share, m.treeId);
    this.shares.add(s);
    return s;
  }

  async listShares(opts: { all?: boolean } = {}): Promise<ShareInfo[]> {
    if (this.closed) throw new EngineError('INVALID_INPUT', 'This SMB connection is closed.');
    const t = this.transport;
    const tc = await t.request({ command: Command.TREE_CONNECT, body: treeConnectRequest(`\\\\${this.host}\\IPC$`) });
    if (tc.status !== Status.SUCCESS) throw errorFromStatus(tc.status, { share: 'IPC$', op: 'list shares' });
    const treeId = tc.treeId;
    try {
      const pipeAccess =
        Access.FILE_READ_DATA | Access.FILE_WRITE_DATA | Access.FILE_READ_ATTRIBUTES | Access.READ_CONTROL | Access.SYNCHRONIZE;
      const cr = await t.request({
        command: Command.CREATE,
        treeId,
        body: createRequest({ name: 'srvsvc', desiredAccess: pipeAccess, createOptions: CreateOptions.NON_DIRECTORY_FILE, shareAccess: 3 }),
      });
      if (cr.status !== Status.SUCCESS) throw errorFromStatus(cr.status, { path: 'srvsvc', op: 'open the share list of' });
      const { fileId } = parseCreateResponse(cr);
      try {
        const call = async (pdu: Buffer) => {
          const m = await t.request({
            command: Command.IOCTL,
            treeId,
            body: ioctlRequest({ ctlCode: 0x0011c017, fileId, input: pdu, maxOutput: 65536, isFsctl: true }),
          });
          if (m.status !== Status.SUCCESS && m.status !== Status.BUFFER_OVERFLOW) throw errorFromStatus(m.status, { op: 'list shares' });
          let bytes = Buffer.from(parseIoctlResponse(m));
          const frags: Buffer[] = [];
          let ptype = -1;
          for (;;) {
            while (bytes.length >= 10 && bytes.length >= bytes.readUInt16LE(8)) {
              const len = bytes.readUInt16LE(8);
              const f = parseRpcFragment(bytes.subarray(0, len));
              bytes = bytes.subarray(len);
              if (f.fault !== undefined) throw new EngineError('IO', `The NAS refused the share-list call (RPC fault 0x${f.fault.toString(16)}).`);
              ptype = f.ptype;
              frags.push(f.stub);
              if (f.last) return { ptype, stub: Buffer.concat(frags) };
            }
            const rd = await t.request({ command: Command.READ, treeId, body: readRequest(fileId, 0, 65536) });
            if (rd.status !== Status.SUCCESS && rd.status !== Status.BUFFER_OVERFLOW) throw errorFromStatus(rd.status, { op: 'list shares' });
            bytes = Buffer.concat([bytes, parseReadResponse(rd)]);
          }
        };
        const bound = await call(bindPdu(1));
        if (bound.ptype !== 12) throw new EngineError('UNSUPPORTED', 'The NAS does not offer the share-list service (srvsvc).');
        const resp = await call(netShareEnumAllRequest(this.host, 2));
        const shares = parseNetShareEnumAllResponse(resp.stub);
        return opts.all ? shares : shares.filter(isBrowsableShare);
      } finally {
        await t.request({ command: Command.CLOSE, treeId, body: closeRequest(fileId) }).catch(() => {});
      }
    } finally {
      await t.request({ command: Command.TREE_DISCONNECT, treeId, body: emptyRequest() }).catch(() => {});
    }
  }

  forget(s: Share): void {
    this.shares.delete(s);
  }

  counters(): SmbCounters {
    return { requests: this.transport.counters.requests, roundTrips: this.transport.counters.roundTrips, bytesRead: this.bytesRead };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const s of [...this.shares]) await s.close().catch(() => {});
    if (!this.transport.closed) {
      await this.transport.request({ command: Command.LOGOFF, body: emptyRequest() }, { timeoutMs: 2000 }).catch(() => {});
    }
    await this.transport.end();
  }
}

class Share implements SmbShare {
  private closed = false;
  constructor(
    private readonly client: Client,
    readonly name: string,
    private readonly treeId: number,
  ) {}

  private get t(): SmbTransport {
    return this.client.transport;
  }

  private check(): void {
    if (this.closed) throw new EngineError('INVALID_INPUT', `The share ${this.name} has been closed.`);
  }

  private req(command: number, body: Buffer, extra: Partial<OutgoingRequest> = {}): OutgoingRequest {
    return { command, body, treeId: this.treeId, ...extra };
  }

  private fail(m: SmbMessage, path: string, op: string): SmbStatusError {
    return errorFromStatus(m.status, { path, op, share: undefined });
  }

  async list(dir: string): Promise<FileEntry[]> {
    this.check();
    const name = toWirePath(dir);
    const outLen = this.client.listBuffer;
    const charge = Math.ceil(outLen / 65536);
    const create = this.req(Command.CREATE, createRequest({ name, desiredAccess: LIST_ACCESS, createOptions: CreateOptions.DIRECTORY_FILE }));
    const qd = (flags: number) =>
      this.req(
        Command.QUERY_DIRECTORY,
        queryDirectoryRequest({ fileId: RELATED_FILE_ID, infoClass: FileInfoClass.FileDirectoryInformation, flags, pattern: '*', outputLength: outLen }),
        { related: true, creditCharge: charge },
      );
    const close = this.req(Command.CLOSE, closeRequest(RELATED_FILE_ID), { related: true });
    // One round trip for any folder whose listing fits one buffer: CREATE + QD + QD + CLOSE.
    const [cr, q1, q2] = await this.t.send([create, qd(0), qd(0), close]);
    if (cr!.status !== Status.SUCCESS) throw this.fail(cr!, dir, 'list');
    if (q1!.status === Status.NO_MORE_FILES) return [];
    if (q1!.status !== Status.SUCCESS) throw this.fail(q1!, dir, 'list');
    if (q2!.status === Status.NO_MORE_FILES) return this.toEntries([q1!]);
    if (q2!.status !== Status.SUCCESS) throw this.fail(q2!, dir, 'list');
    // A big folder: open it and page through with QUERY_DIRECTORY until NO_MORE_FILES.
    return this.listSlow(dir, name, outLen, charge);
  }

  private async listSlow(dir: string, name: string, outLen: number, charge: number): Promise<FileEntry[]> {
    const cr = await this.t.request(this.req(Command.CREATE, createRequest({ name, desiredAccess: LIST_ACCESS, createOptions: CreateOptions.DIRECTORY_FILE })));
    if (cr.status !== Status.SUCCESS) throw this.fail(cr, dir, 'list');
    const { fileId } = parseCreateResponse(cr);
    const pages: SmbMessage[] = [];
    try {
      for (let first = true; ; first = false) {
        const m = await this.t.request(
          this.req(
            Command.QUERY_DIRECTORY,
            queryDirectoryRequest({
              fileId,
              infoClass: FileInfoClass.FileDirectoryInformation,
              flags: first ? QueryDirectoryFlags.RESTART_SCANS : 0,
              pattern: '*',
              outputLength: outLen,
            }),
            { creditCharge: charge },
          ),
        );
        if (m.status === Status.NO_MORE_FILES) break;
        if (m.status !== Status.SUCCESS) throw this.fail(m, dir, 'list');
        pages.push(m);
      }
    } finally {
      await this.closeHandle(fileId);
    }
    return this.toEntries(pages);
  }

  private toEntries(pages: SmbMessage[]): FileEntry[] {
    const out: FileEntry[] = [];
    for (const p of pages) {
      for (const e of parseFileDirectoryInformation(parseOutputBuffer(p))) {
        if (e.name === '.' || e.name === '..') continue;
        const isDir = (e.fileAttributes & FileAttributes.DIRECTORY) !== 0;
        const entry: FileEntry = { name: e.name, isDir, size: isDir ? 0 : Number(e.endOfFile), mtimeMs: filetimeToMs(e.lastWriteTime) };
        if (e.fileAttributes & FileAttributes.REPARSE_POINT) entry.isLink = true;
        out.push(entry);
      }
    }
    return out;
  }

  private async closeHandle(fileId: Buffer): Promise<void> {
    if (this.t.closed) return;
    await this.t.request(this.req(Command.CLOSE, closeRequest(fileId))).catch(() => {});
  }

  async stat(path: string): Promise<FileEntry> {
    this.check();
    const name = toWirePath(path);
    const [cr] = await this.t.send([
      this.req(Command.CREATE, createRequest({ name, desiredAccess: STAT_ACCESS, createOptions: 0 })),
      this.req(Command.CLOSE, closeRequest(RELATED_FILE_ID), { related: true }),
    ]);
    if (cr!.status !== Status.SUCCESS) throw this.fail(cr!, path, 'look at');
    const c = parseCreateResponse(cr!);
    const isDir = (c.fileAttributes & FileAttributes.DIRECTORY) !== 0;
    const e: FileEntry = { name: baseName(path), isDir, size: isDir ? 0 : Number(c.endOfFile), mtimeMs: filetimeToMs(c.lastWriteTime) };
    if (c.fileAttributes & FileAttributes.REPARSE_POINT) e.isLink = true;
    return e;
  }

  async read(path: string, offset: number, length: number): Promise<Uint8Array> {
    this.check();
    if (!Number.isSafeInteger(offset) || offset < 0 || !Number.isSafeInteger(length) || length < 0) {
      throw new EngineError('INVALID_INPUT', `Bad read range ${offset}+${length}.`);
    }
    const name = toWirePath(path);
    const chunk = this.client.readChunk;
    const open = createRequest({ name, desiredAccess: READ_ACCESS, createOptions: CreateOptions.NON_DIRECTORY_FILE });
    if (length <= chunk) {
      // Header reads: CREATE + READ + CLOSE in one round trip.
      const [cr, rd] = await this.t.send([
        this.req(Command.CREATE, open),
        this.req(Command.READ, readRequest(RELATED_FILE_ID, offset, length), { related: true, creditCharge: Math.ceil(Math.max(1, length) / 65536) }),
        this.req(Command.CLOSE, closeRequest(RELATED_FILE_ID), { related: true }),
      ]);
      if (cr!.status !== Status.SUCCESS) throw this.fail(cr!, path, 'read');
      if (rd!.status === Status.END_OF_FILE) return new Uint8Array(0);
      if (rd!.status !== Status.SUCCESS) throw this.fail(rd!, path, 'read');
      const data = parseReadResponse(rd!);
      if (data.length < length) {
        // Short read before end of file (allowed by the protocol): finish with the general path.
        const size = Number(parseCreateResponse(cr!).endOfFile);
        if (offset + data.length < size) {
          const rest = await this.read(path, offset + data.length, Math.min(length, size - offset) - data.length);
          this.client.bytesRead += data.length;
          return concat([data, rest]);
        }
      }
      this.client.bytesRead += data.length;
      return new Uint8Array(data.buffer, data.byteOffset, data.length);
    }
    const cr = await this.t.request(this.req(Command.CREATE, open));
    if (cr.status !== Status.SUCCESS) throw this.fail(cr, path, 'read');
    const c = parseCreateResponse(cr);
    try {
      const size = Number(c.endOfFile);
      const end = Math.min(size, offset + length);
      if (end <= offset) return new Uint8Array(0);
      const out = Buffer.allocUnsafe(end - offset);
      let next = offset;
      let failure: unknown;
      const worker = async () => {
        while (failure === undefined && next < end) {
          let at = next;
          const want = Math.min(chunk, end - at);
          next += want;
          let remaining = want;
          while (remaining > 0 && failure === undefined) {
            const m = await this.t.request(
              this.req(Command.READ, readRequest(c.fileId, at, remaining), { creditCharge: Math.ceil(remaining / 65536) }),
            );
            if (m.status === Status.END_OF_FILE) throw new EngineError('IO', `"${path}" became shorter while it was being read.`);
            if (m.status !== Status.SUCCESS) throw this.fail(m, path, 'read');
            const data = parseReadResponse(m);
            if (data.length === 0) throw new EngineError('IO', `The NAS returned no data reading "${path}".`);
            data.copy(out, at - offset);
            this.client.bytesRead += data.length;
            at += data.length;
            remaining -= data.length;
          }
        }
      };
      const workers = Array.from({ length: Math.min(MAX_READS_IN_FLIGHT, Math.ceil((end - offset) / chunk)) }, () =>
        worker().catch((e) => {
          failure ??= e;
        }),
      );
      await Promise.all(workers);
      if (failure !== undefined) throw failure;
      return new Uint8Array(out.buffer, out.byteOffset, out.length);
    } finally {
      await this.closeHandle(c.fileId);
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.client.forget(this);
    if (this.t.closed) return;
    await this.t.request(this.req(Command.TREE_DISCONNECT, emptyRequest()), { timeoutMs: 2000 }).catch(() => {});
  }
}

function concat(parts: Uint8Array[]): Uint8Array {
  const n = parts.reduce((a, p) => a + p.length, 0);
  const out = new Uint8Array(n);
  let off = 0;
  for (const p of parts) {
    out.set(p, off);
    off += p.length;
  }
  return out;
}

export async function connectSmb(opts: SmbConnectOptions): Promise<SmbClient> {
  const port = opts.port ?? 445;
  const timeoutMs = opts.timeoutMs ?? 30_000;
  if (!opts.host) throw new EngineError('INVALID_INPUT', 'No NAS host name given.');
  const t = await SmbTransport.connect(opts.host, port, timeoutMs);
  try {
    const so: SessionOptions = { host: opts.host, port, user: opts.user, password: opts.password };
    if (opts.domain !== undefined) so.domain = opts.domain;
    if (opts.signing) so.signing = opts.signing;
    if (opts.encryption) so.encryption = opts.encryption;
    if (opts.dialects) so.dialects = opts.dialects;
    const info = await establishSession(t, so);
    return new Client(t, info, opts.host);
  } catch (e) {
    t.destroy();
    throw e;
  }
}
