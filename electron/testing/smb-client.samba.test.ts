// The SMB client against a real Samba, in each server configuration SMB.md lists.
import { spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, open, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { EngineError } from '../core/errors';
import { startSamba, type SambaServer } from './samba';
import { openSmbSource } from '../core/nas/smb-file-source';
import { Dialect } from '../core/nas/smb/constants';
import { connectSmb, type SmbClient, type SmbShare } from '../core/nas/smb';

const MiB = 1024 * 1024;
const UNICODE_NAMES = ['café é.txt', '日本', '🦙 llama.bin', 'a   b    c.txt', 'Ünïcødé ½'];
const BIG_SIZE = 64 * MiB;

/** Deterministic bytes so the test can know what any range must contain. */
function pattern(size: number): Buffer {
  const b = Buffer.alloc(size);
  let x = 0x12345678;
  for (let i = 0; i < size; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    b[i] = x >>> 24;
  }
  return b;
}
const RANGED = pattern(3 * MiB + 12345);

async function writeRandom(path: string, size: number): Promise<string> {
  const hash = createHash('sha256');
  const out = createWriteStream(path);
  for (let left = size; left > 0; ) {
    const chunk = randomBytes(Math.min(4 * MiB, left));
    hash.update(chunk);
    if (!out.write(chunk)) await new Promise<void>((r) => out.once('drain', () => r()));
    left -= chunk.length;
  }
  await new Promise<void>((r, j) => out.end((e?: Error | null) => (e ? j(e) : r())));
  return hash.digest('hex');
}

let bigSha = '';
let gibSha = '';

async function seed(dir: string): Promise<void> {
  await mkdir(join(dir, 'many'));
  const names = Array.from({ length: 3000 }, (_, i) => `file-${String(i).padStart(4, '0')}.bin`);
  for (let i = 0; i < names.length; i += 200) {
    await Promise.all(names.slice(i, i + 200).map((n, k) => writeFile(join(dir, 'many', n), Buffer.alloc((i + k) % 97))));
  }
  await mkdir(join(dir, 'uni'));
  for (const n of UNICODE_NAMES) await writeFile(join(dir, 'uni', n), n);
  await mkdir(join(dir, 'unideep', '日本', 'モデル'), { recursive: true });
  await writeFile(join(dir, 'unideep', '日本', 'モデル', 'weights 🧠.gguf'), 'GGUF');
  await writeFile(join(dir, 'ranged.bin'), RANGED);
  bigSha = await writeRandom(join(dir, 'big.bin'), BIG_SIZE);
  // Issue requirement: a 1 GiB file read back intact while Samba answers reads with STATUS_PENDING.
  gibSha = await writeRandom(join(dir, 'gib.bin'), 1024 * MiB);
  // 50 MB, sparse except for a marker in the middle.
  const fh = await open(join(dir, 'fifty.bin'), 'w');
  await fh.truncate(50_000_000);
  await fh.write(Buffer.from('0123456789abcdefXYZ'), 0, 19, 25_000_000);
  await fh.close();
  await mkdir(join(dir, 'sub', 'deeper'), { recursive: true });
  await writeFile(join(dir, 'sub', 'deeper', 'x.txt'), 'deep');
  await mkdir(join(dir, 'empty'));
}

async function closedPort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      const port = typeof a === 'object' && a ? a.port : 0;
      s.close(() => resolve(port));
    });
  });
}

async function sha256Over(share: SmbShare, path: string, size: number, step = 16 * MiB): Promise<string> {
  const h = createHash('sha256');
  for (let off = 0; off < size; off += step) h.update(await share.read(path, off, Math.min(step, size - off)));
  return h.digest('hex');
}

