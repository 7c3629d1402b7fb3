import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { MethodInput } from '../../../../shared/contract';
import { Insights } from '../../catalog/insights';
import { EngineError } from '../../errors';
import { memorySource } from '../../export/memory-source';
import { annotationHandlers } from '../../rpc/annotation-handlers';
import { EVENTS_DIR, eventLine, parseLog } from './events';
import { machineId, osUserName } from './log';
import { syncAnnotations } from './sync';
import { type TestContext, testContext, version } from './test-support';

const ITEMS = [
  {
    kind: 'model' as const,
    name: 'churn-classifier',
    path: 'mlruns/models/churn-classifier',
    layout: 'mlflow-registry',
    format: 'sklearn',
    versions: [
      version('1', 'mlruns/1/a/artifacts/model', [['mlruns/1/a/artifacts/model/model.pkl', 10]]),
      version('2', 'mlruns/1/b/artifacts/model', [['mlruns/1/b/artifacts/model/model.pkl', 10]], { stage: 'Staging' }),
      version('3', 'mlruns/1/c/artifacts/model', [['mlruns/1/c/artifacts/model/model.pkl', 10]], { aliases: ['champion'] }),
    ],
  },
  {
    kind: 'dataset' as const,
    name: 'reviews',
    path: 'datasets/reviews',
    layout: 'folder',
    format: 'parquet',
    versions: [version('current', 'datasets/reviews', [['datasets/reviews/train.parquet', 10]])],
  },
];

/** A line of Ben's log on another desktop: a tag on the reviews dataset. */
function benTagLine(machine: string, id: string, atMs: number, tag: string): string {
  return eventLine({
    id,
    at: new Date(atMs).toISOString(),
    atMs,
    who: 'ben',
    machine,
    action: 'tag.add',
    target: { itemPath: 'datasets/reviews', itemKind: 'dataset' },
    value: tag,
  });
}

