// What handler modules get: the catalog, passwords, events, and the managers of open sources and
// running scans. Each domain's handlers live in rpc/<domain>-handlers.ts and see only this.
import type { EventName, EventPayloads, ScanSummary, Source } from '../../shared/contract';
import type { Catalog, SourceRow } from './catalog/catalog';
import type { EngineOptions, SessionCredentialStore } from './engine-api';
import type { FileSource } from './nas/file-source';

export interface SourceManager {
  /** The catalog row, or NOT_FOUND. */
  requireRow(id: number): SourceRow;
  /** The open FileSource for a source, connecting (with the stored password) on first use. */
  open(row: SourceRow): Promise<FileSource>;
  /** Keeps an already-connected FileSource for a source (after add / password change). */
  adopt(id: number, source: FileSource): void;
  /** Closes and forgets the connection (after a failure, so the next use reconnects). */
  drop(id: number): Promise<void>;
  /** The public record, with live status and counts. */
  toSource(row: SourceRow): Promise<Source>;
}

export interface ScanManager {
  /** Runs (or joins the running) scan of a source. */
  scan(id: number): Promise<ScanSummary>;
  cancel(id: number): boolean;
  /** Cancels the running scan of a source (if any) and resolves once it has ended. */
  stop(id: number): Promise<void>;
  isScanning(id: number): boolean;
}

export interface EngineContext {
  dataDir: string;
  host: NonNullable<EngineOptions['host']>;
  catalog: Catalog;
  credentials: SessionCredentialStore;
  emit<E extends EventName>(event: E, payload: EventPayloads[E]): void;
  sources: SourceManager;
  scans: ScanManager;
}