describe('default Samba (NTLMv2 only, SMB2+)', () => {
  let samba: SambaServer;
  let client: SmbClient;
  let share: SmbShare;

  beforeAll(async () => {
    samba = await startSamba({ shares: [{ name: 'models', seed }, { name: 'ro', readOnly: true, seed: async (d) => writeFile(join(d, 'r.txt'), 'read me') }] });
    client = await connectSmb({ host: samba.host, port: samba.port, user: samba.user, password: samba.password });
    share = await client.tree('models');
  }, 120_000);

  afterAll(async () => {
    await client?.close();
    await samba?.stop();
  });

  test('logs in with SMB 3.1.1 and signs', () => {
    expect(client.dialect).toBe('3.1.1');
    expect(client.signing).not.toBeNull();
  });

  test('a wrong password is AUTH_FAILED with plain words', async () => {
    const err = await connectSmb({ host: samba.host, port: samba.port, user: samba.user, password: 'wrong' }).catch((e) => e);
    expect(err).toBeInstanceOf(EngineError);
    expect(err.code).toBe('AUTH_FAILED');
    expect(err.message).toContain('The NAS did not accept this user name and password.');
    expect(err.message).toContain('0xC000006D');
  });

  test('an unknown share is NOT_FOUND and names the share', async () => {
    const err = await client.tree('nope').catch((e) => e);
    expect(err.code).toBe('NOT_FOUND');
    expect(err.message).toContain('The NAS has no share called nope.');
  });

  test('nothing listening is UNREACHABLE', async () => {
    const port = await closedPort();
    const err = await connectSmb({ host: '127.0.0.1', port, user: 'x', password: 'y' }).catch((e) => e);
    expect(err.code).toBe('UNREACHABLE');
    expect(err.message).toContain(`Could not reach 127.0.0.1:${port} — is the NAS on and on this network?`);
  });

  test('DOMAIN\\user, user@domain and an explicit domain all log in', async () => {
    for (const o of [{ user: `TESTNAS\\${samba.user}` }, { user: `${samba.user}@TESTNAS` }, { user: samba.user, domain: 'MODELSHELF' }]) {
      const c = await connectSmb({ host: samba.host, port: samba.port, password: samba.password, ...o });
      await c.close();
    }
  });

  test('a 3,000-entry folder is listed completely, with sizes, in few round trips', async () => {
    const before = client.counters().roundTrips;
    const t0 = performance.now();
    const entries = await share.list('many');
    const ms = performance.now() - t0;
    expect(entries.length).toBe(3000);
    const byName = new Map(entries.map((e) => [e.name, e]));
    for (let i = 0; i < 3000; i++) {
      const e = byName.get(`file-${String(i).padStart(4, '0')}.bin`);
      expect(e?.size).toBe(i % 97);
      expect(e?.isDir).toBe(false);
    }
    expect(entries.every((e) => Math.abs(e.mtimeMs - Date.now()) < 3_600_000)).toBe(true);
    expect(client.counters().roundTrips - before).toBeLessThanOrEqual(2);
    console.log(`[bench] list 3,000 entries: ${ms.toFixed(1)} ms, ${client.counters().roundTrips - before} round trip(s)`);
  });

  test('root listing, folders, empty folder, no . or ..', async () => {
    const root = await share.list('');
    const names = root.map((e) => e.name).sort();
    expect(names).toEqual(['big.bin', 'empty', 'fifty.bin', 'gib.bin', 'many', 'ranged.bin', 'sub', 'uni', 'unideep'].sort());
    expect(root.find((e) => e.name === 'sub')?.isDir).toBe(true);
    expect(await share.list('empty')).toEqual([]);
    expect((await share.list('sub/deeper')).map((e) => e.name)).toEqual(['x.txt']);
  });

  test('unicode names round-trip through list, stat and read', async () => {
    const names = (await share.list('uni')).map((e) => e.name).sort();
    expect(names).toEqual([...UNICODE_NAMES].sort());
    for (const n of UNICODE_NAMES) {
      const st = await share.stat(`uni/${n}`);
      expect(st.name).toBe(n);
      expect(st.size).toBe(Buffer.byteLength(n));
      expect(Buffer.from(await share.read(`uni/${n}`, 0, 1000)).toString()).toBe(n);
    }
    expect((await share.list('unideep')).map((e) => [e.name, e.isDir])).toEqual([['日本', true]]);
    const deep = await share.list('unideep/日本/モデル');
    expect(deep.map((e) => e.name)).toEqual(['weights 🧠.gguf']);
    expect(Buffer.from(await share.read('unideep/日本/モデル/weights 🧠.gguf', 1, 3)).toString()).toBe('GUF');
  });

  test('ranged reads return exact bytes at odd offsets', async () => {
    const cases: Array<[number, number]> = [
      [0, 1],
      [1, 7],
      [4095, 3],
      [65535, 2],
      [12_345, 100_001],
      [MiB - 3, 7], // across the 1 MiB read chunk boundary
      [777, 2 * MiB + 333], // several chunks in flight
      [RANGED.length - 5, 5],
    ];
    for (const [off, len] of cases) {
      const got = Buffer.from(await share.read('ranged.bin', off, len));
      expect(got.equals(RANGED.subarray(off, off + len)), `${off}+${len}`).toBe(true);
    }
    // Past the end: short, then empty.
    expect(Buffer.from(await share.read('ranged.bin', RANGED.length - 4, 100)).equals(RANGED.subarray(RANGED.length - 4))).toBe(true);
    expect((await share.read('ranged.bin', RANGED.length + 10, 10)).length).toBe(0);
    expect(Buffer.from(await share.read('ranged.bin', RANGED.length - 10, 3 * MiB)).equals(RANGED.subarray(RANGED.length - 10))).toBe(true);
  });

  test('a 16-byte read of a 50 MB file reads at most 64 KiB', async () => {
    const before = client.counters();
    const got = Buffer.from(await share.read('fifty.bin', 25_000_000, 16));
    expect(got.toString()).toBe('0123456789abcdef');
    const after = client.counters();
    expect(after.bytesRead - before.bytesRead).toBeLessThanOrEqual(64 * 1024);
    expect(after.bytesRead - before.bytesRead).toBe(16);
    expect(after.roundTrips - before.roundTrips).toBe(1); // CREATE + READ + CLOSE compounded
  });

  test('a 64 MiB file reads back with the same sha256 (exercises STATUS_PENDING)', async () => {
    const t0 = performance.now();
    const sha = await sha256Over(share, 'big.bin', BIG_SIZE);
    const s = (performance.now() - t0) / 1000;
    expect(sha).toBe(bigSha);
    const ours = BIG_SIZE / MiB / s;
    const t1 = performance.now();
    const r = spawnSync('smbclient', ['-p', String(samba.port), '//127.0.0.1/models', '-U', `${samba.user}%${samba.password}`, '-c', 'get big.bin /dev/null'], { encoding: 'utf8' });
    const theirs = BIG_SIZE / MiB / ((performance.now() - t1) / 1000);
    console.log(`[bench] 64 MiB read: ${ours.toFixed(0)} MiB/s (smbclient get: ${r.status === 0 ? `${theirs.toFixed(0)} MiB/s incl. process start` : 'failed'})`);
  });

  test('a 1 GiB file reads back with the same sha256', async () => {
    const t0 = performance.now();
    expect(await sha256Over(share, 'gib.bin', 1024 * MiB, 64 * MiB)).toBe(gibSha);
    console.log(`[bench] 1 GiB read: ${(1024 / ((performance.now() - t0) / 1000)).toFixed(0)} MiB/s`);
  });

  test('[bench] 1 GiB stream() vs smbclient get, same run: signed, unsigned, encrypted', async () => {
    const SIZE = 1024 * MiB;
    const smbclient = (protection: string) => {
      const t0 = performance.now();
      const r = spawnSync(
        'smbclient',
        ['-p', String(samba.port), '//127.0.0.1/models', '-U', `${samba.user}%${samba.password}`, `--client-protection=${protection}`, '-c', 'get gib.bin /dev/null'],
        { encoding: 'utf8' },
      );
      expect(r.status, r.stderr).toBe(0);
      return SIZE / MiB / ((performance.now() - t0) / 1000);
    };
    const PROBE_AT = 701 * MiB + 3; // inside one chunk
    const probe = Buffer.from(await share.read('gib.bin', PROBE_AT, 64 * 1024));
    const rows: string[] = [];
    const ours: Record<string, number> = {};
    for (const [mode, extra] of [
      ['sign', {}],
      ['off', { signing: 'if-required' as const }],
      ['encrypt', { encryption: 'required' as const }],
    ] as const) {
      const c = await connectSmb({ host: samba.host, port: samba.port, user: samba.user, password: samba.password, ...extra });
      try {
        const s = await c.tree('models');
        let bytes = 0;
        let at = 0;
        let probed = false;
        // As export should: chunks read into a few recycled buffers (no GC churn in a big heap).
        const pool = Array.from({ length: 6 }, () => Buffer.allocUnsafe(4 * MiB));
        let next = 0;
        const t0 = performance.now();
        for await (const chunk of s.stream('gib.bin', { buffer: () => pool[next++ % pool.length]! })) {
          // Spot check: the chunk holding the probe range matches what read() returned.
          if (!probed && at <= PROBE_AT && at + chunk.length >= PROBE_AT + probe.length) {
            expect(Buffer.from(chunk.subarray(PROBE_AT - at, PROBE_AT - at + probe.length)).equals(probe)).toBe(true);
            probed = true;
          }
          at += chunk.length;
          bytes += chunk.length;
        }
        ours[mode] = SIZE / MiB / ((performance.now() - t0) / 1000);
        expect(bytes).toBe(SIZE);
        expect(probed).toBe(true);
        if (mode === 'sign') expect(c.signing).toBe('aes-gmac');
        if (mode === 'off') expect(c.signing).toBeNull();
        if (mode === 'encrypt') expect(c.encrypted).toBe(true);
      } finally {
        await c.close();
      }
      const theirs = smbclient(mode);
      rows.push(`${mode.padEnd(7)} ours ${ours[mode]!.toFixed(0)} MiB/s, smbclient --client-protection=${mode} ${theirs.toFixed(0)} MiB/s`);
    }
    for (const r of rows) console.log(`[bench] 1 GiB stream ${r}`);
    console.log(`[bench] encryption (AES-128-GCM) costs ${(100 * (1 - ours.encrypt! / ours.sign!)).toFixed(0)}% of signed throughput; signing (AES-GMAC) ${(100 * (1 - ours.sign! / ours.off!)).toFixed(0)}% of unsigned`);
  });

  test("signing: 'if-required' on a NAS that does not require it sends data unsigned, and everything still works", async () => {
    const c = await connectSmb({ host: samba.host, port: samba.port, user: samba.user, password: samba.password, signing: 'if-required' });
    try {
      expect(c.signing).toBeNull();
      expect(c.signingRequired).toBe(false);
      const s = await c.tree('models'); // TREE_CONNECT itself is signed, as SMB 3.1.1 demands
      expect((await s.list('sub')).map((e) => e.name)).toEqual(['deeper']);
      expect(Buffer.from(await s.read('ranged.bin', 10, 2 * MiB)).equals(RANGED.subarray(10, 10 + 2 * MiB))).toBe(true);
      expect((await c.listShares()).map((x) => x.name).sort()).toEqual(['models', 'ro']);
    } finally {
      await c.close();
    }
  });

  test('several folders and reads at once on one connection', async () => {
    const [a, b, c, d] = await Promise.all([share.list('many'), share.list('uni'), share.read('ranged.bin', 5, 10), share.stat('big.bin')]);
    expect(a.length).toBe(3000);
    expect(b.length).toBe(UNICODE_NAMES.length);
    expect(Buffer.from(c).equals(RANGED.subarray(5, 15))).toBe(true);
    expect(d.size).toBe(BIG_SIZE);
  });

  test('missing paths are NOT_FOUND; a file is not a folder', async () => {
    await expect(share.stat('nope.bin')).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(share.read('nope/x.bin', 0, 10)).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(share.list('nope')).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(share.list('ranged.bin')).rejects.toBeInstanceOf(EngineError);
    const root = await share.stat('');
    expect(root.isDir).toBe(true);
  });

  test('share enumeration (srvsvc NetShareEnumAll on IPC$)', async () => {
    const t0 = performance.now();
    const shares = await client.listShares();
    const ms = performance.now() - t0;
    expect(shares.map((s) => s.name).sort()).toEqual(['models', 'ro']);
    const t1 = performance.now();
    const all = await client.listShares({ all: true });
    const warm = performance.now() - t1;
    expect(all.map((s) => s.name)).toContain('IPC$');
    console.log(`[bench] share enumeration: first ${ms.toFixed(1)} ms (Samba starts its RPC helper), then ${warm.toFixed(1)} ms`);
  });

  test('the read-only share lists and reads', async () => {
    const ro = await client.tree('ro');
    expect((await ro.list('')).map((e) => e.name)).toEqual(['r.txt']);
    expect(Buffer.from(await ro.read('r.txt', 5, 2)).toString()).toBe('me');
    await ro.close();
  });

  test.each([
    [Dialect.SMB202, '2.0.2'],
    [Dialect.SMB210, '2.1'],
    [Dialect.SMB300, '3.0'],
    [Dialect.SMB302, '3.0.2'],
  ])('dialect %s works (list + read)', async (d, name) => {
    const c = await connectSmb({ host: samba.host, port: samba.port, user: samba.user, password: samba.password, dialects: [d] });
    try {
      expect(c.dialect).toBe(name);
      const s = await c.tree('models');
      expect((await s.list('many')).length).toBe(3000);
      const got = Buffer.from(await s.read('ranged.bin', 3, 300_000));
      expect(got.equals(RANGED.subarray(3, 300_003))).toBe(true);
    } finally {
      await c.close();
    }
  });

  test('openSmbSource: subpath, label, counters, unsafe paths refused', async () => {
    const src = await openSmbSource({ host: samba.host, port: samba.port, share: 'models', subpath: 'sub', user: samba.user, password: samba.password });
    try {
      expect(src.kind).toBe('smb');
      expect(src.label).toBe(`smb://127.0.0.1:${samba.port}/models/sub`);
      expect((await src.list('')).map((e) => e.name)).toEqual(['deeper']);
      expect(Buffer.from(await src.read('deeper/x.txt', 0, 10)).toString()).toBe('deep');
      expect((await src.stat('')).isDir).toBe(true);
      await expect(src.list('../many')).rejects.toMatchObject({ code: 'INVALID_INPUT' });
      await expect(src.read('deeper/../../big.bin', 0, 1)).rejects.toMatchObject({ code: 'INVALID_INPUT' });
      expect(src.counters().bytesRead).toBe(4);
      expect(src.counters().roundTrips).toBeGreaterThan(0);
    } finally {
      await src.close();
    }
    await expect(
      openSmbSource({ host: samba.host, port: samba.port, share: 'models', subpath: 'nope', user: samba.user, password: samba.password }),
    ).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });
});

