import type { CredentialStore } from './engine-api';

/** Passwords held only in this process's memory: the default for the CLI, browser mode and tests. */
export function memoryCredentials(): CredentialStore {
  const map = new Map<number, string>();
  return {
    get: async (id) => map.get(id) ?? null,
    set: async (id, password) => {
      map.set(id, password);
    },
    delete: async (id) => {
      map.delete(id);
    },
  };
}
