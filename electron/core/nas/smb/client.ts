// SmbClient (one connection + one session, re-established when the connection drops) and SmbShare
// (one tree connect): list, stat, ranged reads, writes, renames, deletes, folders.
import { randomBytes } from 'node:crypto';
import { EngineError } from '../../errors';
import { type FileEntry, joinPath, type SourceChange } from '../file-source';
import { readsInOrder } from '../reads-in-order';
import {
  Access,
  Capabilities,
  Cipher,
  Command,
  CreateDisposition,
  CreateOptions,
  Dialect,
  FileAttributes,
  FileInfoClass,
  InfoType,
  LeaseState,
  NotifyAction,
  NotifyFilter,
  ShareFlags,
  Status,
  dialectName,
} from './constants';
import { errorFromStatus, SmbStatusError, type StatusContext } from './errors';
import { splitUser } from './ntlm';
import {
  changeNotifyRequest,
  closeRequest,
  createRequest,
  emptyRequest,
  fileDispositionInformation,
  fileRenameInformation,
  type CreateContext,
  filetimeToMs,
  flushRequest,
  ioctlRequest,
  leaseBreakAck,
  leaseContext,
  parseCreateContexts,
  parseCreateResponse,
  parseFileIdBothDirectoryInformation,
  parseFileNotifyInformation,
  parseIoctlResponse,
  parseLease,
  parseLeaseBreak,
  parseMaximalAccess,
  parseOutputBuffer,
  parseReadResponse,
  parseTreeConnectResponse,
  parseWriteResponse,
  queryDirectoryRequest,
  RELATED_FILE_ID,
  readRequest,
  setInfoRequest,
  type SmbMessage,
  treeConnectRequest,
  writeRequest,
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
  /**
   * 'auto' (default): sign whenever the session is not a guest's. 'required': refuse a NAS that cannot
   * sign. 'if-required': sign only when the NAS requires it (faster on a trusted LAN, no tamper check).
   */
  signing?: 'auto' | 'required' | 'if-required';
  encryption?: 'auto' | 'required';
  /** Per-request timeout, also the budget for reconnecting. Default 30 s. */
  timeoutMs?: number;
  /** Restrict the dialects offered (tests, troubleshooting). */
  dialects?: number[];
  /** Send an ECHO after this long without traffic; a NAS that does not answer drops the connection. Default 30 s; 0 = off. */
  keepaliveMs?: number;
  /** Connection attempts when the next request finds the connection lost (with backoff, within timeoutMs). Default 3. */
  reconnectAttempts?: number;
  /**
   * How long a read handle stays open after it was opened, so repeated reads of one file meanwhile
   * skip CREATE/CLOSE. It is dropped earlier when the NAS breaks its lease (someone else wrote the
   * file), when a watcher on the share reports the file changed, and on our own writes. This is also
   * the longest a read can lag behind another machine replacing the file (temp + rename), which
   * breaks no lease on Samba. Default 1000 ms; 0 = close after every read.
   */
  handleCacheMs?: number;
}

export interface SmbCounters {
  requests: number;
  roundTrips: number;
  bytesRead: number;
  bytesWritten: number;
  /** Times the connection was re-established after it was lost. */
  reconnects: number;
  /** Most requests awaiting an answer at once on the current connection. */
  peakInFlight: number;
}

export interface SmbShare {
  readonly name: string;
  /** What the NAS lets this user do on the share as a whole (tree connect MaximalAccess; 0 = not said). */
  readonly maximalAccess: number;
  /** The share grants this user no write access at all. */
  readonly readOnly: boolean;
  list(dir: string): Promise<FileEntry[]>;
  stat(path: string): Promise<FileEntry>;
  read(path: string, offset: number, length: number): Promise<Uint8Array>;
  /**
   * Ordered chunks of a file (4 MiB each by default, see StreamOptions.chunkSize) with `parallel`
   * reads in flight — for export and copies. Each chunk is a fresh buffer the caller may keep,
   * unless StreamOptions.buffer supplies them.
   */
  stream(path: string, opts?: StreamOptions): AsyncGenerator<Uint8Array, void, undefined>;
  /** What the NAS lets this user do with one file or folder (MxAc create context); undefined if it does not say. */
  access(path: string): Promise<number | undefined>;
  /** Creates `path` (CONFLICT if it exists, unless overwrite) holding exactly `data`. */
  writeFile(path: string, data: Uint8Array, opts: { overwrite: boolean }): Promise<void>;
  /** Renames a file or folder; with replace an existing target is replaced in one step. */
  rename(from: string, to: string, opts: { replace: boolean }): Promise<void>;
  /** Deletes a file or an empty folder. */
  remove(path: string): Promise<void>;
  /** Creates a folder and its missing parents; nothing happens if it exists. */
  mkdir(path: string): Promise<void>;
  /**
   * Reports changes under `dir` (whole subtree, CHANGE_NOTIFY with WATCH_TREE) until the returned
   * function is called. Paths are share-relative. A rename reports the old name as 'removed' and the
   * new one as 'renamed'. 'overflow' (path = dir) means changes were lost — the NAS's buffer overflowed,
   * the connection dropped, or the NAS answered with an error: rescan `dir`. The watcher keeps
   * re-arming (and reconnecting) until stopped; nothing it meets is thrown.
   */
  watch(dir: string, onChange: (change: SourceChange) => void, opts?: WatchOptions): Promise<() => Promise<void>>;
  close(): Promise<void>;
}

export interface WatchOptions {
  /** CHANGE_NOTIFY output buffer in bytes (default 64 KiB); more changes than fit → 'overflow'. */
  bufferSize?: number;
}