describe.each([
  ['server signing = mandatory', ['server signing = mandatory']],
  ['server min protocol = SMB3', ['server min protocol = SMB3']],
  ['smb encrypt = required', ['smb encrypt = required']],
])('Samba with %s', (_label, globalOptions) => {
  let samba: SambaServer;
  beforeAll(async () => {
    samba = await startSamba({
      globalOptions,
      shares: [{ name: 'models', seed: async (d) => writeFile(join(d, 'ranged.bin'), RANGED) }],
    });
  });
  afterAll(async () => {
    await samba?.stop();
  });

  // Samba's "SMB3" means SMB3_11, so that configuration accepts 3.1.1 only.
  const dialects = globalOptions[0]!.includes('min protocol')
    ? [undefined]
    : globalOptions[0]!.includes('encrypt')
      ? [undefined, Dialect.SMB300]
      : [undefined, Dialect.SMB202, Dialect.SMB210, Dialect.SMB300, Dialect.SMB302];

  if (globalOptions[0]!.includes('mandatory')) {
    test("signing: 'if-required' still signs everything when the NAS requires it", async () => {
      const c = await connectSmb({ host: samba.host, port: samba.port, user: samba.user, password: samba.password, signing: 'if-required' });
      try {
        expect(c.signingRequired).toBe(true);
        expect(c.signing).toBe('aes-gmac');
        const s = await c.tree('models');
        expect(Buffer.from(await s.read('ranged.bin', 11, 2 * MiB)).equals(RANGED.subarray(11, 11 + 2 * MiB))).toBe(true);
      } finally {
        await c.close();
      }
    });
  }

  test.each(dialects)('lists and reads, verified (dialect %s)', async (d) => {
    const c = await connectSmb({ host: samba.host, port: samba.port, user: samba.user, password: samba.password, ...(d ? { dialects: [d] } : {}) });
    try {
      if (d === undefined) expect(c.dialect).toBe('3.1.1');
      expect(c.signing).not.toBeNull();
      if (globalOptions[0]!.includes('mandatory')) expect(c.signingRequired).toBe(true);
      if (globalOptions[0]!.includes('encrypt')) expect(c.encrypted).toBe(true);
      const s = await c.tree('models');
      expect((await s.list('')).map((e) => e.name)).toEqual(['ranged.bin']);
      const got = Buffer.from(await s.read('ranged.bin', 11, 2 * MiB + 5));
      expect(got.equals(RANGED.subarray(11, 11 + 2 * MiB + 5))).toBe(true);
    } finally {
      await c.close();
    }
  });

  if (globalOptions[0]!.includes('min protocol')) {
    test.each([Dialect.SMB210, Dialect.SMB302])('a client offering only dialect %s is refused as UNSUPPORTED', async (d) => {
      const err = await connectSmb({ host: samba.host, port: samba.port, user: samba.user, password: samba.password, dialects: [d] }).catch((e) => e);
      expect(err).toBeInstanceOf(EngineError);
      expect(err.code).toBe('UNSUPPORTED');
      expect(err.message).toContain('0xC00000BB');
    });
  }
});