describe('team annotations', () => {
  const dirs: string[] = [];
  let share: ReturnType<typeof memorySource>;
  const newContext = async (source = share) => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'ms-annot-'));
    dirs.push(dir);
    return testContext(dir, source, ITEMS);
  };
  const api = (ctx: TestContext) => {
    const h = annotationHandlers(ctx);
    const itemId = (name: string) => (ctx.catalog.listLibrary({}).find((i) => i.name === name) as { id: number }).id;
    return {
      h,
      itemId,
      set: (input: Omit<MethodInput<'annotations.set'>, 'itemId'> & { item?: string }) =>
        h['annotations.set']({ itemId: itemId(input.item ?? 'churn-classifier'), remove: false, ...input }),
      get: (name = 'churn-classifier') => h['library.get']({ id: itemId(name) }),
    };
  };

  beforeEach(() => {
    share = memorySource({ 'mlruns/models/churn-classifier/meta.yaml': 'name: churn-classifier\n' });
  });
  afterEach(async () => {
    for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
  });

  it('writes one event per change to this machine’s log on the share, in the documented format', async () => {
    const ctx = await newContext();
    const { set } = api(ctx);
    await set({ versionLabel: '3', kind: 'alias', value: 'production' });
    const machine = await machineId(ctx.dataDir);
    expect(machine).toMatch(/^[a-z0-9-]+-[0-9a-f]{8}$/);
    expect((await readFile(path.join(ctx.dataDir, 'machine-id'), 'utf8')).trim()).toBe(machine);
    const file = share.files.get(`${EVENTS_DIR}/${machine}.jsonl`);
    const lines = new TextDecoder().decode(file?.data).trim().split('\n');
    expect(lines).toHaveLength(1);
    const e = JSON.parse(lines[0] as string);
    expect(e).toEqual({
      id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      at: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
      who: osUserName(),
      machine,
      action: 'alias.set',
      target: { itemPath: 'mlruns/models/churn-classifier', itemKind: 'model', versionLabel: '3' },
      value: 'production',
    });
    // no temp files left next to it
    expect([...share.files.keys()].filter((k) => k.startsWith(EVENTS_DIR))).toEqual([`${EVENTS_DIR}/${machine}.jsonl`]);
    expect(ctx.events.some((ev) => ev.event === 'library.changed')).toBe(true);
  });

  it('shows team annotations next to MLflow’s own, each marked with its origin', async () => {
    const ctx = await newContext();
    const { set, get, h } = api(ctx);
    await set({ versionLabel: '2', kind: 'alias', value: 'production' });
    await set({ versionLabel: '2', kind: 'stage', value: 'Production' });
    await set({ kind: 'tag', value: 'customer-facing' });
    await set({ versionLabel: '3', kind: 'tag', value: 'candidate' });
    await set({ kind: 'note', value: 'Owned by the growth team.' });
    const item = await get();
    const [v3, v2] = item.versions;
    expect(item.aliases.sort()).toEqual(['champion', 'production']);
    expect(item.tags?.sort()).toEqual(['candidate', 'customer-facing']);
    expect(v2?.aliases).toEqual(['production']);
    expect(v2?.stage).toBe('Production');
    expect(v2?.annotations).toEqual([
      { kind: 'stage', value: 'Staging', by: null, at: null, origin: 'mlflow' },
      expect.objectContaining({ kind: 'alias', value: 'production', by: osUserName(), origin: 'team', at: expect.any(Number), id: expect.any(String) }),
      expect.objectContaining({ kind: 'stage', value: 'Production', origin: 'team' }),
    ]);
    expect(v3?.annotations).toEqual([
      { kind: 'alias', value: 'champion', by: null, at: null, origin: 'mlflow' },
      expect.objectContaining({ kind: 'tag', value: 'candidate', origin: 'team' }),
    ]);
    expect(item.annotations?.map((a) => `${a.kind}:${a.value}`)).toEqual(['tag:customer-facing', 'note:Owned by the growth team.']);
    const row = (await h['library.list']({})).find((i) => i.name === 'churn-classifier');
    expect(row?.aliases.sort()).toEqual(['champion', 'production']);
    expect(row?.tags?.sort()).toEqual(['candidate', 'customer-facing']);
    // a page of the library (what the table shows) carries the same team aliases and tags
    const paged = (await h['library.page']({ query: 'churn', sort: 'name', dir: 'asc', offset: 0, limit: 10, facets: false })).items.find((i) => i.name === 'churn-classifier');
    expect(paged?.aliases.sort()).toEqual(['champion', 'production']);
    expect(paged?.tags?.sort()).toEqual(['candidate', 'customer-facing']);
    const listed = await h['annotations.list']({ itemId: item.id, refresh: false });
    expect(listed.filter((a) => a.origin === 'mlflow').map((a) => `${a.kind}:${a.value}@${a.versionLabel}`)).toEqual(['stage:Staging@2', 'alias:champion@3']);
    expect(listed.filter((a) => a.origin === 'team')).toHaveLength(5);
    expect(listed.every((a) => a.itemPath === 'mlruns/models/churn-classifier' && a.itemId === item.id)).toBe(true);
  });

  it('"roll back production to 1" is one action, one event, and the activity log says so', async () => {
    const ctx = await newContext();
    const { set, h, itemId } = api(ctx);
    await set({ versionLabel: '3', kind: 'alias', value: 'production' });
    await set({ versionLabel: '1', kind: 'alias', value: 'production' });
    const machine = await machineId(ctx.dataDir);
    const log = parseLog(new TextDecoder().decode(share.files.get(`${EVENTS_DIR}/${machine}.jsonl`)?.data));
    expect(log.events.map((e) => e.action)).toEqual(['alias.set', 'alias.set']);
    const item = await h['library.get']({ id: itemId('churn-classifier') });
    expect(item.versions.find((v) => v.label === '1')?.aliases).toEqual(['production']);
    expect(item.versions.find((v) => v.label === '3')?.aliases).toEqual(['champion']);
    const activity = await h['activity.list']({ limit: 10 });
    expect(activity.map((a) => a.summary)).toEqual([
      `${osUserName()} moved production from 3 to 1 of churn-classifier`,
      `${osUserName()} set production on churn-classifier 3`,
    ]);
    expect(activity[0]).toMatchObject({ action: 'alias.set', itemName: 'churn-classifier', versionLabel: '1', value: 'production', machine, previousVersionLabel: '3' });
    // the first set moved nothing: no previous version (and the field is absent, not undefined)
    expect(Object.hasOwn(activity[1] ?? {}, 'previousVersionLabel')).toBe(false);
  });

  it('"put back" with ifAliasOn writes nothing when a colleague moved the alias since', async () => {
    const ctx = await newContext();
    const { set, get } = api(ctx);
    await set({ versionLabel: '3', kind: 'alias', value: 'production' });
    await set({ versionLabel: '1', kind: 'alias', value: 'production' });
    // Ben moves production to 2 on his desktop; this screen still shows it on 1.
    const peer = `${EVENTS_DIR}/ben-pc-00000007.jsonl`;
    const atMs = Date.now() + 60_000;
    const line = eventLine({ id: 'ben7-1', at: new Date(atMs).toISOString(), atMs, who: 'ben', machine: 'ben-pc-00000007', action: 'alias.set', target: { itemPath: 'mlruns/models/churn-classifier', itemKind: 'model', versionLabel: '2' }, value: 'production' });
    share.files.set(peer, { data: new TextEncoder().encode(line), mtimeMs: 5 });
    await expect(set({ versionLabel: '3', kind: 'alias', value: 'production', ifAliasOn: '1' })).rejects.toMatchObject({
      code: 'CONFLICT',
      message: 'production is on 2 of churn-classifier now, not 1: someone changed it since. Nothing was changed.',
    });
    expect((await get()).versions.find((v) => v.label === '2')?.aliases).toContain('production');
    const machine = await machineId(ctx.dataDir);
    expect(parseLog(new TextDecoder().decode(share.files.get(`${EVENTS_DIR}/${machine}.jsonl`)?.data)).events).toHaveLength(2);
    // when it is still where the screen said, it is put back
    await set({ versionLabel: '1', kind: 'alias', value: 'production', ifAliasOn: '2' });
    expect((await get()).versions.find((v) => v.label === '1')?.aliases).toContain('production');
  });

  it('activity is filterable by item, person, kind and count', async () => {
    const ctx = await newContext();
    const { set, h, itemId } = api(ctx);
    await set({ versionLabel: '3', kind: 'alias', value: 'production' });
    await set({ kind: 'tag', value: 'nlp', item: 'reviews' });
    await set({ versionLabel: '3', kind: 'note', value: 'ok' });
    expect((await h['activity.list']({ itemId: itemId('reviews'), limit: 10 })).map((a) => a.action)).toEqual(['tag.add']);
    expect((await h['activity.list']({ kind: 'alias', limit: 10 })).map((a) => a.action)).toEqual(['alias.set']);
    expect(await h['activity.list']({ who: 'nobody-here', limit: 10 })).toEqual([]);
    expect(await h['activity.list']({ limit: 2 })).toHaveLength(2);
  });

  it('activity filters reach the whole log, not only its newest entries, and say the same sentences', async () => {
    const ctx = await newContext();
    const { h, itemId } = api(ctx);
    const t0 = Date.UTC(2026, 0, 1);
    const ev = (id: string, atMs: number, who: string, action: 'alias.set' | 'tag.add', target: { itemPath: string; itemKind: 'model' | 'dataset'; versionLabel?: string }, value: string) =>
      eventLine({ id, at: new Date(atMs).toISOString(), atMs, who, machine: `${who}-pc-00000001`, action, target, value });
    const churn = { itemPath: 'mlruns/models/churn-classifier', itemKind: 'model' as const };
    const lines = [
      ev('a-1', t0, 'ana', 'alias.set', { ...churn, versionLabel: '3' }, 'production'),
      // 1,500 newer changes by someone else bury ana's (and the next) change under the newest 1,000
      ...Array.from({ length: 1500 }, (_, i) => ev(`c-${String(i).padStart(4, '0')}`, t0 + 1000 + i, 'carol', 'tag.add', { itemPath: 'datasets/reviews', itemKind: 'dataset' }, `t${i}`)),
      ev('b-1', t0 + 500, 'ben', 'alias.set', { ...churn, versionLabel: '1' }, 'production'),
    ];
    share.files.set(`${EVENTS_DIR}/team-00000001.jsonl`, { data: new TextEncoder().encode(lines.join('')), mtimeMs: 1 });
    share.dirs.add('.modelshelf').add(EVENTS_DIR);
    await syncAnnotations(ctx, ctx.sourceId);

    const newest = await h['activity.list']({ limit: 1000 });
    expect(newest.every((e) => e.who === 'carol')).toBe(true);
    const moved = 'ben moved production from 3 to 1 of churn-classifier';
    const set = 'ana set production on churn-classifier 3';
    // ben's change is still told relative to ana's earlier one (the fold sees every event)
    expect((await h['activity.list']({ who: 'BEN', limit: 1000 })).map((e) => e.summary)).toEqual([moved]);
    expect((await h['activity.list']({ who: 'BEN', limit: 1000 }))[0]?.previousVersionLabel).toBe('3');
    expect((await h['activity.list']({ kind: 'alias', limit: 1000 })).map((e) => e.summary)).toEqual([moved, set]);
    expect((await h['activity.list']({ itemId: itemId('churn-classifier'), limit: 1000 })).map((e) => e.summary)).toEqual([moved, set]);
    expect((await h['activity.list']({ itemId: itemId('churn-classifier'), who: 'ana', kind: 'alias', limit: 1000 })).map((e) => e.summary)).toEqual([set]);
    expect(await h['activity.list']({ itemId: itemId('churn-classifier'), kind: 'tag', limit: 1000 })).toEqual([]);
    const reviews = await h['activity.list']({ itemId: itemId('reviews'), limit: 10 });
    expect(reviews.map((e) => e.id)).toEqual(['c-1499', 'c-1498', 'c-1497', 'c-1496', 'c-1495', 'c-1494', 'c-1493', 'c-1492', 'c-1491', 'c-1490']);
    expect(reviews[0]).toMatchObject({ itemName: 'reviews', itemId: itemId('reviews'), summary: 'carol tagged reviews "t1499"' });
  });

  it('activity re-reads the logs on the share only when asked, and an unreachable share keeps what was read', async () => {
    const ctx = await newContext();
    const { h } = api(ctx);
    const peer = `${EVENTS_DIR}/ben-pc-00000004.jsonl`;
    share.files.set(peer, { data: new TextEncoder().encode(benTagLine('ben-pc-00000004', 'ben4-1', Date.UTC(2026, 4, 3), 'nlp')), mtimeMs: 1 });
    share.dirs.add('.modelshelf').add(EVENTS_DIR);
    // not read yet: without refresh, the catalog's (empty) view of the logs
    expect(await h['activity.list']({ limit: 10 })).toEqual([]);
    expect((await h['activity.list']({ limit: 10, refresh: true })).map((e) => e.id)).toEqual(['ben4-1']);
    expect(ctx.events.some((e) => e.event === 'library.changed')).toBe(true);
    share.files.set(peer, {
      data: new TextEncoder().encode(benTagLine('ben-pc-00000004', 'ben4-1', Date.UTC(2026, 4, 3), 'nlp') + benTagLine('ben-pc-00000004', 'ben4-2', Date.UTC(2026, 4, 4), 'text')),
      mtimeMs: 2,
    });
    expect((await h['activity.list']({ limit: 10 })).map((e) => e.id)).toEqual(['ben4-1']);
    // The NAS goes offline: refresh is best effort, the command still answers from the catalog.
    const open = ctx.sources.open;
    ctx.sources.open = async () => {
      throw new EngineError('UNREACHABLE', 'The NAS does not answer.');
    };
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    try {
      expect((await h['activity.list']({ limit: 10, refresh: true })).map((e) => e.id)).toEqual(['ben4-1']);
      expect((await h['activity.list']({ itemId: api(ctx).itemId('reviews'), limit: 10, refresh: true })).map((e) => e.id)).toEqual(['ben4-1']);
      expect(warn).toHaveBeenCalledWith(expect.stringMatching(/^Team activity on Team NAS could not be re-read, showing what was read before: The NAS does not answer\.$/));
    } finally {
      warn.mockRestore();
      ctx.sources.open = open;
    }
    expect((await h['activity.list']({ limit: 10, refresh: true })).map((e) => e.id)).toEqual(['ben4-2', 'ben4-1']);
  });

  it('a read-only share (or one Modelshelf cannot write) refuses every write with the reason, and stays browsable', async () => {
    for (const source of [memorySource({}, { readOnly: true }), memorySource({}, { noWriteSupport: true })]) {
      const ctx = await newContext(source);
      const { set, get } = api(ctx);
      for (const input of [
        { versionLabel: '3', kind: 'alias' as const, value: 'production' },
        { versionLabel: '3', kind: 'stage' as const, value: 'Production' },
        { kind: 'tag' as const, value: 'x' },
        { kind: 'note' as const, value: 'x' },
        { kind: 'link' as const, value: 'external:bert' },
      ]) {
        await expect(set(input)).rejects.toMatchObject({ code: 'ACCESS_DENIED', message: expect.stringMatching(/^This share is read-only for ana/) });
      }
      expect([...source.files.keys()]).toEqual([]);
      expect((await get()).versions).toHaveLength(3);
    }
  });

  it('a log held open elsewhere for a moment is replaced once it is let go; one that stays open is an IO error, not "read-only"', async () => {
    const ctx = await newContext();
    const { set, get } = api(ctx);
    await set({ versionLabel: '2', kind: 'alias', value: 'production' });
    const rename = share.rename?.bind(share) as NonNullable<typeof share.rename>;
    let refusals = 2;
    share.rename = async (from, to, opts) => {
      if (refusals-- > 0) throw new EngineError('ACCESS_DENIED', `The account ana may not rename "${from}".`);
      return rename(from, to, opts);
    };
    await set({ versionLabel: '1', kind: 'alias', value: 'production' });
    expect((await get()).versions.find((v) => v.label === '1')?.aliases).toContain('production');
    share.rename = async (from) => {
      throw new EngineError('ACCESS_DENIED', `The account ana may not rename "${from}".`);
    };
    try {
      // (after 0.1 + 0.3 + 1 + 2 s of trying again)
      const err = await set({ versionLabel: '3', kind: 'tag', value: 'x' }).catch((e: unknown) => e);
      expect(err).toMatchObject({ code: 'IO', message: expect.stringMatching(/stayed open in another program, so the change was not saved\. Try again in a moment\.$/) });
    } finally {
      share.rename = rename;
    }
    // Nothing half-done: no temp file left, and the refused change is not in the registry.
    expect([...share.files.keys()].filter((k) => k.includes('.tmp-'))).toEqual([]);
    expect((await get()).versions.find((v) => v.label === '3')?.annotations?.filter((a) => a.kind === 'tag')).toEqual([]);
  });

  it('checks what people type', async () => {
    const ctx = await newContext();
    const { set } = api(ctx);
    await expect(set({ kind: 'alias', value: 'production' })).rejects.toMatchObject({ code: 'INVALID_INPUT', message: /say which/ });
    await expect(set({ versionLabel: '9', kind: 'alias', value: 'production' })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(set({ versionLabel: '3', kind: 'alias', value: 'my alias!' })).rejects.toMatchObject({ code: 'INVALID_INPUT' });
    await expect(set({ versionLabel: '3', kind: 'alias', value: 'latest' })).rejects.toMatchObject({ code: 'INVALID_INPUT' });
    await expect(set({ kind: 'tag', value: 'bell\u0007' })).rejects.toMatchObject({ code: 'INVALID_INPUT' });
    await expect(set({ kind: 'link', value: 'no-such-thing' })).rejects.toMatchObject({ code: 'NOT_FOUND', message: /external:no-such-thing/ });
    expect([...share.files.keys()].filter((k) => k.startsWith(EVENTS_DIR))).toEqual([]);
  });

  it('team links show up in the lineage graph', async () => {
    const ctx = await newContext();
    const { set, itemId } = api(ctx);
    await set({ versionLabel: '3', kind: 'link', value: 'reviews', relation: 'trained-on' });
    await set({ versionLabel: '3', kind: 'link', value: 'external:xgboost-base', relation: 'fine-tuned-from' });
    const graph = new Insights(ctx.catalog.db).lineage(itemId('churn-classifier'));
    const edges = graph.edges.filter((e) => e.evidence.startsWith('team link'));
    // Like every lineage edge: from the origin to what came of it (version 3).
    const label = (id: string) => graph.nodes.find((n) => n.id === id)?.label;
    expect(edges.map((e) => [label(e.from), e.relation, label(e.to)])).toEqual(
      expect.arrayContaining([
        ['reviews', 'trained-on', expect.stringMatching(/3$/)],
        ['xgboost-base', 'fine-tuned-from', expect.stringMatching(/3$/)],
      ]),
    );
    await set({ versionLabel: '3', kind: 'link', value: 'reviews', relation: 'trained-on', remove: true });
    const after = new Insights(ctx.catalog.db).lineage(itemId('churn-classifier'));
    expect(after.edges.filter((e) => e.evidence.startsWith('team link')).map((e) => e.relation)).toEqual(['fine-tuned-from']);
    // A link to something that has left the share since is removed by the value it is kept under.
    await set({ versionLabel: '3', kind: 'link', value: 'reviews', relation: 'trained-on' });
    const { generation } = ctx.catalog.beginScan(ctx.sourceId);
    ctx.catalog.replaceItems(ctx.sourceId, generation, [ITEMS[0] as (typeof ITEMS)[0]]);
    expect(ctx.catalog.listLibrary({}).map((i) => i.name)).toEqual(['churn-classifier']);
    await expect(set({ versionLabel: '3', kind: 'link', value: 'reviews', relation: 'trained-on', remove: true })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    const kept = (await api(ctx).get()).versions.find((v) => v.label === '3')?.annotations?.find((a) => a.kind === 'link' && a.relation === 'trained-on');
    expect(kept?.value).toBe('dataset:datasets/reviews@');
    await set({ versionLabel: '3', kind: 'link', value: kept?.value as string, relation: 'trained-on', remove: true });
    expect((await api(ctx).get()).versions.find((v) => v.label === '3')?.annotations?.filter((a) => a.kind === 'link').map((a) => a.relation)).toEqual(['fine-tuned-from']);
  });

  it('two desktops writing at once to the same model lose nothing and converge', async () => {
    const a = await newContext();
    const b = await newContext();
    expect(await machineId(a.dataDir)).not.toBe(await machineId(b.dataDir));
    const [apiA, apiB] = [api(a), api(b)];
    // Interleave: both write while the other's writes are in flight.
    const writes: Array<Promise<unknown>> = [];
    for (let i = 0; i < 60; i++) {
      writes.push(apiA.set({ versionLabel: String((i % 3) + 1), kind: 'alias', value: i % 2 ? 'production' : 'staging' }));
      writes.push(apiB.set({ kind: 'tag', value: `b-${i}` }));
      writes.push(apiB.set({ versionLabel: String(((i + 1) % 3) + 1), kind: 'alias', value: 'production' }));
    }
    await Promise.all(writes);
    await syncAnnotations(a, a.sourceId);
    await syncAnnotations(b, b.sourceId);
    const all = [...share.files.entries()].filter(([k]) => k.startsWith(EVENTS_DIR)).map(([, f]) => parseLog(new TextDecoder().decode(f.data)));
    expect(all).toHaveLength(2);
    expect(all.reduce((s, l) => s + l.events.length, 0)).toBe(180);
    expect(all.every((l) => l.badLines === 0)).toBe(true);
    const stateOf = async (x: typeof apiA) => (await x.h['annotations.list']({ refresh: false })).filter((r) => r.origin === 'team');
    expect(await stateOf(apiA)).toEqual(await stateOf(apiB));
    expect((await stateOf(apiA)).filter((r) => r.kind === 'tag')).toHaveLength(60);
  });

  it('never trusts a read that disagrees with the file size (a stale cached copy): no event disappears, and its own log is not rewritten from it', async () => {
    const ctx = await newContext();
    const { set } = api(ctx);
    await set({ kind: 'tag', value: 'one' });
    await set({ kind: 'tag', value: 'two' });
    const machine = await machineId(ctx.dataDir);
    const file = `${EVENTS_DIR}/${machine}.jsonl`;
    const current = share.files.get(file)?.data as Uint8Array;
    const older = current.slice(0, current.indexOf(0x0a) + 1);
    // A cache that answers with the first version of the file while stat/list show the new one.
    const real = share.read;
    share.read = async (p, offset, length) => (p === file ? older.slice(offset, offset + length) : real(p, offset, length));
    const stale = testContext(ctx.dataDir, share, ITEMS);
    await syncAnnotations(ctx, ctx.sourceId);
    const s1 = await syncAnnotations(stale, stale.sourceId);
    expect(s1).toMatchObject({ read: 1, events: 1 });
    await expect(set({ kind: 'tag', value: 'three' })).rejects.toMatchObject({ code: 'IO', message: /did not read back whole.*nothing was saved/ });
    expect(share.files.get(file)?.data).toEqual(current);
    share.read = real;
    // The stale log was not remembered as read: the next sync reads it again and nothing is lost.
    expect(await syncAnnotations(stale, stale.sourceId)).toMatchObject({ read: 1, events: 2 });
    expect(await syncAnnotations(stale, stale.sourceId)).toMatchObject({ read: 0, events: 2 });
    // And a later stale read of an older copy does not make events disappear.
    share.read = async (p, offset, length) => (p === file ? older.slice(offset, offset + length) : real(p, offset, length));
    share.files.get(file)!.mtimeMs += 1;
    expect(await syncAnnotations(stale, stale.sourceId)).toMatchObject({ read: 1, events: 2 });
    share.read = real;
  }, 20_000);

  it('reads only what is new in a grown log, and all of a log that was rewritten', async () => {
    const ctx = await newContext();
    const peer = `${EVENTS_DIR}/ben-pc-00000002.jsonl`;
    const line = (i: number) => benTagLine('ben-pc-00000002', `ben-${String(i).padStart(5, '0')}`, Date.UTC(2026, 4, 1) + i, `t${i}`);
    const put = (text: string) => {
      share.files.set(peer, { data: new TextEncoder().encode(text), mtimeMs: (share.files.get(peer)?.mtimeMs ?? 0) + 1 });
      share.dirs.add('.modelshelf').add(EVENTS_DIR);
    };
    let text = Array.from({ length: 2000 }, (_, i) => line(i)).join('');
    put(text);
    const read = async () => {
      const before = share.counters().bytesRead;
      const summary = await syncAnnotations(ctx, ctx.sourceId);
      return { ...summary, bytes: share.counters().bytesRead - before };
    };
    expect(await read()).toMatchObject({ read: 1, events: 2000, bytes: text.length });
    const added = line(2000) + line(2001);
    text += added;
    put(text);
    const grown = await read();
    expect(grown).toMatchObject({ read: 1, events: 2002 });
    expect(grown.bytes).toBe(added.length + 256);
    // A half-written last line is read again once it is complete.
    const last = line(2002);
    put(text + last.slice(0, 40));
    expect(await read()).toMatchObject({ events: 2002 });
    text += last;
    put(text);
    expect(await read()).toMatchObject({ events: 2003 });
    // Rewritten (not appended): read whole; events already seen stay.
    put(line(5000) + text.slice(line(0).length));
    const rewritten = await read();
    expect(rewritten.bytes).toBeGreaterThan(text.length);
    expect(rewritten.events).toBe(2004);
  });

  it('a log that answers NOT_FOUND for a moment while its writer swaps it in is read again, and one that is gone loses nothing', async () => {
    const ctx = await newContext();
    const peer = `${EVENTS_DIR}/ben-pc-00000003.jsonl`;
    const line = (i: number) => benTagLine('ben-pc-00000003', `ben3-${i}`, Date.UTC(2026, 4, 2) + i, `t${i}`);
    share.files.set(peer, { data: new TextEncoder().encode(line(0) + line(1)), mtimeMs: 1 });
    share.dirs.add('.modelshelf').add(EVENTS_DIR);
    const real = share.read;
    let notFound = 0;
    share.read = async (p, offset, length) => {
      if (p === peer && notFound-- > 0) throw new EngineError('NOT_FOUND', `There is no "${p}" on the share.`);
      return real.call(share, p, offset, length);
    };
    notFound = 2; // the rename finishes while we wait
    expect(await syncAnnotations(ctx, ctx.sourceId)).toMatchObject({ read: 1, events: 2 });
    expect(notFound).toBe(-1);
    // Still missing after every retry: nothing is dropped, and the next sync reads it.
    share.files.set(peer, { data: new TextEncoder().encode(line(0) + line(1) + line(2)), mtimeMs: 2 });
    notFound = 100;
    expect(await syncAnnotations(ctx, ctx.sourceId)).toMatchObject({ read: 1, events: 2 });
    notFound = 0;
    expect(await syncAnnotations(ctx, ctx.sourceId)).toMatchObject({ read: 1, events: 3 });
    share.read = real;
  });

  it('reads other desktops’ logs, skips lines it does not understand without touching them, and re-reads only changed logs', async () => {
    const ctx = await newContext();
    const other = eventLine({
      id: 'other-1',
      at: '2026-05-01T10:00:00.000Z',
      atMs: Date.parse('2026-05-01T10:00:00.000Z'),
      who: 'ben',
      machine: 'ben-pc-00000001',
      action: 'alias.set',
      target: { itemPath: 'mlruns/models/churn-classifier', itemKind: 'model', versionLabel: '2' },
      value: 'production',
    });
    const text = `${other}{"from":"a newer Modelshelf"}\n`;
    share.files.set(`${EVENTS_DIR}/ben-pc-00000001.jsonl`, { data: new TextEncoder().encode(text), mtimeMs: 5 });
    share.dirs.add('.modelshelf').add(EVENTS_DIR);
    const first = await syncAnnotations(ctx, ctx.sourceId);
    expect(first).toMatchObject({ logs: 1, read: 1, events: 1, badLines: 1 });
    const second = await syncAnnotations(ctx, ctx.sourceId);
    expect(second).toMatchObject({ logs: 1, read: 0, events: 1 });
    const { set, get } = api(ctx);
    // This desktop's clock is far behind ben's: its change still comes after what it had seen.
    await set({ versionLabel: '3', kind: 'alias', value: 'production' });
    expect((await get()).versions.find((v) => v.label === '3')?.aliases).toContain('production');
    expect(new TextDecoder().decode(share.files.get(`${EVENTS_DIR}/ben-pc-00000001.jsonl`)?.data)).toBe(text);
  });
});