export interface SmbClient {
  readonly dialect: string;
  readonly signingRequired: boolean;
  /** Signing algorithm in use ('aes-gmac' | 'aes-cmac' | 'hmac-sha256'); null when not signing (guest, or 'if-required' and not required). */
  readonly signing: string | null;
  readonly encrypted: boolean;
  /** Cipher when encrypting: 'aes-128-gcm' | 'aes-256-gcm' | 'aes-128-ccm' | 'aes-256-ccm'; null when not. */
  readonly cipher: string | null;
  /** The user name as given (for messages). */
  readonly user: string;
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

function parentOf(path: string): string {
  const parts = path.split('/').filter((p) => p !== '');
  parts.pop();
  return parts.join('/');
}

const READ_ACCESS = Access.FILE_READ_DATA | Access.FILE_READ_ATTRIBUTES | Access.SYNCHRONIZE;
const LIST_ACCESS = Access.FILE_READ_DATA | Access.FILE_READ_ATTRIBUTES | Access.SYNCHRONIZE;
const STAT_ACCESS = Access.FILE_READ_ATTRIBUTES | Access.SYNCHRONIZE;
const WRITE_ACCESS = Access.FILE_WRITE_DATA | Access.FILE_READ_ATTRIBUTES | Access.SYNCHRONIZE;
const DELETE_ACCESS = Access.DELETE | Access.FILE_READ_ATTRIBUTES | Access.SYNCHRONIZE;
const ANY_WRITE = Access.FILE_WRITE_DATA | Access.FILE_APPEND_DATA;
const CHUNK = 1024 * 1024;
const MAX_READS_IN_FLIGHT = 16;
const MAX_WRITES_IN_FLIGHT = 8;
/** QUERY_DIRECTORY buffer of a listing's first round trip (1 credit). */
const FIRST_LIST_BUFFER = 64 * 1024;

type Op = { idempotent: boolean; op: string; path?: string };

export interface StreamOptions {
  /** First byte (default 0). */
  start?: number;
  /** End, exclusive (default: the file's size when the stream starts). */
  end?: number;
  /** Reads in flight (default: 16 MiB worth, i.e. 4 with 4 MiB chunks; at most 64). */
  parallel?: number;
  /**
   * Bytes per READ, i.e. per chunk (default 4 MiB; capped by the NAS's MaxReadSize and 8 MiB). Large
   * reads halve the CPU per GiB on both ends compared with 1 MiB (measured against Samba).
   */
  chunkSize?: number;
  /**
   * Where each chunk is read: called once per chunk with its size, must return a buffer of at least
   * that size that nothing else uses until you are done with the chunk (e.g. from a small pool you
   * refill when your write of the chunk completes). Default: a fresh buffer per chunk — simple, but in
   * a process with a large heap each fresh buffer adds to V8's external memory, which triggers full
   * garbage collections (measured: 1 GiB through a 300 MB heap spent 7–13 s in GC).
   */
  buffer?: (size: number) => Uint8Array;
}

/** A cached handle gave a short read or an error: retry through a fresh open. */
class StaleHandle extends Error {
  constructor(cause?: unknown) {
    super('stale cached handle', { cause });
  }
}

/** A read handle, cached for a moment after use (and for as long as its lease lasts). */
interface OpenFile {
  key: string;
  t: SmbTransport;
  treeId: number;
  fileId: Buffer;
  size: number;
  refs: number;
  /** performance.now() at open: cached use ends handleCacheMs later. */
  openedAt: number;
  /** No new users: closed when the last one releases it. */
  dead: boolean;
  idle?: NodeJS.Timeout;
  closing?: Promise<void>;
  /** Resolves once the handle is closed on the NAS (or its connection is gone). */
  closed: Promise<void>;
  markClosed: () => void;
  leaseKey?: string;
  /** The cache slot it was opened for. */
  slot?: Slot;
}

interface Slot {
  t: SmbTransport;
  ready: Promise<OpenFile>;
  /** Set once released into the cache. */
  entry?: OpenFile;
}

const OPLOCK_LEVEL_LEASE = 0xff;
const MAX_CACHED_HANDLES = 64;
/** How long a rename, delete or overwrite waits for this client's reads of the file to finish. */
const IN_USE_WAIT_MS = 2000;
/** Bulk reads (stream, large read()): 4 MiB × 4 in flight = a 16 MiB window. */
const BULK_CHUNK = 4 * 1024 * 1024;
const DEFAULT_STREAM_PARALLEL = 4;

const RECONNECT_BACKOFF_MS = [200, 800, 2000, 5000];
const CIPHER_NAMES: Record<number, string> = {
  [Cipher.AES128CCM]: 'aes-128-ccm',
  [Cipher.AES128GCM]: 'aes-128-gcm',
  [Cipher.AES256CCM]: 'aes-256-ccm',
  [Cipher.AES256GCM]: 'aes-256-gcm',
};
/** Answers meaning the NAS forgot our session (restart, expiry): nothing was done, log in again. */
const SESSION_GONE = new Set<number>([Status.USER_SESSION_DELETED, Status.NETWORK_SESSION_EXPIRED]);

class Client implements SmbClient {
  readonly user: string;
  bytesRead = 0;
  bytesWritten = 0;
  reconnects = 0;
  private shares = new Set<Share>();
  private closed = false;
  private reconnecting?: Promise<void>;
  private retired = { requests: 0, roundTrips: 0 };
  private keepalive?: NodeJS.Timeout;
  /** Cached read handles holding a lease, by lease key (hex). */
  readonly leases = new Map<string, { share: Share; of: OpenFile }>();

  constructor(
    public transport: SmbTransport,
    public info: SessionInfo,
    readonly opts: SmbConnectOptions,
  ) {
    this.user = splitUser(opts.user, opts.domain).user || 'guest';
    this.adopt(transport);
    const every = opts.keepaliveMs ?? 30_000;
    if (every > 0) {
      this.keepalive = setInterval(() => this.echoIfIdle(every), Math.max(50, Math.min(every, 10_000)));
      this.keepalive.unref();
    }
  }

  get dialect(): string {
    return dialectName(this.info.dialect);
  }

  get signingRequired(): boolean {
    return this.info.signingRequired;
  }

  get signing(): string | null {
    return this.info.signing;
  }

  get encrypted(): boolean {
    return this.info.encrypted;
  }

  get cipher(): string | null {
    if (!this.transport.encryptAll) return null;
    return CIPHER_NAMES[this.info.cipher] ?? null;
  }

  get host(): string {
    return this.opts.host;
  }

  get handleCacheMs(): number {
    return this.opts.handleCacheMs ?? 1000;
  }

  private adopt(t: SmbTransport): void {
    t.onUnsolicited = (m) => this.onUnsolicited(t, m);
  }

  /** A lease request for a read handle, where the dialect and the NAS support leasing. */
  newLease(): { key: Buffer; context: CreateContext } | undefined {
    const { dialect, negotiate } = this.info;
    if (dialect === Dialect.SMB202 || (negotiate.capabilities & Capabilities.LEASING) === 0) return undefined;
    const key = randomBytes(16);
    return { key, context: leaseContext(key, LeaseState.READ | LeaseState.HANDLE, dialect >= Dialect.SMB300) };
  }

  private onUnsolicited(t: SmbTransport, m: SmbMessage): void {
    if (m.command !== Command.OPLOCK_BREAK) return;
    const b = parseLeaseBreak(m);
    if (!b) return;
    const ack = b.ackRequired ? leaseBreakAck(b.key, b.next) : undefined;
    const held = this.leases.get(b.key.toString('hex'));
    if (held) {
      held.share.onLeaseBreak(held.of, ack);
    } else if (ack && !t.closed) {
      t.request({ command: Command.OPLOCK_BREAK, body: ack }).catch(() => {});
    }
  }

  get readChunk(): number {
    const max = this.transport.multiCredit ? CHUNK : 65536;
    return Math.max(4096, Math.min(max, this.info.negotiate.maxReadSize));
  }

  /** A READ size near `want` this connection can use (multi-credit, within MaxReadSize, ≤ 8 MiB). */
  chunkFor(want: number): number {
    const max = this.transport.multiCredit ? 8 * CHUNK : 65536;
    return Math.max(4096, Math.min(Math.floor(want), max, this.info.negotiate.maxReadSize));
  }

  get writeChunk(): number {
    const max = this.transport.multiCredit ? CHUNK : 65536;
    return Math.max(4096, Math.min(max, this.info.negotiate.maxWriteSize));
  }

  get listBuffer(): number {
    const max = this.transport.multiCredit ? CHUNK : 65536;
    return Math.max(4096, Math.min(max, this.info.negotiate.maxTransactSize));
  }

  private checkOpen(): void {
    if (this.closed) throw new EngineError('INVALID_INPUT', 'This SMB connection is closed.');
  }

  /**
   * Runs one operation on the live connection. `fn` gets the transport and, for a share, its tree id
   * on that transport. A connection found lost is re-established first. When it is lost while `fn`
   * runs, an idempotent operation (list, stat, read) is retried once on a new connection; any other
   * fails with UNREACHABLE rather than risk doing it twice.
   */
  async run<T>(share: Share | undefined, what: Op, fn: (t: SmbTransport, treeId: number) => Promise<T>): Promise<T> {
    let retried = false;
    const again = () => {
      if (retried || this.closed) return false;
      retried = true;
      return true;
    };
    for (;;) {
      this.checkOpen();
      const t = await this.connected();
      let treeId = 0;
      if (share) {
        try {
          treeId = await share.treeFor(t);
        } catch (e) {
          if (t.closed && again()) continue; // nothing of the operation was sent yet
          throw e;
        }
      }
      if (t.closed) {
        if (again()) continue;
        throw this.lostError(what);
      }
      try {
        return await fn(t, treeId);
      } catch (e) {
        if (e instanceof SmbStatusError && SESSION_GONE.has(e.status)) {
          // The NAS refused before doing anything: log in again and retry.
          t.destroy();
          if (again()) continue;
          throw e;
        }
        if (e instanceof SmbStatusError && e.status === Status.NETWORK_NAME_DELETED && share) {
          share.forgetTree(t);
          if (again()) continue;
          throw e;
        }
        const lost = t.closed && e instanceof EngineError && e.code === 'UNREACHABLE';
        if (!lost || this.closed) throw e;
        if (!what.idempotent) throw this.lostError(what, e);
        if (!again()) throw e;
      }
    }
  }

