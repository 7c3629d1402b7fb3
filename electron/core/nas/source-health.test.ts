import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { EngineEvent, EventName, EventPayloads, Source } from '../../../shared/contract';
import { Catalog, type SourceRow } from '../catalog/catalog';
import { openCatalogDb } from '../catalog/open';
import type { SourceManager } from '../engine-context';
import { EngineError } from '../errors';
import type { FileSource } from './file-source';
import { Status } from './smb/constants';
import { errorFromStatus, networkError } from './smb/errors';
import { backoffDelay, classifyFailure, createSourceHealth, originOf, type SourceHealthMonitor } from './source-health';

type Mode = 'ok' | 'down' | 'auth' | 'gone';

const smbRow = { kind: 'smb' as const, host: 'nas.local', share: 'models', username: 'ana', rootPath: null, url: 'smb://ana@nas.local/models' };

describe('backoffDelay', () => {
  it('doubles from 1 s to a 60 s cap, with at most 10% jitter', () => {
    const t = { minBackoffMs: 1000, maxBackoffMs: 60_000 };
    expect([1, 2, 3, 4, 5, 6, 7, 8, 50].map((a) => backoffDelay(a, t, () => 0))).toEqual([1000, 2000, 4000, 8000, 16_000, 32_000, 60_000, 60_000, 60_000]);
    expect(backoffDelay(1, t, () => 0.999)).toBe(1100);
  });
});

describe('classifyFailure: a state and words for each SMB failure', () => {
  it('network failures are offline, with what probably happened', () => {
    const refused = classifyFailure(networkError('nas.local', 445, Object.assign(new Error('x'), { code: 'ECONNREFUSED' })), smbRow);
    expect(refused.state).toBe('offline');
    expect(refused.message).toMatch(/^nas\.local refused the connection: the computer is on, but file sharing is not running\./);
    expect(refused.message).toMatch(/reconnects by itself; the catalog stays browsable/);
    const timedOut = classifyFailure(networkError('nas.local', 445, Object.assign(new Error('x'), { code: 'ETIMEDOUT' })), smbRow);
    expect(timedOut.message).toMatch(/not answering: it may be off, asleep, or on another network/);
    const unknownHost = classifyFailure(networkError('nas.local', 445, Object.assign(new Error('x'), { code: 'ENOTFOUND' })), smbRow);
    expect(unknownHost.message).toMatch(/No computer called nas\.local was found/);
    const closed = classifyFailure(new EngineError('UNREACHABLE', 'The connection to nas.local:445 was closed by the NAS.'), smbRow);
    expect(closed.message).toMatch(/closed the connection \(it may have restarted or gone to sleep\)/);
  });

  it('log-in failures are auth-failed (never retried by themselves)', () => {
    expect(classifyFailure(errorFromStatus(Status.LOGON_FAILURE, { op: 'log in' }), smbRow)).toEqual({
      state: 'auth-failed',
      message: 'nas.local no longer accepts the saved password for ana. Type the password again to reconnect.',
    });
    expect(classifyFailure(errorFromStatus(Status.ACCOUNT_LOCKED_OUT, { op: 'log in' }), smbRow).message).toMatch(/locked/);
    expect(classifyFailure(errorFromStatus(Status.ACCESS_DENIED, { share: 'models' }), smbRow)).toMatchObject({
      state: 'auth-failed',
      message: expect.stringMatching(/no longer lets this account open models/),
    });
  });

  it('a share or folder that disappeared is share-gone', () => {
    expect(classifyFailure(errorFromStatus(Status.BAD_NETWORK_NAME, { share: 'models' }), smbRow)).toMatchObject({
      state: 'share-gone',
      message: expect.stringMatching(/^The share models is no longer on nas\.local/),
    });
    const local = { kind: 'local' as const, host: null, share: null, username: null, rootPath: '/mnt/models', url: '/mnt/models' };
    expect(classifyFailure(new EngineError('NOT_FOUND', '/mnt/models does not exist.'), local)).toMatchObject({
      state: 'share-gone',
      message: expect.stringMatching(/mount it again/),
    });
  });
});

