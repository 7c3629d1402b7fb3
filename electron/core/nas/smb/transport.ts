// One TCP connection to an SMB server: 4-byte direct-TCP framing, message ids and credits, many
// requests in flight, compounding, per-request timeouts, interim (STATUS_PENDING) responses,
// and hooks for signing and encryption that the session installs once it has keys.
import { connect, type Socket } from 'node:net';
import { EngineError } from '../../errors';
import { Command, HeaderFlags, Status } from './constants';
import { networkError } from './errors';
import { HEADER_SIZE, parseHeader, type SmbMessage, writeHeader } from './packets';

export interface OutgoingRequest {
  command: number;
  body: Buffer;
  /** Bytes that follow the body on the wire (WRITE data); copied once, straight into the frame. */
  payload?: Uint8Array;
  /** Credits this request consumes (multi-credit READ/QUERY_DIRECTORY); 1 by default. */
  creditCharge?: number;
  treeId?: number;
  /** Related compound operation (uses the previous request's FileId / session / tree). */
  related?: boolean;
  /** Called with the exact bytes sent (after signing), e.g. for the preauth integrity hash. */
  onSent?: (raw: Buffer) => void;
  /**
   * READ only: where the data should land. A large reply is then read from the socket straight into
   * this region (no intermediate copy) and arrives as a message with `placed` = bytes placed.
   */
  readInto?: Uint8Array;
}

export interface SendOptions {
  /**
   * 0 = no timeout: a long poll (CHANGE_NOTIFY) that may stay unanswered indefinitely. Default: the
   * transport's timeout. A request that times out takes the connection down with it (the NAS or the
   * network is presumed dead; the client reconnects on the next request).
   */
  timeoutMs?: number;
  /** Sign these requests (default: whatever the transport's signer says). */
  sign?: boolean;
  /** Encrypt this send (default: transport.encryptAll). */
  encrypt?: boolean;
  /** Called when the NAS answers with an interim STATUS_PENDING (it has queued the request). */
  onInterim?: () => void;
}

export interface Signer {
  sign(message: Buffer): void;
  /** `more`: the rest of the message when it was received in pieces. */
  verify(message: Buffer, more?: Uint8Array[]): boolean;
}

export interface Encryptor {
  /** Wraps one plaintext (possibly compound) SMB2 frame in a transform header. */
  encrypt(plain: Buffer, sessionId: bigint): Buffer;
  /** Unwraps a transform-header frame; throws when it does not authenticate. */
  decrypt(frame: Buffer): Buffer;
}

export interface TransportCounters {
  requests: number;
  roundTrips: number;
}

interface Pending {
  resolve: (m: SmbMessage) => void;
  reject: (e: unknown) => void;
  timer?: NodeJS.Timeout;
  timeoutMs: number;
  command: number;
  asyncId?: bigint;
  /** Must the final response carry a valid signature? */
  expectSigned: boolean;
  onInterim?: () => void;
  readInto?: Uint8Array;
}

/** A large READ reply being read from the socket into its destination. */
interface Placement {
  /** Header and READ response fields, up to DataOffset. */
  head: Buffer;
  target: Uint8Array;
  filled: number;
  /** Bytes after the data (padding), rarely any. */
  tail: Buffer;
  tailFilled: number;
}

interface Waiter {
  charge: number;
  go: () => void;
  fail: (e: unknown) => void;
}

const TARGET_CREDITS = 512;
const UNSOLICITED = 0xffffffffffffffffn;
/** Reused buffer for socket reads of small frames (and the starts of large ones). */
const STAGE_SIZE = 256 * 1024;
/** Frames above this size get a buffer of their own (or go straight to their destination). */
const BIG_FRAME = 64 * 1024;
const READ_RESPONSE_FIXED = HEADER_SIZE + 16;
/** Stage read size while READs with a destination are in flight. */
const STAGE_BITE = 4096;