  private lostError(what: Op, cause?: unknown): EngineError {
    const target = what.path !== undefined ? ` "${what.path === '' ? '/' : what.path}"` : '';
    return new EngineError(
      'UNREACHABLE',
      `The connection to the NAS at ${this.host} was lost while trying to ${what.op}${target}; it may or may not have been done. Check, then try again.`,
      { cause },
    );
  }

  /** The live transport; a lost one is replaced first (one reconnect at a time, shared by all callers). */
  private async connected(): Promise<SmbTransport> {
    if (!this.transport.closed) return this.transport;
    this.reconnecting ??= this.reconnect().finally(() => {
      this.reconnecting = undefined;
    });
    await this.reconnecting;
    this.checkOpen();
    return this.transport;
  }

  private async reconnect(): Promise<void> {
    const timeoutMs = this.opts.timeoutMs ?? 30_000;
    const attempts = Math.max(1, this.opts.reconnectAttempts ?? 3);
    const deadline = performance.now() + timeoutMs;
    let last: unknown;
    for (let i = 0; i < attempts; i++) {
      if (i > 0) {
        const pause = RECONNECT_BACKOFF_MS[Math.min(i - 1, RECONNECT_BACKOFF_MS.length - 1)]!;
        if (performance.now() + pause >= deadline) break;
        await sleep(pause);
      }
      this.checkOpen();
      try {
        const left = Math.max(1000, deadline - performance.now());
        const { t, info } = await openSession({ ...this.opts, timeoutMs: Math.min(timeoutMs, left) });
        if (this.closed) {
          t.destroy();
          this.checkOpen();
        }
        t.defaultTimeoutMs = timeoutMs;
        const old = this.transport;
        this.retired.requests += old.counters.requests;
        this.retired.roundTrips += old.counters.roundTrips;
        this.transport = t;
        this.info = info;
        this.adopt(t);
        this.reconnects++;
        return;
      } catch (e) {
        last = e;
        // Wrong password, SMB1-only, …: not going to change by trying again.
        if (e instanceof EngineError && e.code !== 'UNREACHABLE' && e.code !== 'IO') throw e;
      }
    }
    throw last ?? new EngineError('UNREACHABLE', `Could not reach ${this.host} again.`);
  }

  /** Keepalive: an ECHO after a quiet period; one that is not answered in time drops the connection. */
  private echoIfIdle(every: number): void {
    const t = this.transport;
    if (this.closed || t.closed || performance.now() - t.lastActivity < every) return;
    t.request({ command: Command.ECHO, body: emptyRequest() }).catch(() => {});
  }

  /** TREE_CONNECT on `t`; applies the share's encryption demand. */
  async treeConnect(t: SmbTransport, share: string): Promise<{ treeId: number; maximalAccess: number }> {
    const m = await t.request({ command: Command.TREE_CONNECT, body: treeConnectRequest(`\\\\${this.host}\\${share}`) }, { sign: true });
    if (m.status !== Status.SUCCESS) throw errorFromStatus(m.status, { share, op: 'open the share' });
    const tc = parseTreeConnectResponse(m);
    if (tc.shareFlags & ShareFlags.ENCRYPT_DATA && !t.encryptAll) {
      if (!this.info.encryptor) {
        await t.request({ command: Command.TREE_DISCONNECT, body: emptyRequest(), treeId: m.treeId }).catch(() => {});
        throw new EngineError('UNSUPPORTED', `The share ${share} requires encryption, which this connection cannot provide.`);
      }
      // Simplest correct choice: once any share wants encryption, encrypt everything on this session.
      t.encryptAll = true;
    }
    return { treeId: m.treeId, maximalAccess: tc.maximalAccess };
  }

  async tree(share: string): Promise<SmbShare> {
    this.checkOpen();
    if (!share || /[\\/]/.test(share)) throw new EngineError('INVALID_INPUT', `"${share}" is not a share name.`);
    const s = new Share(this, share);
    await this.run(undefined, { idempotent: true, op: 'open the share' }, (t) => s.treeFor(t));
    this.shares.add(s);
    return s;
  }

  async listShares(opts: { all?: boolean } = {}): Promise<ShareInfo[]> {
    return this.run(undefined, { idempotent: true, op: 'list shares' }, (t) => this.listSharesOn(t, opts));
  }

  private async listSharesOn(t: SmbTransport, opts: { all?: boolean }): Promise<ShareInfo[]> {
    const tc = await t.request({ command: Command.TREE_CONNECT, body: treeConnectRequest(`\\\\${this.host}\\IPC$`) }, { sign: true });
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
    return {
      requests: this.retired.requests + this.transport.counters.requests,
      roundTrips: this.retired.roundTrips + this.transport.counters.roundTrips,
      bytesRead: this.bytesRead,
      bytesWritten: this.bytesWritten,
      reconnects: this.reconnects,
      peakInFlight: this.transport.peakInFlight,
    };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    // From here on nothing retries or reconnects; new calls are refused.
    this.closed = true;
    if (this.keepalive) clearInterval(this.keepalive);
    await Promise.all([...this.shares].map((s) => s.close().catch(() => {})));
    await this.reconnecting?.catch(() => {});
    const t = this.transport;
    if (!t.closed) {
      await t.request({ command: Command.LOGOFF, body: emptyRequest() }, { timeoutMs: 2000 }).catch(() => {});
    }
    await t.end();
  }
}

class Share implements SmbShare {
  private closed = false;
  private watchers = new Set<Watcher>();
  private handles = new Map<string, Slot>();
  /**
   * Every handle of this share that is open on the NAS, by path, until it is closed — whether or
   * not the cache still points at it (a fresh open replaces the cache slot; a read may still be
   * using the old handle). What a rename or delete must wait for.
   */
  private openHandles = new Map<string, Set<OpenFile>>();
  maximalAccess = 0;
  /** The tree id on one transport (a new transport after a reconnect needs a new tree connect). */
  private tree?: { t: SmbTransport; id: Promise<number> };

  constructor(
    private readonly client: Client,
    readonly name: string,
  ) {}

  get readOnly(): boolean {
    return this.maximalAccess !== 0 && (this.maximalAccess & ANY_WRITE) === 0;
  }

  /** This share's tree id on transport `t`, connecting the tree once per transport. */
  treeFor(t: SmbTransport): Promise<number> {
    if (this.tree?.t !== t) {
      const id = this.client.treeConnect(t, this.name).then((tc) => {
        this.maximalAccess = tc.maximalAccess;
        return tc.treeId;
      });
      this.tree = { t, id };
      id.catch(() => {
        if (this.tree?.id === id) this.tree = undefined;
      });
    }
    return this.tree.id;
  }

  /** The NAS dropped our tree connect on `t`: connect again on next use. */
  forgetTree(t: SmbTransport): void {
    if (this.tree?.t === t) this.tree = undefined;
  }

  private check(): void {
    if (this.closed) throw new EngineError('INVALID_INPUT', `The share ${this.name} has been closed.`);
  }

  run<T>(what: Op, fn: (t: SmbTransport, treeId: number) => Promise<T>): Promise<T> {
    this.check();
    return this.client.run(this, what, fn);
  }

  private err(status: number, path: string, op: string, write = false): SmbStatusError {
    const ctx: StatusContext = { path, op };
    if (write) {
      ctx.user = this.client.user;
      ctx.readOnlyShare = this.readOnly;
    }
    return errorFromStatus(status, ctx);
  }

  fail(m: SmbMessage, path: string, op: string, write = false): SmbStatusError {
    return this.err(m.status, path, op, write);
  }

  async list(dir: string): Promise<FileEntry[]> {
    return this.run({ idempotent: true, op: 'list', path: dir }, (t, treeId) => this.listOn(t, treeId, dir));
  }

