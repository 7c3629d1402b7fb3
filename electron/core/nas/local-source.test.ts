// The local FileSource's write and watch members: atomic writes, rename with and without replace,
// delete, mkdir -p, and change reports from fs.watch and from the polling fallback.
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import type { FileSource, SourceChange } from './file-source';
import { openLocalSource } from './local-source';

let root: string;
let src: FileSource;

beforeEach(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'ms-local-'));
  src = await openLocalSource(root);
});

afterEach(async () => {
  await src.close();
  await rm(root, { recursive: true, force: true });
});

const read = (p: string) => readFile(path.join(root, p), 'utf8');
const leftovers = async (dir = '') => (await readdir(path.join(root, dir))).filter((n) => n.includes('modelshelf-tmp'));

/** Collects changes; `until` resolves once a matching change has arrived. */
function collector() {
  const seen: SourceChange[] = [];
  const waiters: Array<{ pred: (c: SourceChange) => boolean; resolve: () => void }> = [];
  const on = (c: SourceChange) => {
    seen.push(c);
    for (const w of [...waiters]) {
      if (w.pred(c)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve();
      }
    }
  };
  const until = (pred: (c: SourceChange) => boolean, ms = 3000) =>
    new Promise<void>((resolve, reject) => {
      if (seen.some(pred)) return resolve();
      const timer = setTimeout(() => reject(new Error(`no matching change within ${ms} ms; saw ${JSON.stringify(seen)}`)), ms);
      waiters.push({
        pred,
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
      });
    });
  return { seen, on, until };
}

