// Header reads of new and changed files, fed while the walk is still listing: a file whose row was
// written is read as soon as a reader is free, so reads overlap listings instead of following them.
// Results are stored in batches (one transaction each) rather than one commit per file.
import type { ScanSummary } from '../../../shared/contract';
import type { Catalog } from '../catalog/catalog';
import type { FileSource } from '../nas/file-source';
import { parseSidecar, SIDECAR_CAP, sidecarKind } from '../registry/sidecar-files';
import { readHeader } from './read-header';
import { isFatal, type PendingRead } from './walk';

/**
 * Header budgets. Most formats need one 64 KiB read; GGUF tokenizer arrays and the data.pkl of big
 * PyTorch checkpoints are part of the header and can reach tens of MB, which is still a fraction of
 * the file and is read only when the file is new or changed.
 */
const BIG_HEADER_CAP = 64 * 1024 * 1024;
function byteCapFor(name: string): number | undefined {
  return /\.(gguf|pt|pth|ckpt|bin)$/i.test(name) ? BIG_HEADER_CAP : undefined;
}

/** Results kept before one write transaction. */
const WRITE_BATCH = 200;

interface Result {
  path: string;
  format: string | null;
  meta: Record<string, unknown> | null;
}

export class HeaderReads {
  private readonly queue: PendingRead[] = [];
  private readonly queued = new Set<string>();
  private results: Result[] = [];
  private active = 0;
  private waiting: Array<() => void> = [];
  /** A failure of the source itself: the scan stops with it. */
  failure: unknown = null;
  filesRead = 0;

  constructor(
    private readonly opts: {
      catalog: Catalog;
      source: FileSource;
      sourceId: number;
      signal: AbortSignal;
      concurrency: number;
      skipped: ScanSummary['skipped'];
      onFile: (path: string) => void;
      onFatal: (err: unknown) => void;
    },
  ) {}

  /** Queues files (a path already queued in this scan is not read twice). */
  add(files: readonly PendingRead[]): void {
    for (const f of files) {
      if (this.queued.has(f.path)) continue;
      this.queued.add(f.path);
      this.queue.push(f);
    }
    this.pump();
  }

  /** Fewer files waiting than readers: more work could start now. */
  idle(): boolean {
    return this.queue.length < this.opts.concurrency;
  }

  /** Waits until every queued file was read and stored. */
  async drain(): Promise<void> {
    this.pump();
    while (this.active > 0) await new Promise<void>((resolve) => this.waiting.push(resolve));
    this.flush();
    if (this.failure !== null) throw this.failure;
  }

  private running(): boolean {
    return this.failure === null && !this.opts.signal.aborted;
  }

  private pump(): void {
    while (this.running() && this.active < this.opts.concurrency && this.queue.length > 0) {
      const f = this.queue.shift() as PendingRead;
      this.active++;
      this.readOne(f)
        .catch((err: unknown) => {
          if (this.failure === null) {
            this.failure = err;
            this.opts.onFatal(err);
          }
        })
        .finally(() => {
          this.active--;
          if (this.results.length >= WRITE_BATCH) this.flush();
          this.pump();
          if (this.active === 0) {
            this.flush();
            for (const wake of this.waiting.splice(0)) wake();
          }
        });
    }
  }

  /**
   * Stores the finished reads. A failing write (disk full, catalog locked) becomes the reader's
   * failure instead of an exception thrown out of a promise callback nobody awaits; the rows stay
   * pending and are read again by the next scan.
   */
  private flush(): void {
    if (this.results.length === 0) return;
    const rows = this.results;
    this.results = [];
    try {
      this.opts.catalog.setEntryFormats(this.opts.sourceId, rows);
    } catch (err) {
      if (this.failure === null) {
        this.failure = err;
        this.opts.onFatal(err);
      }
    }
  }

  private async readOne(f: PendingRead): Promise<void> {
    const { source } = this.opts;
    this.opts.onFile(f.path);
    try {
      const kind = sidecarKind(f.path);
      if (kind) {
        if (f.size > SIDECAR_CAP) {
          this.results.push({ path: f.path, format: kind, meta: { kind: 'other', metadata: {}, warnings: ['file too large to read'] } });
        } else {
          const text = new TextDecoder('utf-8', { fatal: false }).decode(await source.read(f.path, 0, f.size));
          let metadata: Record<string, unknown> = {};
          const warnings: string[] = [];
          try {
            metadata = parseSidecar(kind, text);
          } catch (err) {
            warnings.push(`could not be parsed: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}`);
          }
          this.results.push({ path: f.path, format: kind, meta: { kind: 'other', metadata, warnings } });
        }
      } else {
        // A failing share is rethrown (the file stays pending and is read again next scan).
        const info = await readHeader(source, f.path, f.name, f.size, { byteCap: byteCapFor(f.name) });
        this.results.push({
          path: f.path,
          format: info?.format ?? null,
          meta: info ? { kind: info.kind, metadata: info.metadata, warnings: info.warnings } : null,
        });
      }
      this.filesRead++;
    } catch (err) {
      if (isFatal(err)) throw err;
      const message = err instanceof Error ? err.message : String(err);
      this.results.push({ path: f.path, format: null, meta: { kind: 'other', metadata: {}, warnings: [message] } });
      this.opts.skipped.push({ path: f.path, reason: `its header could not be read: ${message}` });
    }
  }
}