describe.each([
  ['AES-256-GCM', 'aes-256-gcm'],
  ['AES-256-CCM', 'aes-256-ccm'],
  ['AES-128-CCM', 'aes-128-ccm'],
])('Samba encrypting with %s only', (algorithm, name) => {
  let samba: SambaServer;
  beforeAll(async () => {
    samba = await startSamba({
      globalOptions: ['smb encrypt = required', `server smb3 encryption algorithms = ${algorithm}`],
      shares: [{ name: 'models', seed: async (d) => writeFile(join(d, 'ranged.bin'), RANGED) }],
    });
  });
  afterAll(async () => {
    await samba?.stop();
  });

  test(`negotiates ${name}; lists, reads, streams and writes`, async () => {
    const c = await connectSmb({ host: samba.host, port: samba.port, user: samba.user, password: samba.password });
    try {
      expect(c.dialect).toBe('3.1.1');
      expect(c.encrypted).toBe(true);
      expect(c.cipher).toBe(name);
      const s = await c.tree('models');
      expect((await s.list('')).map((e) => e.name)).toEqual(['ranged.bin']);
      expect(Buffer.from(await s.read('ranged.bin', 7, 2 * MiB + 9)).equals(RANGED.subarray(7, 7 + 2 * MiB + 9))).toBe(true);
      const parts: Buffer[] = [];
      for await (const p of s.stream('ranged.bin', { chunkSize: MiB })) parts.push(Buffer.from(p));
      expect(Buffer.concat(parts).equals(RANGED)).toBe(true);
      await s.writeFile('w.bin', RANGED.subarray(0, 1500 * 1024), { overwrite: false });
      expect(Buffer.from(await s.read('w.bin', 0, 1500 * 1024)).equals(RANGED.subarray(0, 1500 * 1024))).toBe(true);
    } finally {
      await c.close();
    }
  });
});

