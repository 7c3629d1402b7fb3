// sha256 of a byte stream, either on this thread or in a worker thread. An export hashes every byte
// twice (what it read from the share, and what it reads back from disk), about 0.7–1.5 s per GiB of
// one core each: in workers both overlap with the network, the disk and each other instead of
// queueing on the event loop. Operations run in the order they are called.
//  - update(chunk): bytes that came from the source. A chunk from the ChunkPool the worker was made
//    with is hashed where it lies (no copy); anything else is copied to the worker.
//  - updateFromFile(fd, from, to): bytes read from an open local file (the verification re-read) —
//    the worker reads them itself with large sequential reads, they never pass through this thread.
//  - compareWithFile(fd, position, chunk): reads the chunk's place in a local file back and compares
//    (a worker does it for pool chunks, reading with its own buffer).
//  - mark(): the digest so far (resume checkpoints); digest(): the final one.
import { createHash, type Hash } from 'node:crypto';
import { read as fsRead } from 'node:fs';
import { Worker } from 'node:worker_threads';
import { EngineError } from '../errors';
import type { ChunkPool } from './chunk-pool';

/** Bytes per read when hashing a local file. */
export const FILE_READ_BYTES = 8 * 1024 * 1024;

export interface Sha256Stream {
  /** Adds `data`; resolves once the hasher no longer needs those bytes (the buffer may be reused). */
  update(data: Uint8Array): Promise<void>;
  /** Adds bytes [from, to) of the open local file `fd`, read from the file. IO error if it is shorter. */
  updateFromFile(fd: number, from: number, to: number): Promise<void>;
  /**
   * Reads `data.length` bytes of the open local file `fd` at `position` and compares them with
   * `data` (the hash is not touched): IO error if they differ or the file is shorter. A worker does
   * it for chunks of its pool; other chunks are compared on this thread.
   */
  compareWithFile(fd: number, position: number, data: Uint8Array): Promise<void>;
  /** The digest of everything added so far; hashing goes on. */
  mark(): Promise<string>;
  /** The digest of everything added; afterwards the stream is empty again. */
  digest(): Promise<string>;
  /** Forgets everything added. */
  reset(): Promise<void>;
  /** Bytes given to update() that the hasher still holds. */
  readonly pendingBytes: number;
  /** Resolves once pendingBytes ≤ limit (a failed worker releases everything it held). */
  below(limit: number): Promise<void>;
  close(): Promise<void>;
}

function shorter(at: number): EngineError {
  return new EngineError('IO', `The file on this computer ended early (at byte ${at}) while it was read back.`);
}

function differs(at: number): EngineError {
  return new EngineError('IO', `The file on this computer differs from what was written (at byte ${at}) when read back.`);
}

function readAt(fd: number, buf: Uint8Array, offset: number, length: number, position: number): Promise<number> {
  return new Promise<number>((resolve, reject) => fsRead(fd, buf, offset, length, position, (err, bytes) => (err ? reject(err) : resolve(bytes))));
}

/** compareWithFile on this thread, through `scratch`. */
async function compareHere(fd: number, position: number, data: Uint8Array, scratch: Buffer): Promise<void> {
  for (let done = 0; done < data.length; ) {
    const part = Math.min(scratch.length, data.length - done);
    for (let got = 0; got < part; ) {
      const n = await readAt(fd, scratch, got, part - got, position + done + got);
      if (n === 0) throw shorter(position + done + got);
      got += n;
    }
    if (!scratch.subarray(0, part).equals(data.subarray(done, done + part))) throw differs(position + done);
    done += part;
  }
}

abstract class Pending {
  pendingBytes = 0;
  private waiters: Array<{ limit: number; resolve: () => void }> = [];
  protected held(n: number): void {
    this.pendingBytes += n;
  }
  protected released(n: number): void {
    this.pendingBytes -= n;
    this.waiters = this.waiters.filter((w) => {
      if (this.pendingBytes > w.limit) return true;
      w.resolve();
      return false;
    });
  }
  below(limit: number): Promise<void> {
    if (this.pendingBytes <= limit) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ limit, resolve }));
  }
}

/** On this thread: for small files, where starting a worker costs more than it saves. */
export class InlineSha256 extends Pending implements Sha256Stream {
  private hash: Hash = createHash('sha256');
  private chain: Promise<unknown> = Promise.resolve();
  private buf: Buffer | null = null;