export class SmbTransport {
  readonly host: string;
  readonly port: number;
  sessionId = 0n;
  /** Once a dialect is negotiated: may requests carry CreditCharge > 1? */
  multiCredit = false;
  /** Dialect 2.0.2 requires CreditCharge = 0 on the wire. */
  zeroCreditCharge = true;
  signer?: Signer;
  /** Sign every request when there is a signer (false: only requests sent with { sign: true }). */
  signAll = true;
  encryptor?: Encryptor;
  /** Encrypt every request (session or share requires it). */
  encryptAll = false;
  defaultTimeoutMs: number;
  readonly counters: TransportCounters = { requests: 0, roundTrips: 0 };
  /** Called when the connection is lost or closed. */
  onClose?: (err: EngineError) => void;
  /** Frames starting 0xFF 'SMB' (an SMB1-only server answering). */
  onSmb1?: () => void;
  /** Unsolicited messages (lease / oplock break notifications, MessageId 0xFFFF…). */
  onUnsolicited?: (m: SmbMessage) => void;
  /** performance.now() of the last byte sent or received (keepalive). */
  lastActivity = performance.now();
  /** Most requests awaiting an answer at once (long polls excluded). */
  peakInFlight = 0;

  private socket!: Socket;
  private closedError?: EngineError;
  private credits = 1;
  private inFlightCharge = 0;
  private nextMessageId = 0n;
  private pending = new Map<bigint, Pending>();
  private waiters: Waiter[] = [];
  /** Pending requests without a timeout (long polls): they bring no credits back soon. */
  private longPolls = 0;
  /** Pending READs with a destination large enough to be placed. */
  private placeable = 0;

  // Receive state: socket reads go into `stage`, or into the large frame being assembled, or straight
  // into a READ's destination (see nextBuffer / onRead).
  private stage = Buffer.allocUnsafe(STAGE_SIZE);
  private stageStart = 0;
  private stageEnd = 0;
  private frame?: Buffer;
  private frameFilled = 0;
  private placing?: Placement;
  private cipherBuf = Buffer.alloc(0);

  private constructor(host: string, port: number, timeoutMs: number) {
    this.host = host;
    this.port = port;
    this.defaultTimeoutMs = timeoutMs;
  }

  private attach(socket: Socket): void {
    this.socket = socket;
    socket.setNoDelay(true);
    socket.setKeepAlive(true, 30_000);
    socket.on('error', (err) => this.fail(networkError(this.host, this.port, err)));
    socket.on('close', () =>
      this.fail(new EngineError('UNREACHABLE', `The connection to ${this.host}:${this.port} was closed by the NAS.`)),
    );
  }

  static connect(host: string, port: number, timeoutMs: number): Promise<SmbTransport> {
    return new Promise((resolve, reject) => {
      const t = new SmbTransport(host, port, timeoutMs);
      const socket = connect({
        host,
        port,
        onread: {
          buffer: () => t.nextBuffer(),
          callback: (n: number) => {
            t.onRead(n);
            return true;
          },
        },
      });
      const timer = setTimeout(() => {
        socket.destroy();
        reject(networkError(host, port, Object.assign(new Error('connect timed out'), { code: 'ETIMEDOUT' })));
      }, timeoutMs);
      socket.once('error', (err) => {
        clearTimeout(timer);
        reject(networkError(host, port, err));
      });
      socket.once('connect', () => {
        clearTimeout(timer);
        socket.removeAllListeners('error');
        t.attach(socket);
        resolve(t);
      });
    });
  }

  get closed(): boolean {
    return this.closedError !== undefined;
  }