  private async listOn(t: SmbTransport, treeId: number, dir: string): Promise<FileEntry[]> {
    const name = toWirePath(dir);
    // Small buffers first (1 credit each): the scanner lists 16 folders at once on one connection,
    // and most folders fit; bigger ones continue with MaxTransactSize pages below.
    const firstLen = Math.min(FIRST_LIST_BUFFER, this.client.listBuffer);
    const qd = (fileId: Buffer, outLen: number, related: boolean, flags = 0): OutgoingRequest => ({
      command: Command.QUERY_DIRECTORY,
      treeId,
      body: queryDirectoryRequest({ fileId, infoClass: FileInfoClass.FileIdBothDirectoryInformation, flags, pattern: '*', outputLength: outLen }),
      related,
      creditCharge: Math.ceil(outLen / 65536),
    });
    const create = (): OutgoingRequest => ({
      command: Command.CREATE,
      treeId,
      body: createRequest({ name, desiredAccess: LIST_ACCESS, createOptions: CreateOptions.DIRECTORY_FILE }),
    });
    const close: OutgoingRequest = { command: Command.CLOSE, treeId, body: closeRequest(RELATED_FILE_ID), related: true };
    // One round trip for any folder whose listing fits: CREATE + QD + QD + CLOSE.
    const [cr, q1, q2] = await t.send([create(), qd(RELATED_FILE_ID, firstLen, true), qd(RELATED_FILE_ID, firstLen, true), close]);
    if (cr!.status !== Status.SUCCESS) throw this.fail(cr!, dir, 'list');
    if (q1!.status === Status.NO_MORE_FILES) return [];
    if (q1!.status !== Status.SUCCESS) throw this.fail(q1!, dir, 'list');
    if (q2!.status === Status.NO_MORE_FILES) return this.toEntries([q1!]);
    if (q2!.status !== Status.SUCCESS) throw this.fail(q2!, dir, 'list');
    // A big folder: again with big pages (one round trip up to ~16,000 entries with 1 MiB pages).
    const big = this.client.listBuffer;
    const [cr2, p1, p2] = await t.send([create(), qd(RELATED_FILE_ID, big, true), qd(RELATED_FILE_ID, big, true), close]);
    if (cr2!.status !== Status.SUCCESS) throw this.fail(cr2!, dir, 'list');
    const pages: SmbMessage[] = [];
    for (const p of [p1!, p2!]) {
      if (p.status === Status.NO_MORE_FILES) return this.toEntries(pages);
      if (p.status !== Status.SUCCESS) throw this.fail(p, dir, 'list');
      pages.push(p);
    }
    // Huge: page through on a handle kept open until NO_MORE_FILES.
    const cr3 = await t.request(create());
    if (cr3.status !== Status.SUCCESS) throw this.fail(cr3, dir, 'list');
    const { fileId } = parseCreateResponse(cr3);
    try {
      const all: SmbMessage[] = [];
      for (;;) {
        const m = await t.request(qd(fileId, big, false));
        if (m.status === Status.NO_MORE_FILES) return this.toEntries(all);
        if (m.status !== Status.SUCCESS) throw this.fail(m, dir, 'list');
        all.push(m);
      }
    } finally {
      closeQuietly(t, treeId, fileId);
    }
  }

  private toEntries(pages: SmbMessage[]): FileEntry[] {
    const out: FileEntry[] = [];
    for (const p of pages) {
      for (const e of parseFileIdBothDirectoryInformation(parseOutputBuffer(p))) {
        if (e.name === '.' || e.name === '..') continue;
        const isDir = (e.fileAttributes & FileAttributes.DIRECTORY) !== 0;
        const entry: FileEntry = { name: e.name, isDir, size: isDir ? 0 : Number(e.endOfFile), mtimeMs: filetimeToMs(e.lastWriteTime) };
        if (e.fileAttributes & FileAttributes.REPARSE_POINT) entry.isLink = true;
        if (e.fileId) entry.fileId = e.fileId.toString(16);
        out.push(entry);
      }
    }
    return out;
  }

  async stat(path: string): Promise<FileEntry> {
    return this.run({ idempotent: true, op: 'look at', path }, async (t, treeId) => {
      const [cr] = await t.send([
        { command: Command.CREATE, treeId, body: createRequest({ name: toWirePath(path), desiredAccess: STAT_ACCESS, createOptions: 0 }) },
        { command: Command.CLOSE, treeId, body: closeRequest(RELATED_FILE_ID), related: true },
      ]);
      if (cr!.status !== Status.SUCCESS) throw this.fail(cr!, path, 'look at');
      const c = parseCreateResponse(cr!);
      const isDir = (c.fileAttributes & FileAttributes.DIRECTORY) !== 0;
      const e: FileEntry = { name: baseName(path), isDir, size: isDir ? 0 : Number(c.endOfFile), mtimeMs: filetimeToMs(c.lastWriteTime) };
      if (c.fileAttributes & FileAttributes.REPARSE_POINT) e.isLink = true;
      return e;
    });
  }

  async access(path: string): Promise<number | undefined> {
    return this.run({ idempotent: true, op: 'look at', path }, async (t, treeId) => {
      const [cr] = await t.send([
        {
          command: Command.CREATE,
          treeId,
          body: createRequest({ name: toWirePath(path), desiredAccess: STAT_ACCESS, createOptions: 0, contexts: [{ name: 'MxAc', data: Buffer.alloc(0) }] }),
        },
        { command: Command.CLOSE, treeId, body: closeRequest(RELATED_FILE_ID), related: true },
      ]);
      if (cr!.status !== Status.SUCCESS) throw this.fail(cr!, path, 'look at');
      return parseMaximalAccess(parseCreateContexts(cr!));
    });
  }

  async read(path: string, offset: number, length: number): Promise<Uint8Array> {
    this.check();
    if (!Number.isSafeInteger(offset) || offset < 0 || !Number.isSafeInteger(length) || length < 0) {
      throw new EngineError('INVALID_INPUT', `Bad read range ${offset}+${length}.`);
    }
    return this.run({ idempotent: true, op: 'read', path }, async (t, treeId) => {
      try {
        return await this.readOn(t, treeId, path, offset, length, false);
      } catch (e) {
        // A cached handle can be stale (the file was replaced or shrank since it was opened):
        // once more through a fresh open before believing it.
        if (!(e instanceof StaleHandle)) throw e;
        await this.invalidate(path);
        return this.readOn(t, treeId, path, offset, length, true);
      }
    });
  }

  private async readOn(t: SmbTransport, treeId: number, path: string, offset: number, length: number, fresh: boolean): Promise<Uint8Array> {
    const chunk = this.client.readChunk;
    const stale = (cached: boolean, e: unknown) => (cached && !(e instanceof EngineError && e.code === 'UNREACHABLE') ? new StaleHandle(e) : e);
    if (length <= chunk) {
      // Header reads: CREATE + READ in one round trip (or just READ on a cached handle).
      const { of, first, cached } = await this.acquire(t, treeId, path, { offset, length }, fresh);
      try {
        const data = first ? this.readData(first, path) : await this.readAt(t, treeId, of, path, offset, length);
        if (data.length === length) return data;
        if (cached) throw new StaleHandle(); // short: the file may have changed since the handle was opened
        if (data.length === 0 || offset + data.length >= of.size) return data;
        // Short read before end of file (allowed by the protocol): finish with the general path.
        const rest = Buffer.allocUnsafe(Math.min(length, of.size - offset) - data.length);
        await this.fill(t, treeId, of, path, rest, offset + data.length);
        return concat([data, rest]);
      } catch (e) {
        throw stale(cached, e);
      } finally {
        this.release(of);
      }
    }
    const { of, cached } = await this.acquire(t, treeId, path, undefined, fresh);
    try {
      const end = Math.min(of.size, offset + length);
      if (end <= offset) {
        if (cached) throw new StaleHandle();
        return new Uint8Array(0);
      }
      const out = Buffer.allocUnsafe(end - offset);
      await this.fill(t, treeId, of, path, out, offset);
      return new Uint8Array(out.buffer, out.byteOffset, out.length);
    } catch (e) {
      throw stale(cached, e);
    } finally {
      this.release(of);
    }
  }

