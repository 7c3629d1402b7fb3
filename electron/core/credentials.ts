import type { SessionCredentialStore } from './engine-api';

/**
 * Passwords held only in this process's memory: the default for the CLI, browser mode and tests.
 * Everything here already lasts only for the session, so keepForSession is the same as set.
 */
export function memoryCredentials(): SessionCredentialStore {
  const map = new Map<number, string>();
  return {
    get: async (id) => map.get(id) ?? null,
    set: async (id, password) => {
      map.set(id, password);
    },
    keepForSession: async (id, password) => {
      map.set(id, password);
    },
    delete: async (id) => {
      map.delete(id);
    },
  };
}
