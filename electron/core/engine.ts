// createEngine(): the whole product behind one call surface. Plain Node, no Electron. Hosts pass a
// data folder and (in the desktop app) a keychain-backed credential store. This file only wires the
// parts together; handlers live in rpc/<domain>-handlers.ts.
import path from 'node:path';
import type { EngineEvent, EventName, EventPayloads, ScanSummary, Source } from '../../shared/contract';
import { Catalog, type SourceRow } from './catalog/catalog';
import { openCatalogDb } from './catalog/open';
import { memoryCredentials } from './credentials';
import type { CredentialStore, Engine, EngineOptions, SessionCredentialStore } from './engine-api';
import type { EngineContext, ScanManager, SourceManager } from './engine-context';
import { EngineError } from './errors';
import type { FileSource } from './nas/file-source';
import { bindSourceUrls } from './nas/keyring-credentials';
import { openSourceRow } from './nas/open-source';
import { createSourceHealth } from './nas/source-health';
import { annotationHandlers } from './rpc/annotation-handlers';
import { appHandlers } from './rpc/app-handlers';
import { dispatch, type Handlers } from './rpc/dispatch';
import { exportHandlers } from './rpc/export-handlers';
import { insightHandlers } from './rpc/insight-handlers';
import { inspectHandlers } from './rpc/inspect-handlers';
import { libraryHandlers } from './rpc/library-handlers';
import { nasHandlers } from './rpc/nas-handlers';
import { fileManagerHandlers } from './rpc/file-manager-handlers';
import { sourceHandlers } from './rpc/source-handlers';
import { LiveUpdates } from './scan/live';
import { runScan } from './scan/scanner';
import { readOnlyReason, syncAnnotations } from './registry/annotations/sync';

export { ENGINE_VERSION } from './rpc/app-handlers';

/**
 * Passwords typed in this session are kept in memory first, then handed to the persistent store.
 * If the store refuses (no keychain on this machine), the connection that just worked keeps working
 * for the session instead of failing the whole call; the next start asks again.
 */
function sessionFirst(store: CredentialStore): SessionCredentialStore {
  const session = new Map<number, string>();
  return {
    async get(id) {
      return session.get(id) ?? (await store.get(id).catch(() => null));
    },
    async set(id, password) {
      session.set(id, password);
      await store.set(id, password).catch((err: unknown) => {
        console.warn(`Password kept for this session only: ${err instanceof Error ? err.message : String(err)}`);
      });
    },
    async delete(id) {
      session.delete(id);
      await store.delete(id).catch(() => {});
    },
    async keepForSession(id, password) {
      // "Don't remember": an older saved copy must not outlive the choice.
      session.set(id, password);
      await store.delete(id).catch(() => {});
    },
  };
}