describe('source health monitor', () => {
  let catalog: Catalog;
  let row: SourceRow;
  let mode: Mode;
  let opens: number[];
  let events: Array<EventPayloads['sources.changed']>;
  let monitor: SourceHealthMonitor | null;

  function fakeSource(): FileSource {
    const fail = () => {
      if (mode === 'down') throw networkError('nas.local', 445, Object.assign(new Error('refused'), { code: 'ECONNREFUSED' }));
      if (mode === 'auth') throw errorFromStatus(Status.LOGON_FAILURE, { op: 'log in' });
      if (mode === 'gone') throw errorFromStatus(Status.BAD_NETWORK_NAME, { share: 'models' });
    };
    return {
      kind: 'smb',
      label: 'smb://nas.local/models',
      list: async () => {
        fail();
        return [];
      },
      stat: async () => {
        fail();
        return { name: '', isDir: true, size: 0, mtimeMs: 0 };
      },
      read: async () => new Uint8Array(),
      counters: () => ({ requests: 0, roundTrips: 0, bytesRead: 0 }),
      close: async () => {},
    };
  }

  function baseManager(): SourceManager {
    let cached: FileSource | null = null;
    return {
      requireRow: (id) => catalog.requireSource(id),
      async open() {
        if (cached) return cached;
        opens.push(Date.now());
        const fs = fakeSource();
        await fs.stat(''); // a connect that fails the way the NAS does
        cached = fs;
        return fs;
      },
      adopt(_id, fs) {
        cached = fs;
      },
      async drop() {
        cached = null;
      },
      async toSource(r): Promise<Source> {
        return {
          id: r.id,
          name: r.name,
          kind: r.kind,
          url: r.url,
          status: r.status,
          lastScanAt: r.lastScanAt,
          lastSeenAt: r.lastSeenAt,
          lastError: r.lastError,
          needsPassword: r.kind === 'smb',
          counts: { files: 0, folders: 0, bytes: 0, models: 0, datasets: 0 },
        };
      },
    };
  }

  function start(background = true) {
    const m = createSourceHealth({
      catalog,
      sources: baseManager(),
      scans: { isScanning: () => false },
      emit<E extends EventName>(event: E, payload: EventPayloads[E]) {
        if (event === 'sources.changed') events.push(payload as EventPayloads['sources.changed']);
      },
      background,
      timing: { checkIntervalMs: 100, minBackoffMs: 60, maxBackoffMs: 400, probeTimeoutMs: 500 },
    });
    monitor = m;
    return m;
  }

  const waitFor = async (pred: () => boolean, ms = 3000) => {
    const until = Date.now() + ms;
    while (!pred() && Date.now() < until) await new Promise((r) => setTimeout(r, 10));
    return pred();
  };

  beforeEach(() => {
    catalog = new Catalog(openCatalogDb(':memory:'));
    row = catalog.insertSource({ kind: 'smb', name: 'models on nas', url: smbRow.url, host: 'nas.local', share: 'models', username: 'ana' });
    mode = 'ok';
    opens = [];
    events = [];
    monitor = null;
  });

  afterEach(async () => {
    await monitor?.stop();
    catalog.close();
  });

  it('a connected source that stops answering goes offline, retries with growing backoff, and comes back by itself', async () => {
    const m = start();
    m.sources.adopt(row.id, fakeSource());
    expect(m.get(row.id).state).toBe('online');
    expect(catalog.requireSource(row.id).status).toBe('online');

    mode = 'down';
    const wentDown = Date.now();
    expect(await waitFor(() => m.get(row.id).state === 'offline')).toBe(true);
    const down = m.get(row.id);
    expect(down.message).toMatch(/refused the connection/);
    expect(down.since).toBeGreaterThanOrEqual(wentDown);
    expect(catalog.requireSource(row.id)).toMatchObject({ status: 'offline', lastError: down.message });

    // Let a few retries fail: the gaps grow (60 → 120 → 240 ms, +≤10% jitter; exact values in backoffDelay's test).
    const before = opens.length;
    expect(await waitFor(() => opens.length >= before + 4, 4000)).toBe(true);
    const gaps = opens.slice(before).map((t, i, a) => (i === 0 ? 0 : t - a[i - 1]!)).slice(1);
    expect(gaps[2]!).toBeGreaterThan(gaps[0]!);
    // "Offline since" stays the time it first went down, through failed retries.
    expect(m.get(row.id).since).toBe(down.since);
    expect(m.get(row.id).nextRetryAt).not.toBeNull();

    mode = 'ok';
    expect(await waitFor(() => m.get(row.id).state === 'online', 2000)).toBe(true);
    expect(catalog.requireSource(row.id)).toMatchObject({ status: 'online', lastError: null });
    expect(m.get(row.id).nextRetryAt).toBeNull();
    // Each transition was announced: online, offline, connecting/offline rounds, online.
    expect(events.length).toBeGreaterThanOrEqual(4);
    expect(events.every((e) => e.sourceId === row.id)).toBe(true);
  });

  it('a wrong password is reported once and never retried by itself', async () => {
    const m = start();
    mode = 'auth';
    await expect(m.sources.open(row)).rejects.toThrow(/user name and password/);
    expect(m.get(row.id)).toMatchObject({ state: 'auth-failed', nextRetryAt: null });
    expect(m.get(row.id).message).toMatch(/Type the password again/);
    const tried = opens.length;
    await new Promise((r) => setTimeout(r, 500));
    expect(opens.length).toBe(tried);
  });

  it('a scan that lost the NAS (scan.finished) puts it offline; a share that vanished is share-gone', async () => {
    const m = start();
    mode = 'down';
    m.onEngineEvent({
      event: 'scan.finished',
      payload: { sourceId: row.id, result: { ok: false, code: 'UNREACHABLE', message: 'The connection to nas.local:445 was closed by the NAS.' } },
    } as EngineEvent);
    expect(m.get(row.id).state).toBe('offline');
    expect(m.get(row.id).message).toMatch(/closed the connection/);
    mode = 'gone';
    expect(await waitFor(() => m.get(row.id).state === 'share-gone')).toBe(true);
    expect(catalog.requireSource(row.id).lastError).toMatch(/share models is no longer on nas\.local/);
  });

  it('without background work (CLI) states are tracked but nothing runs by itself', async () => {
    const m = start(false);
    m.sources.adopt(row.id, fakeSource());
    mode = 'down';
    await new Promise((r) => setTimeout(r, 400));
    expect(m.get(row.id).state).toBe('online');
    expect(opens).toHaveLength(0);
    expect((await m.checkNow(row.id)).state).toBe('offline');
  });

  it('Source gets health, origin for mounted shares, and guest sources need no password', async () => {
    const m = start(false);
    const mounted = catalog.insertSource({
      kind: 'local',
      name: 'models (mounted)',
      url: '/mnt/models',
      rootPath: '/mnt/models',
      host: '192.0.2.20',
      share: 'models',
      subpath: 'llm',
      username: 'ana',
    });
    expect(originOf(mounted)).toBe('smb://ana@192.0.2.20/models/llm');
    const guest = catalog.insertSource({ kind: 'smb', name: 'public', url: 'smb://nas.local/public', host: 'nas.local', share: 'public' });
    m.sources.adopt(row.id, fakeSource());
    const s = await m.sources.toSource(catalog.requireSource(row.id));
    expect(s.health).toMatchObject({ state: 'online', message: null, nextRetryAt: null });
    expect(s.origin).toBeNull();
    expect(s.needsPassword).toBe(true);
    expect((await m.sources.toSource(mounted)).origin).toBe('smb://ana@192.0.2.20/models/llm');
    expect((await m.sources.toSource(guest)).needsPassword).toBe(false);
    expect((await m.sources.toSource(guest)).health).toMatchObject({ state: 'unknown' });
  });
});
