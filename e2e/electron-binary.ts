// Finds a runnable Electron binary, or says why there is none. The `electron` npm package's main
// export is the binary path, but on machines where the download failed it throws or names a file
// that does not exist: then the Electron host cannot run here, and we say so instead of faking it.
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';

export function electronBinary(): { path: string } | { missing: string } {
  try {
    const require = createRequire(import.meta.url);
    const p = require('electron') as unknown;
    if (typeof p === 'string' && existsSync(p)) return { path: p };
    return { missing: `the electron package names ${String(p)}, which does not exist` };
  } catch (err) {
    return { missing: (err as Error).message.split('\n')[0] ?? 'electron could not be loaded' };
  }
}
