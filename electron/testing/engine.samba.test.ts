// The product loop over a real Samba share: add (with each failure a person can hit), scan, list,
// rescan — through the engine, and through the built CLI exactly as a user runs it.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ItemDetail, LibraryItem, LineageGraph, MetricSeries, RunSummary, ScanSummary, Source } from '../../shared/contract';
import { writeDemoLibrary } from '../core/demo/generate';
import { createEngine } from '../core/engine';
import type { Engine } from '../core/engine-api';
import { type SambaServer, startSamba } from './samba';

const root = path.resolve(__dirname, '..', '..');
const cli = path.join(root, 'dist', 'cli.cjs');

describe('engine over real Samba', () => {
  let samba: SambaServer;
  let dataDir: string;
  let engine: Engine;

  beforeAll(async () => {
    samba = await startSamba({ shares: [{ name: 'models', seed: async (dir) => void (await writeDemoLibrary(dir)) }] });
    dataDir = await mkdtemp(path.join(os.tmpdir(), 'ms-engine-'));
    engine = await createEngine({ dataDir });
  });

  afterAll(async () => {
    await engine?.close();
    await samba?.stop();
    await rm(dataDir, { recursive: true, force: true });
  });

  const add = (location: string, password?: string) => engine.call('sources.add', { location, password });

  it('refuses a wrong password, an unknown share and an unreachable host, saving nothing', async () => {
    const wrong = await add(samba.url('models'), 'wrong');
    expect(wrong).toMatchObject({ ok: false, error: { code: 'AUTH_FAILED' } });
    expect(!wrong.ok && wrong.error.message).toMatch(/user name and password/);
    const noShare = await add(samba.url('nope'), samba.password);
    expect(noShare).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
    const down = await add(`smb://${samba.user}@127.0.0.1:1/models`, samba.password);
    expect(down).toMatchObject({ ok: false, error: { code: 'UNREACHABLE' } });
    expect(await engine.call('sources.list', {})).toEqual({ ok: true, value: [] });
  });

  it('adds the share, indexes the demo library, and a rescan reads nothing', async () => {
    const added = await add(samba.url('models'), samba.password);
    expect(added.ok).toBe(true);
    const source = (added as { value: Source }).value;
    expect(source).toMatchObject({ kind: 'smb', status: 'online', needsPassword: false });

    const first = await engine.call('sources.scan', { id: source.id });
    expect(first.ok).toBe(true);
    const s1 = (first as { value: ScanSummary }).value;
    expect(s1.files).toBeGreaterThan(100);
    expect(s1.models).toBe(10);
    expect(s1.datasets).toBe(7);
    // Headers, not files: far less than the share's size was read.
    expect(s1.bytesRead).toBeLessThan(s1.bytes);

    const list = await engine.call('library.list', { kind: 'model' });
    const names = (list as { value: LibraryItem[] }).value.map((i) => i.name).sort();
    expect(names).toEqual(
      [
        'churn-classifier',
        'defect-detector',
        'defect_classifier',
        'sentiment-bert-small',
        'sentiment-bert-small-lora',
        'sentiment-bert-small-training',
        'sentiment-distil',
        'shelf-detector',
        'shelf-yolo',
        'tiny-llama-chat',
      ].sort(),
    );
    const datasets = (await engine.call('library.list', { kind: 'dataset' })) as { value: LibraryItem[] };
    expect(datasets.value.map((i) => i.name).sort()).toEqual(
      ['churn-holdout-2026', 'customer-reviews', 'product-photos', 'reviews-prepared', 'sales-2025', 'shelf-coco', 'shelf-yolo'].sort(),
    );
    const churn = (list as { value: LibraryItem[] }).value.find((i) => i.name === 'churn-classifier');
    expect(churn).toMatchObject({ versionCount: 3, aliases: ['champion'], layout: 'mlflow-registry' });

    // Runs, their metric series, and lineage from MLflow, DVC, cards and adapters.
    const runs = (await engine.call('runs.list', {})) as { value: RunSummary[] };
    expect(runs.value.map((r) => r.format).sort()).toEqual(
      ['dvclive', 'hf-trainer', 'hf-trainer', 'keras-csv', 'lightning', 'lightning', 'mlflow', 'mlflow', 'mlflow', 'tensorboard', 'ultralytics'],
    );
    const churnDetail = (await engine.call('library.get', { id: churn?.id as number })) as { value: ItemDetail };
    const v3 = churnDetail.value.versions.find((v) => v.label === '3');
    const series = (await engine.call('metrics.series', { versionIds: [v3?.id as number], keys: ['loss'] })) as { value: MetricSeries[] };
    expect(series.value).toHaveLength(1);
    expect(series.value[0]).toMatchObject({ key: 'loss', total: 50, versionLabel: '3' });
    const lineageOf = async (name: string) => {
      const item = (await engine.call('library.list', {})) as { value: LibraryItem[] };
      const id = item.value.find((i) => i.name === name)?.id as number;
      const g = ((await engine.call('library.lineage', { itemId: id })) as { value: LineageGraph }).value;
      const label = (ref: string) => g.nodes.find((n) => n.id === ref)?.label;
      return g.edges.map((e) => `${label(e.from)} -${e.relation}-> ${label(e.to)}`);
    };
    expect(await lineageOf('churn-classifier')).toEqual(
      expect.arrayContaining(['keen-elk-233 -produced-by-> churn-classifier 3', 'sales-2025 -trained-on-> keen-elk-233']),
    );
    expect(await lineageOf('sentiment-distil')).toEqual(
      expect.arrayContaining(['reviews-prepared -trained-on-> sentiment-distil current', 'customer-reviews -derived-from-> reviews-prepared']),
    );
    expect(await lineageOf('sentiment-bert-small-lora')).toEqual(
      expect.arrayContaining(['sentiment-bert-small -adapter-of-> sentiment-bert-small-lora current']),
    );

    const second = (await engine.call('sources.scan', { id: source.id })) as { ok: true; value: ScanSummary };
    expect(second.value.filesRead).toBe(0);
    expect(second.value.bytesRead).toBe(0);
    expect(second.value.files).toBe(s1.files);
  });

  it('a share that goes away mid-session marks the source offline and keeps the catalog', async () => {
    const sources = (await engine.call('sources.list', {})) as { value: Source[] };
    const id = sources.value[0]?.id as number;
    const before = (await engine.call('library.list', {})) as { value: LibraryItem[] };
    await samba.stop();
    const r = await engine.call('sources.scan', { id });
    expect(r).toMatchObject({ ok: false, error: { code: 'UNREACHABLE' } });
    const after = (await engine.call('sources.list', {})) as { value: Source[] };
    expect(after.value[0]).toMatchObject({ status: 'offline' });
    expect(after.value[0]?.lastError).toMatch(/connection|reach/i);
    expect(((await engine.call('library.list', {})) as { value: LibraryItem[] }).value).toEqual(before.value);
  });

  it('never writes the password to the data folder', async () => {
    const files = await readdir(dataDir, { recursive: true });
    for (const f of files) {
      const full = path.join(dataDir, f);
      const text = await readFile(full).catch(() => Buffer.alloc(0));
      expect(text.includes(Buffer.from(samba.password)), `${f} contains the password`).toBe(false);
    }
  });
});

