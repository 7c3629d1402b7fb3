// Export over a real Samba share: bundles verify against their manifest, a NAS connection that dies
// mid-copy and a CLI killed with SIGKILL never leave a complete-looking file and the rerun matches
// the share byte for byte, hostile names stay inside the destination, a read-only share exports
// but refuses annotations. Prints export throughput next to `smbclient get` measured in the same run.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { createHash, randomFillSync } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, mkdtemp, open, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ExportProgress, ExportResult, LibraryItem, Source } from '../../shared/contract';
import { writeDemoLibrary } from '../core/demo/generate';
import { createEngine } from '../core/engine';
import type { Engine } from '../core/engine-api';
import { ChunkPool } from '../core/export/chunk-pool';
import { PARTIAL_SUFFIX, verifyBundle } from '../core/export/exporter';
import { readAhead } from '../core/export/read-ahead';
import { openSmbSource } from '../core/nas/smb-file-source';
import { type SambaServer, startSamba } from './samba';

const repo = path.resolve(__dirname, '..', '..');
const BIG_BYTES = 256 * 1024 * 1024;

async function sha256File(p: string): Promise<string> {
  const h = createHash('sha256');
  for await (const c of createReadStream(p, { highWaterMark: 4 * 1024 * 1024 })) h.update(c as Buffer);
  return h.digest('hex');
}

/** A valid safetensors file of `total` bytes: one U8 tensor of pseudo-random bytes. */
async function writeBigSafetensors(file: string, total: number): Promise<void> {
  let header = '';
  for (let pad = 0; ; pad++) {
    const json = JSON.stringify({ __metadata__: { format: 'pt' }, w: { dtype: 'U8', shape: [0], data_offsets: [0, 0] } });
    const n = total - 8 - json.length - pad;
    header = JSON.stringify({ __metadata__: { format: 'pt' }, w: { dtype: 'U8', shape: [n], data_offsets: [0, n] } });
    header += ' '.repeat((8 - (header.length % 8)) % 8);
    if (8 + header.length + n === total) break;
  }
  const fh = await open(file, 'w');
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(header.length));
  await fh.write(len);
  await fh.write(Buffer.from(header));
  const buf = Buffer.alloc(8 * 1024 * 1024);
  for (let left = total - 8 - header.length; left > 0; left -= buf.length) {
    randomFillSync(buf);
    await fh.write(buf, 0, Math.min(buf.length, left));
  }
  await fh.close();
}

async function filesUnder(dir: string): Promise<string[]> {
  return (await readdir(dir, { recursive: true, withFileTypes: true }))
    .filter((e) => !e.isDirectory())
    .map((e) => path.relative(dir, path.join(e.parentPath, e.name)))
    .sort();
}

/** Nothing at the top of `dir` looks finished, and inside partial folders only *.partial files are unfinished. */
async function expectNothingLooksComplete(dir: string, finished: Map<string, string>): Promise<void> {
  for (const top of await readdir(dir)) expect(top.endsWith(PARTIAL_SUFFIX), `${top} looks finished`).toBe(true);
  for (const rel of await filesUnder(dir)) {
    if (rel.endsWith('.partial') || rel.endsWith('.modelshelf-export.json')) continue;
    const want = finished.get(path.basename(rel));
    if (want) expect(await sha256File(path.join(dir, rel)), rel).toBe(want);
  }
}

function mbps(bytes: number, ms: number): number {
  return Math.round((bytes / 1024 / 1024 / (ms / 1000)) * 10) / 10;
}

