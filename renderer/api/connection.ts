// Connection state every AppApi implementation can report, so the UI can say "reconnecting".
import type { AppApi } from '../../shared/app-api';

export type ConnectionState = 'connecting' | 'open' | 'reconnecting' | 'closed';

export interface ConnectionInfo {
  get(): ConnectionState;
  /** Called on every state change; returns the unsubscribe function. */
  subscribe(listener: (state: ConnectionState) => void): () => void;
}

/** An AppApi that may also report its connection (the WebSocket one does; the bridge is always open). */
export interface RendererApi extends AppApi {
  connection?: ConnectionInfo;
  close?(): void;
}
