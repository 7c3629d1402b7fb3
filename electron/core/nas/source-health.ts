// Per-source connection health: online / connecting / offline since T / auth failed / share gone,
// with automatic reconnect and backoff (1 s → 60 s). A source that goes offline keeps its catalog;
// only its state, message and "last seen" change. Every transition is a sources.changed event.
//
// How it hooks into the engine (engine.ts, one delimited block): it wraps the SourceManager the
// handlers see (to learn of connections made and failed, and to add `health` / `origin` to Source),
// listens to engine events (scan.finished says a scan lost the NAS), and runs its own timers: a cheap
// check of each connected source (stat of the root) and the reconnect attempts. Wrong passwords are
// never retried by themselves (that would lock the account on many NAS).
import type { EngineEvent, EventName, EventPayloads, Source, SourceHealth, SourceHealthState } from '../../../shared/contract';
import type { ErrorCode } from '../../../shared/result';
import type { Catalog, SourceRow } from '../catalog/catalog';
import type { ScanManager, SourceManager } from '../engine-context';
import { EngineError } from '../errors';
import { smbUrl } from './location';
import { Status } from './smb/constants';
import { SmbStatusError } from './smb/errors';

export interface HealthTiming {
  /** How often a connected source is checked (0 = never). */
  checkIntervalMs: number;
  minBackoffMs: number;
  maxBackoffMs: number;
  /** How long one check or reconnect may take before it counts as a failure. */
  probeTimeoutMs: number;
}

export const DEFAULT_HEALTH_TIMING: HealthTiming = {
  checkIntervalMs: 10_000,
  minBackoffMs: 1000,
  maxBackoffMs: 60_000,
  probeTimeoutMs: 10_000,
};

export interface SourceHealthDeps {
  catalog: Catalog;
  sources: SourceManager;
  scans: Pick<ScanManager, 'isScanning'>;
  emit<E extends EventName>(event: E, payload: EventPayloads[E]): void;
  /** False for short-lived hosts (the CLI): states are still tracked, but nothing runs by itself. */
  background: boolean;
  timing?: Partial<HealthTiming>;
  now?: () => number;
}

export interface SourceHealthMonitor {
  /** The SourceManager to give handlers: the same one, observed, with health and origin on Source. */
  sources: SourceManager;
  onEngineEvent(event: EngineEvent): void;
  get(id: number): SourceHealth;
  /** Runs one check of a source now (tests, "retry now" buttons); resolves with the state after it. */
  checkNow(id: number): Promise<SourceHealth>;
  stop(): Promise<void>;
}

interface Tracked {
  state: SourceHealthState;
  since: number;
  message: string | null;
  /** Start of the current not-online stretch: "offline since" survives failed retries. */
  downSince: number | null;
  attempt: number;
  timer: NodeJS.Timeout | null;
  nextRetryAt: number | null;
  busy: boolean;
}

/** Wait before reconnect attempt `attempt` (1, 2, …): doubling from min to max, plus up to 10% jitter. */
export function backoffDelay(attempt: number, timing: Pick<HealthTiming, 'minBackoffMs' | 'maxBackoffMs'>, random = Math.random): number {
  const exp = Math.min(timing.maxBackoffMs, timing.minBackoffMs * 2 ** Math.min(20, Math.max(0, attempt - 1)));
  return Math.round(exp * (1 + random() * 0.1));
}

/** Where the failure puts the source, and what to tell the person. */
export function classifyFailure(err: unknown, row: Pick<SourceRow, 'kind' | 'host' | 'share' | 'username' | 'rootPath' | 'url'>): {
  state: Extract<SourceHealthState, 'offline' | 'auth-failed' | 'share-gone'>;
  message: string;
} {
  const e = err instanceof EngineError ? err : new EngineError('IO', err instanceof Error ? err.message : String(err));
  const host = row.host ?? 'the NAS';
  const where = row.kind === 'local' ? (row.rootPath ?? row.url) : `${row.share ?? ''} on ${host}`;
  const status = e instanceof SmbStatusError ? e.status : null;
  const code: ErrorCode = e.code;
  if (row.kind === 'local') {
    if (code === 'NOT_FOUND') {
      return { state: 'share-gone', message: `The folder ${where} is not there any more (if it is a mounted share, mount it again).` };
    }
    if (code === 'ACCESS_DENIED') return { state: 'auth-failed', message: e.message };
    return { state: 'offline', message: `Cannot read ${where}: ${e.message}` };
  }
  if (status === Status.BAD_NETWORK_NAME || (code === 'NOT_FOUND' && status === null)) {
    return {
      state: 'share-gone',
      message: `The share ${row.share ?? ''} is no longer on ${host} (renamed or removed?). Modelshelf checks again from time to time; the catalog stays browsable.`,
    };
  }
  if (code === 'NOT_FOUND') {
    return { state: 'share-gone', message: `The folder this source points to is no longer on ${host}. ${e.message}` };
  }
  if (code === 'AUTH_FAILED') {
    const who = row.username ? ` for ${row.username}` : '';
    const plain = /user name and password/.test(e.message)
      ? `${host} no longer accepts the saved password${who}. Type the password again to reconnect.`
      : e.message;
    return { state: 'auth-failed', message: plain };
  }
  if (code === 'ACCESS_DENIED') {
    return { state: 'auth-failed', message: `${host} no longer lets this account open ${row.share ?? 'the share'}. ${e.message}` };
  }
  if (code === 'INVALID_INPUT') return { state: 'auth-failed', message: e.message };
  return { state: 'offline', message: `${unreachableWords(e, host)} Modelshelf reconnects by itself; the catalog stays browsable.` };
}