  private queue<T>(op: () => T | Promise<T>): Promise<T> {
    const p = this.chain.then(op);
    this.chain = p.catch(() => {});
    return p;
  }

  update(data: Uint8Array): Promise<void> {
    return this.queue(() => {
      this.hash.update(data);
    });
  }

  updateFromFile(fd: number, from: number, to: number): Promise<void> {
    return this.queue(async () => {
      this.buf ??= Buffer.allocUnsafe(Math.min(FILE_READ_BYTES, Math.max(64 * 1024, to - from)));
      const buf = this.buf;
      for (let at = from; at < to; ) {
        const want = Math.min(buf.length, to - at);
        const n = await readAt(fd, buf, 0, want, at);
        if (n === 0) throw shorter(at);
        this.hash.update(buf.subarray(0, n));
        at += n;
      }
    });
  }

  compareWithFile(fd: number, position: number, data: Uint8Array): Promise<void> {
    return this.queue(async () => {
      this.buf ??= Buffer.allocUnsafe(Math.min(FILE_READ_BYTES, Math.max(64 * 1024, data.length)));
      await compareHere(fd, position, data, this.buf);
    });
  }

  mark(): Promise<string> {
    return this.queue(() => this.hash.copy().digest('hex'));
  }

  digest(): Promise<string> {
    return this.queue(() => {
      const hex = this.hash.digest('hex');
      this.hash = createHash('sha256');
      return hex;
    });
  }

  reset(): Promise<void> {
    return this.queue(() => {
      this.hash = createHash('sha256');
    });
  }

  async close(): Promise<void> {
    await this.chain;
    this.buf = null;
  }
}

