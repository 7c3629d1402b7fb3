import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { truncateSync, writeFileSync } from 'node:fs';
import { mkdir, mkdtemp, open, readdir, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ExportLayout, ExportProgress } from '../../../shared/contract';
import { EngineError, toAppError } from '../errors';
import { memorySource } from './memory-source';
import { type ExportJob, PARTIAL_SUFFIX, parseManifest, runExport, verifyBundle } from './exporter';
import { planBundle } from './plan';

const sha = (d: Uint8Array | string) => createHash('sha256').update(d).digest('hex');

/** Deterministic pseudo-random bytes (incompressible, so a zip stores them as they are). */
function bytes(n: number, seed: number): Uint8Array {
  const out = new Uint8Array(n);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

const SOURCE_FILES: Record<string, Uint8Array | string> = {
  'models/bert/config.json': '{"architectures":["BertModel"]}',
  'models/bert/model.safetensors': bytes(3 * 1024 * 1024 + 17, 1),
  'models/bert/tokenizer/vocab.txt': 'a\nb\nc\n',
  'models/bert/README.md': '---\nlicense: mit\n---\n# bert\n',
  'models/bert/empty.bin': new Uint8Array(0),
  'models/bert/big/optimizer.pt': bytes(2 * 1024 * 1024 + 5, 2),
};

async function walk(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (e.isFile() || e.isSymbolicLink()) out.push(path.relative(dir, path.join(e.parentPath, e.name)).split(path.sep).join('/'));
  }
  return out.sort();
}

// Every test runs twice: a source with read() only (hashing on this thread for these small files),
// and a source with stream() as SMB has, with hashing workers and recycled pool buffers.
const MODES = [
  { name: 'read()', stream: false, workerBytes: undefined },
  { name: 'stream() + pool + hashing worker', stream: true, workerBytes: 0 },
] as const;