describe('export over real Samba', () => {
  let samba: SambaServer;
  let root: string;
  let engine: Engine;
  let smbSource: Source;
  let localSource: Source;
  let bigSha: string;
  const bigRel = 'big-model/v1/model.safetensors';

  beforeAll(async () => {
    samba = await startSamba({
      shares: [
        {
          name: 'models',
          seed: async (dir) => {
            await writeDemoLibrary(dir);
            await mkdir(path.join(dir, 'big-model', 'v1'), { recursive: true });
            await writeBigSafetensors(path.join(dir, bigRel), BIG_BYTES);
            const hostile = path.join(dir, 'hostile-model', 'v1');
            await mkdir(hostile, { recursive: true });
            for (const name of ['CON', 'nul.txt', 'trailing.', 'a:b.json', 'LPT1.bin', 'x'.repeat(240)]) await writeFile(path.join(hostile, name), name);
            await writeFile(path.join(hostile, 'model.safetensors'), Buffer.from(await readFile(path.join(dir, 'huggingface', 'sentiment-bert-small', 'model.safetensors'))));
          },
        },
        { name: 'readonly', readOnly: true, seed: async (dir) => void (await writeDemoLibrary(dir)) },
      ],
    });
    root = await mkdtemp(path.join(os.tmpdir(), 'ms-export-samba-'));
    engine = await createEngine({ dataDir: path.join(root, 'data') });
    const added = await engine.call('sources.add', { location: samba.url('models'), password: samba.password, name: 'NAS' });
    if (!added.ok) throw new Error(added.error.message);
    smbSource = added.value as Source;
    const scan = await engine.call('sources.scan', { id: smbSource.id });
    if (!scan.ok) throw new Error(scan.error.message);
    bigSha = await sha256File(path.join(samba.sharePath('models'), bigRel));
  }, 120_000);

  afterAll(async () => {
    await engine?.close();
    await samba?.stop();
    await rm(root, { recursive: true, force: true });
  });

  async function versionOf(name: string, source = smbSource) {
    const list = (await engine.call('library.list', { sourceId: source.id })) as { ok: true; value: LibraryItem[] };
    const item = list.value.find((i) => i.name === name);
    if (!item) throw new Error(`${name} not indexed: ${list.value.map((i) => i.name).join(', ')}`);
    const got = (await engine.call('library.get', { id: item.id })) as { ok: true; value: { versions: Array<{ id: number; label: string }> } };
    return got.value.versions[0] as { id: number; label: string };
  }

  async function exportVersion(versionId: number, destination: string, extra: Record<string, unknown> = {}) {
    return engine.call('export.version', { versionId, destination, ...extra });
  }

  it('exports an MLflow version over SMB; the bundle verifies against its manifest and equals the share', async () => {
    const v = await versionOf('churn-classifier');
    const dest = path.join(root, 'churn');
    const r = await exportVersion(v.id, dest);
    expect(r.ok, JSON.stringify(r)).toBe(true);
    const result = (r as { value: ExportResult }).value;
    expect(await verifyBundle(result.path)).toMatchObject({ problems: [] });
    const check = spawnSync('sha256sum', ['-c', '--strict', 'MANIFEST.sha256'], { cwd: result.path, encoding: 'utf8' });
    expect(check.status, check.stderr).toBe(0);
    const pkl = (await filesUnder(samba.sharePath('models'))).find((f) => f.endsWith('model.pkl') && f.includes(`/artifacts/`));
    expect(pkl).toBeDefined();
    expect(await readdir(result.path)).toEqual(expect.arrayContaining(['MLmodel', 'model.pkl', 'README.md', 'lineage.json', 'MANIFEST.sha256']));
  });

  it('copies a 256 MiB model at a throughput comparable to smbclient (numbers printed)', async () => {
    const v = await versionOf('big-model');
    const events: ExportProgress[] = [];
    const off = engine.onEvent((e) => {
      if (e.event === 'export.progress') events.push(e.payload as ExportProgress);
    });
    const t0 = Date.now();
    const r = await exportVersion(v.id, path.join(root, 'big-smb'));
    const smbMs = Date.now() - t0;
    off();
    expect(r.ok, JSON.stringify(r)).toBe(true);
    const result = (r as { value: ExportResult }).value;
    expect(await sha256File(path.join(result.path, 'model.safetensors'))).toBe(bigSha);
    const copying = events.filter((e) => e.phase === 'copying' && e.bytesDone > 0);
    expect(copying.length).toBeGreaterThan(1);
    expect(copying.some((e) => e.rate > 0 && e.etaSeconds !== null && e.bytesTotal >= BIG_BYTES)).toBe(true);

    const out = path.join(root, 'smbclient-get.bin');
    const t1 = Date.now();
    const get = spawnSync(
      'smbclient',
      [`//127.0.0.1/models`, '-p', String(samba.port), '-U', `${samba.user}%${samba.password}`, '-c', `get ${bigRel} ${out}`],
      { encoding: 'utf8', timeout: 120_000 },
    );
    const getMs = Date.now() - t1;
    expect(get.status, get.stderr).toBe(0);
    expect((await stat(out)).size).toBe(BIG_BYTES);

    // The same file from a local folder (the share's directory), for the local number.
    const local = await engine.call('sources.add', { location: samba.sharePath('models'), name: 'local copy' });
    expect(local.ok).toBe(true);
    localSource = (local as { value: Source }).value;
    expect((await engine.call('sources.scan', { id: localSource.id })).ok).toBe(true);
    const lv = await versionOf('big-model', localSource);
    const t2 = Date.now();
    const lr = await exportVersion(lv.id, path.join(root, 'big-local'));
    const localMs = Date.now() - t2;
    expect(lr.ok).toBe(true);
    expect(await sha256File(path.join((lr as { value: ExportResult }).value.path, 'model.safetensors'))).toBe(bigSha);

    const line = `export throughput, 256 MiB (copy + sha256 + verify re-read + fsync): SMB ${mbps(BIG_BYTES, smbMs)} MiB/s (${smbMs} ms), smbclient get ${mbps(BIG_BYTES, getMs)} MiB/s (${getMs} ms), local folder ${mbps(BIG_BYTES, localMs)} MiB/s (${localMs} ms); SMB export / smbclient = ${(getMs / smbMs).toFixed(2)}`;
    console.log(line);
    // Loose floor: the export also hashes, fsyncs and re-reads everything; it must not be pathological.
    expect(getMs / smbMs).toBeGreaterThan(0.15);
  });

  it('exports the 256 MiB model over SMB as one zip that unzip checks and that holds the same bytes', async () => {
    const v = await versionOf('big-model');
    const r = await exportVersion(v.id, path.join(root, 'big-zip'), { zip: true });
    expect(r.ok, JSON.stringify(r)).toBe(true);
    const zip = (r as { value: ExportResult }).value.path;
    const test = spawnSync('unzip', ['-tq', zip], { encoding: 'utf8' });
    expect(test.status, test.stdout + test.stderr).toBe(0);
    const inner = spawnSync('sh', ['-c', `unzip -p "${zip}" "*/model.safetensors" | sha256sum`], { encoding: 'utf8', maxBuffer: 1024 });
    expect(inner.stdout.split(' ')[0]).toBe(bigSha);
  });

  it('a cancelled export and a NAS that goes down mid-copy leave nothing that looks complete; the rerun resumes and matches the share', async () => {
    const v = await versionOf('big-model');
    const dest = path.join(root, 'big-dies');
    const when = (bytes: number, act: (p: ExportProgress) => void) => {
      let done = false;
      return engine.onEvent((e) => {
        const p = e.payload as ExportProgress;
        if (e.event === 'export.progress' && p.phase === 'copying' && p.bytesDone > bytes && !done) {
          done = true;
          act(p);
        }
      });
    };
    // 1. cancelled by the user
    let off = when(40 * 1024 * 1024, (p) => void engine.call('export.cancel', { exportId: p.exportId }));
    const cancelled = await exportVersion(v.id, dest);
    off();
    expect(cancelled).toMatchObject({ ok: false, error: { code: 'CANCELLED' } });
    await expectNothingLooksComplete(dest, new Map([['model.safetensors', bigSha]]));
    // 2. the NAS goes away (killed, as in a power cut) and stays away longer than reconnecting tries
    let down: Promise<void> | null = null;
    off = when(100 * 1024 * 1024, () => {
      down = samba.down({ hard: true });
    });
    const failed = await exportVersion(v.id, dest);
    off();
    await down;
    expect(down).not.toBeNull();
    expect(failed).toMatchObject({ ok: false, error: { code: 'UNREACHABLE', message: expect.stringMatching(/export again to continue/) } });
    await expectNothingLooksComplete(dest, new Map([['model.safetensors', bigSha]]));
    // 3. back up: the rerun continues from the last synced checkpoint
    await samba.up();
    const again = await exportVersion(v.id, dest);
    expect(again.ok, JSON.stringify(again)).toBe(true);
    const result = (again as { value: ExportResult }).value;
    expect(result.resumedBytes).toBeGreaterThanOrEqual(64 * 1024 * 1024);
    expect(await sha256File(path.join(result.path, 'model.safetensors'))).toBe(bigSha);
    expect(await readdir(dest)).toEqual([path.basename(result.path)]);
  });

  it('a CLI killed with SIGKILL mid-export leaves nothing that looks complete; running it again finishes the job', async () => {
    const cli = path.join(root, 'cli.cjs');
    await build({ entryPoints: [path.join(repo, 'electron/hosts/cli.ts')], outfile: cli, bundle: true, platform: 'node', format: 'cjs', target: 'node20', external: ['better-sqlite3'], logLevel: 'warning' });
    const dataDir = path.join(root, 'cli-data');
    const env = { ...process.env, MODELSHELF_PASSWORD: samba.password, NODE_PATH: path.join(repo, 'node_modules') };
    const cliRun = (args: string[]) => spawnSync(process.execPath, [cli, ...args, '--data-dir', dataDir], { encoding: 'utf8', env, timeout: 120_000 });
    expect(cliRun(['add', samba.url('models'), '--name', 'NAS']).status).toBe(0);
    expect(cliRun(['scan', 'NAS']).status).toBe(0);
    const dest = path.join(root, 'cli-out');
    const child: ChildProcess = spawn(process.execPath, [cli, 'export', 'big-model@v1', '--to', dest, '--data-dir', dataDir], { env, stdio: 'ignore' });
    const partial = path.join(dest, `big-model-v1${PARTIAL_SUFFIX}`, 'model.safetensors.partial');
    const deadline = Date.now() + 60_000;
    while (Date.now() < deadline) {
      const size = await stat(partial).then((s) => s.size).catch(() => 0);
      if (size > 100 * 1024 * 1024) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    await expectNothingLooksComplete(dest, new Map([['model.safetensors', bigSha]]));
    const rerun = cliRun(['export', 'big-model@v1', '--to', dest, '--json']);
    expect(rerun.status, rerun.stderr).toBe(0);
    const result = JSON.parse(rerun.stdout) as ExportResult;
    expect(result.resumedBytes).toBeGreaterThanOrEqual(64 * 1024 * 1024);
    expect(await sha256File(path.join(result.path, 'model.safetensors'))).toBe(bigSha);
    expect(await verifyBundle(result.path)).toMatchObject({ problems: [] });
  });

  it('hostile names on the share stay inside the destination and are valid everywhere', async () => {
    const v = await versionOf('hostile-model');
    const dest = path.join(root, 'hostile');
    const r = await exportVersion(v.id, dest, { zip: false });
    expect(r.ok, JSON.stringify(r)).toBe(true);
    const result = (r as { value: ExportResult }).value;
    const names = await filesUnder(result.path);
    expect(names.length).toBe(result.files);
    for (const n of names) {
      expect(path.resolve(result.path, n).startsWith(`${result.path}${path.sep}`)).toBe(true);
      for (const seg of n.split(path.sep)) {
        expect(seg).not.toMatch(/^(con|prn|aux|nul|com\d|lpt\d)(\..*)?$/i);
        expect(seg).not.toMatch(/[<>:"|?*\\]|[. ]$/);
        expect(Buffer.byteLength(seg)).toBeLessThanOrEqual(200);
      }
    }
    expect(await verifyBundle(result.path)).toMatchObject({ problems: [] });
    expect((await readdir(dest)).length).toBe(1);
  });

  it('a read-only share exports fine but refuses annotations with the reason', async () => {
    const added = await engine.call('sources.add', { location: samba.url('readonly'), password: samba.password, name: 'RO' });
    expect(added.ok).toBe(true);
    const ro = (added as { value: Source }).value;
    expect((await engine.call('sources.scan', { id: ro.id })).ok).toBe(true);
    const v = await versionOf('churn-classifier', ro);
    const exported = await exportVersion(v.id, path.join(root, 'ro'));
    expect(exported.ok).toBe(true);
    const list = (await engine.call('library.list', { sourceId: ro.id })) as { ok: true; value: LibraryItem[] };
    const item = list.value.find((i) => i.name === 'churn-classifier') as LibraryItem;
    const denied = await engine.call('annotations.set', { itemId: item.id, versionLabel: v.label, kind: 'alias', value: 'production' });
    expect(denied).toMatchObject({ ok: false, error: { code: 'ACCESS_DENIED', message: expect.stringMatching(/^This share is read-only for modelshelf/) } });
    expect(await readdir(samba.sharePath('readonly'))).not.toContain('.modelshelf');
  });

  it('the SMB source streams the same bytes as it reads, at odd offsets and sizes, into recycled buffers', async () => {
    const source = await openSmbSource({ host: samba.host, port: samba.port, share: 'models', user: samba.user, password: samba.password });
    try {
      expect(source.stream).toBeTypeOf('function');
      const local = await readFile(path.join(samba.sharePath('models'), bigRel));
      const M = 1024 * 1024;
      for (const [offset, size, chunkBytes] of [
        [0, 1, 4 * M],
        [1, 4 * M + 3, 4 * M],
        [3 * M - 7, 11 * M + 13, M + 5],
        [BIG_BYTES - 5, BIG_BYTES, 4 * M],
      ] as const) {
        const pool = new ChunkPool(chunkBytes, 6);
        const parts: Buffer[] = [];
        for await (const c of readAhead({ source, path: bigRel, offset, size, signal: new AbortController().signal, chunkBytes, inFlight: 4, buffer: (n) => pool.take(n) })) {
          expect(pool.owns(c)).toBe(true);
          parts.push(Buffer.from(c));
          pool.give(c);
        }
        const streamed = Buffer.concat(parts);
        const read = Buffer.from(await source.read(bigRel, offset, size - offset));
        expect(streamed.equals(local.subarray(offset, size)), `${offset}..${size}`).toBe(true);
        expect(read.equals(streamed)).toBe(true);
      }
      // The whole file, as export reads it.
      const h = createHash('sha256');
      for await (const c of readAhead({ source, path: bigRel, offset: 0, size: BIG_BYTES, signal: new AbortController().signal })) h.update(c);
      expect(h.digest('hex')).toBe(bigSha);
    } finally {
      await source.close();
    }
  });

  it('a connection cut mid-stream fails the stream (never a short success), and an export cut that way leaves nothing that looks complete', async () => {
    const source = await openSmbSource({ host: samba.host, port: samba.port, share: 'models', user: samba.user, password: samba.password, timeoutMs: 3000 });
    let got = 0;
    let down: Promise<void> | null = null;
    try {
      const run = (async () => {
        for await (const c of readAhead({ source, path: bigRel, offset: 0, size: BIG_BYTES, signal: new AbortController().signal })) {
          got += c.length;
          if (got >= 32 * 1024 * 1024 && !down) down = samba.down({ hard: true });
        }
      })();
      await expect(run).rejects.toMatchObject({ code: 'UNREACHABLE' });
      expect(got).toBeLessThan(BIG_BYTES);
    } finally {
      await down;
      await source.close().catch(() => {});
      await samba.up();
    }
    // Through the engine: a fresh destination, the NAS killed while the file streams.
    const v = await versionOf('big-model');
    const dest = path.join(root, 'big-cut-fresh');
    let cut: Promise<void> | null = null;
    const off = engine.onEvent((e) => {
      const p = e.payload as ExportProgress;
      if (e.event === 'export.progress' && p.phase === 'copying' && p.bytesDone > 20 * 1024 * 1024 && !cut) cut = samba.down({ hard: true });
    });
    const failed = await exportVersion(v.id, dest);
    off();
    await cut;
    expect(cut).not.toBeNull();
    expect(failed).toMatchObject({ ok: false, error: { code: 'UNREACHABLE' } });
    await expectNothingLooksComplete(dest, new Map([['model.safetensors', bigSha]]));
    expect(await readdir(path.join(dest, `big-model-v1${PARTIAL_SUFFIX}`))).not.toContain('model.safetensors');
    await samba.up();
    const again = await exportVersion(v.id, dest);
    expect(again.ok, JSON.stringify(again)).toBe(true);
    expect(await sha256File(path.join((again as { value: ExportResult }).value.path, 'model.safetensors'))).toBe(bigSha);
  });
});
