// The engine as hosts see it. Hosts (Electron utility process, browser-mode server, CLI, tests) create
// one with createEngine() (engine.ts) and only ever use this surface.
import type { EngineEvent, MethodName } from '../../shared/contract';
import type { Result } from '../../shared/result';

export interface CredentialStore {
  /** Password for a source, or null when none is known (the UI then asks for it). */
  get(sourceId: number): Promise<string | null>;
  set(sourceId: number, password: string): Promise<void>;
  delete(sourceId: number): Promise<void>;
}

/** The engine's view of credentials: the persistent store plus passwords kept for this session only. */
export interface SessionCredentialStore extends CredentialStore {
  /** Keeps a password in memory for this run only and removes any copy the persistent store holds. */
  keepForSession(sourceId: number, password: string): Promise<void>;
}

export interface EngineOptions {
  /** Folder for the catalog (catalog.sqlite) and the demo library. Created if missing. */
  dataDir: string;
  /** Where passwords live: memory by default; the Electron host passes one backed by safeStorage. */
  credentials?: CredentialStore;
  host?: 'electron' | 'browser' | 'cli' | 'test';
  /**
   * Follow indexed sources for changes and rescan them by themselves (change notifications plus a
   * periodic safety rescan). Default: on for the app hosts (electron, browser), off for one-shot CLI
   * commands and tests.
   */
  live?: boolean | { debounceMs?: number; periodicMs?: number };
  /**
   * Check connected sources and reconnect offline ones by themselves, with backoff (nas/source-health.ts).
   * Default: on for the app hosts (electron, browser), off for the CLI and tests; states are tracked either way.
   */
  health?: boolean | { checkIntervalMs?: number; minBackoffMs?: number; maxBackoffMs?: number; probeTimeoutMs?: number };
}

export interface Engine {
  /** Validates `input` against the contract, runs the handler, never throws. */
  call(method: MethodName | string, input: unknown): Promise<Result<unknown>>;
  /** Subscribe to every engine event; returns the unsubscribe function. */
  onEvent(listener: (event: EngineEvent) => void): () => void;
  close(): Promise<void>;
}