// Plain CommonJS, run with eval: works the same from the TypeScript sources (tests), from a bundle
// (CLI, bench) and in Electron's utility process, with no worker file to ship.
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const { createHash } = require('node:crypto');
const fs = require('node:fs');
const pool = workerData.pool ? new Uint8Array(workerData.pool) : null;
let hash = createHash('sha256');
let buf = null;
parentPort.on('message', (m) => {
  try {
    if (m.op === 'u') hash.update(pool.subarray(m.off, m.off + m.len));
    else if (m.op === 'b') hash.update(m.bytes);
    else if (m.op === 'f') {
      if (buf === null) buf = Buffer.allocUnsafe(workerData.readBytes);
      for (let at = m.from; at < m.to; ) {
        const n = fs.readSync(m.fd, buf, 0, Math.min(buf.length, m.to - at), at);
        if (n === 0) throw Object.assign(new Error('short'), { code: 'SHORT', at });
        hash.update(buf.subarray(0, n));
        at += n;
      }
    } else if (m.op === 'c') {
      if (buf === null) buf = Buffer.allocUnsafe(workerData.readBytes);
      for (let done = 0; done < m.len; ) {
        const part = Math.min(buf.length, m.len - done);
        for (let got = 0; got < part; ) {
          const n = fs.readSync(m.fd, buf, got, part - got, m.at + done + got);
          if (n === 0) throw Object.assign(new Error('short'), { code: 'SHORT', at: m.at + done + got });
          got += n;
        }
        if (Buffer.compare(buf.subarray(0, part), pool.subarray(m.off + done, m.off + done + part)) !== 0) {
          throw Object.assign(new Error('differs'), { code: 'DIFFERS', at: m.at + done });
        }
        done += part;
      }
    } else if (m.op === 'm') return parentPort.postMessage({ id: m.id, hex: hash.copy().digest('hex') });
    else if (m.op === 'd') {
      const hex = hash.digest('hex');
      hash = createHash('sha256');
      return parentPort.postMessage({ id: m.id, hex });
    } else if (m.op === 'r') hash = createHash('sha256');
    parentPort.postMessage({ id: m.id });
  } catch (e) {
    parentPort.postMessage({ id: m.id, error: { message: String(e && e.message), code: e && e.code, at: e && e.at } });
  }
});
`;

interface Reply {
  id: number;
  hex?: string;
  error?: { message: string; code?: string; at?: number };
}

/** In a worker thread. Give it the pool whose chunks it will hash, so they are read in place. */
export class WorkerSha256 extends Pending implements Sha256Stream {
  private readonly worker: Worker;
  private nextId = 1;
  private readonly waiting = new Map<number, { resolve: (r: Reply) => void; reject: (e: unknown) => void; bytes: number }>();
  private failure: unknown = null;
  private closed = false;

  constructor(private readonly pool: ChunkPool | null = null) {
    super();
    this.worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { pool: pool?.shared ?? null, readBytes: FILE_READ_BYTES } });
    this.worker.on('message', (r: Reply) => {
      const w = this.waiting.get(r.id);
      if (!w) return;
      this.waiting.delete(r.id);
      if (w.bytes) this.released(w.bytes);
      if (r.error) {
        const { code, at = 0, message } = r.error;
        w.reject(code === 'SHORT' ? shorter(at) : code === 'DIFFERS' ? differs(at) : new EngineError('IO', `Could not read a file back: ${message}`));
      }
      else w.resolve(r);
    });
    const fail = (err: unknown) => this.failAll(err instanceof EngineError ? err : new EngineError('INTERNAL', `The hashing thread stopped: ${(err as Error)?.message ?? err}`));
    this.worker.on('error', fail);
    this.worker.on('exit', (code) => {
      if (!this.closed) fail(new Error(`exit code ${code}`));
    });
  }

  private failAll(err: unknown): void {
    this.failure ??= err;
    for (const [id, w] of this.waiting) {
      this.waiting.delete(id);
      if (w.bytes) this.released(w.bytes);
      w.reject(err);
    }
  }

  private send(msg: Record<string, unknown>, bytes = 0, transfer?: ArrayBuffer[]): Promise<Reply> {
    if (this.failure) return Promise.reject(this.failure);
    if (this.closed) return Promise.reject(new EngineError('INTERNAL', 'The hashing thread was closed.'));
    const id = this.nextId++;
    return new Promise<Reply>((resolve, reject) => {
      this.waiting.set(id, { resolve, reject, bytes });
      if (bytes) this.held(bytes);
      this.worker.postMessage({ ...msg, id }, transfer);
    });
  }

  async update(data: Uint8Array): Promise<void> {
    if (data.length === 0) return;
    if (this.pool?.owns(data)) await this.send({ op: 'u', off: data.byteOffset, len: data.length }, data.length);
    else {
      // A copy of exactly these bytes, moved (not cloned again) to the worker. (Not data.slice():
      // on a Buffer, as the SMB stream yields, that is a view, and moving its memory would empty
      // the caller's chunk.)
      const copy = new Uint8Array(data);
      await this.send({ op: 'b', bytes: copy }, data.length, [copy.buffer as ArrayBuffer]);
    }
  }

  async updateFromFile(fd: number, from: number, to: number): Promise<void> {
    if (to <= from) return;
    await this.send({ op: 'f', fd, from, to });
  }

  private scratch: Buffer | null = null;
  private local: Promise<unknown> = Promise.resolve();

  async compareWithFile(fd: number, position: number, data: Uint8Array): Promise<void> {
    if (data.length === 0) return;
    if (this.pool?.owns(data)) {
      await this.send({ op: 'c', fd, at: position, off: data.byteOffset, len: data.length }, data.length);
      return;
    }
    // Not in the pool: on this thread, one at a time (they share the scratch buffer).
    const p = this.local.then(() => {
      this.scratch ??= Buffer.allocUnsafe(FILE_READ_BYTES);
      return compareHere(fd, position, data, this.scratch);
    });
    this.local = p.catch(() => {});
    await p;
  }

  async mark(): Promise<string> {
    return (await this.send({ op: 'm' })).hex as string;
  }

  async digest(): Promise<string> {
    return (await this.send({ op: 'd' })).hex as string;
  }

  async reset(): Promise<void> {
    await this.send({ op: 'r' });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.failAll(new EngineError('CANCELLED', 'The hashing thread was closed.'));
    await this.worker.terminate();
  }
}

/** A worker for `bytes` of hashing when that is worth a thread, else this thread. */
export function sha256Stream(bytes: number, workerFrom: number, pool: ChunkPool | null = null): Sha256Stream {
  return bytes >= workerFrom ? new WorkerSha256(pool) : new InlineSha256();
}
