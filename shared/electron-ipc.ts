// How the Electron host's processes talk. Lives in shared/ because each pair of ends sits in zones
// that may not import each other (main ↔ preload, main ↔ hosts/utility-process).
//
// 1. Window ↔ main: two IPC channels, nothing else. The preload invokes CALL_CHANNEL with
//    (method, input) and listens on EVENT_CHANNEL for { event, payload }.
// 2. Main ↔ utility process (the engine): calls, results and events have the shapes of wire.ts.
//    The other messages exist only on this port because main owns what the utility process may not
//    touch: the OS keychain (safeStorage) and the app's lifetime. Both ends parse what they receive;
//    anything malformed is dropped.
import { type ErrorCode, isErrorCode, type Result } from './result';
import type { WireEvent, WireRequest, WireResponse } from './wire';

export const CALL_CHANNEL = 'modelshelf:call';
export const EVENT_CHANNEL = 'modelshelf:event';
/** Window → main (invoke): open the OS folder picker; resolves to an absolute path or null. */
export const PICK_FOLDER_CHANNEL = 'modelshelf:pick-folder';
/** Main → window: a native menu item the page acts on; the payload is one MenuCommand. */
export const MENU_CHANNEL = 'modelshelf:menu';

/** The menu commands the page can receive, and nothing else. */
export const MENU_COMMANDS = ['add-source', 'export'] as const;
export type MenuCommand = (typeof MENU_COMMANDS)[number];

export function isMenuCommand(value: unknown): value is MenuCommand {
  return typeof value === 'string' && (MENU_COMMANDS as readonly string[]).includes(value);
}

export type CredentialOp = 'get' | 'set' | 'delete';

/** Utility → main: read or change a stored password. */
export interface CredentialRequest {
  type: 'credentials';
  id: number;
  op: CredentialOp;
  sourceId: number;
  /** Only for op 'set'. */
  password?: string;
}

/** Main → utility: the answer to one CredentialRequest. */
export type CredentialReply =
  | { type: 'credentials-result'; id: number; ok: true; password: string | null }
  | { type: 'credentials-result'; id: number; ok: false; code: ErrorCode; message: string };

/** Main → utility: close the engine (flush the catalog) and exit. */
export interface ShutdownRequest {
  type: 'shutdown';
}

export type MainToUtility = WireRequest | CredentialReply | ShutdownRequest;
export type UtilityToMain = WireResponse | WireEvent | CredentialRequest;

const MAX_PASSWORD_LENGTH = 1024;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isMessageId(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

function isSourceId(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value > 0;
}

function isResult(value: unknown): value is Result<unknown> {
  if (!isRecord(value)) return false;
  if (value.ok === true) return Object.hasOwn(value, 'value');
  if (value.ok !== false || !isRecord(value.error)) return false;
  return isErrorCode(value.error.code) && typeof value.error.message === 'string';
}

/** What main accepts from the utility process; null for anything else. */
export function parseUtilityMessage(value: unknown): UtilityToMain | null {
  if (!isRecord(value)) return null;
  switch (value.type) {
    case 'result':
      if (!isMessageId(value.id) || !isResult(value.result)) return null;
      return { type: 'result', id: value.id, result: value.result };
    case 'event':
      if (typeof value.event !== 'string') return null;
      return { type: 'event', event: value.event, payload: value.payload };
    case 'credentials': {
      if (!isMessageId(value.id) || !isSourceId(value.sourceId)) return null;
      const { op } = value;
      if (op === 'get' || op === 'delete') return { type: 'credentials', id: value.id, op, sourceId: value.sourceId };
      if (op !== 'set') return null;
      if (typeof value.password !== 'string' || value.password.length > MAX_PASSWORD_LENGTH) return null;
      return { type: 'credentials', id: value.id, op, sourceId: value.sourceId, password: value.password };
    }
    default:
      return null;
  }
}

/** What the utility process accepts from main; null for anything else. */
export function parseMainMessage(value: unknown): MainToUtility | null {
  if (!isRecord(value)) return null;
  switch (value.type) {
    case 'call':
      if (!isMessageId(value.id) || typeof value.method !== 'string') return null;
      return { type: 'call', id: value.id, method: value.method, input: value.input };
    case 'credentials-result':
      if (!isMessageId(value.id)) return null;
      if (value.ok === true) {
        const { password } = value;
        if (password !== null && typeof password !== 'string') return null;
        return { type: 'credentials-result', id: value.id, ok: true, password };
      }
      if (value.ok !== false || !isErrorCode(value.code) || typeof value.message !== 'string') return null;
      return { type: 'credentials-result', id: value.id, ok: false, code: value.code, message: value.message };
    case 'shutdown':
      return { type: 'shutdown' };
    default:
      return null;
  }
}
