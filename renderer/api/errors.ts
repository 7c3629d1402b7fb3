// Errors the renderer itself produces (the engine's come over the wire as data already).
import type { ErrorCode } from '../../shared/result';
import type { Result } from '../../shared/result';

export function failure<T = never>(code: ErrorCode, message: string): Result<T> {
  return { ok: false, error: { code, message } };
}

export const CONNECTION_LOST =
  'Lost the connection to the Modelshelf engine. It will reconnect on its own; try again in a moment.';
export const NOT_CONNECTED = 'Could not reach the Modelshelf engine. Is it still running?';