  /**
   * Ordered chunks of `path` from `start` to `end` (exclusive; default: the size when the stream
   * starts), with `parallel` reads of `chunkSize` in flight. Each chunk is a fresh buffer the caller
   * may keep, unless `buffer` supplies them. A connection lost mid-way is re-established and the
   * stream goes on.
   */
  async *stream(path: string, opts: StreamOptions = {}): AsyncGenerator<Uint8Array, void, undefined> {
    this.check();
    const start = opts.start ?? 0;
    if (!Number.isSafeInteger(start) || start < 0 || (opts.end !== undefined && (!Number.isSafeInteger(opts.end) || opts.end < start))) {
      throw new EngineError('INVALID_INPUT', `Bad stream range ${start}..${opts.end}.`);
    }
    // One handle for the whole stream (one version of the file), replaced only after a reconnect.
    let held: OpenFile | undefined;
    const hold = (t: SmbTransport, treeId: number): Promise<OpenFile> => {
      if (held && held.t === t) return Promise.resolve(held);
      return this.acquire(t, treeId, path, undefined, true).then(({ of }) => {
        if (held && held.t === t) {
          this.release(of); // another chunk got there first
          return held;
        }
        if (held) this.release(held);
        held = of;
        return of;
      });
    };
    const size = await this.run({ idempotent: true, op: 'read', path }, async (t, treeId) => (await hold(t, treeId)).size);
    try {
      const chunk = this.client.chunkFor(opts.chunkSize ?? BULK_CHUNK);
      // Default: a 16 MiB window whatever the chunk (4 × 4 MiB; 64 × 64 KiB on SMB 2.0.2).
      const parallel = Math.max(1, Math.min(64, Math.floor(opts.parallel ?? (BULK_CHUNK * DEFAULT_STREAM_PARALLEL) / chunk)));
      const end = Math.min(size, opts.end ?? size);
      const allocate = (len: number): Uint8Array => {
        if (!opts.buffer) return Buffer.allocUnsafe(len);
        const b = opts.buffer(len);
        if (!(b instanceof Uint8Array) || b.length < len) throw new EngineError('INVALID_INPUT', `stream(): the buffer callback must return at least ${len} bytes.`);
        return b;
      };
      yield* readsInOrder({
        start,
        end,
        chunk,
        parallel,
        read: (at, len) => {
          let target: Uint8Array | undefined; // the same buffer if the read is retried after a reconnect
          return this.run({ idempotent: true, op: 'read', path }, async (t, treeId) => {
            const of = await hold(t, treeId);
            if (!target) target = allocate(len);
            const buf = target.subarray(0, len);
            const n = await this.fillSome(t, treeId, of, path, buf, at);
            if (n < len) throw new EngineError('IO', `"${path}" became shorter while it was being read.`);
            return buf;
          });
        },
      });
    } finally {
      if (held) this.release(held);
    }
  }

  /** One READ on an open handle; into = where large data should land (no copy). */
  private async readAt(t: SmbTransport, treeId: number, of: OpenFile, path: string, at: number, len: number, into?: Uint8Array): Promise<Uint8Array> {
    const m = await t.request({
      command: Command.READ,
      treeId,
      body: readRequest(of.fileId, at, len),
      creditCharge: Math.ceil(Math.max(1, len) / 65536),
      readInto: into,
    });
    return this.readData(m, path, into);
  }

  private readData(m: SmbMessage, path: string, into?: Uint8Array): Uint8Array {
    if (m.status === Status.END_OF_FILE) return new Uint8Array(0);
    if (m.status !== Status.SUCCESS) throw this.fail(m, path, 'read');
    if (m.placed !== undefined) {
      this.client.bytesRead += m.placed;
      return into!.subarray(0, m.placed);
    }
    const data = parseReadResponse(m);
    this.client.bytesRead += data.length;
    if (into) {
      into.set(data, 0);
      return into.subarray(0, data.length);
    }
    return new Uint8Array(data.buffer, data.byteOffset, data.length);
  }

  /** Reads into out[0..] from `from` with several READs in flight; throws if the file ends early. */
  private async fill(t: SmbTransport, treeId: number, of: OpenFile, path: string, out: Uint8Array, from: number): Promise<void> {
    const chunk = this.client.chunkFor(BULK_CHUNK);
    let next = 0;
    let failure: unknown;
    const worker = async () => {
      while (failure === undefined && next < out.length) {
        const at = next;
        const want = Math.min(chunk, out.length - at);
        next += want;
        const n = await this.fillSome(t, treeId, of, path, out.subarray(at, at + want), from + at);
        if (n < want) throw new EngineError('IO', `"${path}" became shorter while it was being read.`);
      }
    };
    // The same window (bytes in flight) whatever the chunk: 4 × 4 MiB, or 16 × 1 MiB on old dialects.
    const inFlight = Math.max(1, Math.min(MAX_READS_IN_FLIGHT, Math.floor((BULK_CHUNK * DEFAULT_STREAM_PARALLEL) / chunk)));
    const workers = Array.from({ length: Math.min(inFlight, Math.ceil(out.length / chunk)) }, () =>
      worker().catch((e) => {
        failure ??= e;
      }),
    );
    await Promise.all(workers);
    if (failure !== undefined) throw failure;
  }

  /** Fills `buf` from file offset `at` (looping over short reads); returns bytes read (less only at end of file). */
  private async fillSome(t: SmbTransport, treeId: number, of: OpenFile, path: string, buf: Uint8Array, at: number): Promise<number> {
    let got = 0;
    while (got < buf.length) {
      const data = await this.readAt(t, treeId, of, path, at + got, buf.length - got, buf.subarray(got));
      if (data.length === 0) break;
      got += data.length;
    }
    return got;
  }

  // ------------------------------------------------------------------ handle cache

  /**
   * An open handle for reading `path` on `t`: a cached one (no round trip), or a new one — with a
   * first READ compounded onto the CREATE when `first` is given. Release it with release().
   */
  private async acquire(
    t: SmbTransport,
    treeId: number,
    path: string,
    first?: { offset: number; length: number },
    fresh = false,
  ): Promise<{ of: OpenFile; first?: SmbMessage; cached: boolean }> {
    const key = toWirePath(path);
    const slot = this.handles.get(key);
    if (slot && slot.t === t && !fresh) {
      const of = await slot.ready.catch(() => undefined);
      const young = of !== undefined && performance.now() - of.openedAt < this.client.handleCacheMs;
      if (of && young && !of.dead && this.handles.get(key) === slot) {
        of.refs++;
        if (of.idle) clearTimeout(of.idle);
        of.idle = undefined;
        return { of, cached: true };
      }
      if (of && !young) void this.invalidate(path);
    }
    const lease = this.client.newLease();
    const create: OutgoingRequest = {
      command: Command.CREATE,
      treeId,
      body: createRequest({
        name: key,
        desiredAccess: READ_ACCESS,
        createOptions: CreateOptions.NON_DIRECTORY_FILE,
        ...(lease ? { oplockLevel: OPLOCK_LEVEL_LEASE, contexts: [lease.context] } : {}),
      }),
    };
    let firstReply: SmbMessage | undefined;
    const mine: Slot = { t, ready: Promise.resolve(undefined as unknown as OpenFile) };
    const ready = (async () => {
      let cr: SmbMessage;
      if (first) {
        [cr, firstReply] = (await t.send([
          create,
          {
            command: Command.READ,
            treeId,
            body: readRequest(RELATED_FILE_ID, first.offset, first.length),
            related: true,
            creditCharge: Math.ceil(Math.max(1, first.length) / 65536),
          },
        ])) as [SmbMessage, SmbMessage];
      } else {
        cr = await t.request(create);
      }
      if (cr.status !== Status.SUCCESS) throw this.fail(cr, path, 'read');
      const c = parseCreateResponse(cr);
      const granted = lease ? parseLease(parseCreateContexts(cr)) : undefined;
      let markClosed = () => {};
      const closed = new Promise<void>((resolve) => {
        markClosed = () => {
          const open = this.openHandles.get(key);
          if (open?.delete(of) && open.size === 0) this.openHandles.delete(key);
          resolve();
        };
      });
      const of: OpenFile = {
        key,
        t,
        treeId,
        fileId: c.fileId,
        size: Number(c.endOfFile),
        refs: 1,
        openedAt: performance.now(),
        dead: false,
        slot: mine,
        closed,
        markClosed: () => markClosed(),
      };
      const open = this.openHandles.get(key) ?? new Set<OpenFile>();
      open.add(of);
      this.openHandles.set(key, open);
      if (granted && granted.state & LeaseState.READ) {
        of.leaseKey = granted.key.toString('hex');
        this.client.leases.set(of.leaseKey, { share: this, of });
      }
      return of;
    })();
    mine.ready = ready;
    this.handles.set(key, mine);
    ready.catch(() => {
      if (this.handles.get(key) === mine) this.handles.delete(key);
    });
    const of = await ready;
    this.trimCache();
    return { of, first: firstReply, cached: false };
  }

