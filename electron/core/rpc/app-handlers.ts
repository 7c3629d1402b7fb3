import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { AppInfo } from '../../../shared/contract';
import { writeDemoLibrary } from '../demo/generate';
import type { EngineContext } from '../engine-context';
import { fileManagerName } from '../nas/file-manager';
import type { Handlers } from './dispatch';
import { addSource } from './source-handlers';

export const ENGINE_VERSION = '0.1.0';
const DEMO_FOLDER = 'demo-library';

export function appHandlers(ctx: EngineContext): Pick<Handlers, 'app.info' | 'demo.open'> {
  return {
    'app.info': async (): Promise<AppInfo> => {
      const demo = path.join(ctx.dataDir, DEMO_FOLDER);
      return {
        version: ENGINE_VERSION,
        dataDir: ctx.dataDir,
        catalogPath: path.join(ctx.dataDir, 'catalog.sqlite'),
        demoPath: existsSync(demo) ? demo : null,
        downloadsDir: existsSync(path.join(os.homedir(), 'Downloads')) ? path.join(os.homedir(), 'Downloads') : os.homedir(),
        host: ctx.host,
        fileManager: fileManagerName(process.platform),
      };
    },
    // Writes the demo library into the data folder (once), adds it as a source and starts indexing
    // it in the background; progress arrives as events.
    'demo.open': async () => {
      const dir = path.join(ctx.dataDir, DEMO_FOLDER);
      let row = ctx.catalog.findSourceByUrl(dir);
      if (!row) {
        if (!existsSync(dir)) await writeDemoLibrary(dir);
        // The demo lives in the data folder: no need to ask the OS about network mounts at first start.
        await addSource(ctx, dir, { name: 'Demo library', mounts: false });
        row = ctx.catalog.findSourceByUrl(dir);
      }
      if (!row) throw new Error('demo source vanished');
      if (row.lastScanAt === null) ctx.scans.scan(row.id).catch(() => {});
      return ctx.sources.toSource(ctx.catalog.requireSource(row.id));
    },
  };
}
