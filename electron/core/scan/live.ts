// Keeps indexed sources current without a manual rescan: a change notification from the share
// (SMB CHANGE_NOTIFY, or fs.watch for local folders) triggers a debounced incremental rescan, which
// re-reads only new or changed files. Sources that cannot notify, and changes a server does not
// report (Samba misses some made on its own disk), are caught by a periodic safety rescan.
import type { FileSource, SourceChange } from '../nas/file-source';

export interface LiveOptions {
  /** Wait this long after the last change before rescanning (bursts become one rescan). */
  debounceMs?: number;
  /** Safety rescan interval. */
  periodicMs?: number;
  /** Opens (or reuses) the source's connection. */
  open(sourceId: number): Promise<FileSource>;
  /** Runs (or joins) an incremental scan. */
  rescan(sourceId: number, reason: string): Promise<unknown>;
  /** Ignore our own sidecar writes and other noise. */
  ignore?(change: SourceChange, sourceId: number): boolean;
}

interface Watched {
  stop: (() => Promise<void>) | null;
  debounce: NodeJS.Timeout | null;
  periodic: NodeJS.Timeout;
  retry: NodeJS.Timeout | null;
  closed: boolean;
}

export class LiveUpdates {
  private readonly watched = new Map<number, Watched>();
  private readonly debounceMs: number;
  private readonly periodicMs: number;

  constructor(private readonly opts: LiveOptions) {
    this.debounceMs = opts.debounceMs ?? 400;
    this.periodicMs = opts.periodicMs ?? 10 * 60_000;
  }

  isWatching(sourceId: number): boolean {
    return this.watched.get(sourceId)?.stop != null;
  }

  /** Starts following a source (idempotent). */
  async follow(sourceId: number): Promise<void> {
    if (this.watched.has(sourceId)) return;
    const w: Watched = {
      stop: null,
      debounce: null,
      retry: null,
      closed: false,
      periodic: setInterval(() => this.kick(sourceId, 'periodic safety rescan', 0), this.periodicMs),
    };
    w.periodic.unref();
    this.watched.set(sourceId, w);
    await this.arm(sourceId, w);
  }

  private async arm(sourceId: number, w: Watched): Promise<void> {
    if (w.closed) return;
    try {
      const source = await this.opts.open(sourceId);
      if (!source.watch) return; // no notifications: the periodic rescan is all we have
      w.stop = await source.watch('', (change) => {
        if (this.opts.ignore?.(change, sourceId)) return;
        this.kick(sourceId, change.kind === 'overflow' ? `many changes under ${change.path || 'the share'}` : `${change.kind} ${change.path}`);
      });
    } catch {
      // Offline or refused: try again later; the source's health logic reports the state.
      w.retry = setTimeout(() => {
        w.retry = null;
        void this.arm(sourceId, w);
      }, 30_000);
      w.retry.unref();
    }
  }

  private kick(sourceId: number, reason: string, delay = this.debounceMs): void {
    const w = this.watched.get(sourceId);
    if (!w || w.closed) return;
    if (w.debounce) clearTimeout(w.debounce);
    w.debounce = setTimeout(() => {
      w.debounce = null;
      this.opts.rescan(sourceId, reason).catch(() => {
        // A failed rescan leaves the catalog as it was; the source is marked offline by the scan.
        // Re-arm the watcher once it is back.
        if (w.stop === null) void this.arm(sourceId, w);
      });
    }, delay);
  }

  async unfollow(sourceId: number): Promise<void> {
    const w = this.watched.get(sourceId);
    if (!w) return;
    this.watched.delete(sourceId);
    w.closed = true;
    clearInterval(w.periodic);
    if (w.debounce) clearTimeout(w.debounce);
    if (w.retry) clearTimeout(w.retry);
    await w.stop?.().catch(() => {});
  }

  async close(): Promise<void> {
    await Promise.all([...this.watched.keys()].map((id) => this.unfollow(id)));
  }
}
