// Where the built app keeps its pieces. scripts/build.mjs bundles main, preload and the utility
// process into dist/electron/ and the UI into dist/renderer/; main.cjs finds the rest next to itself
// (inside app.asar once packaged).
import path from 'node:path';
import { defaultDataDir } from '../core/paths';

export interface AppPaths {
  preload: string;
  utility: string;
  rendererRoot: string;
}

/** `mainDir` is __dirname of the bundled main.cjs, i.e. dist/electron. */
export function appPaths(mainDir: string): AppPaths {
  return {
    preload: path.join(mainDir, 'preload.cjs'),
    utility: path.join(mainDir, 'utility.cjs'),
    rendererRoot: path.join(mainDir, '..', 'renderer'),
  };
}

export const USER_DATA_ENV = 'MODELSHELF_USER_DATA_DIR';

/**
 * An absolute folder to use instead of the OS default userData (per-test data for e2e, portable
 * installs), or null. Relative paths are ignored so the app never depends on its working directory.
 */
export function userDataOverride(env: Record<string, string | undefined>): string | null {
  const value = env[USER_DATA_ENV];
  return value && path.isAbsolute(value) ? path.normalize(value) : null;
}

/**
 * The engine's folder (catalog, demo library) and the encrypted password file. The engine uses the
 * same folder as the CLI (core/paths.ts: MODELSHELF_HOME or the OS default) so both see one catalog;
 * with a userData override (e2e) everything stays inside that folder instead.
 */
export function dataPaths(userData: string, env: Record<string, string | undefined>): { engineDataDir: string; credentialsFile: string } {
  return {
    engineDataDir: userDataOverride(env) ? path.join(userData, 'library') : defaultDataDir(env),
    credentialsFile: path.join(userData, 'share-passwords.json'),
  };
}
