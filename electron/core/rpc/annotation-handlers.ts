// Team annotations (aliases, stages, tags, notes, links) and the activity log. Also wraps
// library.list, library.page and library.get so what the library shows includes the team's annotations next to
// MLflow's own: this module's handlers must be spread AFTER libraryHandlers in engine.ts (the
// engine test "library.get shows team annotations" fails otherwise).
import type { EngineContext } from '../engine-context';
import { EngineError } from '../errors';
import { AnnotationStore } from '../registry/annotations/store';
import { syncAnnotations, writeAnnotation } from '../registry/annotations/sync';
import type { Handlers } from './dispatch';
import { libraryHandlers } from './library-handlers';

type ItemRef = { id: number; sourceId: number; kind: 'model' | 'dataset'; path: string };

export function annotationHandlers(
  ctx: EngineContext,
): Pick<Handlers, 'annotations.set' | 'annotations.list' | 'activity.list' | 'library.list' | 'library.page' | 'library.get'> {
  const store = new AnnotationStore(ctx.catalog.db);
  const library = libraryHandlers(ctx);
  const requireItem = (id: number): ItemRef => {
    const r = ctx.catalog.db.prepare('SELECT id, source_id, kind, path FROM item WHERE id = ?').get(id) as
      | { id: number; source_id: number; kind: 'model' | 'dataset'; path: string }
      | undefined;
    if (!r) throw new EngineError('NOT_FOUND', `There is no model or dataset with id ${id}.`);
    return { id: r.id, sourceId: r.source_id, kind: r.kind, path: r.path };
  };
  /** Re-reads the logs on the share of `item`, or of `sourceId`, or of every source (already checked to exist). */
  const resync = async (item: ItemRef | undefined, sourceId: number | undefined) => {
    const one = item ? item.sourceId : sourceId;
    const rows = one !== undefined ? [ctx.sources.requireRow(one)] : ctx.catalog.listSourceRows();
    return { rows, results: await Promise.allSettled(rows.map((row) => syncAnnotations(ctx, row.id))) };
  };

  return {
    'library.list': async (filter) => store.annotateLibrary(await library['library.list'](filter)),
    'library.page': async (input) => {
      const page = await library['library.page'](input);
      return { ...page, items: store.annotateLibrary(page.items) };
    },
    'library.get': async (input) => store.annotateItem(await library['library.get'](input)),
    'annotations.set': async (input) => writeAnnotation(ctx, input),
    'annotations.list': async ({ itemId, sourceId, refresh }) => {
      const item = itemId !== undefined ? requireItem(itemId) : undefined;
      if (sourceId !== undefined) ctx.sources.requireRow(sourceId);
      if (refresh) {
        const { rows, results } = await resync(item, sourceId);
        // One source asked for: its failure is the answer. All sources: the reachable ones refresh.
        const failed = results.find((r) => r.status === 'rejected');
        if (failed && rows.length === 1) throw (failed as PromiseRejectedResult).reason;
      }
      return store.list({ sourceId, item });
    },
    'activity.list': async ({ sourceId, itemId, who, kind, limit, refresh }) => {
      const item = itemId !== undefined ? requireItem(itemId) : undefined;
      if (sourceId !== undefined) ctx.sources.requireRow(sourceId);
      // Only when asked (the CLI, which has no live updates, and the Activity view's Refresh button):
      // reading the logs means a round trip to every share, and the app's live updates already
      // re-read a log when it changes. Best effort: an unreachable share keeps what the catalog has.
      if (refresh) {
        const { rows, results } = await resync(item, sourceId);
        results.forEach((r, i) => {
          if (r.status === 'fulfilled') return;
          const reason = r.reason instanceof Error ? r.reason.message : String(r.reason);
          console.warn(`Team activity on ${rows[i]?.name} could not be re-read, showing what was read before: ${reason}`);
        });
      }
      const sourceIds = item ? [item.sourceId] : sourceId !== undefined ? [sourceId] : store.sourcesWithEvents();
      return store.activity({ sourceIds, item, who, kind, limit });
    },
  };
}
