// Share passwords in the OS keychain (macOS Keychain, Windows Credential Manager, the Secret Service
// — GNOME Keyring / KWallet — on Linux) through @napi-rs/keyring: service "Modelshelf", account =
// the source's URL (smb://user@host/share, never containing a password). Used by the CLI and browser
// mode; the desktop app stores through Electron's safeStorage instead.
//
// Where there is no keychain (a headless Linux box has no Secret Service; the kernel keyring does
// not survive a reboot, so it does not count) we say so once and fall back to the host's own store:
// MODELSHELF_PASSWORD or a prompt. A password is never written to a file or a log line.
import { createRequire } from 'node:module';
import path from 'node:path';
import type { CredentialStore } from '../engine-api';

export const KEYRING_SERVICE = 'Modelshelf';
const OP_TIMEOUT_MS = 5000;

/** The three keychain operations, by account. */
export interface KeyringBackend {
  get(account: string): Promise<string | null>;
  set(account: string, password: string): Promise<void>;
  delete(account: string): Promise<boolean>;
}

/** @napi-rs/keyring, pinned to the Secret Service on Linux; every call bounded in time. */
export function osKeyring(service = KEYRING_SERVICE, timeoutMs = OP_TIMEOUT_MS): KeyringBackend {
  type AsyncEntryCtor = new (
    service: string,
    account: string,
    options?: { linux?: { store?: 'secret-service' | 'keyutils' } },
  ) => {
    getPassword(signal?: AbortSignal): Promise<string | null>;
    setPassword(password: string, signal?: AbortSignal): Promise<void>;
    deleteCredential(signal?: AbortSignal): Promise<boolean>;
  };
  let ctor: AsyncEntryCtor | null = null;
  const entry = async (account: string) => {
    if (!ctor) {
      // Loaded on first use, at run time from node_modules (a native addon cannot be bundled, and
      // esbuild does not follow createRequire): a machine without the binary still runs the rest.
      const base = typeof __filename === 'string' ? __filename : path.join(process.cwd(), 'modelshelf.js');
      const mod = createRequire(base)('@napi-rs/keyring') as { AsyncEntry: AsyncEntryCtor };
      ctor = mod.AsyncEntry;
    }
    return new ctor(service, account, { linux: { store: 'secret-service' } });
  };
  return {
    get: async (account) => (await entry(account)).getPassword(AbortSignal.timeout(timeoutMs)),
    set: async (account, password) => (await entry(account)).setPassword(password, AbortSignal.timeout(timeoutMs)),
    delete: async (account) => (await entry(account)).deleteCredential(AbortSignal.timeout(timeoutMs)),
  };
}

export interface KeyringStoreOptions {
  backend?: KeyringBackend;
  /** Tells once why passwords cannot be remembered (default: a line on stderr). */
  log?: (message: string) => void;
  env?: NodeJS.ProcessEnv;
  platform?: NodeJS.Platform;
}

/** A CredentialStore that can learn the source URLs (the keychain accounts) from the catalog. */
export interface UrlKeyedCredentials extends CredentialStore {
  setSourceUrlLookup(urlOf: (sourceId: number) => string | null): void;
}

/** Lets a keychain-backed store (if that is what the host passed) look up source URLs. */
export function bindSourceUrls(store: CredentialStore | undefined, urlOf: (sourceId: number) => string | null): void {
  const s = store as Partial<UrlKeyedCredentials> | undefined;
  if (typeof s?.setSourceUrlLookup === 'function') s.setSourceUrlLookup(urlOf);
}

/** Why the keychain cannot be used, in words a person can act on. */
export function keyringUnavailableMessage(platform: NodeJS.Platform): string {
  const why =
    platform === 'linux'
      ? 'no Secret Service (GNOME Keyring or KWallet) is running'
      : platform === 'darwin'
        ? 'the login keychain could not be opened'
        : 'Windows Credential Manager could not be opened';
  return `Modelshelf cannot remember share passwords on this computer (${why}). Set MODELSHELF_PASSWORD or type the password when asked.`;
}

/**
 * Wraps a host's store (env / prompt / memory) with the OS keychain. Order for a password:
 * MODELSHELF_PASSWORD when set (an explicit choice wins), then the keychain, then the fallback
 * (which may prompt). Everything the fallback has (e.g. the CLI's allowPrompt flag) stays reachable.
 */
export function withKeyring<T extends CredentialStore>(fallback: T, opts: KeyringStoreOptions = {}): T & UrlKeyedCredentials {
  const env = opts.env ?? process.env;
  const platform = opts.platform ?? process.platform;
  const log = opts.log ?? ((m: string) => process.stderr.write(`${m}\n`));
  const disabled = /^(0|off|false|no)$/i.test(env.MODELSHELF_KEYRING ?? '');
  let backend: KeyringBackend | null = disabled ? null : (opts.backend ?? osKeyring());
  let urlOf: (id: number) => string | null = () => null;
  const known = new Map<number, string>();
  let warned = false;

  const unavailable = () => {
    backend = null;
    if (!warned) {
      warned = true;
      log(keyringUnavailableMessage(platform));
    }
  };
  const account = (id: number): string | null => {
    const url = urlOf(id);
    if (url) known.set(id, url);
    return url ?? known.get(id) ?? null;
  };
  // Errors from the keychain can quote what was asked; only our own words reach the log.
  const attempt = async <R>(op: (b: KeyringBackend) => Promise<R>): Promise<R | undefined> => {
    const b = backend;
    if (!b) return undefined;
    try {
      return await op(b);
    } catch {
      unavailable();
      return undefined;
    }
  };

  const store: UrlKeyedCredentials = {
    setSourceUrlLookup(fn) {
      urlOf = fn;
    },
    async get(id) {
      if (env.MODELSHELF_PASSWORD !== undefined) return fallback.get(id);
      const acct = account(id);
      if (acct) {
        const stored = await attempt((b) => b.get(acct));
        if (typeof stored === 'string') return stored;
      }
      return fallback.get(id);
    },
    async set(id, password) {
      await fallback.set(id, password);
      const acct = account(id);
      if (acct) await attempt((b) => b.set(acct, password));
    },
    async delete(id) {
      await fallback.delete(id);
      const acct = account(id);
      if (acct) await attempt((b) => b.delete(acct));
      known.delete(id);
    },
  };

  return new Proxy(fallback, {
    get(target, prop, receiver) {
      if (prop === 'get' || prop === 'set' || prop === 'delete' || prop === 'setSourceUrlLookup') return store[prop];
      return Reflect.get(target, prop, receiver);
    },
    set(target, prop, value) {
      return Reflect.set(target, prop, value);
    },
  }) as T & UrlKeyedCredentials;
}
