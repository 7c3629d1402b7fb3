import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, open, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ChunkPool } from './chunk-pool';
import { InlineSha256, type Sha256Stream, WorkerSha256 } from './hasher';
import { memorySource } from './memory-source';
import { readAhead } from './read-ahead';

const sha = (d: Uint8Array) => createHash('sha256').update(d).digest('hex');

async function collect(it: AsyncIterable<Uint8Array>, recycle?: ChunkPool): Promise<{ bytes: Buffer; chunks: number }> {
  const parts: Buffer[] = [];
  for await (const c of it) {
    parts.push(Buffer.from(c)); // a copy: the pool buffer is reused for a later chunk
    recycle?.give(c);
  }
  return { bytes: Buffer.concat(parts), chunks: parts.length };
}

describe('readAhead', () => {
  const CHUNK = 64 * 1024;
  const data = new Uint8Array(randomBytes(5 * CHUNK + 123));
  const cases: Array<[number, number]> = [
    [0, 0],
    [0, 1],
    [0, CHUNK - 1],
    [0, CHUNK],
    [0, CHUNK + 1],
    [1, 3 * CHUNK + 17],
    [CHUNK - 1, CHUNK + 2],
    [12345, data.length],
    [0, data.length],
    [data.length, data.length],
  ];

  it.each(cases)('stream() and read() give the same bytes from %i to %i, also into recycled pool buffers', async (offset, size) => {
    const file = { 'f.bin': data.subarray(0, size) };
    const want = Buffer.from(data.subarray(offset, size));
    const opts = { path: 'f.bin', offset, size, signal: new AbortController().signal, chunkBytes: CHUNK, inFlight: 3 };
    const viaRead = await collect(readAhead({ ...opts, source: memorySource(file) }));
    const viaStream = await collect(readAhead({ ...opts, source: memorySource(file, { stream: true }) }));
    // A pool of 2 slots: every chunk lands in a reused buffer (or a fresh one when none is free).
    const pool = new ChunkPool(CHUNK, 2);
    const viaPool = await collect(readAhead({ ...opts, source: memorySource(file, { stream: true }), buffer: (n) => pool.take(n) }), pool);
    expect(viaRead.bytes.equals(want)).toBe(true);
    expect(viaStream.bytes.equals(want)).toBe(true);
    expect(viaPool.bytes.equals(want)).toBe(true);
    expect(viaStream.chunks).toBe(Math.ceil((size - offset) / CHUNK));
    expect(pool.freeSlots).toBe(2);
  });

  it('the stream path throws when the file is shorter than expected, instead of ending early', async () => {
    for (const stream of [false, true]) {
      const source = memorySource({ 'f.bin': data.subarray(0, 2 * CHUNK) }, { stream });
      const run = collect(readAhead({ source, path: 'f.bin', offset: 0, size: 3 * CHUNK, signal: new AbortController().signal, chunkBytes: CHUNK }));
      await expect(run).rejects.toMatchObject({ code: 'IO', message: expect.stringMatching(/became shorter/) });
    }
  });

  it('a cancel ends a stream whose next read never answers', async () => {
    const source = memorySource({ 'f.bin': data }, { stream: true });
    const controller = new AbortController();
    source.beforeRead = (_p, offset) => {
      if (offset >= 2 * CHUNK) {
        setTimeout(() => controller.abort(), 20);
        return new Promise<void>(() => {}); // a NAS that stopped answering
      }
    };
    const t0 = Date.now();
    let got = 0;
    const run = (async () => {
      for await (const c of readAhead({ source, path: 'f.bin', offset: 0, size: data.length, signal: controller.signal, chunkBytes: CHUNK })) got += c.length;
    })();
    await expect(run).rejects.toMatchObject({ code: 'CANCELLED' });
    expect(got).toBe(2 * CHUNK);
    expect(Date.now() - t0).toBeLessThan(2000);
  });

  it('a source failure mid-stream surfaces as that error', async () => {
    const source = memorySource({ 'f.bin': data }, { stream: true });
    source.failReadsAfter(3 * CHUNK);
    const run = collect(readAhead({ source, path: 'f.bin', offset: 0, size: data.length, signal: new AbortController().signal, chunkBytes: CHUNK }));
    await expect(run).rejects.toMatchObject({ code: 'UNREACHABLE' });
  });
});

