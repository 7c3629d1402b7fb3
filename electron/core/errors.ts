// Inside the engine, failures are thrown as EngineError (a code from the closed set plus a message a
// person can act on). rpc/dispatch turns them into Result data at the boundary; anything else that
// is thrown is a bug and becomes INTERNAL.
import type { AppError, ErrorCode } from '../../shared/result';

export class EngineError extends Error {
  readonly code: ErrorCode;
  /** See AppError.replaceable. */
  readonly replaceable: boolean;
  constructor(code: ErrorCode, message: string, options?: { cause?: unknown; replaceable?: boolean }) {
    super(message, options);
    this.name = 'EngineError';
    this.code = code;
    this.replaceable = options?.replaceable === true;
  }
}

export function toAppError(err: unknown): AppError {
  if (err instanceof EngineError) return { code: err.code, message: err.message, ...(err.replaceable ? { replaceable: true as const } : {}) };
  const message = err instanceof Error ? err.message : String(err);
  return { code: 'INTERNAL', message: `Something went wrong inside Modelshelf: ${message}` };
}