describe('the modelshelf CLI over real Samba', () => {
  let samba: SambaServer;
  let dataDir: string;

  beforeAll(async () => {
    if (!existsSync(cli)) throw new Error('dist/cli.cjs is missing. Run: npm run build');
    samba = await startSamba({ shares: [{ name: 'models', seed: async (dir) => void (await writeDemoLibrary(dir)) }] });
    dataDir = await mkdtemp(path.join(os.tmpdir(), 'ms-cli-'));
  });

  afterAll(async () => {
    await samba?.stop();
    await rm(dataDir, { recursive: true, force: true });
  });

  const run = (args: string[], env: Record<string, string> = {}) =>
    spawnSync(process.execPath, [cli, ...args, '--data-dir', dataDir], {
      encoding: 'utf8',
      env: { ...process.env, MODELSHELF_PASSWORD: samba.password, ...env },
      timeout: 60_000,
    });

  it('add + scan + ls --json list the demo share models', () => {
    const bad = run(['add', samba.url('models')], { MODELSHELF_PASSWORD: 'wrong' });
    expect(bad.status).toBe(1);
    expect(bad.stderr).toMatch(/did not accept this user name and password/);
    expect(bad.stderr.trim().split('\n')).toHaveLength(1);

    const add = run(['add', samba.url('models'), '--name', 'Team NAS']);
    expect(add.status, add.stderr).toBe(0);
    expect(add.stdout).toMatch(/Added Team NAS/);

    const scan = run(['scan', 'Team NAS', '--json']);
    expect(scan.status, scan.stderr).toBe(0);
    const summary = JSON.parse(scan.stdout) as ScanSummary;
    expect(summary.models).toBe(10);

    const ls = run(['ls', '--json']);
    expect(ls.status).toBe(0);
    const items = JSON.parse(ls.stdout) as LibraryItem[];
    expect(items.filter((i) => i.kind === 'model').map((i) => i.name)).toContain('churn-classifier');
    expect(items.find((i) => i.name === 'sentiment-bert-small')).toMatchObject({ format: 'safetensors', sourceName: 'Team NAS' });

    const sources = JSON.parse(run(['sources', '--json']).stdout) as Source[];
    expect(sources).toHaveLength(1);
    expect(sources[0]?.url).toBe(samba.url('models'));
  });

  it('usage errors exit 2, failures exit 1 with one line', async () => {
    expect(run(['frobnicate']).status).toBe(2);
    expect(run(['ls', '--nope']).status).toBe(2);
    const missing = run(['scan', 'no-such-source']);
    expect(missing.status).toBe(1);
    expect(missing.stderr).toMatch(/No source matches/);
    await writeFile(path.join(dataDir, 'x'), '');
  });
});