  private release(of: OpenFile): void {
    of.refs--;
    if (of.refs > 0) return;
    const slot = of.slot;
    const cached = slot !== undefined && this.handles.get(of.key) === slot && !of.dead;
    const keepMs = this.client.handleCacheMs;
    if (!cached || keepMs <= 0 || of.t.closed) {
      void this.closeOpen(of);
      return;
    }
    // Kept until handleCacheMs after it was opened: reads of this file meanwhile skip CREATE and CLOSE.
    const left = of.openedAt + keepMs - performance.now();
    if (left <= 0) {
      void this.closeOpen(of);
      return;
    }
    slot.entry = of;
    of.idle = setTimeout(() => this.closeOpen(of), left);
    of.idle.unref();
  }

  private closeOpen(of: OpenFile): Promise<void> {
    if (of.idle) clearTimeout(of.idle);
    of.idle = undefined;
    of.dead = true;
    if (of.slot && this.handles.get(of.key) === of.slot) this.handles.delete(of.key);
    if (of.leaseKey) this.client.leases.delete(of.leaseKey);
    if (of.refs > 0 || of.closing) return of.closing ?? Promise.resolve();
    if (of.t.closed) {
      of.markClosed();
      return Promise.resolve();
    }
    of.closing = of.t.request({ command: Command.CLOSE, treeId: of.treeId, body: closeRequest(of.fileId) }).then(
      () => of.markClosed(),
      () => of.markClosed(),
    );
    return of.closing;
  }

  /** Keeps at most MAX_CACHED_HANDLES idle handles (oldest closed first). */
  private trimCache(): void {
    if (this.handles.size <= MAX_CACHED_HANDLES) return;
    for (const slot of this.handles.values()) {
      if (this.handles.size <= MAX_CACHED_HANDLES) break;
      if (slot.entry && slot.entry.refs === 0) void this.closeOpen(slot.entry);
    }
  }

  /**
   * Forgets cached handles of `path` and everything under it (it changed, or is about to); waits
   * for the idle ones to be closed, and up to `inUseWaitMs` for the ones a read is using (they
   * close when it releases them). A rename or delete needs them closed: while this client holds
   * the file open (its live updates reading a log, say), the NAS refuses to replace it.
   */
  invalidate(path: string, inUseWaitMs = 0): Promise<void> {
    const key = toWirePath(path);
    const under = (k: string) => key === '' || k === key || k.startsWith(`${key}\\`);
    const closing: Promise<void>[] = [];
    const inUse: Promise<void>[] = [];
    for (const [k, slot] of [...this.handles]) {
      if (!under(k)) continue;
      this.handles.delete(k);
      // Opening, or in use: no new user may take it; it is closed when its reader releases it.
      if (!slot.entry) {
        inUse.push(
          slot.ready.then(
            (of) => {
              of.dead = true;
              return of.closed;
            },
            () => {},
          ),
        );
      }
    }
    for (const [k, open] of [...this.openHandles]) {
      if (!under(k)) continue;
      for (const of of open) {
        of.dead = true;
        // Idle ones close now; one a read is using closes when the read releases it.
        if (of.refs === 0) closing.push(this.closeOpen(of));
        else inUse.push(of.closed);
      }
    }
    if (inUseWaitMs > 0 && inUse.length > 0) {
      closing.push(Promise.race([Promise.all(inUse).then(() => {}), new Promise<void>((resolve) => setTimeout(resolve, inUseWaitMs).unref())]));
    }
    return Promise.all(closing).then(() => {});
  }

  /** The NAS is breaking our lease on a cached handle: drop it (acknowledging first when asked). */
  onLeaseBreak(of: OpenFile, ack: Buffer | undefined): void {
    if (ack && !of.t.closed) {
      of.t.request({ command: Command.OPLOCK_BREAK, treeId: of.treeId, body: ack }).catch(() => {});
    }
    of.dead = true;
    void this.closeOpen(of);
  }

  // ------------------------------------------------------------------ writes

  async writeFile(path: string, data: Uint8Array, opts: { overwrite: boolean }): Promise<void> {
    this.check();
    if (toWirePath(path) === '') throw new EngineError('INVALID_INPUT', 'Cannot write to the root of a share.');
    await this.invalidate(path, IN_USE_WAIT_MS);
    await this.run({ idempotent: false, op: 'write', path }, (t, treeId) => this.writeOn(t, treeId, path, data, opts.overwrite));
  }

  private async writeOn(t: SmbTransport, treeId: number, path: string, data: Uint8Array, overwrite: boolean): Promise<void> {
    const chunk = this.client.writeChunk;
    const create: OutgoingRequest = {
      command: Command.CREATE,
      treeId,
      body: createRequest({
        name: toWirePath(path),
        desiredAccess: WRITE_ACCESS,
        createOptions: CreateOptions.NON_DIRECTORY_FILE,
        disposition: overwrite ? CreateDisposition.OVERWRITE_IF : CreateDisposition.CREATE,
        fileAttributes: FileAttributes.ARCHIVE,
      }),
    };
    if (data.length <= chunk) {
      // Small files (sidecars, annotation logs): CREATE + WRITE + FLUSH + CLOSE in one round trip.
      const reqs: OutgoingRequest[] = [create];
      if (data.length > 0) {
        reqs.push({
          command: Command.WRITE,
          treeId,
          body: writeRequest(RELATED_FILE_ID, 0, data.length),
          payload: data,
          related: true,
          creditCharge: Math.ceil(data.length / 65536),
        });
      }
      reqs.push({ command: Command.FLUSH, treeId, body: flushRequest(RELATED_FILE_ID), related: true });
      reqs.push({ command: Command.CLOSE, treeId, body: closeRequest(RELATED_FILE_ID), related: true });
      const replies = await t.send(reqs);
      const cr = replies[0]!;
      const fl = replies[reqs.length - 2]!;
      if (cr.status !== Status.SUCCESS) throw this.fail(cr, path, 'write', true);
      if (data.length === 0) {
        if (fl.status !== Status.SUCCESS) throw this.fail(fl, path, 'write', true);
        return;
      }
      const wr = replies[1]!;
      const written = wr.status === Status.SUCCESS ? parseWriteResponse(wr) : 0;
      const bad = wr.status !== Status.SUCCESS ? wr : fl.status !== Status.SUCCESS ? fl : undefined;
      if (bad || written > data.length) {
        const e = bad ? this.fail(bad, path, 'write', true) : new EngineError('IO', `The NAS reported a bad write of "${path}".`);
        if (!overwrite) await this.removeOn(t, treeId, path).catch(() => {});
        throw e;
      }
      this.client.bytesWritten += written;
      if (written === data.length) return;
      // A short write (allowed, rare): finish through an ordinary open.
      const reopen = await t.request({
        command: Command.CREATE,
        treeId,
        body: createRequest({ name: toWirePath(path), desiredAccess: WRITE_ACCESS, createOptions: CreateOptions.NON_DIRECTORY_FILE }),
      });
      if (reopen.status !== Status.SUCCESS) throw this.fail(reopen, path, 'write', true);
      await this.writeRest(t, treeId, path, parseCreateResponse(reopen).fileId, data, written, overwrite);
      return;
    }
    const cr = await t.request(create);
    if (cr.status !== Status.SUCCESS) throw this.fail(cr, path, 'write', true);
    await this.writeRest(t, treeId, path, parseCreateResponse(cr).fileId, data, 0, overwrite);
  }