describe('local writes', () => {
  test('is writable; create-new refuses an existing file and leaves it (and no temp file) behind', async () => {
    expect(src.readOnly).toBe(false);
    await src.writeFile!('a.txt', Buffer.from('first'), { overwrite: false });
    expect(await read('a.txt')).toBe('first');
    const err = await src.writeFile!('a.txt', Buffer.from('second'), { overwrite: false }).catch((e) => e);
    expect(err.code).toBe('CONFLICT');
    expect(err.message).toContain('already exists');
    expect(await read('a.txt')).toBe('first');
    expect(await leftovers()).toEqual([]);
  });

  test('overwrite replaces the whole file; a missing folder is NOT_FOUND with nothing left behind', async () => {
    await writeFile(path.join(root, 'b.txt'), 'a much longer old content');
    await src.writeFile!('b.txt', Buffer.from('new'), { overwrite: true });
    expect(await read('b.txt')).toBe('new');
    await src.writeFile!('fresh.txt', Buffer.from('x'), { overwrite: true });
    expect(await read('fresh.txt')).toBe('x');
    await expect(src.writeFile!('no/such/dir/c.txt', Buffer.from('x'), { overwrite: true })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    expect(await leftovers()).toEqual([]);
  });

  test('rename: CONFLICT without replace, swapped with replace, folders too', async () => {
    await writeFile(path.join(root, 'src.txt'), 'new');
    await writeFile(path.join(root, 'dst.txt'), 'old');
    await expect(src.rename!('src.txt', 'dst.txt', { replace: false })).rejects.toMatchObject({ code: 'CONFLICT' });
    expect(await read('dst.txt')).toBe('old');
    expect(await read('src.txt')).toBe('new');
    await src.rename!('src.txt', 'dst.txt', { replace: true });
    expect(await read('dst.txt')).toBe('new');
    await expect(src.stat('src.txt')).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await src.rename!('dst.txt', 'moved.txt', { replace: false });
    expect(await read('moved.txt')).toBe('new');
    await mkdir(path.join(root, 'd1'));
    await mkdir(path.join(root, 'd2'));
    await expect(src.rename!('d1', 'd2', { replace: false })).rejects.toMatchObject({ code: 'CONFLICT' });
    await src.rename!('d1', 'd3', { replace: false });
    expect((await src.stat('d3')).isDir).toBe(true);
    await expect(src.rename!('missing', 'x', { replace: true })).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  test('temp + rename-with-replace: a concurrent reader only ever sees whole versions', async () => {
    const version = (i: number) => `${String(i).padStart(4, '0')}:${'y'.repeat(1000 + (i % 5) * 5000)}\n`;
    await src.mkdir!('.modelshelf/events');
    const target = '.modelshelf/events/m.jsonl';
    await src.writeFile!(target, Buffer.from(version(0)), { overwrite: true });
    let done = false;
    const seen: string[] = [];
    const reader = (async () => {
      while (!done) {
        seen.push(Buffer.from(await src.read(target, 0, 1 << 20)).toString());
        await new Promise((r) => setImmediate(r));
      }
    })();
    for (let i = 1; i <= 60; i++) await src.writeFile!(target, Buffer.from(version(i)), { overwrite: true });
    done = true;
    await reader;
    expect(seen.length).toBeGreaterThan(5);
    for (const s of seen) expect(s).toBe(version(Number(s.slice(0, 4))));
    expect(await read(target)).toBe(version(60));
    expect(await leftovers('.modelshelf/events')).toEqual([]);
  });

  test('remove: files and empty folders; a full folder is CONFLICT; missing is NOT_FOUND; never the root', async () => {
    await writeFile(path.join(root, 'gone.txt'), 'x');
    await src.remove!('gone.txt');
    await expect(src.stat('gone.txt')).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(src.remove!('gone.txt')).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await mkdir(path.join(root, 'full', 'sub'), { recursive: true });
    await expect(src.remove!('full')).rejects.toMatchObject({ code: 'CONFLICT' });
    await src.remove!('full/sub');
    await src.remove!('full');
    await expect(src.remove!('')).rejects.toMatchObject({ code: 'INVALID_INPUT' });
  });

  test('mkdir -p is idempotent and refuses a file in the way; unsafe paths are INVALID_INPUT', async () => {
    await src.mkdir!('x/y/z');
    await src.mkdir!('x/y/z');
    expect((await src.stat('x/y/z')).isDir).toBe(true);
    await writeFile(path.join(root, 'f'), 'x');
    await expect(src.mkdir!('f/sub')).rejects.toMatchObject({ code: 'INVALID_INPUT' });
    await expect(src.mkdir!('f')).rejects.toMatchObject({ code: 'INVALID_INPUT' });
    await expect(src.writeFile!('../escape.txt', Buffer.from('x'), { overwrite: true })).rejects.toMatchObject({ code: 'INVALID_INPUT' });
    await expect(src.rename!('f', '../f', { replace: true })).rejects.toMatchObject({ code: 'INVALID_INPUT' });
    await expect(src.remove!('x/../../etc')).rejects.toMatchObject({ code: 'INVALID_INPUT' });
  });
});

describe.each(['native', 'poll'] as const)('local watch (%s)', (mode) => {
  let w: FileSource;
  beforeEach(async () => {
    w = await openLocalSource(root, { watch: mode, pollIntervalMs: 50 });
    await mkdir(path.join(root, 'models', 'deep'), { recursive: true });
  });

  test('reports added, modified, removed and nested changes with source-relative paths, until stopped', async () => {
    const c = collector();
    const stop = await w.watch!('models', c.on);
    await writeFile(path.join(root, 'models', 'a.bin'), 'a');
    await c.until((x) => x.kind === 'added' && x.path === 'models/a.bin');
    await new Promise((r) => setTimeout(r, 20)); // a different mtime for the poller
    await writeFile(path.join(root, 'models', 'a.bin'), 'bigger');
    await c.until((x) => x.kind === 'modified' && x.path === 'models/a.bin');
    await writeFile(path.join(root, 'models', 'deep', 'b.bin'), 'b');
    await c.until((x) => x.kind === 'added' && x.path === 'models/deep/b.bin');
    await rm(path.join(root, 'models', 'a.bin'));
    await c.until((x) => x.kind === 'removed' && x.path === 'models/a.bin');
    await writeFile(path.join(root, 'outside.txt'), 'x');
    await stop();
    const n = c.seen.length;
    await writeFile(path.join(root, 'models', 'after-stop.bin'), 'x');
    await new Promise((r) => setTimeout(r, 200));
    expect(c.seen.slice(n)).toEqual([]);
    expect(c.seen.some((x) => x.path.includes('outside'))).toBe(false);
  });

  test('a listener that throws does not stop the watcher', async () => {
    let calls = 0;
    const c = collector();
    const stop = await w.watch!('models', (x) => {
      calls++;
      c.on(x);
      throw new Error('listener bug');
    });
    await writeFile(path.join(root, 'models', 'one.bin'), '1');
    await c.until((x) => x.path === 'models/one.bin');
    await writeFile(path.join(root, 'models', 'two.bin'), '2');
    await c.until((x) => x.path === 'models/two.bin');
    expect(calls).toBeGreaterThanOrEqual(2);
    await stop();
  });
});

describe('local stream', () => {
  test('gives the same bytes as read() at odd offsets and sizes, into the buffers it is given', async () => {
    const data = Buffer.alloc(3 * 65536 + 77);
    for (let i = 0; i < data.length; i++) data[i] = (i * 7 + (i >> 9)) & 0xff;
    await writeFile(path.join(root, 'f.bin'), data);
    for (const [offset, end, chunkBytes] of [
      [0, data.length, 65536],
      [1, 65537, 4096],
      [65535, data.length, 65536 + 3],
      [100, 101, 65536],
      [5, 5, 65536],
    ] as const) {
      const given: Uint8Array[] = [];
      const parts: Buffer[] = [];
      for await (const c of src.stream!('f.bin', offset, end, {
        chunkBytes,
        parallel: 3,
        buffer: (n) => {
          const b = new Uint8Array(n + 10);
          given.push(b);
          return b;
        },
      })) {
        expect(given.some((g) => g.buffer === c.buffer)).toBe(true);
        parts.push(Buffer.from(c));
      }
      const streamed = Buffer.concat(parts);
      expect(streamed.equals(data.subarray(offset, end)), `${offset}..${end}`).toBe(true);
      expect(Buffer.from(await src.read('f.bin', offset, end - offset)).equals(streamed)).toBe(true);
    }
  });

  test('ends early for a file shorter than asked, stops on a cancel, and maps errors', async () => {
    await writeFile(path.join(root, 'short.bin'), Buffer.alloc(1000, 1));
    let total = 0;
    for await (const c of src.stream!('short.bin', 0, 5000, { chunkBytes: 300 })) total += c.length;
    expect(total).toBe(1000);
    const controller = new AbortController();
    const run = (async () => {
      for await (const _ of src.stream!('short.bin', 0, 1000, { chunkBytes: 100, signal: controller.signal })) controller.abort();
    })();
    await expect(run).rejects.toMatchObject({ code: 'CANCELLED' });
    await expect((async () => {
      for await (const _ of src.stream!('missing.bin', 0, 10)) void _;
    })()).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });
});