  /** Sends one request, or several as a compound in one frame; resolves with one response each. */
  send(reqs: OutgoingRequest[], opts: SendOptions = {}): Promise<SmbMessage[]> {
    if (this.closedError) return Promise.reject(this.closedError);
    const charges = reqs.map((r) => (this.multiCredit ? Math.max(1, r.creditCharge ?? 1) : 1));
    const total = charges.reduce((a, b) => a + b, 0);
    return new Promise<SmbMessage[]>((resolve, reject) => {
      const go = () => {
        try {
          const promises = this.dispatch(reqs, charges, opts);
          Promise.all(promises).then(resolve, reject);
        } catch (e) {
          reject(e);
        }
      };
      if (this.waiters.length === 0 && this.credits >= total) go();
      else {
        this.waiters.push({ charge: total, go, fail: reject });
        this.drain();
      }
    });
  }

  /** Sends and returns the single response. */
  async request(req: OutgoingRequest, opts: SendOptions = {}): Promise<SmbMessage> {
    const [m] = await this.send([req], opts);
    return m!;
  }

  private dispatch(reqs: OutgoingRequest[], charges: number[], opts: SendOptions): Promise<SmbMessage>[] {
    if (this.closedError) throw this.closedError;
    const sign = this.signer !== undefined && (opts.sign ?? this.signAll);
    const encrypt = (opts.encrypt ?? this.encryptAll) && this.encryptor !== undefined;
    const timeoutMs = opts.timeoutMs ?? this.defaultTimeoutMs;
    const total = charges.reduce((a, b) => a + b, 0);
    this.credits -= total;
    this.inFlightCharge += total;
    // The whole (compound) frame in one buffer: 4-byte length, then each message padded to 8 bytes
    // except the last. Bodies and payloads are copied exactly once.
    const lens = reqs.map((r) => HEADER_SIZE + r.body.length + (r.payload?.length ?? 0));
    const spans = lens.map((l, i) => (i < reqs.length - 1 ? (l + 7) & ~7 : l));
    const lead = encrypt ? 0 : 4;
    const buf = Buffer.allocUnsafe(lead + spans.reduce((a, b) => a + b, 0));
    const promises: Promise<SmbMessage>[] = [];
    let off = lead;
    reqs.forEach((r, i) => {
      const charge = charges[i]!;
      const messageId = this.nextMessageId;
      this.nextMessageId += BigInt(charge);
      this.charges.set(messageId, charge);
      // Ask for enough credits to keep ~TARGET_CREDITS available, never less than we spend.
      const have = this.credits + this.inFlightCharge;
      const ask = Math.min(8192, charge + Math.max(0, TARGET_CREDITS - have));
      let flags = 0;
      if (r.related && i > 0) flags |= HeaderFlags.RELATED_OPERATIONS;
      if (sign && !encrypt && r.command !== Command.NEGOTIATE) flags |= HeaderFlags.SIGNED;
      writeHeader(buf, off, {
        command: r.command,
        creditCharge: this.zeroCreditCharge ? 0 : charge,
        creditRequest: ask,
        flags,
        messageId,
        treeId: r.treeId ?? 0,
        sessionId: this.sessionId,
      });
      r.body.copy(buf, off + HEADER_SIZE);
      if (r.payload) buf.set(r.payload, off + HEADER_SIZE + r.body.length);
      const span = spans[i]!;
      if (span > lens[i]!) buf.fill(0, off + lens[i]!, off + span);
      if (i < reqs.length - 1) buf.writeUInt32LE(span, off + 20); // NextCommand
      const msg = buf.subarray(off, off + span);
      if (flags & HeaderFlags.SIGNED) this.signer!.sign(msg);
      r.onSent?.(msg);
      off += span;
      promises.push(
        new Promise<SmbMessage>((resolve, reject) => {
          const p: Pending = { resolve, reject, timeoutMs, command: r.command, expectSigned: (flags & HeaderFlags.SIGNED) !== 0 };
          if (opts.onInterim) p.onInterim = opts.onInterim;
          if (r.readInto && r.command === Command.READ) {
            p.readInto = r.readInto;
            if (r.readInto.length > BIG_FRAME) this.placeable++;
          }
          this.arm(messageId, p);
          if (timeoutMs <= 0) this.longPolls++;
          this.pending.set(messageId, p);
        }),
      );
    });
    this.counters.requests += reqs.length;
    this.counters.roundTrips += 1;
    this.peakInFlight = Math.max(this.peakInFlight, this.pending.size - this.longPolls);
    this.lastActivity = performance.now();
    if (encrypt) {
      const frame = this.encryptor!.encrypt(buf, this.sessionId);
      const nb = Buffer.allocUnsafe(4);
      nb.writeUInt32BE(frame.length, 0);
      this.socket.cork();
      this.socket.write(nb);
      this.socket.write(frame);
      this.socket.uncork();
    } else {
      buf.writeUInt32BE(buf.length - 4, 0);
      this.socket.write(buf);
    }
    return promises;
  }