function sourceManager(
  catalog: Catalog,
  credentials: CredentialStore,
  isScanning: (id: number) => boolean,
  onWritableChanged: (id: number) => void = () => {},
) {
  const open = new Map<number, FileSource>();
  // Whether team notes can be saved on each source, learnt on every connection (the NAS admin may
  // change permissions between two). Kept in memory only, not in the catalog (that would need a
  // schema migration for a fact that can go stale): the last connection's answer stands while the
  // source is offline, and a source not connected since the engine started has none (Source.writable
  // absent = unknown, treated as writable; a refused write still says why).
  // The value: why writes are refused, or null when they are not.
  const readOnlyReasons = new Map<number, string | null>();
  /** `notify`: say so when it changed (adopt's callers announce the source themselves). */
  function learnWritability(row: SourceRow, fs: FileSource, notify: boolean): void {
    const reason = readOnlyReason(fs, row);
    const changed = !readOnlyReasons.has(row.id) || readOnlyReasons.get(row.id) !== reason;
    readOnlyReasons.set(row.id, reason);
    if (changed && notify) onWritableChanged(row.id);
  }
  const manager: SourceManager & { closeAll(): Promise<void> } = {
    requireRow(id) {
      const row = catalog.getSource(id);
      if (!row) throw new EngineError('NOT_FOUND', `There is no source with id ${id}.`);
      return row;
    },
    async open(row) {
      const cached = open.get(row.id);
      if (cached) return cached;
      const fs = await openSourceRow(row, await credentials.get(row.id));
      open.set(row.id, fs);
      learnWritability(row, fs, true);
      return fs;
    },
    adopt(id, source) {
      const previous = open.get(id);
      if (previous && previous !== source) previous.close().catch(() => {});
      open.set(id, source);
      const row = catalog.getSource(id);
      if (row) learnWritability(row, source, false);
    },
    async drop(id) {
      const fs = open.get(id);
      open.delete(id);
      await fs?.close().catch(() => {});
    },
    async toSource(row: SourceRow): Promise<Source> {
      const needsPassword = row.kind === 'smb' && (await credentials.get(row.id)) === null;
      const reason = readOnlyReasons.get(row.id);
      return {
        id: row.id,
        name: row.name,
        kind: row.kind,
        url: row.url,
        status: isScanning(row.id) ? 'scanning' : row.status,
        lastScanAt: row.lastScanAt,
        lastSeenAt: row.lastSeenAt,
        lastError: row.lastError,
        needsPassword,
        counts: catalog.sourceCounts(row.id),
        ...(reason !== undefined ? { writable: reason === null, readOnlyReason: reason } : {}),
      };
    },
    async closeAll() {
      await Promise.allSettled([...open.keys()].map((id) => manager.drop(id)));
    },
  };
  return manager;
}

function scanManager(ctx: Omit<EngineContext, 'scans'>) {
  const running = new Map<number, { controller: AbortController; promise: Promise<ScanSummary> }>();

  async function runNow(id: number, signal: AbortSignal): Promise<ScanSummary> {
    const row = ctx.sources.requireRow(id);
    ctx.emit('sources.changed', { sourceId: id });
    try {
      const source = await ctx.sources.open(row);
      const summary = await runScan({ catalog: ctx.catalog, source, sourceId: id, signal, onProgress: (p) => ctx.emit('scan.progress', p) });
      // The team's aliases, stages, notes and links live in event logs on the share: fold them in
      // after the scan (it rewrote the lineage those links join).
      await syncAnnotations(ctx, id).catch((err: unknown) => {
        console.warn(`Team notes on ${row.name} could not be read: ${err instanceof Error ? err.message : String(err)}`);
      });
      ctx.catalog.setSourceStatus(id, 'online', { seen: true, lastError: null });
      ctx.emit('scan.finished', { sourceId: id, result: { ok: true, summary } });
      ctx.emit('library.changed', { sourceId: id });
      return summary;
    } catch (err) {
      const e = err instanceof EngineError ? err : new EngineError('INTERNAL', String(err));
      if (e.code === 'UNREACHABLE' || e.code === 'AUTH_FAILED') {
        // The catalog keeps what it had; the source is only marked offline.
        ctx.catalog.setSourceStatus(id, 'offline', { lastError: e.message });
        await ctx.sources.drop(id);
      } else if (e.code !== 'CANCELLED') {
        ctx.catalog.setSourceStatus(id, row.status === 'scanning' ? 'unknown' : row.status, { lastError: e.message });
      }
      ctx.emit('scan.finished', { sourceId: id, result: { ok: false, code: e.code, message: e.message } });
      ctx.emit('library.changed', { sourceId: id });
      throw err;
    }
  }

  const manager: ScanManager & { stopAll(): Promise<void> } = {
    scan(id) {
      const current = running.get(id);
      if (current) return current.promise;
      const controller = new AbortController();
      const promise = runNow(id, controller.signal).finally(() => {
        running.delete(id);
        ctx.emit('sources.changed', { sourceId: id });
      });
      running.set(id, { controller, promise });
      return promise;
    },
    cancel(id) {
      const current = running.get(id);
      current?.controller.abort();
      return current !== undefined;
    },
    async stop(id) {
      const current = running.get(id);
      if (!current) return;
      current.controller.abort();
      await current.promise.then(
        () => {},
        () => {},
      );
    },
    isScanning: (id) => running.has(id),
    async stopAll() {
      for (const s of running.values()) s.controller.abort();
      await Promise.allSettled([...running.values()].map((s) => s.promise));
    },
  };
  return manager;
}

