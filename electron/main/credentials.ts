// Share passwords, encrypted with Electron's safeStorage (the OS keychain) and kept in one small file
// in userData. Only ciphertext touches the disk. Where the OS offers no real keychain we refuse to
// store and say why, rather than write something that only looks encrypted.
// No 'electron' import: main passes the real safeStorage in; tests pass a fake one.
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { ErrorCode } from '../../shared/result';
import type { CredentialStore } from '../core/engine-api';

/** The part of Electron's safeStorage this store uses. */
export interface SafeStorageLike {
  isEncryptionAvailable(): boolean;
  encryptString(plainText: string): Buffer;
  decryptString(encrypted: Buffer): string;
  /** Linux only in Electron; 'basic_text' means a hard-coded key, i.e. no real protection. */
  getSelectedStorageBackend?(): string;
}

export class CredentialStoreError extends Error {
  readonly code: ErrorCode;
  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'CredentialStoreError';
    this.code = code;
  }
}

/** Why passwords cannot be stored safely on this machine, or null when they can. */
export function keychainProblem(safe: SafeStorageLike, platform: NodeJS.Platform): string | null {
  if (!safe.isEncryptionAvailable()) {
    return platform === 'linux'
      ? 'No OS keychain is available (install and unlock a Secret Service such as GNOME Keyring or KWallet), so the password is kept only until Modelshelf quits.'
      : 'The OS keychain is not available right now, so the password is kept only until Modelshelf quits.';
  }
  if (platform === 'linux' && safe.getSelectedStorageBackend?.() === 'basic_text') {
    return 'No OS keychain was found (Electron would fall back to a fixed, publicly known key), so the password is kept only until Modelshelf quits. Install and unlock GNOME Keyring or KWallet to remember it.';
  }
  return null;
}

interface PasswordFile {
  version: 1;
  /** sourceId → base64 of safeStorage ciphertext. */
  passwords: Record<string, string>;
}

function emptyFile(): PasswordFile {
  return { version: 1, passwords: {} };
}

function parsePasswordFile(text: string): PasswordFile | null {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    return null;
  }
  if (typeof data !== 'object' || data === null) return null;
  const { version, passwords } = data as Record<string, unknown>;
  if (version !== 1 || typeof passwords !== 'object' || passwords === null || Array.isArray(passwords)) return null;
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(passwords)) {
    if (/^[1-9][0-9]*$/.test(key) && typeof value === 'string') out[key] = value;
  }
  return { version: 1, passwords: out };
}

export class SafeStorageCredentialStore implements CredentialStore {
  /** Every read-modify-write runs after the previous one so two quick changes never lose one. */
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly filePath: string,
    private readonly safe: SafeStorageLike,
    private readonly platform: NodeJS.Platform = process.platform,
    private readonly log: (message: string) => void = (m) => console.warn(m),
  ) {}

  get(sourceId: number): Promise<string | null> {
    return this.serialized(async () => {
      if (!this.safe.isEncryptionAvailable()) return null;
      const encoded = (await this.load()).passwords[String(sourceId)];
      if (encoded === undefined) return null;
      try {
        return this.safe.decryptString(Buffer.from(encoded, 'base64'));
      } catch (err) {
        // The keychain changed (new OS user, reset keyring): the UI asks for the password again.
        this.log(`credentials: cannot decrypt the password for source ${sourceId}: ${String(err)}`);
        return null;
      }
    });
  }

  set(sourceId: number, password: string): Promise<void> {
    return this.serialized(async () => {
      const problem = keychainProblem(this.safe, this.platform);
      if (problem) throw new CredentialStoreError('UNSUPPORTED', problem);
      let encrypted: Buffer;
      try {
        encrypted = this.safe.encryptString(password);
      } catch (err) {
        throw new CredentialStoreError('UNSUPPORTED', `The OS keychain refused to encrypt the password: ${errorText(err)}`, { cause: err });
      }
      const file = await this.load();
      file.passwords[String(sourceId)] = encrypted.toString('base64');
      await this.save(file);
    });
  }

  delete(sourceId: number): Promise<void> {
    return this.serialized(async () => {
      const file = await this.load();
      if (!Object.hasOwn(file.passwords, String(sourceId))) return;
      delete file.passwords[String(sourceId)];
      await this.save(file);
    });
  }

  private serialized<T>(task: () => Promise<T>): Promise<T> {
    const run = this.queue.then(task, task);
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async load(): Promise<PasswordFile> {
    let text: string;
    try {
      text = await readFile(this.filePath, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return emptyFile();
      throw new CredentialStoreError('IO', `Cannot read the saved passwords (${this.filePath}): ${errorText(err)}`, { cause: err });
    }
    const parsed = parsePasswordFile(text);
    if (!parsed) {
      // Nothing in it can be decrypted without its structure; start over rather than fail forever.
      this.log(`credentials: ${this.filePath} is not a Modelshelf password file; saved passwords will be asked for again`);
      return emptyFile();
    }
    return parsed;
  }

  /** Atomic replace: a crash mid-write leaves the old file, never half of the new one. */
  private async save(file: PasswordFile): Promise<void> {
    const dir = path.dirname(this.filePath);
    const temp = path.join(dir, `.${path.basename(this.filePath)}.${randomBytes(6).toString('hex')}.tmp`);
    try {
      await mkdir(dir, { recursive: true });
      await writeFile(temp, `${JSON.stringify(file)}\n`, { mode: 0o600 });
      await rename(temp, this.filePath);
    } catch (err) {
      await rm(temp, { force: true }).catch(() => undefined);
      throw new CredentialStoreError('IO', `Cannot save the password (${this.filePath}): ${errorText(err)}`, { cause: err });
    }
  }
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
