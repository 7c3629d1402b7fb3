// Errors cross every boundary (engine → RPC → UI, engine → CLI) as data, never as thrown class
// instances. The set of codes is closed on purpose: a UI can give each one a plain message and an
// action, and a script can branch on it.
export const ERROR_CODES = [
  'INVALID_INPUT', // the request itself is malformed (bad URL, missing field)
  'NOT_FOUND', // a source, model, file or share that does not exist
  'AUTH_FAILED', // wrong user or password, locked account
  'UNREACHABLE', // host down, refused, timed out, connection lost mid-way
  'ACCESS_DENIED', // logged in, but not allowed (read-only share, file owned by someone else)
  'UNSUPPORTED', // the server or file uses something we do not speak (SMB1-only NAS, unknown format)
  'CONFLICT', // would overwrite something, or already exists
  'CANCELLED', // the user cancelled
  'IO', // disk full, corrupt file, unexpected reply
  'INTERNAL', // a bug: we say so rather than pretend it was the user's fault
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

export interface AppError {
  code: ErrorCode;
  message: string;
  /**
   * CONFLICT only: true when asking again with overwrite would resolve it (an earlier export, a
   * file of that name is in the way). Absent for conflicts overwriting cannot fix (the same bundle
   * is being exported right now), so a UI offers "Replace it" only when it is set.
   */
  replaceable?: true;
}

export type Result<T> = { ok: true; value: T } | { ok: false; error: AppError };

export function ok<T>(value: T): Result<T> {
  return { ok: true, value };
}

export function fail<T = never>(code: ErrorCode, message: string): Result<T> {
  return { ok: false, error: { code, message } };
}

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && (ERROR_CODES as readonly string[]).includes(value);
}
