import os from 'node:os';
import path from 'node:path';

/**
 * Where the catalog lives when the user does not say: MODELSHELF_HOME, else the OS's per-user app
 * data folder (the same place the desktop app uses, so CLI and app share one catalog).
 */
export function defaultDataDir(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): string {
  if (env.MODELSHELF_HOME) return path.resolve(env.MODELSHELF_HOME);
  const home = os.homedir();
  if (platform === 'win32') return path.join(env.APPDATA ?? path.join(home, 'AppData', 'Roaming'), 'Modelshelf');
  if (platform === 'darwin') return path.join(home, 'Library', 'Application Support', 'Modelshelf');
  return path.join(env.XDG_DATA_HOME ?? path.join(home, '.local', 'share'), 'modelshelf');
}
