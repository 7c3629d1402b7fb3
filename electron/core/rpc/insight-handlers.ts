import { Insights } from '../catalog/insights';
import type { EngineContext } from '../engine-context';
import { EngineError } from '../errors';
import type { Handlers } from './dispatch';

export function insightHandlers(
  ctx: EngineContext,
): Pick<Handlers, 'library.lineage' | 'runs.list' | 'metrics.keys' | 'metrics.series' | 'metrics.trend' | 'versions.compare'> {
  const q = new Insights(ctx.catalog.db);
  const requireItem = (id: number) => {
    if (!ctx.catalog.db.prepare('SELECT 1 FROM item WHERE id = ?').get(id)) {
      throw new EngineError('NOT_FOUND', `There is no model or dataset with id ${id}.`);
    }
  };
  return {
    'library.lineage': async ({ itemId, depth }) => {
      requireItem(itemId);
      return q.lineage(itemId, depth);
    },
    'runs.list': async (filter) => q.listRuns(filter),
    'metrics.keys': async ({ runIds, versionIds }) => q.metricKeys(q.resolveRuns(runIds, versionIds)),
    'metrics.series': async ({ runIds, versionIds, keys, x, maxPoints, range }) =>
      q.series(q.resolveRuns(runIds, versionIds), keys, x, maxPoints, versionIds, range),
    'metrics.trend': async ({ itemId, key }) => {
      requireItem(itemId);
      return q.trend(itemId, key);
    },
    'versions.compare': async ({ versionIds }) => {
      const result = q.compare(versionIds);
      if (!result) throw new EngineError('NOT_FOUND', 'One of those versions no longer exists; rescan and try again.');
      return result;
    },
  };
}