describe('listing a tree with many folders in flight', () => {
  const GROUPS = 50;
  const PER_GROUP = 20;
  const FILES = 10;
  let samba: SambaServer;
  beforeAll(async () => {
    samba = await startSamba({
      shares: [
        {
          name: 'models',
          seed: async (d) => {
            for (let g = 0; g < GROUPS; g++) {
              await Promise.all(
                Array.from({ length: PER_GROUP }, async (_, f) => {
                  const dir = join(d, `group-${g}`, `run-${f}`);
                  await mkdir(dir, { recursive: true });
                  await Promise.all(Array.from({ length: FILES }, (_, i) => writeFile(join(dir, `ckpt-${i}.bin`), 'x')));
                }),
              );
            }
          },
        },
      ],
    });
  }, 120_000);
  afterAll(async () => {
    await samba?.stop();
  });

  /** Breadth-first walk with `width` folders listed at once, like the scanner. */
  async function walk(share: SmbShare, width: number): Promise<{ files: number; dirs: number }> {
    const queue: string[] = [''];
    let files = 0;
    let dirs = 0;
    let busy = 0;
    let wake: (() => void) | undefined;
    const worker = async () => {
      for (;;) {
        const dir = queue.shift();
        if (dir === undefined) {
          if (busy === 0) {
            wake?.();
            return;
          }
          await new Promise<void>((r) => {
            const prev = wake;
            wake = () => {
              prev?.();
              r();
            };
          });
          continue;
        }
        busy++;
        for (const e of await share.list(dir)) {
          if (e.isDir) {
            dirs++;
            queue.push(dir === '' ? e.name : `${dir}/${e.name}`);
          } else files++;
        }
        busy--;
        const w = wake;
        wake = undefined;
        w?.();
      }
    };
    await Promise.all(Array.from({ length: width }, worker));
    return { files, dirs };
  }

  test('[bench] 16 folders at once on one connection: every entry, credits allow all 16 in flight; vs smbclient recurse ls', async () => {
    const c = await connectSmb({ host: samba.host, port: samba.port, user: samba.user, password: samba.password });
    try {
      const s = await c.tree('models');
      const t1 = performance.now();
      const one = await walk(s, 1);
      const ms1 = performance.now() - t1;
      const t16 = performance.now();
      const many = await walk(s, 16);
      const ms16 = performance.now() - t16;
      const expected = { files: GROUPS * PER_GROUP * FILES, dirs: GROUPS + GROUPS * PER_GROUP };
      expect(one).toEqual(expected);
      expect(many).toEqual(expected);
      expect(c.counters().peakInFlight).toBeGreaterThanOrEqual(16 * 4); // 16 CREATE+QD+QD+CLOSE compounds
      const t0 = performance.now();
      const r = spawnSync('smbclient', ['-p', String(samba.port), '//127.0.0.1/models', '-U', `${samba.user}%${samba.password}`, '-c', 'recurse; ls'], {
        encoding: 'utf8',
        maxBuffer: 64 * 1024 * 1024,
      });
      const msTheirs = performance.now() - t0;
      expect(r.status).toBe(0);
      console.log(
        `[bench] list ${expected.dirs} folders / ${expected.files} files: ours 16 at once ${ms16.toFixed(0)} ms, one at a time ${ms1.toFixed(0)} ms; smbclient 'recurse; ls' ${msTheirs.toFixed(0)} ms`,
      );
    } finally {
      await c.close();
    }
  });
});