  /** Writes data[from..] through an open handle with several WRITEs in flight, then flushes and closes it. */
  private async writeRest(t: SmbTransport, treeId: number, path: string, fileId: Buffer, data: Uint8Array, from: number, overwrite: boolean): Promise<void> {
    const chunk = this.client.writeChunk;
    let next = from;
    let failure: unknown;
    const worker = async () => {
      while (failure === undefined && next < data.length) {
        let at = next;
        const end = Math.min(data.length, at + chunk);
        next = end;
        while (at < end && failure === undefined) {
          const part = data.subarray(at, end);
          const m = await t.request({
            command: Command.WRITE,
            treeId,
            body: writeRequest(fileId, at, part.length),
            payload: part,
            creditCharge: Math.ceil(part.length / 65536),
          });
          if (m.status !== Status.SUCCESS) throw this.fail(m, path, 'write', true);
          const n = parseWriteResponse(m);
          if (n === 0 || n > part.length) throw new EngineError('IO', `The NAS wrote nothing of "${path}".`);
          this.client.bytesWritten += n;
          at += n;
        }
      }
    };
    const workers = Array.from({ length: Math.min(MAX_WRITES_IN_FLIGHT, Math.ceil((data.length - from) / chunk)) }, () =>
      worker().catch((e) => {
        failure ??= e;
      }),
    );
    await Promise.all(workers);
    if (failure === undefined) {
      const [fl] = await t.send([
        { command: Command.FLUSH, treeId, body: flushRequest(fileId) },
        { command: Command.CLOSE, treeId, body: closeRequest(fileId) },
      ]);
      if (fl!.status !== Status.SUCCESS) failure = this.fail(fl!, path, 'write', true);
      else return;
    } else {
      await t.request({ command: Command.CLOSE, treeId, body: closeRequest(fileId) }).catch(() => {});
    }
    // A file created here and left half-written is worse than none.
    if (!overwrite && !t.closed) await this.removeOn(t, treeId, path).catch(() => {});
    throw failure;
  }

  async rename(from: string, to: string, opts: { replace: boolean }): Promise<void> {
    this.check();
    const target = toWirePath(to);
    if (toWirePath(from) === '' || target === '') throw new EngineError('INVALID_INPUT', 'Cannot rename the root of a share.');
    // Our own open handles would make the NAS refuse (or wait for) the rename.
    await Promise.all([this.invalidate(from, IN_USE_WAIT_MS), this.invalidate(to, IN_USE_WAIT_MS)]);
    await this.run({ idempotent: false, op: 'rename', path: from }, async (t, treeId) => {
      const [cr, si] = await t.send([
        { command: Command.CREATE, treeId, body: createRequest({ name: toWirePath(from), desiredAccess: DELETE_ACCESS, createOptions: 0 }) },
        {
          command: Command.SET_INFO,
          treeId,
          body: setInfoRequest({
            fileId: RELATED_FILE_ID,
            infoType: InfoType.FILE,
            infoClass: FileInfoClass.FileRenameInformation,
            buffer: fileRenameInformation(target, opts.replace),
          }),
          related: true,
        },
        { command: Command.CLOSE, treeId, body: closeRequest(RELATED_FILE_ID), related: true },
      ]);
      if (cr!.status !== Status.SUCCESS) throw this.fail(cr!, from, 'rename', true);
      if (si!.status === Status.OBJECT_NAME_COLLISION) throw this.err(si!.status, to, 'rename', true);
      if (si!.status !== Status.SUCCESS) throw this.fail(si!, from, `rename to "${to}"`, true);
    });
  }

  async remove(path: string): Promise<void> {
    this.check();
    if (toWirePath(path) === '') throw new EngineError('INVALID_INPUT', 'Cannot delete the root of a share.');
    await this.invalidate(path, IN_USE_WAIT_MS);
    await this.run({ idempotent: false, op: 'delete', path }, (t, treeId) => this.removeOn(t, treeId, path));
  }

  private async removeOn(t: SmbTransport, treeId: number, path: string): Promise<void> {
    const [cr, si] = await t.send([
      { command: Command.CREATE, treeId, body: createRequest({ name: toWirePath(path), desiredAccess: DELETE_ACCESS, createOptions: 0 }) },
      {
        command: Command.SET_INFO,
        treeId,
        body: setInfoRequest({
          fileId: RELATED_FILE_ID,
          infoType: InfoType.FILE,
          infoClass: FileInfoClass.FileDispositionInformation,
          buffer: fileDispositionInformation(true),
        }),
        related: true,
      },
      { command: Command.CLOSE, treeId, body: closeRequest(RELATED_FILE_ID), related: true },
    ]);
    if (cr!.status !== Status.SUCCESS) throw this.fail(cr!, path, 'delete', true);
    if (si!.status !== Status.SUCCESS) throw this.fail(si!, path, 'delete', true);
  }

  async mkdir(path: string): Promise<void> {
    this.check();
    if (toWirePath(path) === '') return;
    // Creating a folder that exists is a no-op, so this is safe to repeat after a lost connection.
    await this.run({ idempotent: true, op: 'create the folder', path }, (t, treeId) => this.mkdirOn(t, treeId, path));
  }

  private async mkdirOn(t: SmbTransport, treeId: number, path: string): Promise<void> {
    const [cr] = await t.send([
      {
        command: Command.CREATE,
        treeId,
        body: createRequest({
          name: toWirePath(path),
          desiredAccess: STAT_ACCESS,
          createOptions: CreateOptions.DIRECTORY_FILE,
          disposition: CreateDisposition.OPEN_IF,
        }),
      },
      { command: Command.CLOSE, treeId, body: closeRequest(RELATED_FILE_ID), related: true },
    ]);
    const s = cr!.status;
    if (s === Status.SUCCESS) return;
    if (s === Status.OBJECT_PATH_NOT_FOUND && parentOf(path) !== '') {
      await this.mkdirOn(t, treeId, parentOf(path));
      return this.mkdirOn(t, treeId, path);
    }
    if (s === Status.ACCESS_DENIED || s === Status.MEDIA_WRITE_PROTECTED) {
      // A read-only share may refuse OPEN_IF even for a folder that is already there.
      const [again] = await t.send([
        { command: Command.CREATE, treeId, body: createRequest({ name: toWirePath(path), desiredAccess: STAT_ACCESS, createOptions: CreateOptions.DIRECTORY_FILE }) },
        { command: Command.CLOSE, treeId, body: closeRequest(RELATED_FILE_ID), related: true },
      ]);
      if (again!.status === Status.SUCCESS) return;
    }
    throw this.err(s, path, 'create the folder', true);
  }