  /** (Re)starts a pending request's timer; a request that times out takes the connection down. */
  private arm(messageId: bigint, p: Pending): void {
    if (p.timer) clearTimeout(p.timer);
    if (p.timeoutMs <= 0) return;
    p.timer = setTimeout(() => {
      const err = new EngineError(
        'UNREACHABLE',
        `The NAS at ${this.host}:${this.port} did not answer within ${Math.max(1, Math.round(p.timeoutMs / 1000))} s.`,
      );
      this.pending.delete(messageId);
      p.reject(err);
      this.fail(err);
      this.socket.destroy();
    }, p.timeoutMs);
  }

  private charges = new Map<bigint, number>();

  /** Where the next socket read should put its bytes. */
  private nextBuffer(): Uint8Array {
    const pl = this.placing;
    if (pl) return pl.filled < pl.target.length ? pl.target.subarray(pl.filled) : pl.tail.subarray(pl.tailFilled);
    if (this.frame) return this.frame.subarray(this.frameFilled);
    if (this.stageStart === this.stageEnd) {
      this.stageStart = 0;
      this.stageEnd = 0;
    } else if (STAGE_SIZE - this.stageEnd < 16 * 1024) {
      this.compactStage();
    }
    // While large READ replies are expected, read frame starts in small bites: the rest of such a
    // frame then goes straight to its destination instead of through the stage.
    const bite = this.placeable > 0 ? STAGE_BITE : STAGE_SIZE;
    return this.stage.subarray(this.stageEnd, Math.min(STAGE_SIZE, this.stageEnd + bite));
  }

  private compactStage(): void {
    this.stage.copy(this.stage, 0, this.stageStart, this.stageEnd);
    this.stageEnd -= this.stageStart;
    this.stageStart = 0;
  }

  /** `n` bytes arrived in the buffer nextBuffer() handed out. */
  private onRead(n: number): void {
    this.lastActivity = performance.now();
    if (this.closedError && this.socket?.destroyed) return;
    try {
      const pl = this.placing;
      if (pl) {
        if (pl.filled < pl.target.length) pl.filled += n;
        else pl.tailFilled += n;
        if (pl.filled === pl.target.length && pl.tailFilled === pl.tail.length) {
          this.placing = undefined;
          this.finishPlacement(pl);
        }
        return;
      }
      if (this.frame) {
        this.frameFilled += n;
        if (this.frameFilled === this.frame.length) {
          const f = this.frame;
          this.frame = undefined;
          this.onFrame(f);
        }
        return;
      }
      this.stageEnd += n;
      this.drainStage();
    } catch (e) {
      this.fail(e instanceof EngineError ? e : new EngineError('IO', `Unexpected reply from the NAS: ${(e as Error).message}`));
      this.socket.destroy();
    }
  }

