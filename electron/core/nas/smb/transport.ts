// One TCP connection to an SMB server: 4-byte direct-TCP framing, message ids and credits, many
// requests in flight, compounding, per-request timeouts, interim (STATUS_PENDING) responses,
// and hooks for signing and encryption that the session installs once it has keys.
import { connect, type Socket } from 'node:net';
import { EngineError } from '../../errors';
import { Command, HeaderFlags, Status } from './constants';
import { networkError } from './errors';
import { encodeHeader, HEADER_SIZE, parseHeader, type SmbMessage } from './packets';

export interface OutgoingRequest {
  command: number;
  body: Buffer;
  /** Credits this request consumes (multi-credit READ/QUERY_DIRECTORY); 1 by default. */
  creditCharge?: number;
  treeId?: number;
  /** Related compound operation (uses the previous request's FileId / session / tree). */
  related?: boolean;
  /** Called with the exact bytes sent (after signing), e.g. for the preauth integrity hash. */
  onSent?: (raw: Buffer) => void;
}

export interface SendOptions {
  /** 0 = no timeout (CHANGE_NOTIFY). Default: the transport's timeout. */
  timeoutMs?: number;
  /** Sign these requests (default: whatever the transport's signer says). */
  sign?: boolean;
  /** Encrypt this send (default: transport.encryptAll). */
  encrypt?: boolean;
}

export interface Signer {
  sign(message: Buffer): void;
  verify(message: Buffer): boolean;
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
  command: number;
  asyncId?: bigint;
  /** Must the final response carry a valid signature? */
  expectSigned: boolean;
}

interface Waiter {
  charge: number;
  go: () => void;
  fail: (e: unknown) => void;
}

const TARGET_CREDITS = 512;

export class SmbTransport {
  readonly host: string;
  readonly port: number;
  sessionId = 0n;
  /** Once a dialect is negotiated: may requests carry CreditCharge > 1? */
  multiCredit = false;
  /** Dialect 2.0.2 requires CreditCharge = 0 on the wire. */
  zeroCreditCharge = true;
  signer?: Signer;
  encryptor?: Encryptor;
  /** Encrypt every request (session or share requires it). */
  encryptAll = false;
  defaultTimeoutMs: number;
  readonly counters: TransportCounters = { requests: 0, roundTrips: 0 };
  /** Called when the connection is lost or closed. */
  onClose?: (err: EngineError) => void;
  /** Frames starting 0xFF 'SMB' (an SMB1-only server answering). */
  onSmb1?: () => void;

  private socket: Socket;
  private closedError?: EngineError;
  private credits = 1;
  private inFlightCharge = 0;
  private nextMessageId = 0n;
  private pending = new Map<bigint, Pending>();
  private waiters: Waiter[] = [];
  private chunks: Buffer[] = [];
  private buffered = 0;
  private frameLen = -1;

  private constructor(socket: Socket, host: string, port: number, timeoutMs: number) {
    this.socket = socket;
    this.host = host;
    this.port = port;
    this.defaultTimeoutMs = timeoutMs;
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', (err) => this.fail(networkError(host, port, err)));
    socket.on('close', () =>
      this.fail(new EngineError('UNREACHABLE', `The connection to ${host}:${port} was closed by the NAS.`)),
    );
  }