function unreachableWords(e: EngineError, host: string): string {
  const cause = (e.cause as { code?: string } | undefined)?.code ?? /\(([A-Z_]+)\)\s*$/.exec(e.message)?.[1];
  switch (cause) {
    case 'ECONNREFUSED':
      return `${host} refused the connection: the computer is on, but file sharing is not running.`;
    case 'ETIMEDOUT':
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
    case 'EHOSTDOWN':
      return `${host} is not answering: it may be off, asleep, or on another network.`;
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return `No computer called ${host} was found on the network.`;
    case 'ECONNRESET':
    case 'EPIPE':
      return `${host} dropped the connection.`;
  }
  if (/closed by the NAS|ended the session/.test(e.message)) return `${host} closed the connection (it may have restarted or gone to sleep).`;
  if (/took too long|timed out/i.test(e.message)) return `${host} is not answering in time.`;
  return e.message;
}

function timeout<T>(p: Promise<T>, ms: number, host: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const t = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new EngineError('UNREACHABLE', `${host} took too long to answer.`, { cause: { code: 'ETIMEDOUT' } })),
      ms,
    );
  });
  return Promise.race([p, t]).finally(() => clearTimeout(timer));
}

/** The smb:// a local source came from (an OS-mounted share added with nas.addMounted), else null. */
export function originOf(row: SourceRow): string | null {
  if (row.kind !== 'local' || !row.host || !row.share) return null;
  return smbUrl({
    host: row.host,
    port: row.port ?? null,
    share: row.share,
    subpath: row.subpath ?? '',
    user: row.username ?? null,
    domain: row.domain ?? null,
  });
}