  /** Handles every complete frame in the stage; starts a large one's own buffer or its placement. */
  private drainStage(): void {
    for (;;) {
      const avail = this.stageEnd - this.stageStart;
      if (avail < 4) return;
      const at = this.stageStart;
      if (this.stage[at] !== 0) throw new EngineError('IO', `The NAS at ${this.host}:${this.port} sent data that is not SMB.`);
      const len = this.stage.readUInt32BE(at) & 0xffffff;
      if (avail >= 4 + len) {
        // Complete: copy it out (the stage is reused) and handle it.
        const f = Buffer.from(this.stage.subarray(at + 4, at + 4 + len));
        this.stageStart += 4 + len;
        this.onFrame(f);
        continue;
      }
      if (len <= BIG_FRAME || avail < 4 + READ_RESPONSE_FIXED) {
        // Wait for the rest in the stage (it fits once compacted).
        if (at + 4 + Math.min(len, BIG_FRAME) > STAGE_SIZE) this.compactStage();
        return;
      }
      const have = this.stage.subarray(at + 4, this.stageEnd);
      this.stageStart = this.stageEnd; // every byte left belongs to this frame
      const pl = this.planPlacement(have, len);
      if (pl) {
        this.placing = pl;
        return;
      }
      if (have.readUInt32BE(0) === 0xfd534d42) {
        // Encrypted: decryption makes a new buffer, so the ciphertext's buffer can be reused.
        if (this.cipherBuf.length < len) this.cipherBuf = Buffer.allocUnsafe(len);
        this.frame = this.cipherBuf.subarray(0, len);
      } else {
        this.frame = Buffer.allocUnsafe(len);
      }
      have.copy(this.frame, 0);
      this.frameFilled = have.length;
      return;
    }
  }

  /**
   * A large, unencrypted, single READ reply whose request named a destination: copy what has arrived
   * (header → head, data → destination) and let the socket fill in the rest directly.
   */
  private planPlacement(have: Buffer, len: number): Placement | undefined {
    if (have.readUInt32BE(0) !== 0xfe534d42) return undefined;
    const h = parseHeader(have);
    if (h.command !== Command.READ || h.status !== Status.SUCCESS || h.nextCommand !== 0) return undefined;
    const p = this.pending.get(h.messageId);
    if (!p?.readInto) return undefined;
    const dataOff = have[HEADER_SIZE + 2]!;
    const dataLen = have.readUInt32LE(HEADER_SIZE + 4);
    if (dataOff < READ_RESPONSE_FIXED || dataOff > have.length || dataLen === 0 || dataOff + dataLen > len || dataLen > p.readInto.length) {
      return undefined;
    }
    const head = Buffer.from(have.subarray(0, dataOff));
    const target = p.readInto.subarray(0, dataLen);
    const tail = Buffer.allocUnsafe(len - dataOff - dataLen);
    const dataHave = Math.min(dataLen, have.length - dataOff);
    target.set(have.subarray(dataOff, dataOff + dataHave), 0);
    const tailHave = have.length - dataOff - dataHave;
    if (tailHave > 0) have.copy(tail, 0, dataOff + dataLen, have.length);
    return { head, target, filled: dataHave, tail, tailFilled: tailHave };
  }

  private finishPlacement(pl: Placement): void {
    const h = parseHeader(pl.head);
    const more = pl.tail.length > 0 ? [pl.target, pl.tail] : [pl.target];
    this.onMessage({ ...h, raw: pl.head, placed: pl.target.length }, false, more);
  }

  private onFrame(frame: Buffer): void {
    if (frame.length < 4) throw new Error('short frame');
    const magic = frame.readUInt32BE(0);
    let decrypted = false;
    if (magic === 0xfd534d42) {
      if (!this.encryptor) throw new Error('encrypted reply but no keys');
      frame = this.encryptor.decrypt(frame);
      decrypted = true;
    } else if (magic === 0xff534d42) {
      this.onSmb1?.();
      throw new EngineError('UNSUPPORTED', 'This NAS only speaks the old SMB1 protocol. Enable SMB2 or SMB3 in the NAS settings.');
    }
    let off = 0;
    for (;;) {
      const h = parseHeader(frame, off);
      const end = h.nextCommand > 0 ? off + h.nextCommand : frame.length;
      if (end > frame.length || end < off + HEADER_SIZE) throw new Error('bad NextCommand');
      this.onMessage({ ...h, raw: frame.subarray(off, end) }, decrypted);
      if (h.nextCommand === 0) break;
      off = end;
    }
  }