describe.each(MODES)('runExport through $name', (mode) => {
  let dest: string;
  let source: ReturnType<typeof memorySource>;

  beforeEach(async () => {
    dest = await mkdtemp(path.join(os.tmpdir(), 'ms-export-'));
    source = memorySource(SOURCE_FILES, { stream: mode.stream });
  });
  afterEach(async () => {
    await rm(dest, { recursive: true, force: true });
  });

  function job(over: Partial<ExportJob> & { layout?: ExportLayout } = {}): ExportJob {
    const files = [...source.files.entries()].map(([p, f]) => ({ path: p, size: f.data.length, mtimeMs: f.mtimeMs }));
    const plan = planBundle({
      itemName: 'bert',
      versionLabel: '2',
      versionPath: 'models/bert',
      files,
      layout: over.layout ?? 'bundle',
      publisher: 'team',
      hasMetrics: false,
    });
    return {
      exportId: 'x1',
      versionId: 1,
      source,
      plan,
      generated: new Map([
        ['README.md', new TextEncoder().encode('# card\n')],
        ['lineage.json', new TextEncoder().encode('{}\n')],
        ...(plan.generateMlmodel ? [['MLmodel', new TextEncoder().encode('flavors: {}\n')] as [string, Uint8Array]] : []),
      ]),
      destination: dest,
      zip: false,
      overwrite: false,
      resumeKey: 'smb://memory/share|models/bert|2|bundle',
      signal: new AbortController().signal,
      chunkBytes: 256 * 1024,
      inFlight: 3,
      workerBytes: mode.workerBytes,
      ...over,
    };
  }

  /** Every file of the source ends up in the bundle byte for byte. */
  async function expectCopiesEqualSource(bundle: string, j: ExportJob): Promise<void> {
    for (const c of j.plan.copies) {
      const copy = await readFile(path.join(bundle, ...c.dest.split('/')));
      expect(sha(copy), c.dest).toBe(sha(source.files.get(c.src)?.data as Uint8Array));
    }
  }

  it('writes a bundle whose manifest verifies (by us and by sha256sum), with progress along the way', async () => {
    const events: ExportProgress[] = [];
    const j = job({ onProgress: (p) => events.push(p) });
    const r = await runExport(j);
    expect(r.path).toBe(path.join(await import('node:fs/promises').then((m) => m.realpath(dest)), 'bert-2'));
    expect(await walk(dest)).toEqual(
      ['MANIFEST.sha256', 'README.md', 'README.source.md', 'big/optimizer.pt', 'config.json', 'empty.bin', 'lineage.json', 'model.safetensors', 'tokenizer/vocab.txt'].map(
        (p) => `bert-2/${p}`,
      ),
    );
    await expectCopiesEqualSource(r.path, j);
    expect(await verifyBundle(r.path)).toEqual({ files: 8, problems: [] });
    const check = spawnSync('sha256sum', ['-c', '--strict', 'MANIFEST.sha256'], { cwd: r.path, encoding: 'utf8' });
    expect(check.status, check.stdout + check.stderr).toBe(0);
    const manifest = await readFile(path.join(r.path, 'MANIFEST.sha256'));
    expect(r.sha256Manifest).toBe(sha(manifest));
    expect(r.files).toBe(9);
    expect(r.resumedBytes).toBe(0);
    const total = Object.values(SOURCE_FILES).reduce((s, v) => s + (typeof v === 'string' ? Buffer.byteLength(v) : v.length), 0);
    expect(r.bytes).toBe(total + '# card\n'.length + '{}\n'.length + manifest.length);
    // progress: monotonic while copying, ends complete, with a rate and an ETA
    const copying = events.filter((e) => e.phase === 'copying');
    expect(copying.length).toBeGreaterThan(0);
    for (let i = 1; i < copying.length; i++) expect(copying[i]?.bytesDone).toBeGreaterThanOrEqual(copying[i - 1]?.bytesDone as number);
    expect(events.map((e) => e.phase)).toEqual(expect.arrayContaining(['preparing', 'copying', 'verifying', 'finishing']));
    expect(events.at(-1)).toMatchObject({ phase: 'finishing', filesDone: 9, filesTotal: 9, exportId: 'x1' });
    expect(events.some((e) => e.rate > 0 && e.etaSeconds !== null)).toBe(true);
  });

  it('refuses to overwrite without permission, and replaces the old bundle with it', async () => {
    await runExport(job());
    await writeFile(path.join(dest, 'bert-2', 'stale.txt'), 'old');
    const refused = await runExport(job()).catch((e: unknown) => e);
    expect(refused).toMatchObject({ code: 'CONFLICT', message: expect.stringMatching(/already exists.*allow overwriting/) });
    // The UI offers "Replace it" (and the CLI --overwrite) for this conflict only.
    expect(toAppError(refused)).toMatchObject({ code: 'CONFLICT', replaceable: true });
    const r = await runExport(job({ overwrite: true }));
    expect(await walk(r.path)).not.toContain('stale.txt');
    expect((await verifyBundle(r.path)).problems).toEqual([]);
    expect((await readdir(dest)).sort()).toEqual(['bert-2']);
  });

  it('checks free space before writing anything', async () => {
    const err = await runExport(job({ freeSpace: async () => 1000 })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(EngineError);
    expect(err).toMatchObject({ code: 'IO', message: expect.stringMatching(/^Not enough space on \/.*: needs 5\.\d MB, has 1000 B\.$/) });
    expect(await readdir(dest)).toEqual([]);
  });

  it('a cancelled export leaves nothing that looks complete, and the rerun resumes and matches the source', async () => {
    const controller = new AbortController();
    let reads = 0;
    source.beforeRead = () => {
      if (++reads === 12) controller.abort();
    };
    const j = job({ signal: controller.signal, checkpointBytes: 512 * 1024, fileConcurrency: 1 });
    await expect(runExport(j)).rejects.toMatchObject({ code: 'CANCELLED' });
    await expectNothingLooksComplete();
    source.beforeRead = null;
    const r = await runExport(job({ checkpointBytes: 512 * 1024 }));
    expect(r.resumedBytes).toBeGreaterThan(0);
    await expectCopiesEqualSource(r.path, j);
    expect((await verifyBundle(r.path)).problems).toEqual([]);
    expect((await readdir(dest)).sort()).toEqual(['bert-2']);
  });

  it('a source that fails mid-read leaves nothing that looks complete and says the copy can continue', async () => {
    source.failReadsAfter(2 * 1024 * 1024);
    const err = await runExport(job({ checkpointBytes: 512 * 1024 })).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'UNREACHABLE', message: expect.stringMatching(/connection to the NAS was lost.*export again to continue/) });
    await expectNothingLooksComplete();
    source.failReadsAfter(Number.POSITIVE_INFINITY);
    const r = await runExport(job({ checkpointBytes: 512 * 1024 }));
    await expectCopiesEqualSource(r.path, job());
    expect((await verifyBundle(r.path)).problems).toEqual([]);
  });

  it('a partial file whose bytes no longer match its checkpoint is copied again from the start', async () => {
    const controller = new AbortController();
    let reads = 0;
    source.beforeRead = () => {
      if (++reads === 8) controller.abort();
    };
    await expect(runExport(job({ signal: controller.signal, checkpointBytes: 256 * 1024, fileConcurrency: 1 }))).rejects.toMatchObject({ code: 'CANCELLED' });
    source.beforeRead = null;
    const partials = (await walk(dest)).filter((p) => p.endsWith('.partial'));
    expect(partials.length).toBeGreaterThan(0);
    for (const p of partials) await writeFile(path.join(dest, p), bytes(300 * 1024, 99));
    const r = await runExport(job({ checkpointBytes: 256 * 1024 }));
    await expectCopiesEqualSource(r.path, job());
  });

  it('puts what it wrote on disk while copying (background fdatasync); a failed one fails the export and leaves nothing that looks complete', async () => {
    const probe = await open(path.join(dest, 'probe'), 'w');
    const proto = Object.getPrototypeOf(probe) as { datasync: () => Promise<void> };
    await probe.close();
    await rm(path.join(dest, 'probe'));
    const real = proto.datasync;
    let syncs = 0;
    let fail = false;
    proto.datasync = function (this: unknown) {
      syncs++;
      if (fail) return Promise.reject(Object.assign(new Error('EIO: i/o error, fdatasync'), { code: 'EIO' }));
      return real.call(this);
    };
    try {
      const r = await runExport(job({ flushBytes: 512 * 1024, fileConcurrency: 1 }));
      // 3 MiB and 2 MiB files: a flush once 512 KiB more were written, one at a time — at least one each
      expect(syncs).toBeGreaterThanOrEqual(2);
      expect((await verifyBundle(r.path)).problems).toEqual([]);
      await rm(r.path, { recursive: true });
      fail = true;
      const err = await runExport(job({ flushBytes: 512 * 1024, checkpointBytes: 256 * 1024, fileConcurrency: 1 })).catch((e: unknown) => e);
      expect(err).toMatchObject({ code: 'IO', message: expect.stringMatching(/Could not write .*\.partial: EIO/) });
      await expectNothingLooksComplete();
      // What the disk refused may still sit in the page cache: the next export does not trust it.
      expect((await walk(dest)).filter((p) => p.endsWith('.partial'))).toEqual([]);
      fail = false;
      const again = await runExport(job({ flushBytes: 512 * 1024, checkpointBytes: 256 * 1024, fileConcurrency: 1 }));
      expect(again.resumedBytes).toBeLessThan(256 * 1024); // only the small files finished before it
      expect((await verifyBundle(again.path)).problems).toEqual([]);
      await rm(again.path, { recursive: true });
      // The same for a zip.
      syncs = 0;
      const zipped = await runExport(job({ zip: true, flushBytes: 512 * 1024 }));
      expect(syncs).toBeGreaterThanOrEqual(2);
      await rm(zipped.path);
      fail = true;
      await expect(runExport(job({ zip: true, flushBytes: 512 * 1024 }))).rejects.toMatchObject({ code: 'IO', message: expect.stringMatching(/EIO/) });
      expect(await readdir(dest)).toEqual([]);
    } finally {
      proto.datasync = real;
    }
  });

  it('a file that changes on the share while it is copied fails the export', async () => {
    source.beforeRead = (p, offset) => {
      const f = source.files.get(p);
      if (p.endsWith('model.safetensors') && offset > 0 && f) f.mtimeMs += 1;
    };
    await expect(runExport(job({ fileConcurrency: 1 }))).rejects.toMatchObject({ code: 'IO', message: expect.stringMatching(/changed on the share/) });
    await expectNothingLooksComplete();
  });

  it('notices when what is on disk differs from what was read (verification re-reads the destination)', async () => {
    // Each chunk of a copy is read back from disk once written (the file gets its final name only
    // after that); the corruption lands in between, on this thread and with workers.
    for (const workerBytes of [undefined, 0]) {
      let corrupted = false;
      const j = job({
        workerBytes,
        beforeReadBack: (dest, file, position) => {
          // Once a few chunks are on disk: every byte changes (same size).
          if (dest === 'model.safetensors' && position >= 1024 * 1024 && !corrupted) {
            corrupted = true;
            writeFileSync(file, bytes(3 * 1024 * 1024 + 17, 7));
          }
        },
      });
      await expect(runExport(j)).rejects.toMatchObject({ code: 'IO', message: expect.stringMatching(/model\.safetensors .* does not match/) });
      expect(corrupted).toBe(true);
      await expectNothingLooksComplete();
      const r = await runExport(job({ workerBytes }));
      await expectCopiesEqualSource(r.path, j);
      await rm(r.path, { recursive: true });
    }
  });

  it('notices a copy cut short on disk after it was written', async () => {
    const size = source.files.get('models/bert/big/optimizer.pt')?.data.length ?? 0;
    expect(size).toBeGreaterThan(0);
    let cut = false;
    const j = job({
      workerBytes: 0,
      beforeReadBack: (dest, file, position) => {
        // The last chunk was just written: take it away again before it is read back.
        if (dest === 'big/optimizer.pt' && position + 256 * 1024 >= size) {
          truncateSync(file, position + 10);
          cut = true;
        }
      },
    });
    await expect(runExport(j)).rejects.toMatchObject({ code: 'IO', message: expect.stringMatching(/big\/optimizer\.pt .* does not match/) });
    expect(cut).toBe(true);
    await expectNothingLooksComplete();
  });

  it('a copied file that is changed on disk before the final check fails verification', async () => {
    // A copy resumed as finished is read back in the verifying phase.
    const controller = new AbortController();
    const first = job({ fileConcurrency: 1, onProgress: (p) => p.filesDone >= 2 && controller.abort(), signal: controller.signal });
    await expect(runExport(first)).rejects.toMatchObject({ code: 'CANCELLED' });
    const journal = JSON.parse(await readFile(path.join(dest, `bert-2${PARTIAL_SUFFIX}`, '.modelshelf-export.json'), 'utf8')) as { done: Record<string, unknown> };
    const finished = Object.keys(journal.done).filter((rel) => !rel.endsWith('empty.bin'));
    expect(finished.length).toBeGreaterThan(0);
    let corrupted = false;
    const j = job({
      onProgress: (p) => {
        if (p.phase === 'verifying' && !corrupted) {
          corrupted = true;
          writeFileSync(path.join(dest, `bert-2${PARTIAL_SUFFIX}`, ...(finished[0] as string).split('/')), 'x');
        }
      },
    });
    await expect(runExport(j)).rejects.toMatchObject({ code: 'IO', message: expect.stringMatching(/does not match/) });
    expect(corrupted).toBe(true);
    await expectNothingLooksComplete();
    const r = await runExport(job());
    await expectCopiesEqualSource(r.path, j);
  });

  it('a resumed bundle holds only what its manifest lists: leftovers of the interrupted run are removed', async () => {
    const controller = new AbortController();
    const first = job({ fileConcurrency: 1, onProgress: (p) => p.filesDone >= 2 && controller.abort(), signal: controller.signal });
    await expect(runExport(first)).rejects.toMatchObject({ code: 'CANCELLED' });
    const partial = path.join(dest, `bert-2${PARTIAL_SUFFIX}`);
    // What a killed run can leave: an atomic write's temp file, a half-copied file of a file the
    // share no longer has, and a folder of files the plan no longer names.
    await writeFile(path.join(partial, '.modelshelf-export.json.tmp-999-x'), '{');
    await writeFile(path.join(partial, 'gone.bin.partial'), 'half');
    await mkdir(path.join(partial, 'old-folder'), { recursive: true });
    await writeFile(path.join(partial, 'old-folder', 'weights.bin'), 'old');
    const r = await runExport(job());
    expect(r.resumedBytes).toBeGreaterThan(0);
    expect((await verifyBundle(r.path)).problems).toEqual([]);
    const listed = [...parseManifest(await readFile(path.join(r.path, 'MANIFEST.sha256'), 'utf8')).keys(), 'MANIFEST.sha256'];
    expect((await walk(r.path)).sort()).toEqual(listed.sort());
  });

  it('verifyBundle reports a file the manifest does not list', async () => {
    const r = await runExport(job());
    await writeFile(path.join(r.path, 'extra.txt'), 'not from the share');
    expect((await verifyBundle(r.path)).problems).toEqual(['extra.txt: not in the manifest']);
  });

  async function expectNothingLooksComplete(): Promise<void> {
    const top = await readdir(dest);
    expect(top.filter((n) => !n.endsWith(PARTIAL_SUFFIX))).toEqual([]);
    // Inside the partial folder, a file with a final name is a complete copy; the rest end in .partial.
    for (const rel of await walk(dest)) {
      if (rel.endsWith('.partial') || rel.endsWith('.modelshelf-export.json')) continue;
      const inBundle = rel.slice(rel.indexOf('/') + 1);
      const c = job().plan.copies.find((x) => x.dest === inBundle);
      const data = await readFile(path.join(dest, rel));
      if (c) expect(sha(data), rel).toBe(sha(source.files.get(c.src)?.data as Uint8Array));
    }
  }

  it('writes a zip (weights stored, zip64) that verifies and that unzip and Python read back', async () => {
    for (const forceZip64 of [false, true]) {
      const j = job({ zip: true, forceZip64, overwrite: true });
      const r = await runExport(j);
      expect(r.path.endsWith('bert-2.zip')).toBe(true);
      expect(r.bytes).toBe((await stat(r.path)).size);
      expect((await readdir(dest)).sort()).toEqual(['bert-2.zip']);
      const t = spawnSync('unzip', ['-t', r.path], { encoding: 'utf8' });
      expect(t.status, t.stdout + t.stderr).toBe(0);
      const py = spawnSync(
        'python3',
        [
          '-c',
          `import zipfile,hashlib,sys,json
z=zipfile.ZipFile(sys.argv[1])
print(json.dumps({i.filename:[hashlib.sha256(z.read(i)).hexdigest(), i.compress_type] for i in z.infolist()}))`,
          r.path,
        ],
        { encoding: 'utf8' },
      );
      expect(py.status, py.stderr).toBe(0);
      const listed = JSON.parse(py.stdout) as Record<string, [string, number]>;
      const manifest = parseManifest(
        spawnSync('unzip', ['-p', r.path, 'bert-2/MANIFEST.sha256'], { encoding: 'utf8' }).stdout,
      );
      expect(manifest.size).toBe(8);
      for (const c of j.plan.copies) {
        expect(listed[`bert-2/${c.dest}`]?.[0]).toBe(sha(source.files.get(c.src)?.data as Uint8Array));
        expect(listed[`bert-2/${c.dest}`]?.[1], `${c.dest} is stored`).toBe(0);
        expect(manifest.get(c.dest)).toBe(listed[`bert-2/${c.dest}`]?.[0]);
      }
      expect(sha(Buffer.from(spawnSync('unzip', ['-p', r.path, 'bert-2/MANIFEST.sha256']).stdout))).toBe(r.sha256Manifest);
    }
  });

  it('a zip export that fails leaves no zip behind', async () => {
    source.failReadsAfter(1024 * 1024);
    await expect(runExport(job({ zip: true }))).rejects.toMatchObject({ code: 'UNREACHABLE' });
    expect(await readdir(dest)).toEqual([]);
    const controller = new AbortController();
    source.failReadsAfter(Number.POSITIVE_INFINITY);
    source.beforeRead = () => controller.abort();
    await expect(runExport(job({ zip: true, signal: controller.signal }))).rejects.toMatchObject({ code: 'CANCELLED' });
    expect(await readdir(dest)).toEqual([]);
  });

  it('never writes through a link planted in the destination', async () => {
    const outside = await mkdtemp(path.join(os.tmpdir(), 'ms-outside-'));
    try {
      source.files.set('gguf/tiny.gguf', { data: bytes(1000, 3), mtimeMs: 1 });
      const gguf = job();
      gguf.plan = planBundle({
        itemName: 'tiny',
        versionLabel: 'current',
        versionPath: 'gguf/tiny.gguf',
        files: [{ path: 'gguf/tiny.gguf', size: 1000 }],
        layout: 'lmstudio',
        publisher: 'team',
        hasMetrics: false,
      });
      await symlink(outside, path.join(dest, 'team'));
      await expect(runExport(gguf)).rejects.toMatchObject({ code: 'ACCESS_DENIED', message: expect.stringMatching(/link/) });
      // A link planted inside a partial bundle that would be resumed is refused...
      const staging = path.join(dest, `bert-2${PARTIAL_SUFFIX}`);
      await mkdir(staging);
      await writeFile(path.join(staging, '.modelshelf-export.json'), JSON.stringify({ v: 1, key: job().resumeKey, done: {}, started: {} }));
      await symlink(outside, path.join(staging, 'tokenizer'));
      await expect(runExport(job())).rejects.toMatchObject({ code: 'ACCESS_DENIED', message: expect.stringMatching(/link/) });
      // ...and one in a partial bundle of something else is deleted with it (the link, not its target).
      await writeFile(path.join(staging, '.modelshelf-export.json'), JSON.stringify({ v: 1, key: 'other', done: {}, started: {} }));
      await writeFile(path.join(outside, 'keep.txt'), 'mine');
      const r = await runExport(job());
      expect((await verifyBundle(r.path)).problems).toEqual([]);
      expect(await readdir(outside)).toEqual(['keep.txt']);
    } finally {
      await rm(outside, { recursive: true, force: true });
    }
  });

  it('refuses a relative destination', async () => {
    await expect(runExport(job({ destination: 'relative/dir' }))).rejects.toMatchObject({ code: 'INVALID_INPUT' });
  });

  it('a second export of the same bundle at the same time is refused', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => {
      release = r;
    });
    source.beforeRead = () => gate;
    const first = runExport(job());
    await new Promise((r) => setTimeout(r, 50));
    const busy = await runExport(job()).catch((e: unknown) => e);
    expect(busy).toMatchObject({ code: 'CONFLICT', message: expect.stringMatching(/being exported right now/) });
    expect(toAppError(busy)).not.toHaveProperty('replaceable'); // overwriting would not help
    release();
    source.beforeRead = null;
    await expect(first).resolves.toMatchObject({ files: 9 });
  });
});
