import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { CredentialStoreError, keychainProblem, SafeStorageCredentialStore, type SafeStorageLike } from './credentials';

const MAGIC = Buffer.from('FAKEKEY1');

/** A stand-in for safeStorage: reversible, never leaves the plaintext visible, refuses foreign data. */
function fakeSafeStorage(overrides: Partial<SafeStorageLike> = {}): SafeStorageLike {
  return {
    isEncryptionAvailable: () => true,
    encryptString: (text) => Buffer.concat([MAGIC, Buffer.from(text, 'utf8').map((b) => b ^ 0x5a)]),
    decryptString: (data) => {
      if (!data.subarray(0, MAGIC.length).equals(MAGIC)) throw new Error('Error while decrypting the ciphertext provided to safeStorage.decryptString.');
      return Buffer.from(data.subarray(MAGIC.length).map((b) => b ^ 0x5a)).toString('utf8');
    },
    getSelectedStorageBackend: () => 'gnome_libsecret',
    ...overrides,
  };
}

let dir: string;
let file: string;
const quiet = () => undefined;

beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'modelshelf-credentials-'));
  file = path.join(dir, 'nested', 'share-passwords.json');
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('SafeStorageCredentialStore', () => {
  it('stores, reads back and deletes passwords per source', async () => {
    const store = new SafeStorageCredentialStore(file, fakeSafeStorage(), 'linux', quiet);
    expect(await store.get(1)).toBeNull();
    await store.set(1, 'hunter2');
    await store.set(2, 'pässwörd with spaces');
    expect(await store.get(1)).toBe('hunter2');
    expect(await store.get(2)).toBe('pässwörd with spaces');
    await store.delete(1);
    expect(await store.get(1)).toBeNull();
    expect(await store.get(2)).toBe('pässwörd with spaces');
    await store.delete(99); // unknown: nothing to do, no error
  });

  it('writes only ciphertext, with owner-only permissions, and a new instance reads it', async () => {
    await new SafeStorageCredentialStore(file, fakeSafeStorage(), 'linux', quiet).set(7, 'correct horse battery staple');
    const text = await readFile(file, 'utf8');
    expect(text).not.toContain('correct horse');
    expect(JSON.parse(text)).toMatchObject({ version: 1, passwords: { '7': expect.any(String) } });
    if (process.platform !== 'win32') expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect(await new SafeStorageCredentialStore(file, fakeSafeStorage(), 'linux', quiet).get(7)).toBe('correct horse battery staple');
  });

  it('refuses to store without a keychain and says why', async () => {
    const store = new SafeStorageCredentialStore(file, fakeSafeStorage({ isEncryptionAvailable: () => false }), 'linux', quiet);
    const error = await store.set(1, 'secret').catch((err: unknown) => err);
    expect(error).toBeInstanceOf(CredentialStoreError);
    expect(error).toMatchObject({ code: 'UNSUPPORTED', message: expect.stringMatching(/keychain/i) });
    await expect(stat(file)).rejects.toMatchObject({ code: 'ENOENT' });
    expect(await store.get(1)).toBeNull();
  });

  it("refuses Linux's basic_text backend, whose key is public", async () => {
    const safe = fakeSafeStorage({ getSelectedStorageBackend: () => 'basic_text' });
    const encrypt = vi.spyOn(safe, 'encryptString');
    const store = new SafeStorageCredentialStore(file, safe, 'linux', quiet);
    await expect(store.set(1, 'secret')).rejects.toMatchObject({ code: 'UNSUPPORTED', message: expect.stringMatching(/GNOME Keyring|KWallet/) });
    expect(encrypt).not.toHaveBeenCalled();
  });

  it('treats a password it cannot decrypt (keychain changed) as unknown', async () => {
    await writeFile(path.join(dir, 'p.json'), JSON.stringify({ version: 1, passwords: { '3': Buffer.from('garbage').toString('base64') } }));
    const log = vi.fn();
    const store = new SafeStorageCredentialStore(path.join(dir, 'p.json'), fakeSafeStorage(), 'darwin', log);
    expect(await store.get(3)).toBeNull();
    expect(log).toHaveBeenCalledWith(expect.stringContaining('source 3'));
  });

  it('starts over from a file that is not a password file', async () => {
    const target = path.join(dir, 'p.json');
    await writeFile(target, '{ not json');
    const store = new SafeStorageCredentialStore(target, fakeSafeStorage(), 'win32', quiet);
    expect(await store.get(1)).toBeNull();
    await store.set(1, 'again');
    expect(await store.get(1)).toBe('again');
  });

  it('loses no write when several changes overlap', async () => {
    const store = new SafeStorageCredentialStore(file, fakeSafeStorage(), 'linux', quiet);
    await Promise.all(Array.from({ length: 20 }, (_, i) => store.set(i + 1, `pw-${i + 1}`)));
    const fresh = new SafeStorageCredentialStore(file, fakeSafeStorage(), 'linux', quiet);
    for (let i = 1; i <= 20; i++) expect(await fresh.get(i)).toBe(`pw-${i}`);
  });

  it('reports an unwritable location as IO', async () => {
    const blocker = path.join(dir, 'blocker');
    await writeFile(blocker, 'a file, not a folder');
    const store = new SafeStorageCredentialStore(path.join(blocker, 'p.json'), fakeSafeStorage(), 'linux', quiet);
    await expect(store.set(1, 'x')).rejects.toMatchObject({ code: 'IO' });
  });
});

describe('keychainProblem', () => {
  it('is null when a real keychain is there', () => {
    expect(keychainProblem(fakeSafeStorage(), 'linux')).toBeNull();
    expect(keychainProblem(fakeSafeStorage({ getSelectedStorageBackend: () => 'basic_text' }), 'darwin')).toBeNull();
  });

  it('names the cause otherwise', () => {
    expect(keychainProblem(fakeSafeStorage({ isEncryptionAvailable: () => false }), 'darwin')).toMatch(/not available/);
    expect(keychainProblem(fakeSafeStorage({ getSelectedStorageBackend: () => 'basic_text' }), 'linux')).toMatch(/fixed, publicly known key/);
  });
});
