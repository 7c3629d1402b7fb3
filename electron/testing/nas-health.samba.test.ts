// Source health against a real Samba: smbd is stopped in the middle of a session → the source goes
// offline by itself with a message a person understands, the catalog stays; smbd comes back on the
// same port with the same share → the source is online again within the backoff window, unasked.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { chmod, cp, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EngineEvent, LibraryItem, ScanSummary, Source } from '../../shared/contract';
import { createEngine } from '../core/engine';
import type { Engine } from '../core/engine-api';
import { findBinary } from './nas-network';
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

const canConnect = (port: number) =>
  new Promise<boolean>((resolve) => {
    const s = connect({ host: '127.0.0.1', port });
    const done = (ok: boolean) => {
      s.destroy();
      resolve(ok);
    };
    s.once('connect', () => done(true));
    s.once('error', () => done(false));
    s.setTimeout(500, () => done(false));
  });

/**
 * Starts smbd again from a copy of a stopped harness server's folder: same config, same port, same
 * share (files and times), same user database. (SambaServer has no restart() yet.)
 */
async function restartFromCopy(copy: string, root: string, port: number, user: string): Promise<{ stop(): Promise<void> }> {
  await cp(copy, root, { recursive: true, preserveTimestamps: true });
  // As the harness left them: the folder traversable, the share owned by the test user.
  await chmod(root, 0o755);
  spawnSync('chown', ['-R', `${user}:`, path.join(root, 'shares')]);
  for (const d of ['lock', 'state', 'cache', 'pid', 'ncalrpc', 'log']) await mkdir(path.join(root, d), { recursive: true });
  const child: ChildProcess = spawn(findBinary('smbd') ?? '/usr/sbin/smbd', ['--foreground', '--no-process-group', `--configfile=${path.join(root, 'smb.conf')}`, '--debug-stdout'], {
    detached: true, // own session and process group, stopped by group below
    stdio: 'ignore',
  });
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const until = Date.now() + 15_000;
  while (!(await canConnect(port))) {
    if (Date.now() > until) throw new Error(`smbd did not come back on port ${port}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    async stop() {
      try {
        process.kill(-child.pid!, 'SIGTERM');
      } catch {
        return;
      }
      const t = setTimeout(() => {
        try {
          process.kill(-child.pid!, 'SIGKILL');
        } catch {
          /* gone */
        }
      }, 5000);
      await exited;
      clearTimeout(t);
      await rm(root, { recursive: true, force: true });
    },
  };
}

describe('source health over real Samba', () => {
  let samba: SambaServer;
  let copy: string;
  let dataDir: string;
  let engine: Engine;
  let restarted: { stop(): Promise<void> } | null = null;
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
    copy = await mkdtemp(path.join(os.tmpdir(), 'ms-health-copy-'));
    // What smbd needs to come back as the same server: config, user database, share. (Runtime state
    // — sockets, locks — is recreated empty.)
    for (const part of ['smb.conf', 'private', 'shares']) {
      await cp(path.join(samba.root, part), path.join(copy, part), { recursive: true, preserveTimestamps: true });
    }
    dataDir = await mkdtemp(path.join(os.tmpdir(), 'ms-health-'));
    engine = await createEngine({ dataDir, health: { checkIntervalMs: 1000, minBackoffMs: 1000, maxBackoffMs: 60_000, probeTimeoutMs: 5000 } });
    engine.onEvent((e: EngineEvent) => {
      if (e.event !== 'sources.changed') return;
      void health().then((s) => changes.push({ at: Date.now(), state: s?.health?.state }));
    });
  });

  afterAll(async () => {
    await engine?.close();
    await restarted?.stop();
    await samba?.stop();
    if (copy) await rm(copy, { recursive: true, force: true });
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
    await samba.stop();
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
    restarted = await restartFromCopy(copy, samba.root, samba.port, samba.user);
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
