// NTSTATUS and socket failures → EngineError with words a person can act on. The NTSTATUS (or the
// socket error code) stays in the message tail for support.
import { EngineError } from '../../errors';
import { Status, statusHex, statusName } from './constants';

export interface StatusContext {
  /** What we were doing, e.g. 'log in', 'open models/a.bin'. */
  op?: string;
  host?: string;
  port?: number;
  share?: string;
  path?: string;
  /** The user name, for access-denied messages about writes. */
  user?: string;
  /** The share grants this user no write access at all (tree connect maximal access). */
  readOnlyShare?: boolean;
}

/** An SMB error reply. Keeps the raw status for code that branches on it. */
export class SmbStatusError extends EngineError {
  readonly status: number;
  constructor(code: ConstructorParameters<typeof EngineError>[0], message: string, status: number) {
    super(code, message);
    this.status = status >>> 0;
  }
}

function tail(status: number): string {
  return ` (${statusName(status)} ${statusHex(status)})`;
}

export function errorFromStatus(status: number, ctx: StatusContext = {}): SmbStatusError {
  const s = status >>> 0;
  const what = ctx.path !== undefined ? `"${ctx.path === '' ? '/' : ctx.path}"` : 'that item';
  const mk = (code: ConstructorParameters<typeof EngineError>[0], msg: string) => new SmbStatusError(code, msg + tail(s), s);
  switch (s) {
    case Status.LOGON_FAILURE:
    case Status.WRONG_PASSWORD:
    case Status.NO_SUCH_USER:
      return mk('AUTH_FAILED', 'The NAS did not accept this user name and password.');
    case Status.ACCOUNT_LOCKED_OUT:
      return mk('AUTH_FAILED', 'This account is locked on the NAS (too many wrong passwords). Ask its administrator to unlock it, or wait and try again.');
    case Status.ACCOUNT_DISABLED:
      return mk('AUTH_FAILED', 'This account is disabled on the NAS. Ask its administrator to enable it.');
    case Status.ACCOUNT_EXPIRED:
      return mk('AUTH_FAILED', 'This account has expired on the NAS. Ask its administrator to renew it.');
    case Status.PASSWORD_EXPIRED:
    case Status.PASSWORD_MUST_CHANGE:
      return mk('AUTH_FAILED', 'The password of this account has expired. Change it on the NAS (or ask its administrator), then try again.');
    case Status.ACCOUNT_RESTRICTION:
    case Status.INVALID_LOGON_HOURS:
    case Status.INVALID_WORKSTATION:
      return mk('AUTH_FAILED', 'The NAS does not allow this account to log in from here or at this time.');
    case Status.BAD_NETWORK_NAME:
      return mk('NOT_FOUND', `The NAS has no share called ${ctx.share ?? '(unknown)'}.`);
    case Status.ACCESS_DENIED:
    case Status.NETWORK_ACCESS_DENIED:
    case Status.MEDIA_WRITE_PROTECTED:
    case Status.CANNOT_DELETE:
      if (ctx.readOnlyShare) return mk('ACCESS_DENIED', `This share is read-only for ${ctx.user ?? 'this account'}.`);
      return mk('ACCESS_DENIED', ctx.share !== undefined && ctx.path === undefined
        ? `This account may not open the share ${ctx.share}.`
        : `${ctx.user !== undefined ? `The account ${ctx.user}` : 'This account'} may not ${ctx.op ?? 'open'} ${what}.`);
    case Status.OBJECT_NAME_NOT_FOUND:
    case Status.OBJECT_PATH_NOT_FOUND:
    case Status.NO_SUCH_FILE:
    case Status.NOT_FOUND:
      return mk('NOT_FOUND', `There is no ${what} on the share.`);
    case Status.OBJECT_NAME_INVALID:
    case Status.OBJECT_PATH_INVALID:
    case Status.OBJECT_PATH_SYNTAX_BAD:
      return mk('INVALID_INPUT', `The NAS refused the name ${what}.`);
    case Status.NOT_A_DIRECTORY:
      return mk('INVALID_INPUT', `${what} is a file, not a folder.`);
    case Status.FILE_IS_A_DIRECTORY:
      return mk('INVALID_INPUT', `${what} is a folder, not a file.`);
    case Status.SHARING_VIOLATION:
      return mk('CONFLICT', `${what} is in use by another program on the NAS.`);
    case Status.OBJECT_NAME_COLLISION:
      return mk('CONFLICT', `${what} already exists.`);
    case Status.DIRECTORY_NOT_EMPTY:
      return mk('CONFLICT', `${what} is a folder that is not empty.`);
    case Status.DELETE_PENDING:
      return mk('NOT_FOUND', `${what} is being deleted.`);
    case Status.NOT_SUPPORTED:
    case Status.INVALID_DEVICE_REQUEST:
      return mk('UNSUPPORTED', 'The NAS does not support this operation.');
    case Status.DISK_FULL:
      return mk('IO', 'The NAS is full.');
    case Status.CANCELLED:
      return mk('CANCELLED', 'The operation was cancelled.');
    case Status.NETWORK_NAME_DELETED:
    case Status.USER_SESSION_DELETED:
    case Status.NETWORK_SESSION_EXPIRED:
      return mk('UNREACHABLE', 'The NAS ended the session. Reconnect and try again.');
    case Status.INSUFFICIENT_RESOURCES:
    case Status.REQUEST_NOT_ACCEPTED:
      return mk('IO', 'The NAS is too busy to serve this request right now.');
    case Status.IO_TIMEOUT:
      return mk('UNREACHABLE', 'The NAS took too long to answer.');
    default:
      return mk('IO', `The NAS answered ${ctx.op ? `"${ctx.op}" ` : ''}with an error.`);
  }
}

/** The NAS answered NOT_SUPPORTED to negotiate, or answered in SMB1, or no dialect in common. */
export function smb1OnlyError(detail: string): EngineError {
  return new EngineError(
    'UNSUPPORTED',
    `This NAS only speaks the old SMB1 protocol (or no SMB version Modelshelf knows). Enable SMB2 or SMB3 in the NAS settings. (${detail})`,
  );
}

/** A socket-level failure (refused, unreachable, timed out, reset) → UNREACHABLE. */
export function networkError(host: string, port: number, err: unknown): EngineError {
  if (err instanceof EngineError) return err;
  const code = (err as { code?: string } | null)?.code;
  const msg = err instanceof Error ? err.message : String(err);
  return new EngineError(
    'UNREACHABLE',
    `Could not reach ${host}:${port} — is the NAS on and on this network? (${code ?? msg})`,
    { cause: err },
  );
}
