// A real catalog (in memory, migrated) and an EngineContext around any FileSource, for tests of
// annotations and export without starting a whole engine.
import type { EngineEvent, Source } from '../../../../shared/contract';
import { Catalog, type GroupedItem } from '../../catalog/catalog';
import { openCatalogDb } from '../../catalog/open';
import { memoryCredentials } from '../../credentials';
import type { EngineContext } from '../../engine-context';
import { EngineError } from '../../errors';
import type { FileSource } from '../../nas/file-source';

export interface TestContext extends EngineContext {
  events: EngineEvent[];
  sourceId: number;
}

export function version(label: string, path: string, files: Array<[string, number]>, extra: Partial<GroupedItem['versions'][number]> = {}) {
  return {
    label,
    path,
    createdMs: null,
    format: 'safetensors',
    stage: null,
    aliases: [],
    meta: {},
    files: files.map(([p, size]) => ({ path: p, size, mtimeMs: 1 })),
    ...extra,
  };
}

/** A context whose one source (id in .sourceId) is `source`, with `items` in the catalog. */
export function testContext(dataDir: string, source: FileSource, items: GroupedItem[], name = 'Team NAS'): TestContext {
  const catalog = new Catalog(openCatalogDb(':memory:'));
  const row = catalog.insertSource({ name, kind: 'smb', url: source.label, host: 'nas', share: 'models', username: 'ana' });
  const { generation } = catalog.beginScan(row.id);
  catalog.replaceItems(row.id, generation, items);
  const events: EngineEvent[] = [];
  const ctx: TestContext = {
    dataDir,
    host: 'test',
    catalog,
    credentials: memoryCredentials(),
    events,
    sourceId: row.id,
    emit: (event, payload) => {
      events.push({ event, payload } as EngineEvent);
    },
    sources: {
      requireRow(id) {
        const r = catalog.getSource(id);
        if (!r) throw new EngineError('NOT_FOUND', `There is no source with id ${id}.`);
        return r;
      },
      open: async () => source,
      adopt() {},
      drop: async () => {},
      toSource: async () => ({}) as Source,
    },
    scans: { scan: async () => Promise.reject(new Error('no scans in tests')), cancel: () => false, stop: async () => {}, isScanning: () => false },
  };
  return ctx;
}