  async watch(dir: string, onChange: (change: SourceChange) => void, opts: WatchOptions = {}): Promise<() => Promise<void>> {
    this.check();
    const size = Math.max(64, Math.min(opts.bufferSize ?? NOTIFY_BUFFER, this.client.listBuffer));
    const w = new Watcher(this, dir.replace(/^\/+|\/+$/g, ''), onChange, size);
    await w.start();
    this.watchers.add(w);
    return async () => {
      this.watchers.delete(w);
      await w.stop();
    };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    await Promise.all([...this.watchers].map((w) => w.stop()));
    this.watchers.clear();
    await this.invalidate('');
    this.closed = true;
    this.client.forget(this);
    const tree = this.tree;
    this.tree = undefined;
    if (!tree || tree.t.closed) return;
    const treeId = await tree.id.catch(() => undefined);
    if (treeId === undefined || tree.t.closed) return;
    await tree.t.request({ command: Command.TREE_DISCONNECT, treeId, body: emptyRequest() }, { timeoutMs: 2000 }).catch(() => {});
  }
}

const NOTIFY_FILTER =
  NotifyFilter.FILE_NAME | NotifyFilter.DIR_NAME | NotifyFilter.SIZE | NotifyFilter.LAST_WRITE | NotifyFilter.CREATION;
const NOTIFY_BUFFER = 64 * 1024;
const ARM_WAIT_MS = 2000;
const WATCH_BACKOFF_MS = [250, 500, 1000, 2000, 5000, 10_000, 30_000];

/** One CHANGE_NOTIFY long poll on an open folder handle, re-armed after every answer. */
class Watcher {
  private stopped = false;
  private handle?: { t: SmbTransport; treeId: number; fileId: Buffer };
  private loop?: Promise<void>;
  private wake?: () => void;

  constructor(
    private readonly share: Share,
    private readonly dir: string,
    private readonly onChange: (change: SourceChange) => void,
    private readonly bufferSize: number,
  ) {}

  /** Called once the NAS has queued the first CHANGE_NOTIFY (or answered it). */
  private armed?: () => void;

  /**
   * Opens the folder (its errors, e.g. NOT_FOUND, are thrown here), starts the loop and returns once
   * the NAS has the first CHANGE_NOTIFY queued: from then on, no change goes unreported.
   */
  async start(): Promise<void> {
    await this.open();
    let timer: NodeJS.Timeout | undefined;
    const armed = new Promise<void>((resolve) => {
      this.armed = resolve;
      timer = setTimeout(resolve, ARM_WAIT_MS); // a NAS that never sends interim replies
    });
    this.loop = this.run().catch(() => {});
    await armed;
    clearTimeout(timer);
    this.armed = undefined;
  }

  private emit(kind: SourceChange['kind'], path: string): void {
    if (this.stopped) return;
    // A cached read handle of a changed file would serve what it was when opened.
    void this.share.invalidate(path);
    try {
      this.onChange({ kind, path });
    } catch {
      // A listener's bug must not stop the watcher (or reach the process as an unhandled rejection).
    }
  }

  private async open(): Promise<void> {
    this.handle = await this.share.run({ idempotent: true, op: 'watch', path: this.dir }, async (t, treeId) => {
      const cr = await t.request({
        command: Command.CREATE,
        treeId,
        body: createRequest({ name: toWirePath(this.dir), desiredAccess: LIST_ACCESS, createOptions: CreateOptions.DIRECTORY_FILE }),
      });
      if (cr.status !== Status.SUCCESS) throw this.share.fail(cr, this.dir, 'watch');
      return { t, treeId, fileId: parseCreateResponse(cr).fileId };
    });
  }

  private async run(): Promise<void> {
    let failures = 0;
    let lost = false;
    while (!this.stopped) {
      try {
        if (!this.handle || this.handle.t.closed) {
          this.handle = undefined;
          await this.open();
          if (this.stopped) break;
        }
        if (lost) {
          // Whatever happened while the watch was down is unknown: rescan.
          lost = false;
          this.emit('overflow', this.dir);
        }
        const { t, treeId, fileId } = this.handle!;
        const outLen = this.bufferSize;
        const m = await t.request(
          {
            command: Command.CHANGE_NOTIFY,
            treeId,
            body: changeNotifyRequest({ fileId, watchTree: true, outputLength: outLen, filter: NOTIFY_FILTER }),
            creditCharge: Math.ceil(outLen / 65536),
          },
          { timeoutMs: 0, onInterim: () => this.armed?.() },
        );
        this.armed?.();
        if (this.stopped) break;
        if (m.status === Status.SUCCESS) {
          failures = 0;
          const records = parseFileNotifyInformation(parseOutputBuffer(m));
          // An empty success means the NAS had more than fits the buffer.
          if (records.length === 0) this.emit('overflow', this.dir);
          for (const r of records) {
            const path = joinPath(this.dir, r.name.split('\\').join('/'));
            switch (r.action) {
              case NotifyAction.ADDED:
                this.emit('added', path);
                break;
              case NotifyAction.REMOVED:
              case NotifyAction.RENAMED_OLD_NAME:
                this.emit('removed', path);
                break;
              case NotifyAction.RENAMED_NEW_NAME:
                this.emit('renamed', path);
                break;
              default:
                this.emit('modified', path);
            }
          }
          continue;
        }
        if (m.status === Status.NOTIFY_ENUM_DIR) {
          failures = 0;
          this.emit('overflow', this.dir);
          continue;
        }
        // Any other answer (handle closed under us, folder deleted, access changed…): report a loss,
        // drop the handle and open the folder again after a pause.
        this.emit('overflow', this.dir);
        this.dropHandle();
        await this.pause(WATCH_BACKOFF_MS[Math.min(failures++, WATCH_BACKOFF_MS.length - 1)]!);
      } catch {
        // Connection lost, or the folder could not be opened again: try again after a pause.
        this.armed?.();
        if (this.stopped) break;
        lost = true;
        this.dropHandle();
        await this.pause(WATCH_BACKOFF_MS[Math.min(failures++, WATCH_BACKOFF_MS.length - 1)]!);
      }
    }
    this.dropHandle(); // opened while stop() was running
  }

  private dropHandle(): void {
    const h = this.handle;
    this.handle = undefined;
    if (h) closeQuietly(h.t, h.treeId, h.fileId);
  }

  private pause(ms: number): Promise<void> {
    if (this.stopped) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      timer.unref();
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.wake = done;
    });
  }

  async stop(): Promise<void> {
    if (this.stopped) return this.loop;
    this.stopped = true;
    this.wake?.();
    const h = this.handle;
    this.handle = undefined;
    // Closing the folder completes the pending CHANGE_NOTIFY (STATUS_NOTIFY_CLEANUP), ending the loop.
    if (h && !h.t.closed) {
      await h.t.request({ command: Command.CLOSE, treeId: h.treeId, body: closeRequest(h.fileId) }, { timeoutMs: 2000 }).catch(() => {});
    }
    await this.loop;
  }
}

/** CLOSE without waiting for (or caring about) the answer; the next request on the wire follows it. */
function closeQuietly(t: SmbTransport, treeId: number, fileId: Buffer): void {
  if (t.closed) return;
  t.request({ command: Command.CLOSE, treeId, body: closeRequest(fileId) }).catch(() => {});
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
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

async function openSession(opts: SmbConnectOptions): Promise<{ t: SmbTransport; info: SessionInfo }> {
  const port = opts.port ?? 445;
  const t = await SmbTransport.connect(opts.host, port, opts.timeoutMs ?? 30_000);
  try {
    const so: SessionOptions = { host: opts.host, port, user: opts.user, password: opts.password };
    if (opts.domain !== undefined) so.domain = opts.domain;
    if (opts.signing) so.signing = opts.signing;
    if (opts.encryption) so.encryption = opts.encryption;
    if (opts.dialects) so.dialects = opts.dialects;
    return { t, info: await establishSession(t, so) };
  } catch (e) {
    t.destroy();
    throw e;
  }
}

export async function connectSmb(opts: SmbConnectOptions): Promise<SmbClient> {
  if (!opts.host) throw new EngineError('INVALID_INPUT', 'No NAS host name given.');
  const { t, info } = await openSession(opts);
  return new Client(t, info, { ...opts });
}
