// createEngine(): the whole product behind one call surface. Plain Node, no Electron. Hosts pass a
// data folder and (in the desktop app) a keychain-backed credential store.
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { AppInfo, EngineEvent, EventName, EventPayloads, Source } from '../../shared/contract';
import { Catalog, type SourceRow } from './catalog/catalog';
import { openCatalogDb } from './catalog/open';
import { memoryCredentials } from './credentials';
import { writeDemoLibrary } from './demo/generate';
import type { CredentialStore, Engine, EngineOptions } from './engine-api';
import { EngineError } from './errors';
import type { FileSource } from './nas/file-source';
import { parseLocation } from './nas/location';
import { openLocalSource } from './nas/local-source';
import { openSmbTarget, openSourceRow } from './nas/open-source';
import { dispatch, type Handlers } from './rpc/dispatch';
import { runScan } from './scan/scanner';

export const ENGINE_VERSION = '0.1.0';
const DEMO_FOLDER = 'demo-library';

/**
 * Passwords typed in this session are kept in memory first, then handed to the persistent store.
 * If the store refuses (no keychain on this machine), the connection that just worked keeps working
 * for the session instead of failing the whole call; the next start asks again.
 */
function sessionFirst(store: CredentialStore): CredentialStore {
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
  };
}

export async function createEngine(opts: EngineOptions): Promise<Engine> {
  const dataDir = path.resolve(opts.dataDir);
  const db = openCatalogDb(dataDir);
  const catalog = new Catalog(db);
  const credentials = sessionFirst(opts.credentials ?? memoryCredentials());
  const listeners = new Set<(e: EngineEvent) => void>();
  const openSources = new Map<number, FileSource>();
  const scans = new Map<number, { controller: AbortController; promise: Promise<unknown> }>();

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

  async function toSource(row: SourceRow): Promise<Source> {
    const needsPassword = row.kind === 'smb' && (await credentials.get(row.id)) === null;
    return {
      id: row.id,
      name: row.name,
      kind: row.kind,
      url: row.url,
      status: scans.has(row.id) ? 'scanning' : row.status,
      lastScanAt: row.lastScanAt,
      lastSeenAt: row.lastSeenAt,
      lastError: row.lastError,
      needsPassword,
      counts: catalog.sourceCounts(row.id),
    };
  }

  function requireRow(id: number): SourceRow {
    const row = catalog.getSource(id);
    if (!row) throw new EngineError('NOT_FOUND', `There is no source with id ${id}.`);
    return row;
  }

  async function sourceFor(row: SourceRow): Promise<FileSource> {
    const cached = openSources.get(row.id);
    if (cached) return cached;
    const fs = await openSourceRow(row, await credentials.get(row.id));
    openSources.set(row.id, fs);
    return fs;
  }

  async function dropSource(id: number): Promise<void> {
    const fs = openSources.get(id);
    openSources.delete(id);
    await fs?.close().catch(() => {});
  }

  async function addSource(location: string, name: string | undefined, password: string | undefined): Promise<Source> {
    const loc = parseLocation(location);
    if (catalog.findSourceByUrl(loc.url)) {
      throw new EngineError('CONFLICT', `${loc.url} is already in your sources.`);
    }
    // Connect once before saving: a wrong password or a typo must not leave a broken source behind.
    let probe: FileSource;
    if (loc.kind === 'local') {
      probe = await openLocalSource(loc.rootPath);
    } else {
      probe = await openSmbTarget(loc, password ?? null);
    }
    try {
      await probe.list('');
    } catch (err) {
      await probe.close().catch(() => {});
      throw err;
    }
    const row = catalog.insertSource(
      loc.kind === 'local'
        ? { kind: 'local', name: name ?? (path.basename(loc.rootPath) || loc.rootPath), url: loc.url, rootPath: loc.rootPath }
        : {
            kind: 'smb',
            name: name ?? `${loc.share} on ${loc.host}`,
            url: loc.url,
            host: loc.host,
            port: loc.port,
            share: loc.share,
            subpath: loc.subpath,
            username: loc.user,
            domain: loc.domain,
          },
    );
    if (loc.kind === 'smb' && password !== undefined) await credentials.set(row.id, password);
    openSources.set(row.id, probe);
    catalog.setSourceStatus(row.id, 'online', { seen: true, lastError: null });
    emit('sources.changed', { sourceId: row.id });
    return toSource(catalog.requireSource(row.id));
  }

  function scan(id: number) {
    const running = scans.get(id);
    if (running) return running.promise as ReturnType<typeof runScanNow>;
    const controller = new AbortController();
    const promise = runScanNow(id, controller.signal).finally(() => {
      scans.delete(id);
      emit('sources.changed', { sourceId: id });
    });
    scans.set(id, { controller, promise });
    return promise;
  }

  async function runScanNow(id: number, signal: AbortSignal) {
    const row = requireRow(id);
    emit('sources.changed', { sourceId: id });
    try {
      const source = await sourceFor(row);
      const summary = await runScan({
        catalog,
        source,
        sourceId: id,
        signal,
        onProgress: (p) => emit('scan.progress', p),
      });
      catalog.setSourceStatus(id, 'online', { seen: true, lastError: null });
      emit('scan.finished', { sourceId: id, result: { ok: true, summary } });
      emit('library.changed', { sourceId: id });
      return summary;
    } catch (err) {
      const e = err instanceof EngineError ? err : new EngineError('INTERNAL', String(err));
      if (e.code === 'UNREACHABLE' || e.code === 'AUTH_FAILED') {
        catalog.setSourceStatus(id, 'offline', { lastError: e.message });
        await dropSource(id);
      } else if (e.code !== 'CANCELLED') {
        catalog.setSourceStatus(id, row.status === 'scanning' ? 'unknown' : row.status, { lastError: e.message });
      }
      emit('scan.finished', { sourceId: id, result: { ok: false, code: e.code, message: e.message } });
      // What was indexed before a failure is still in the catalog; the list may have grown.
      emit('library.changed', { sourceId: id });
      throw err;
    }
  }

  const handlers: Handlers = {
    'app.info': async (): Promise<AppInfo> => {
      const demo = path.join(dataDir, DEMO_FOLDER);
      return {
        version: ENGINE_VERSION,
        dataDir,
        catalogPath: path.join(dataDir, 'catalog.sqlite'),
        demoPath: existsSync(demo) ? demo : null,
        host: opts.host ?? 'test',
      };
    },
    'sources.list': async () => Promise.all(catalog.listSourceRows().map(toSource)),
    'sources.add': async ({ location, name, password }) => addSource(location, name, password),
    'sources.remove': async ({ id }) => {
      requireRow(id);
      scans.get(id)?.controller.abort();
      await dropSource(id);
      catalog.deleteSource(id);
      await credentials.delete(id);
      emit('sources.changed', { sourceId: id });
      emit('library.changed', { sourceId: id });
      return { removed: true as const };
    },
    'sources.setPassword': async ({ id, password }) => {
      const row = requireRow(id);
      if (row.kind !== 'smb') throw new EngineError('INVALID_INPUT', `${row.name} is a local folder; it has no password.`);
      await dropSource(id);
      const probe = await openSourceRow(row, password);
      await probe.list('');
      openSources.set(id, probe);
      await credentials.set(id, password);
      catalog.setSourceStatus(id, 'online', { seen: true, lastError: null });
      emit('sources.changed', { sourceId: id });
      return toSource(catalog.requireSource(id));
    },
    'sources.scan': async ({ id }) => scan(id),
    'sources.cancelScan': async ({ id }) => {
      const running = scans.get(id);
      running?.controller.abort();
      return { cancelled: running !== undefined };
    },
    'demo.open': async () => {
      const dir = path.join(dataDir, DEMO_FOLDER);
      let row = catalog.findSourceByUrl(dir);
      if (!row) {
        if (!existsSync(dir)) await writeDemoLibrary(dir);
        await addSource(dir, 'Demo library', undefined);
        row = catalog.findSourceByUrl(dir) as SourceRow;
      }
      const id = row.id;
      if (row.lastScanAt === null) scan(id).catch(() => {});
      return toSource(catalog.requireSource(id));
    },
    'library.list': async (filter) => catalog.listLibrary(filter),
    'library.get': async ({ id }) => {
      const item = catalog.getItem(id);
      if (!item) throw new EngineError('NOT_FOUND', `There is no model or dataset with id ${id}.`);
      return item;
    },
  };

  return {
    call: (method, input) => dispatch(handlers, method, input),
    onEvent(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    async close() {
      for (const s of scans.values()) s.controller.abort();
      await Promise.allSettled([...scans.values()].map((s) => s.promise));
      await Promise.allSettled([...openSources.keys()].map(dropSource));
      catalog.close();
    },
  };
}