describe('ChunkPool', () => {
  it('hands out each slot once, bounds waiting with room(), and ignores foreign or repeated returns', async () => {
    const pool = new ChunkPool(16, 2);
    const a = pool.take(10);
    const b = pool.take(16);
    expect(pool.owns(a) && pool.owns(b)).toBe(true);
    expect(a.byteOffset === b.byteOffset).toBe(false);
    const c = pool.take(4); // none free: a fresh buffer
    expect(pool.owns(c)).toBe(false);
    expect(pool.owns(pool.take(17))).toBe(false);
    let roomy = false;
    const waiting = pool.room(1).then(() => {
      roomy = true;
    });
    await Promise.resolve();
    expect(roomy).toBe(false);
    pool.give(c);
    await Promise.resolve();
    expect(roomy).toBe(false);
    pool.give(a.subarray(2, 5)); // any view into the slot returns it
    await waiting;
    expect(pool.freeSlots).toBe(1);
    pool.give(a);
    expect(pool.freeSlots).toBe(1);
    pool.give(b);
    expect(pool.freeSlots).toBe(2);
  });
});

describe.each([
  ['on this thread', (_pool: ChunkPool | null): Sha256Stream => new InlineSha256()],
  ['in a worker', (pool: ChunkPool | null): Sha256Stream => new WorkerSha256(pool)],
])('sha256 %s', (_name, make) => {
  it('matches createHash over pool chunks, copied chunks, file ranges, marks and resets', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'ms-hasher-'));
    const pool = new ChunkPool(1024 * 1024, 2);
    const h = make(pool);
    try {
      const a = new Uint8Array(randomBytes(1024 * 1024 + 7));
      const b = new Uint8Array(randomBytes(777));
      const file = path.join(dir, 'f.bin');
      const onDisk = randomBytes(3 * 1024 * 1024 + 5);
      await writeFile(file, onDisk);
      const slot = pool.take(b.length);
      slot.set(b);
      await h.update(a.subarray(3)); // not in the pool: copied
      await h.update(slot); // in the pool: read in place
      pool.give(slot);
      expect(await h.mark()).toBe(sha(Buffer.concat([a.subarray(3), b])));
      const fh = await open(file, 'r');
      try {
        await h.updateFromFile(fh.fd, 5, onDisk.length);
        expect(await h.digest()).toBe(sha(Buffer.concat([a.subarray(3), b, onDisk.subarray(5)])));
        // After digest the stream is empty again.
        await h.updateFromFile(fh.fd, 0, 10);
        await h.reset();
        await h.update(b);
        expect(await h.digest()).toBe(sha(b));
        await expect(h.updateFromFile(fh.fd, 0, onDisk.length + 1)).rejects.toMatchObject({ code: 'IO', message: expect.stringMatching(/ended early/) });
      } finally {
        await fh.close();
      }
      expect(h.pendingBytes).toBe(0);
    } finally {
      await h.close();
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('compares chunks (in the pool or not) with their place in a file: equal, different, or past its end', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'ms-compare-'));
    const pool = new ChunkPool(1024 * 1024, 2);
    const h = make(pool);
    try {
      const onDisk = randomBytes(2 * 1024 * 1024 + 3);
      const file = path.join(dir, 'f.bin');
      await writeFile(file, onDisk);
      const fh = await open(file, 'r');
      try {
        const inPool = pool.take(1024 * 1024);
        inPool.set(onDisk.subarray(1000, 1000 + inPool.length));
        const outside = new Uint8Array(onDisk.subarray(5, 5 + 700_000));
        await h.compareWithFile(fh.fd, 1000, inPool);
        await h.compareWithFile(fh.fd, 5, outside);
        inPool[inPool.length - 1] ^= 1;
        await expect(h.compareWithFile(fh.fd, 1000, inPool)).rejects.toMatchObject({ code: 'IO', message: expect.stringMatching(/differs/) });
        outside[0] ^= 1;
        await expect(h.compareWithFile(fh.fd, 5, outside)).rejects.toMatchObject({ code: 'IO', message: expect.stringMatching(/differs .*at byte 5\)/) });
        inPool.set(onDisk.subarray(onDisk.length - 10), 0);
        await expect(h.compareWithFile(fh.fd, onDisk.length - 10, inPool)).rejects.toMatchObject({ code: 'IO', message: expect.stringMatching(/ended early/) });
        // The hash is untouched by comparing.
        expect(await h.digest()).toBe(sha(new Uint8Array(0)));
      } finally {
        await fh.close();
      }
    } finally {
      await h.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('WorkerSha256', () => {
  it('closing rejects what is still queued instead of leaving it pending', async () => {
    const h = new WorkerSha256();
    const big = new Uint8Array(64 * 1024 * 1024);
    const queued = [h.update(big), h.update(big), h.digest()].map((q) => q.then(() => 'settled', (e: unknown) => e));
    await h.close();
    for (const q of queued) expect(await q).toMatchObject({ code: 'CANCELLED' });
    expect(h.pendingBytes).toBe(0);
    await expect(h.mark()).rejects.toBeTruthy();
  });
});