  private onMessage(m: SmbMessage, decrypted: boolean, more?: Uint8Array[]): void {
    this.credits += m.credits;
    if (m.messageId === UNSOLICITED) {
      this.onUnsolicited?.(m);
      this.drain();
      return;
    }
    const p = this.pending.get(m.messageId);
    const interim = m.status === Status.PENDING && (m.flags & HeaderFlags.ASYNC_COMMAND) !== 0;
    if (interim) {
      if (p) {
        p.asyncId = m.asyncId;
        // The NAS is working on it: the timeout restarts from the interim reply.
        this.arm(m.messageId, p);
        const cb = p.onInterim;
        p.onInterim = undefined;
        cb?.();
      }
      this.drain();
      return;
    }
    const charge = this.charges.get(m.messageId);
    if (charge !== undefined) {
      this.charges.delete(m.messageId);
      this.inFlightCharge -= charge;
    }
    if (!p) {
      this.drain();
      return; // timed out earlier
    }
    this.pending.delete(m.messageId);
    if (p.timer) clearTimeout(p.timer);
    if (p.timeoutMs <= 0) this.longPolls--;
    if (p.readInto && p.readInto.length > BIG_FRAME) this.placeable--;
    if (!decrypted && this.signer && p.expectSigned) {
      if ((m.flags & HeaderFlags.SIGNED) === 0) {
        // Servers sign every reply on a signed session; an unsigned one may have been tampered with.
        p.reject(new EngineError('IO', 'The NAS sent an unsigned reply on a signed session; refusing it.'));
        this.drain();
        return;
      }
      if (!this.signer.verify(m.raw, more)) {
        p.reject(new EngineError('IO', 'A reply from the NAS failed its signature check; refusing it.'));
        this.drain();
        return;
      }
    }
    p.resolve(m);
    this.drain();
  }

  private drain(): void {
    for (;;) {
      const w = this.waiters[0];
      if (!w) break;
      if (this.credits >= w.charge) {
        this.waiters.shift();
        w.go();
      } else if (this.pending.size - this.longPolls === 0) {
        // Nothing in flight will bring more credits: this request can never go.
        this.waiters.shift();
        w.fail(new EngineError('IO', 'The NAS granted too few credits for this request.'));
      } else break;
    }
  }

  private fail(err: EngineError): void {
    if (this.closedError) return;
    this.closedError = err;
    for (const p of this.pending.values()) {
      if (p.timer) clearTimeout(p.timer);
      p.reject(err);
    }
    this.pending.clear();
    this.longPolls = 0;
    this.placeable = 0;
    for (const w of this.waiters) w.fail(err);
    this.waiters = [];
    this.onClose?.(err);
  }

  /** Number of requests awaiting an answer (tests). */
  get inFlight(): number {
    return this.pending.size;
  }

  get availableCredits(): number {
    return this.credits;
  }

  destroy(): void {
    this.fail(new EngineError('UNREACHABLE', 'The connection was closed.'));
    this.socket.destroy();
  }

  /** Closes the connection politely; anything still waiting fails with "The connection was closed." */
  async end(): Promise<void> {
    this.fail(new EngineError('UNREACHABLE', 'The connection was closed.'));
    await new Promise<void>((resolve) => {
      if (this.socket.destroyed) return resolve();
      this.socket.once('close', () => resolve());
      this.socket.end();
      setTimeout(() => {
        this.socket.destroy();
        resolve();
      }, 1000).unref();
    });
  }
}
