// Read-handle caching (with leases) and stream() against a real Samba: repeated reads skip
// CREATE/CLOSE, cached handles never serve stale data after our own or someone else's change,
// and streams deliver every byte in order.
import { createHash, randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { connectSmb, type SmbClient, type SmbShare } from '../core/nas/smb';
import { Dialect } from '../core/nas/smb/constants';
import { startSamba, type SambaServer } from './samba';

const MiB = 1024 * 1024;
const text = (u: Uint8Array) => Buffer.from(u).toString();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const DATA = randomBytes(11 * MiB + 4321);

describe('handle cache and stream on a default Samba', () => {
  let samba: SambaServer;
  let client: SmbClient;
  let share: SmbShare;
  let other: SmbClient;
  let otherShare: SmbShare;

  beforeAll(async () => {
    samba = await startSamba({
      shares: [
        {
          name: 'models',
          seed: async (d) => {
            await writeFile(join(d, 'data.bin'), DATA);
            await writeFile(join(d, 'header.txt'), 'GGUF header and more');
          },
        },
      ],
    });
    const o = { host: samba.host, port: samba.port, user: samba.user, password: samba.password };
    client = await connectSmb({ ...o, handleCacheMs: 300 });
    share = await client.tree('models');
    other = await connectSmb(o);
    otherShare = await other.tree('models');
  });

  afterAll(async () => {
    await client?.close();
    await other?.close();
    await samba?.stop();
  });

  test('repeated reads of one file: CREATE + READ once, then READ only; closed after the idle time', async () => {
    await sleep(400); // nothing cached from before
    const c0 = client.counters();
    expect(text(await share.read('header.txt', 0, 4))).toBe('GGUF');
    const c1 = client.counters();
    expect(c1.requests - c0.requests).toBe(2); // CREATE + READ (compounded)
    expect(c1.roundTrips - c0.roundTrips).toBe(1);
    expect(text(await share.read('header.txt', 5, 6))).toBe('header');
    expect(text(await share.read('header.txt', 16, 4))).toBe('more');
    const c2 = client.counters();
    expect(c2.requests - c1.requests).toBe(2); // two READs, no CREATE/CLOSE
    await sleep(500);
    const c3 = client.counters();
    expect(c3.requests - c2.requests).toBe(1); // the idle CLOSE
    expect(text(await share.read('header.txt', 0, 4))).toBe('GGUF');
    expect(client.counters().requests - c3.requests).toBe(2); // opened again
  });

  test('our own overwrite, rename and delete never let a cached handle serve old bytes', async () => {
    await share.writeFile('mine.txt', Buffer.from('version one'), { overwrite: true });
    expect(text(await share.read('mine.txt', 0, 100))).toBe('version one');
    await share.writeFile('mine.txt', Buffer.from('version two!'), { overwrite: true });
    expect(text(await share.read('mine.txt', 0, 100))).toBe('version two!');
    await share.writeFile('mine.tmp', Buffer.from('version three'), { overwrite: true });
    await share.rename('mine.tmp', 'mine.txt', { replace: true });
    expect(text(await share.read('mine.txt', 0, 100))).toBe('version three');
    await share.remove('mine.txt');
    await expect(share.read('mine.txt', 0, 100)).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  test('another client overwriting the file breaks our lease: the next read sees the new bytes', async () => {
    const c = await connectSmb({ host: samba.host, port: samba.port, user: samba.user, password: samba.password, handleCacheMs: 60_000 });
    try {
      const s = await c.tree('models');
      await otherShare.writeFile('shared.txt', Buffer.from('from the other machine, v1'), { overwrite: true });
      expect(text(await s.read('shared.txt', 0, 100))).toBe('from the other machine, v1');
      const t0 = performance.now();
      await otherShare.writeFile('shared.txt', Buffer.from('v2'), { overwrite: true });
      expect(performance.now() - t0).toBeLessThan(5000); // the break was answered, not timed out
      expect(text(await s.read('shared.txt', 0, 100))).toBe('v2');
    } finally {
      await c.close();
    }
  });

  test('another client replacing the file (temp + rename): seen after its change notification, and never later than handleCacheMs', async () => {
    // Samba breaks no lease when a file is renamed over the one we hold open (our handle keeps the old
    // file): a watcher on the share drops the handle, and handleCacheMs bounds the lag without one.
    const o = { host: samba.host, port: samba.port, user: samba.user, password: samba.password };
    const watched = await connectSmb({ ...o, handleCacheMs: 60_000 });
    const plain = await connectSmb({ ...o, handleCacheMs: 300 });
    try {
      const ws = await watched.tree('models');
      const ps = await plain.tree('models');
      const replace = async (content: string) => {
        await otherShare.writeFile('.events.tmp', Buffer.from(content), { overwrite: true });
        await otherShare.rename('.events.tmp', 'events.jsonl', { replace: true });
      };
      await replace('{"n":1}\n');
      let renamed = 0;
      const stop = await ws.watch('', (c) => {
        if (c.kind === 'renamed' && c.path === 'events.jsonl') renamed++;
      });
      expect(text(await ws.read('events.jsonl', 0, 1000))).toBe('{"n":1}\n');
      expect(text(await ps.read('events.jsonl', 0, 1000))).toBe('{"n":1}\n');
      await replace('{"n":1}\n{"n":2}\n');
      const deadline = Date.now() + 5000;
      while (renamed === 0 && Date.now() < deadline) await sleep(5);
      expect(renamed).toBe(1);
      expect(text(await ws.read('events.jsonl', 0, 1000))).toBe('{"n":1}\n{"n":2}\n');
      await sleep(350);
      expect(text(await ps.read('events.jsonl', 0, 1000))).toBe('{"n":1}\n{"n":2}\n');
      await stop();
    } finally {
      await watched.close();
      await plain.close();
    }
  });

  test('a cached handle of a file that shrank is noticed (short read) and the read is redone on a fresh open', async () => {
    const c = await connectSmb({ host: samba.host, port: samba.port, user: samba.user, password: samba.password, handleCacheMs: 60_000, dialects: [Dialect.SMB202] });
    try {
      const s = await c.tree('models'); // SMB 2.0.2: no leases, so nothing tells us about the change
      await otherShare.writeFile('shrinks.txt', Buffer.from('a fairly long first version'), { overwrite: true });
      expect(text(await s.read('shrinks.txt', 0, 100))).toBe('a fairly long first version');
      await otherShare.writeFile('shrinks.txt', Buffer.from('short'), { overwrite: true });
      expect(text(await s.read('shrinks.txt', 0, 100))).toBe('short');
    } finally {
      await c.close();
    }
  });

  test('stream(): every byte in order, for the whole file and for odd ranges, any parallelism', async () => {
    const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
    const collect = async (it: AsyncIterable<Uint8Array>) => {
      const parts: Buffer[] = [];
      for await (const p of it) parts.push(Buffer.from(p));
      return { all: Buffer.concat(parts), parts };
    };
    const whole = await collect(share.stream('data.bin'));
    expect(sha(whole.all)).toBe(sha(DATA));
    expect(whole.parts.length).toBe(3); // 4 MiB chunks
    const cases: Array<[number, number, number, number]> = [
      [1, MiB * 3 + 7, 1, MiB], // start, end, parallel, chunkSize
      [12345, DATA.length - 3, 8, MiB],
      [4 * MiB - 1, 4 * MiB + 1, 4, 4 * MiB],
      [DATA.length - 10, DATA.length + 1000, 2, MiB], // past the end: stops at the end
    ];
    for (const [start, end, parallel, chunkSize] of cases) {
      const got = await collect(share.stream('data.bin', { start, end, parallel, chunkSize }));
      expect(got.all.equals(DATA.subarray(start, Math.min(end, DATA.length))), `${start}..${end}`).toBe(true);
      expect(got.parts.every((p) => p.length <= chunkSize)).toBe(true);
    }
    expect((await collect(share.stream('data.bin', { start: 5, end: 5 }))).all.length).toBe(0);
    await expect(collect(share.stream('nope.bin'))).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(collect(share.stream('data.bin', { start: -1 }))).rejects.toMatchObject({ code: 'INVALID_INPUT' });
  });

  test('stream({ buffer }): chunks land in the caller\'s recycled buffers, byte-exact; a short buffer is refused', async () => {
    const pool = Array.from({ length: 6 }, () => Buffer.alloc(MiB));
    let handed = 0;
    const parts: Buffer[] = [];
    for await (const chunk of share.stream('data.bin', { chunkSize: MiB, parallel: 4, buffer: () => pool[handed++ % pool.length]! })) {
      expect(pool.some((b) => b.buffer === chunk.buffer && b.byteOffset === chunk.byteOffset)).toBe(true);
      parts.push(Buffer.from(chunk)); // copy before the buffer comes round again
    }
    expect(Buffer.concat(parts).equals(DATA)).toBe(true);
    expect(handed).toBe(Math.ceil(DATA.length / MiB));
    const tooSmall = async () => {
      for await (const _ of share.stream('data.bin', { chunkSize: MiB, buffer: () => Buffer.alloc(10) })) {
        // not reached
      }
    };
    await expect(tooSmall()).rejects.toMatchObject({ code: 'INVALID_INPUT' });
  });

  test('stream(): a consumer that stops early leaves the connection usable', async () => {
    let n = 0;
    for await (const _ of share.stream('data.bin', { chunkSize: MiB, parallel: 8 })) {
      if (++n === 2) break;
    }
    expect(n).toBe(2);
    expect(text(await share.read('header.txt', 0, 4))).toBe('GGUF');
    expect(Buffer.from(await share.read('data.bin', 5 * MiB, 100)).equals(DATA.subarray(5 * MiB, 5 * MiB + 100))).toBe(true);
  });

  test('read() of a large range uses the same bulk path and is byte-exact on SMB 2.0.2 (64 KiB reads) too', async () => {
    const c = await connectSmb({ host: samba.host, port: samba.port, user: samba.user, password: samba.password, dialects: [Dialect.SMB202] });
    try {
      const s = await c.tree('models');
      const got = Buffer.from(await s.read('data.bin', 333, 5 * MiB));
      expect(got.equals(DATA.subarray(333, 333 + 5 * MiB))).toBe(true);
      const parts: Buffer[] = [];
      for await (const p of s.stream('data.bin', { start: 10, end: 700_000 })) parts.push(Buffer.from(p));
      expect(Buffer.concat(parts).equals(DATA.subarray(10, 700_000))).toBe(true);
      expect(parts.every((p) => p.length <= 65536)).toBe(true);
    } finally {
      await c.close();
    }
  });
});