  static connect(host: string, port: number, timeoutMs: number): Promise<SmbTransport> {
    return new Promise((resolve, reject) => {
      const socket = connect({ host, port });
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
        resolve(new SmbTransport(socket, host, port, timeoutMs));
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
    const sign = opts.sign ?? this.signer !== undefined;
    const encrypt = (opts.encrypt ?? this.encryptAll) && this.encryptor !== undefined;
    const timeoutMs = opts.timeoutMs ?? this.defaultTimeoutMs;
    const total = charges.reduce((a, b) => a + b, 0);
    this.credits -= total;
    this.inFlightCharge += total;
    const messages: Buffer[] = [];
    const promises: Promise<SmbMessage>[] = [];
    const ids: bigint[] = [];
    reqs.forEach((r, i) => {
      const charge = charges[i]!;
      const messageId = this.nextMessageId;
      this.nextMessageId += BigInt(charge);
      ids.push(messageId);
      // Ask for enough credits to keep ~TARGET_CREDITS available, never less than we spend.
      const have = this.credits + this.inFlightCharge;
      const ask = Math.min(8192, charge + Math.max(0, TARGET_CREDITS - have));
      let flags = 0;
      if (r.related && i > 0) flags |= HeaderFlags.RELATED_OPERATIONS;
      if (sign && !encrypt && r.command !== Command.NEGOTIATE) flags |= HeaderFlags.SIGNED;
      const header = encodeHeader({
        command: r.command,
        creditCharge: this.zeroCreditCharge ? 0 : charge,
        creditRequest: ask,
        flags,
        messageId,
        treeId: r.treeId ?? 0,
        sessionId: this.sessionId,
      });
      let msg = Buffer.concat([header, r.body]);
      if (i < reqs.length - 1) {
        const padded = (msg.length + 7) & ~7;
        if (padded !== msg.length) msg = Buffer.concat([msg, Buffer.alloc(padded - msg.length)]);
        msg.writeUInt32LE(msg.length, 20); // NextCommand
      }
      if (flags & HeaderFlags.SIGNED) this.signer!.sign(msg);
      r.onSent?.(msg);
      messages.push(msg);
      promises.push(
        new Promise<SmbMessage>((resolve, reject) => {
          const p: Pending = {
            resolve,
            reject,
            command: r.command,
            expectSigned: (flags & HeaderFlags.SIGNED) !== 0,
          };
          if (timeoutMs > 0) {
            p.timer = setTimeout(() => {
              this.pending.delete(messageId);
              reject(
                new EngineError(
                  'UNREACHABLE',
                  `The NAS at ${this.host}:${this.port} did not answer within ${Math.round(timeoutMs / 1000)} s.`,
                ),
              );
            }, timeoutMs);
          }
          this.pending.set(messageId, p);
        }),
      );
    });
    // Charges are returned when the (final) response arrives; keep the per-message charge.
    ids.forEach((id, i) => {
      this.charges.set(id, charges[i]!);
    });
    let frame: Buffer<ArrayBufferLike> = Buffer.concat(messages);
    if (encrypt) frame = this.encryptor!.encrypt(frame, this.sessionId);
    const nb = Buffer.alloc(4);
    nb.writeUInt32BE(frame.length, 0);
    this.counters.requests += reqs.length;
    this.counters.roundTrips += 1;
    this.socket.write(Buffer.concat([nb, frame]));
    return promises;
  }

  private charges = new Map<bigint, number>();

  private onData(chunk: Buffer): void {
    this.chunks.push(chunk);
    this.buffered += chunk.length;
    for (;;) {
      if (this.frameLen < 0) {
        if (this.buffered < 4) return;
        const head = this.take(4);
        if (head[0] !== 0) {
          this.fail(new EngineError('IO', `The NAS at ${this.host}:${this.port} sent data that is not SMB.`));
          this.socket.destroy();
          return;
        }
        this.frameLen = head.readUInt32BE(0) & 0xffffff;
      }
      if (this.buffered < this.frameLen) return;
      const frame = this.take(this.frameLen);
      this.frameLen = -1;
      try {
        this.onFrame(frame);
      } catch (e) {
        this.fail(
          e instanceof EngineError ? e : new EngineError('IO', `Unexpected reply from the NAS: ${(e as Error).message}`),
        );
        this.socket.destroy();
        return;
      }
    }
  }

  private take(n: number): Buffer {
    const first = this.chunks[0]!;
    let out: Buffer<ArrayBufferLike>;
    if (first.length >= n) {
      out = first.subarray(0, n);
      if (first.length === n) this.chunks.shift();
      else this.chunks[0] = first.subarray(n);
    } else {
      out = Buffer.allocUnsafe(n);
      let filled = 0;
      while (filled < n) {
        const c = this.chunks[0]!;
        const k = Math.min(c.length, n - filled);
        c.copy(out, filled, 0, k);
        filled += k;
        if (k === c.length) this.chunks.shift();
        else this.chunks[0] = c.subarray(k);
      }
    }
    this.buffered -= n;
    return out;
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

  private onMessage(m: SmbMessage, decrypted: boolean): void {
    this.credits += m.credits;
    const p = this.pending.get(m.messageId);
    const interim = m.status === Status.PENDING && (m.flags & HeaderFlags.ASYNC_COMMAND) !== 0;
    if (interim) {
      if (p) p.asyncId = m.asyncId;
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
      return; // timed out earlier, or an unsolicited oplock break
    }
    this.pending.delete(m.messageId);
    if (p.timer) clearTimeout(p.timer);
    if (!decrypted && this.signer && p.expectSigned) {
      if ((m.flags & HeaderFlags.SIGNED) === 0) {
        // Servers sign every reply on a signed session; an unsigned one may have been tampered with.
        p.reject(new EngineError('IO', 'The NAS sent an unsigned reply on a signed session; refusing it.'));
        this.drain();
        return;
      }
      if (!this.signer.verify(m.raw)) {
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
      } else if (this.pending.size === 0) {
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

  async end(): Promise<void> {
    if (!this.closedError) this.closedError = new EngineError('UNREACHABLE', 'The connection was closed.');
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
