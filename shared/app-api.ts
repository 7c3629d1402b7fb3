// The renderer's one door to the engine. Two implementations exist: the Electron preload bridge and
// a WebSocket client for browser mode. Both carry the same messages (see wire.ts).
import type { EventName, EventPayloads, MethodInput, MethodName, MethodOutput } from './contract';
import type { Result } from './result';

export interface AppApi {
  call<M extends MethodName>(method: M, input: MethodInput<M>): Promise<Result<MethodOutput<M>>>;
  /** Subscribe to an engine event; returns the unsubscribe function. */
  on<E extends EventName>(event: E, listener: (payload: EventPayloads[E]) => void): () => void;
}

/** What the Electron preload exposes on `window.modelshelf` (contextBridge). */
export interface BridgeApi {
  call(method: string, input: unknown): Promise<Result<unknown>>;
  on(event: string, listener: (payload: unknown) => void): () => void;
  // The two below exist only in the Electron window (optional so the renderer checks before use).
  /** Native menu commands ('add-source', 'export'); returns the unsubscribe function. */
  onMenu?(listener: (command: 'add-source' | 'export') => void): () => void;
  /** The OS folder picker (may create a folder); the chosen absolute path, or null when cancelled. */
  pickFolder?(): Promise<string | null>;
}
