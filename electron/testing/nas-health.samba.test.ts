
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EngineEvent, LibraryItem, ScanSummary, Source } from '../../shared/contract';
import { createEngine } from '../core/engine';
import type { Engine } from '../core/engine-api';
import { type SambaServer, startSamba } from './samba';

async function seed(dir: string): Promise<void> {
  const header = Buffer.from(JSON.stringify({ w: { dtype: 'F32', shape: [2], data_offsets: [0, 8] } }));
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(header.length));
  for (const v of ['v1', 'v2', 'v3']) {
    await mkdir(path.join(dir, 'detector', v), { recursive: true });
    await writeFile(path.join(dir, 'detector', v, 'model.safetensors'), Buffer.concat([len, header, Buffer.alloc(8)]));
  }
}

describe('source health over real Samba', () => {
  let samba: SambaServer;
  let dataDir: string;
  let engine: Engine;
  const changes: Array<{ at: number; state: string | undefined }> = [];
  let sourceId = 0;

  const health = async () => {
    const r = (await engine.call('sources.list', {})) as { ok: true; value: Source[] };
    return r.value.find((s) => s.id === sourceId)!;
  };
  const waitForState = async (state: string, ms: number) => {
    const until = Date.now() + ms;
    for (;;) {
      const s = await health();
      if (s.health?.state === state || Date.now() > until) return s;
      await new Promise((r) => setTimeout(r, 100));
    }
  };

  beforeAll(async () => {
    samba = await startSamba({ shares: [{ name: 'models', seed }] });
    dataDir = await mkdtemp(path.join(os.tmpdir(), 'ms-health-'));
    engine = await createEngine({ dataDir, health: { checkIntervalMs: 1000, minBackoffMs: 1000, maxBackoffMs: 60_000, probeTimeoutMs: 5000 } });
    engine.onEvent((e: EngineEvent) => {
      if (e.event !== 'sources.changed') return;
      void health().then((s) => changes.push({ at: Date.now(), state: s?.health?.state }));
    });
  });

  afterAll(async () => {
    await engine?.close();
    await samba?.stop();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  it('goes offline by itself when smbd stops, keeps the catalog, and comes back by itself', async () => {
    const added = await engine.call('sources.add', { location: samba.url('models'), password: samba.password });
    expect(added.ok, JSON.stringify(added)).toBe(true);
    sourceId = (added as { value: Source }).value.id;
    const scan = (await engine.call('sources.scan', { id: sourceId })) as { ok: true; value: ScanSummary };
    expect(scan.value.files).toBe(3);
    const before = ((await engine.call('library.list', {})) as { value: LibraryItem[] }).value;
    expect(before.map((i) => i.name)).toContain('detector');
    expect((await health()).health?.state).toBe('online');

    // smbd goes away while nothing is being done with the source.
    const stoppedAt = Date.now();
    // smbd goes away but its config, user database and share stay (the harness's down/up: a NAS reboot).
    await samba.down();
    const down = await waitForState('offline', 15_000);
    expect(down.health?.state).toBe('offline');
    expect(down.status).toBe('offline');
    expect(down.health?.message).toMatch(/127\.0\.0\.1 (refused the connection: the computer is on, but file sharing is not running|closed the connection)/);
    expect(down.health?.message).toMatch(/reconnects by itself; the catalog stays browsable/);
    expect(down.lastError).toBe(down.health?.message);
    expect(down.health?.since).toBeGreaterThanOrEqual(stoppedAt);
    expect(down.health?.nextRetryAt).toBeGreaterThan(Date.now() - 1000);
    // The catalog is untouched while offline.
    expect(((await engine.call('library.list', {})) as { value: LibraryItem[] }).value).toEqual(before);

    // Let one retry fail, then bring the same share back on the same port.
    await new Promise((r) => setTimeout(r, 1500));
    const stillDown = await health();
    expect(stillDown.health?.state).not.toBe('online');
    expect(stillDown.health?.since).toBe(down.health?.since); // "offline since" survives retries
    const backAt = Date.now();
    await samba.up();
    // Backoff so far: 1 s, 2 s, 4 s (+10% jitter): the next try is at most ~4.5 s away.
    const up = await waitForState('online', 10_000);
    expect(up.health?.state, up.health?.message ?? '').toBe('online');
    expect(Date.now() - backAt).toBeLessThan(9000);
    expect(up).toMatchObject({ status: 'online', lastError: null, health: { message: null, nextRetryAt: null } });
    expect(up.lastSeenAt).toBeGreaterThanOrEqual(backAt);

    // Same catalog, and a rescan over the new connection finds nothing changed.
    expect(((await engine.call('library.list', {})) as { value: LibraryItem[] }).value).toEqual(before);
    const rescan = (await engine.call('sources.scan', { id: sourceId })) as { ok: true; value: ScanSummary };
    expect(rescan.ok).toBe(true);
    expect(rescan.value).toMatchObject({ files: 3, filesRead: 0 });

    // Each transition was announced with sources.changed: online → offline (→ connecting → offline)* → online.
    await new Promise((r) => setTimeout(r, 100));
    const states = changes.filter((c) => c.at >= stoppedAt).map((c) => c.state);
    expect(states).toContain('offline');
    expect(states[states.length - 1]).toBe('online');
  });
});