export async function createEngine(opts: EngineOptions): Promise<Engine> {
  const dataDir = path.resolve(opts.dataDir);
  const catalog = new Catalog(openCatalogDb(dataDir));
  bindSourceUrls(opts.credentials, (id) => catalog.getSource(id)?.url ?? null); // keychain accounts are source URLs
  const credentials = sessionFirst(opts.credentials ?? memoryCredentials());
  const listeners = new Set<(e: EngineEvent) => void>();

  // A previous process may have been killed mid-scan: its scan rows and 'scanning' badges are stale.
  catalog.failInterruptedScans();
  for (const s of catalog.listSourceRows()) if (s.status === 'scanning') catalog.setSourceStatus(s.id, 'unknown');

  function emit<E extends EventName>(event: E, payload: EventPayloads[E]): void {
    for (const l of listeners) {
      try {
        l({ event, payload } as EngineEvent);
      } catch {
        // A host's listener failing must not break the engine.
      }
    }
  }

  let scans: ReturnType<typeof scanManager> | null = null;
  const sources = sourceManager(
    catalog,
    credentials,
    (id) => scans?.isScanning(id) ?? false,
    // A connection found the source's write permission changed: the renderer re-reads the sources.
    (id) => emit('sources.changed', { sourceId: id }),
  );
  const base = { dataDir, host: opts.host ?? 'test', catalog, credentials, emit, sources } as const;
  scans = scanManager(base);
  // ---- source health (nas/source-health.ts): per-source state, reconnect with backoff, health on Source.
  const healthOption = opts.health ?? (opts.host === 'electron' || opts.host === 'browser');
  const health = createSourceHealth({ catalog, sources, scans, emit, background: healthOption !== false, timing: typeof healthOption === 'object' ? healthOption : undefined });
  listeners.add(health.onEngineEvent);
  const ctx: EngineContext = { ...base, sources: health.sources, scans };
  // ---- end source health

  // Live updates: after a source has been indexed once, its changes are followed.
  const liveOption = opts.live ?? (opts.host === 'electron' || opts.host === 'browser');
  const live = liveOption
    ? new LiveUpdates({
        ...(typeof liveOption === 'object' ? liveOption : {}),
        open: (id) => sources.open(sources.requireRow(id)),
        rescan: (id) => (scans as ScanManager).scan(id),
        // Our own sidecar folder: a colleague's new annotation only needs the logs re-read, not a rescan.
        ignore: (change, sourceId) => {
          if (!change.path.startsWith('.modelshelf/')) return false;
          if (change.path.startsWith('.modelshelf/events/')) void syncAnnotations(ctx, sourceId).catch(() => {});
          return true;
        },
      })
    : null;
  if (live) {
    for (const row of catalog.listSourceRows()) if (row.lastScanAt !== null) void live.follow(row.id);
    listeners.add((e) => {
      if (e.event === 'scan.finished' && (e.payload as EventPayloads['scan.finished']).result.ok) {
        void live.follow((e.payload as EventPayloads['scan.finished']).sourceId);
      }
      if (e.event === 'sources.changed') {
        const id = (e.payload as EventPayloads['sources.changed']).sourceId;
        if (id !== null && catalog.getSource(id) === null) void live.unfollow(id);
      }
    });
  }

  const handlers: Handlers = {
    ...appHandlers(ctx),
    ...sourceHandlers(ctx),
    ...nasHandlers(ctx),
    ...fileManagerHandlers(ctx),
    ...libraryHandlers(ctx),
    ...insightHandlers(ctx),
    ...inspectHandlers(ctx),
    ...exportHandlers(ctx), ...annotationHandlers(ctx), // annotationHandlers last: it wraps library.list/get
  };

  return {
    call: (method, input) => dispatch(handlers, method, input),
    onEvent(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    async close() {
      await health.stop();
      await live?.close();
      await scans?.stopAll();
      await sources.closeAll();
      catalog.close();
    },
  };
}