export function createSourceHealth(deps: SourceHealthDeps): SourceHealthMonitor {
  const timing: HealthTiming = { ...DEFAULT_HEALTH_TIMING, ...deps.timing };
  const now = deps.now ?? Date.now;
  const { catalog, emit } = deps;
  const base = deps.sources;
  const tracked = new Map<number, Tracked>();
  const inFlight = new Set<Promise<unknown>>();
  let stopped = false;

  function fromRow(row: SourceRow): SourceHealth {
    if (row.status === 'online') return { state: 'online', since: row.lastSeenAt, message: null, nextRetryAt: null };
    if (row.status === 'offline') return { state: 'offline', since: null, message: row.lastError, nextRetryAt: null };
    return { state: 'unknown', since: null, message: null, nextRetryAt: null };
  }

  function track(id: number): Tracked {
    let t = tracked.get(id);
    if (!t) {
      t = { state: 'unknown', since: now(), message: null, downSince: null, attempt: 0, timer: null, nextRetryAt: null, busy: false };
      tracked.set(id, t);
    }
    return t;
  }

  function forget(id: number): void {
    const t = tracked.get(id);
    if (t?.timer) clearTimeout(t.timer);
    tracked.delete(id);
  }

  function transition(id: number, state: SourceHealthState, message: string | null): void {
    if (stopped) return;
    const t = track(id);
    const changed = t.state !== state || t.message !== message;
    if (t.state !== state) t.since = now();
    if (state === 'online') {
      t.downSince = null;
      t.attempt = 0;
    } else if (state !== 'connecting' && t.downSince === null) {
      t.downSince = now();
    }
    t.state = state;
    t.message = message;
    try {
      if (!catalog.getSource(id)) {
        forget(id);
        return;
      }
      if (state === 'online') catalog.setSourceStatus(id, 'online', { seen: true, lastError: null });
      else if (state !== 'connecting') catalog.setSourceStatus(id, 'offline', { lastError: message });
    } catch {
      return; // the catalog is closing
    }
    if (changed) emit('sources.changed', { sourceId: id });
  }

  function schedule(id: number): void {
    const t = track(id);
    if (t.timer) clearTimeout(t.timer);
    t.timer = null;
    t.nextRetryAt = null;
    if (stopped || !deps.background || t.state === 'auth-failed' || t.state === 'unknown') return;
    let delay: number;
    if (t.state === 'online' || t.state === 'connecting') {
      if (timing.checkIntervalMs <= 0) return;
      delay = timing.checkIntervalMs;
    } else {
      t.attempt++;
      delay = backoffDelay(t.attempt, timing);
      t.nextRetryAt = now() + delay;
    }
    t.timer = setTimeout(() => {
      t.timer = null;
      void runCheck(id, t.state !== 'online');
    }, delay);
    t.timer.unref?.();
  }

  /** One check (connected source) or reconnect attempt (offline source). */
  async function runCheck(id: number, reconnect: boolean): Promise<void> {
    if (stopped) return;
    const t = track(id);
    if (t.busy) return;
    const row = catalog.getSource(id);
    if (!row) {
      forget(id);
      return;
    }
    if (deps.scans.isScanning(id)) {
      schedule(id); // the scan itself reports what happens
      return;
    }
    t.busy = true;
    const host = row.host ?? row.url;
    const attemptOnce = async (fresh: boolean) => {
      if (fresh) await base.drop(id);
      const fs = await timeout(base.open(row), timing.probeTimeoutMs, host);
      await timeout(fs.stat(''), timing.probeTimeoutMs, host);
    };
    const work = (async () => {
      try {
        if (reconnect && t.state !== 'connecting') transition(id, 'connecting', `Connecting to ${host}…`);
        try {
          await attemptOnce(reconnect);
        } catch (err) {
          // A connection the NAS dropped while idle is normal (Windows does after 15 minutes):
          // reconnect once at once before calling the source offline.
          if (reconnect || !(err instanceof EngineError) || err.code !== 'UNREACHABLE') throw err;
          await attemptOnce(true);
        }
        transition(id, 'online', null);
      } catch (err) {
        await base.drop(id).catch(() => {});
        const c = classifyFailure(err, row);
        transition(id, c.state, c.message);
      } finally {
        t.busy = false;
        if (tracked.get(id) === t) schedule(id);
      }
    })();
    inFlight.add(work);
    await work.finally(() => inFlight.delete(work));
  }

  function failed(id: number, err: unknown): void {
    const row = catalog.getSource(id);
    if (!row) return;
    const c = classifyFailure(err, row);
    transition(id, c.state, c.message);
    schedule(id);
  }

  function succeeded(id: number): void {
    const t = track(id);
    const wasOnline = t.state === 'online';
    transition(id, 'online', null);
    if (!wasOnline || !t.timer) schedule(id);
  }

  function get(id: number): SourceHealth {
    const t = tracked.get(id);
    if (!t) {
      const row = catalog.getSource(id);
      return row ? fromRow(row) : { state: 'unknown', since: null, message: null, nextRetryAt: null };
    }
    return { state: t.state, since: t.downSince ?? t.since, message: t.message, nextRetryAt: t.nextRetryAt };
  }

  const sources: SourceManager = {
    requireRow: (id) => base.requireRow(id),
    async open(row) {
      try {
        const fs = await base.open(row);
        if (tracked.get(row.id)?.state !== 'online') succeeded(row.id);
        return fs;
      } catch (err) {
        if (err instanceof EngineError && err.code !== 'CANCELLED') failed(row.id, err);
        throw err;
      }
    },
    adopt(id, source) {
      base.adopt(id, source);
      succeeded(id);
    },
    drop: (id) => base.drop(id),
    async toSource(row): Promise<Source> {
      const s = await base.toSource(row);
      const health = tracked.has(row.id) ? get(row.id) : fromRow(row);
      // A guest source (no user name) needs no password.
      const needsPassword = s.needsPassword && !(row.kind === 'smb' && !row.username);
      return { ...s, needsPassword, health, origin: originOf(row) };
    },
  };

  return {
    sources,
    onEngineEvent(e) {
      if (stopped) return;
      if (e.event === 'scan.finished') {
        const p = e.payload as EventPayloads['scan.finished'];
        if (p.result.ok) succeeded(p.sourceId);
        else if (['UNREACHABLE', 'AUTH_FAILED', 'NOT_FOUND', 'ACCESS_DENIED'].includes(p.result.code)) {
          failed(p.sourceId, new EngineError(p.result.code as ErrorCode, p.result.message));
        }
      } else if (e.event === 'sources.changed') {
        const id = (e.payload as EventPayloads['sources.changed']).sourceId;
        if (id !== null && tracked.has(id) && !catalog.getSource(id)) forget(id);
      }
    },
    get,
    async checkNow(id) {
      const t = track(id);
      await runCheck(id, t.state !== 'online');
      return get(id);
    },
    async stop() {
      stopped = true;
      for (const t of tracked.values()) if (t.timer) clearTimeout(t.timer);
      await Promise.race([Promise.allSettled([...inFlight]), new Promise((r) => setTimeout(r, timing.probeTimeoutMs).unref())]);
    },
  };
}
