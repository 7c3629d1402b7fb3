import { describe, expect, it } from 'vitest';
import { memoryCredentials } from '../credentials';
import type { CredentialStore } from '../engine-api';
import { bindSourceUrls, type KeyringBackend, keyringUnavailableMessage, withKeyring } from './keyring-credentials';

function fakeKeyring(): KeyringBackend & { entries: Map<string, string> } {
  const entries = new Map<string, string>();
  return {
    entries,
    get: async (a) => entries.get(a) ?? null,
    set: async (a, p) => void entries.set(a, p),
    delete: async (a) => entries.delete(a),
  };
}

const brokenKeyring: KeyringBackend = {
  get: async () => Promise.reject(new Error('Platform failure: DBus error: secret "hunter2" not reachable')),
  set: async () => Promise.reject(new Error('Platform failure: DBus error')),
  delete: async () => Promise.reject(new Error('Platform failure: DBus error')),
};

const urls: Record<number, string> = { 1: 'smb://ana@nas.local/models', 2: 'smb://nas.local/public' };

describe('withKeyring', () => {
  it('stores under service accounts named by the source URL, reads back, deletes', async () => {
    const kr = fakeKeyring();
    const store = withKeyring(memoryCredentials(), { backend: kr, env: {}, log: () => {} });
    bindSourceUrls(store, (id) => urls[id] ?? null);
    await store.set(1, 'pw-one');
    expect([...kr.entries]).toEqual([['smb://ana@nas.local/models', 'pw-one']]);
    // A new process: nothing in memory, the keychain still knows.
    const fresh = withKeyring(memoryCredentials(), { backend: kr, env: {}, log: () => {} });
    bindSourceUrls(fresh, (id) => urls[id] ?? null);
    expect(await fresh.get(1)).toBe('pw-one');
    expect(await fresh.get(2)).toBeNull();
    await fresh.delete(1);
    expect(kr.entries.size).toBe(0);
  });

  it('remembers the URL of a source it has seen, so deleting after the source is gone still works', async () => {
    const kr = fakeKeyring();
    const store = withKeyring(memoryCredentials(), { backend: kr, env: {}, log: () => {} });
    let catalog: Record<number, string> = { ...urls };
    bindSourceUrls(store, (id) => catalog[id] ?? null);
    await store.set(1, 'pw');
    catalog = {}; // sources.remove deletes the row before the password
    await store.delete(1);
    expect(kr.entries.size).toBe(0);
  });

  it('MODELSHELF_PASSWORD wins over the keychain', async () => {
    const kr = fakeKeyring();
    kr.entries.set(urls[1]!, 'stored');
    const env = { MODELSHELF_PASSWORD: 'from-env' };
    const fallback: CredentialStore = { get: async () => env.MODELSHELF_PASSWORD, set: async () => {}, delete: async () => {} };
    const store = withKeyring(fallback, { backend: kr, env, log: () => {} });
    bindSourceUrls(store, (id) => urls[id] ?? null);
    expect(await store.get(1)).toBe('from-env');
  });

  it('without a keychain: says so once, in plain words without the password, and falls back', async () => {
    const lines: string[] = [];
    let prompts = 0;
    const fallback = {
      allowPrompt: false,
      get: async () => {
        prompts++;
        return fallback.allowPrompt ? 'typed' : null;
      },
      set: async () => {},
      delete: async () => {},
    };
    const store = withKeyring(fallback, { backend: brokenKeyring, env: {}, log: (m) => lines.push(m), platform: 'linux' });
    bindSourceUrls(store, (id) => urls[id] ?? null);
    await store.set(1, 'hunter2');
    expect(await store.get(1)).toBeNull();
    store.allowPrompt = true; // the CLI's flag reaches the wrapped store
    expect(fallback.allowPrompt).toBe(true);
    expect(await store.get(1)).toBe('typed');
    await store.delete(1);
    expect(prompts).toBe(2);
    expect(lines).toEqual([keyringUnavailableMessage('linux')]);
    expect(lines[0]).toMatch(/no Secret Service .* Set MODELSHELF_PASSWORD or type the password when asked/);
    expect(lines.join('\n')).not.toContain('hunter2');
  });

  it('MODELSHELF_KEYRING=off skips the keychain silently', async () => {
    const kr = fakeKeyring();
    const lines: string[] = [];
    const store = withKeyring(memoryCredentials(), { backend: kr, env: { MODELSHELF_KEYRING: 'off' }, log: (m) => lines.push(m) });
    bindSourceUrls(store, (id) => urls[id] ?? null);
    await store.set(1, 'pw');
    expect(await store.get(1)).toBe('pw');
    expect(kr.entries.size).toBe(0);
    expect(lines).toEqual([]);
  });

  it('bindSourceUrls ignores stores that are not keychain-backed', () => {
    expect(() => bindSourceUrls(memoryCredentials(), () => null)).not.toThrow();
    expect(() => bindSourceUrls(undefined, () => null)).not.toThrow();
  });
});
