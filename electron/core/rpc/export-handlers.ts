// export.version and export.cancel. Export ids are chosen by the caller (so it can cancel and match
// progress events before the call returns) or generated; one id runs once at a time.
import { randomUUID } from 'node:crypto';
import type { EngineContext } from '../engine-context';
import { EngineError } from '../errors';
import { runExport } from '../export/exporter';
import { prepareExport } from '../export/prepare';
import type { Handlers } from './dispatch';

export function exportHandlers(ctx: EngineContext): Pick<Handlers, 'export.version' | 'export.cancel'> {
  const running = new Map<string, AbortController>();
  return {
    'export.version': async (input) => {
      const exportId = input.exportId ?? randomUUID();
      if (running.has(exportId)) throw new EngineError('CONFLICT', `An export with id ${exportId} is already running.`);
      const controller = new AbortController();
      running.set(exportId, controller);
      try {
        const prep = prepareExport(ctx, input);
        const source = await ctx.sources.open(prep.row);
        try {
          return await runExport({
            exportId,
            versionId: input.versionId,
            source,
            plan: prep.plan,
            generated: prep.generated,
            destination: input.destination,
            zip: input.zip,
            overwrite: input.overwrite,
            resumeKey: prep.resumeKey,
            signal: controller.signal,
            onProgress: (p) => ctx.emit('export.progress', p),
          });
        } catch (err) {
          // A lost connection is not kept: the next export (or scan) reconnects.
          if (err instanceof EngineError && (err.code === 'UNREACHABLE' || err.code === 'AUTH_FAILED')) await ctx.sources.drop(prep.row.id);
          throw err;
        }
      } finally {
        running.delete(exportId);
      }
    },
    'export.cancel': async ({ exportId }) => {
      const c = running.get(exportId);
      c?.abort();
      return { cancelled: c !== undefined };
    },
  };
}
