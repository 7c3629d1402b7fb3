// Two desktops (two engines, two data folders, two machine ids) annotating the same model on one
// real Samba share at the same time: no event is lost and both end with the same registry.
// Writes go through SMB when the SMB FileSource can write; otherwise through the share's folder on
// this machine (the test says which), while both desktops still read through whatever they opened.
import { readdir, readFile, rm } from 'node:fs/promises';
import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ActivityEntry, Annotation, ItemDetail, LibraryItem, Source } from '../../shared/contract';
import { writeDemoLibrary } from '../core/demo/generate';
import { createEngine } from '../core/engine';
import type { Engine } from '../core/engine-api';
import { openSmbSource } from '../core/nas/smb-file-source';
import { parseLog } from '../core/registry/annotations/events';
import { type SambaServer, startSamba } from './samba';

const PER_DESKTOP = 500;

async function ok<T>(p: Promise<{ ok: boolean; value?: unknown; error?: { message: string } }>): Promise<T> {
  const r = await p;
  if (!r.ok) throw new Error(r.error?.message);
  return r.value as T;
}

describe('team annotations on one share from two desktops', () => {
  let samba: SambaServer;
  let root: string;
  const engines: Engine[] = [];
  let location: string;

  beforeAll(async () => {
    samba = await startSamba({ shares: [{ name: 'models', seed: async (dir) => void (await writeDemoLibrary(dir)) }] });
    root = await mkdtemp(path.join(os.tmpdir(), 'ms-annot-samba-'));
    const probe = await openSmbSource({ host: samba.host, port: samba.port, share: 'models', user: samba.user, password: samba.password });
    const viaSmb = typeof probe.writeFile === 'function';
    await probe.close();
    location = viaSmb ? samba.url('models') : samba.sharePath('models');
    console.log(`annotations.samba: writing through ${viaSmb ? 'SMB' : 'the share folder (the SMB FileSource cannot write yet)'}`);
    for (const name of ['desk-a', 'desk-b']) {
      const engine = await createEngine({ dataDir: path.join(root, name) });
      engines.push(engine);
      const source = await ok<Source>(engine.call('sources.add', { location, password: viaSmb ? samba.password : undefined, name: 'NAS' }));
      await ok(engine.call('sources.scan', { id: source.id }));
    }
  }, 120_000);

  afterAll(async () => {
    for (const e of engines) await e.close();
    await samba?.stop();
    await rm(root, { recursive: true, force: true });
  });

  const churn = async (engine: Engine) => {
    const list = await ok<LibraryItem[]>(engine.call('library.list', {}));
    return ok<ItemDetail>(engine.call('library.get', { id: (list.find((i) => i.name === 'churn-classifier') as LibraryItem).id }));
  };
  /** The team's state as a desktop shows it, without database ids (those differ per desktop). */
  const teamState = async (engine: Engine) =>
    (await ok<Annotation[]>(engine.call('annotations.list', { refresh: true })))
      .filter((a) => a.origin === 'team')
      .map(({ sourceId: _s, itemId: _i, ...rest }) => rest);

  /** Refreshes both desktops until their team state and activity agree (or 30 s pass). */
  const converge = async (a: Engine, b: Engine) => {
    const deadline = Date.now() + 30_000;
    for (let rounds = 1; ; rounds++) {
      const [sa, sb] = [await teamState(a), await teamState(b)];
      const [na, nb] = [
        (await ok<ActivityEntry[]>(a.call('activity.list', { limit: 10_000 }))).length,
        (await ok<ActivityEntry[]>(b.call('activity.list', { limit: 10_000 }))).length,
      ];
      if ((isDeepStrictEqual(sa, sb) && na === nb) || Date.now() > deadline) return { a: sa, b: sb, rounds };
      await new Promise((r) => setTimeout(r, 2500));
    }
  };

  it('1,000 interleaved annotations to the same model: no event lost, both converge', async () => {
    const [a, b] = engines as [Engine, Engine];
    const [itemA, itemB] = [await churn(a), await churn(b)];
    const labels = itemA.versions.map((v) => v.label);
    const writes = async (engine: Engine, itemId: number, who: string) => {
      for (let i = 0; i < PER_DESKTOP; i++) {
        const label = labels[(i * 7 + who.length) % labels.length] as string;
        const step = i % 5;
        const input =
          step === 0
            ? { kind: 'alias' as const, versionLabel: label, value: ['production', 'staging', 'canary'][i % 3] as string }
            : step === 1
              ? { kind: 'tag' as const, value: `${who}-${i % 13}`, remove: i % 4 === 1 }
              : step === 2
                ? { kind: 'stage' as const, versionLabel: label, value: ['Staging', 'Production', 'Archived'][i % 3] as string }
                : step === 3
                  ? { kind: 'note' as const, versionLabel: label, value: `${who} note ${i}` }
                  : { kind: 'tag' as const, versionLabel: label, value: `v-${i % 7}` };
        await ok(engine.call('annotations.set', { itemId, ...input }));
      }
    };
    const t0 = Date.now();
    await Promise.all([writes(a, itemA.id, 'ana'), writes(b, itemB.id, 'ben')]);
    const ms = Date.now() - t0;
    console.log(`annotations.samba: ${2 * PER_DESKTOP} writes from two desktops in ${ms} ms (${Math.round(ms / PER_DESKTOP)} ms per write per desktop)`);

    // On the share: one log per desktop, 1,000 events, none lost or duplicated.
    const dir = path.join(samba.sharePath('models'), '.modelshelf', 'events');
    const logs = (await readdir(dir)).sort();
    expect(logs).toHaveLength(2);
    const machines = await Promise.all(['desk-a', 'desk-b'].map(async (d) => (await readFile(path.join(root, d, 'machine-id'), 'utf8')).trim()));
    expect(logs).toEqual(machines.map((m) => `${m}.jsonl`).sort());
    const parsed = await Promise.all(logs.map(async (l) => parseLog(await readFile(path.join(dir, l), 'utf8'))));
    expect(parsed.map((p) => p.events.length)).toEqual([PER_DESKTOP, PER_DESKTOP]);
    expect(parsed.every((p) => p.badLines === 0)).toBe(true);
    const ids = parsed.flatMap((p) => p.events.map((e) => e.id));
    expect(new Set(ids).size).toBe(2 * PER_DESKTOP);
    // Every machine only wrote its own file.
    for (const [i, p] of parsed.entries()) expect(new Set(p.events.map((e) => e.machine))).toEqual(new Set([logs[i]?.replace(/\.jsonl$/, '')]));

    // Both desktops fold to the same registry. (Re-read until they agree: a read may be answered from
    // the SMB client's short-lived handle cache with an older copy of the other desktop's log; that
    // copy is never remembered as current, so a later read gets the file as it is.)
    const converged = await converge(a, b);
    console.log(`annotations.samba: both desktops agree after ${converged.rounds} refresh round(s)`);
    const [sa, sb] = [converged.a, converged.b];
    expect(sa.length).toBeGreaterThan(0);
    expect(sa).toEqual(sb);
    const [ca, cb] = [await churn(a), await churn(b)];
    expect(ca.versions.map((v) => [v.label, v.aliases.sort(), v.stage])).toEqual(cb.versions.map((v) => [v.label, v.aliases.sort(), v.stage]));
    const [aa, ab] = [
      await ok<ActivityEntry[]>(a.call('activity.list', { limit: 10_000 })),
      await ok<ActivityEntry[]>(b.call('activity.list', { limit: 10_000 })),
    ];
    expect(aa).toHaveLength(2 * PER_DESKTOP);
    expect(aa.map((e) => [e.id, e.summary])).toEqual(ab.map((e) => [e.id, e.summary]));
    // Each alias names exactly one version.
    for (const alias of ['production', 'staging', 'canary']) {
      expect(ca.versions.filter((v) => v.annotations?.some((x) => x.origin === 'team' && x.kind === 'alias' && x.value === alias)).length).toBeLessThanOrEqual(1);
    }
  }, 600_000);

  it('"roll back production to 1" on one desktop is one event, and the other desktop sees it', async () => {
    const [a, b] = engines as [Engine, Engine];
    const dir = path.join(samba.sharePath('models'), '.modelshelf', 'events');
    const count = async () => (await Promise.all((await readdir(dir)).map(async (l) => parseLog(await readFile(path.join(dir, l), 'utf8')).events.length))).reduce((x, y) => x + y, 0);
    const before = await count();
    await ok(a.call('annotations.set', { itemId: (await churn(a)).id, versionLabel: '1', kind: 'alias', value: 'production' }));
    expect(await count()).toBe(before + 1);
    await converge(a, b);
    expect((await churn(b)).versions.find((v) => v.label === '1')?.aliases).toContain('production');
    const latest = (await ok<ActivityEntry[]>(b.call('activity.list', { limit: 1, kind: 'alias' })))[0];
    expect(latest?.summary).toMatch(/(moved production from \S+ to 1|set production on churn-classifier 1)/);
  });
});
