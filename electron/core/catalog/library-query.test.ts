import { beforeEach, describe, expect, it } from 'vitest';
import type { LibraryItem } from '../../../shared/contract';
import { Catalog, type GroupedItem, type GroupedVersion } from './catalog';
import { openCatalogDb } from './open';

function version(label: string, patch: Partial<GroupedVersion> = {}): GroupedVersion {
  return { label, path: `p/${label}`, createdMs: 1, format: 'safetensors', stage: null, aliases: [], meta: {}, files: [], ...patch };
}

function item(name: string, patch: Partial<GroupedItem> = {}): GroupedItem {
  return { kind: 'model', name, path: `models/${name}`, layout: 'huggingface', format: 'safetensors', versions: [version('v1')], ...patch };
}

describe('library queries', () => {
  let catalog: Catalog;
  let source: number;
  const names = (items: LibraryItem[]) => items.map((i) => i.name);

  beforeEach(() => {
    catalog = new Catalog(openCatalogDb(':memory:'));
    source = catalog.insertSource({ name: 'nas', kind: 'local', url: '/nas', rootPath: '/nas' }).id;
  });

  function write(items: GroupedItem[], generation = 1): void {
    catalog.replaceItems(source, generation, items);
    catalog.rebuildSearch(source);
  }

  it('sorts by version count and latest label as of the last rebuild, and shows them as they are', () => {
    write([item('a', { versions: [version('v1')] }), item('b', { versions: [version('v1'), version('v2')] })]);
    const byCount = () => names(catalog.libraryPage({ kind: 'model', sort: 'versionCount', dir: 'desc' }).items);
    expect(byCount()).toEqual(['b', 'a']);
    // a rescan writes versions; until the search is rebuilt the order is the old one, the counts are not
    catalog.replaceItems(source, 2, [item('a', { versions: [version('v1'), version('v2'), version('v3')] }), item('b', { versions: [version('v1'), version('v2')] })]);
    expect(byCount()).toEqual(['b', 'a']);
    expect(catalog.libraryPage({ kind: 'model', sort: 'versionCount', dir: 'desc' }).items.map((i) => i.versionCount)).toEqual([2, 3]);
    catalog.rebuildSearch(source);
    expect(byCount()).toEqual(['a', 'b']);
    expect(names(catalog.libraryPage({ kind: 'model', sort: 'latestVersion', dir: 'desc' }).items)).toEqual(['a', 'b']);
  });

  it('shows version count, latest label and aliases as versions come and go', () => {
    write([item('churn', { versions: [version('v1'), version('v2', { aliases: ['champion'] }), version('v3')] })]);
    let [row] = catalog.listLibrary({});
    expect(row).toMatchObject({ versionCount: 3, latestVersion: 'v3', aliases: ['champion'] });
    // a rescan that finds v3 gone and v2 without its alias
    write([item('churn', { versions: [version('v1'), version('v2')] })], 2);
    [row] = catalog.listLibrary({});
    expect(row).toMatchObject({ versionCount: 2, latestVersion: 'v2', aliases: [] });
    // order changes (ordinal) move "latest"
    write([item('churn', { versions: [version('v2'), version('v1', { aliases: ['a', 'b'] })] })], 3);
    [row] = catalog.listLibrary({});
    expect(row).toMatchObject({ versionCount: 2, latestVersion: 'v1', aliases: ['a', 'b'] });
    expect(catalog.getItem(row?.id as number)?.versions.map((v) => v.label)).toEqual(['v1', 'v2']);
  });

  it('sorts names and latest labels the way people count: v2 before v10, case ignored', () => {
    write([
      item('resnet-v10', { versions: [version('v1'), version('v10')] }),
      item('resnet-v2', { versions: [version('v9')] }),
      item('Resnet-v1'),
      item('alpha'),
      item('resnet-v2-b'),
    ]);
    const page = (sort: 'name' | 'latestVersion', dir: 'asc' | 'desc' = 'asc') => names(catalog.libraryPage({ kind: 'model', sort, dir }).items);
    expect(page('name')).toEqual(['alpha', 'Resnet-v1', 'resnet-v2', 'resnet-v2-b', 'resnet-v10']);
    expect(page('name', 'desc')).toEqual(['resnet-v10', 'resnet-v2-b', 'resnet-v2', 'Resnet-v1', 'alpha']);
    expect(names(catalog.listLibrary({}))).toEqual(['alpha', 'Resnet-v1', 'resnet-v2', 'resnet-v2-b', 'resnet-v10']);
    // latest labels v1, v1, v1, v9, v10; ties by name
    expect(page('latestVersion')).toEqual(['alpha', 'Resnet-v1', 'resnet-v2-b', 'resnet-v2', 'resnet-v10']);
    // a rename rewrites the key
    write([item('resnet-v10', { path: 'models/resnet-v2', versions: [version('v9')] }), item('resnet-v3', { path: 'models/resnet-v10' })], 2);
    expect(page('name')).toEqual(['resnet-v3', 'resnet-v10']);
  });

  it('finds items by what the team wrote: aliases, stages, tags and notes', () => {
    write([
      item('churn', { versions: [version('v1'), version('v2', { aliases: ['champion'] }), version('v3')] }),
      item('resnet', { path: 'models/resnet' }),
      item('bert', { kind: 'dataset', path: 'data/bert' }),
    ]);
    const annotate = (itemPath: string, kind: string, value: string, versionLabel = '', itemKind = 'model') =>
      catalog.db
        .prepare(
          `INSERT INTO annotation (source_id, item_kind, item_path, version_label, kind, value, by_user, machine, at_ms, event_id)
           VALUES (?, ?, ?, ?, ?, ?, 'ann', 'pc-1', ?, ?)`,
        )
        .run(source, itemKind, itemPath, versionLabel, kind, value, Date.now(), `${itemPath}-${kind}-${value}`);
    annotate('models/churn', 'alias', 'production', 'v3');
    annotate('models/churn', 'alias', 'old', 'v1');
    annotate('models/resnet', 'tag', 'customer-acme');
    annotate('models/resnet', 'note', 'Retrained on the March photos');
    annotate('data/bert', 'stage', 'Archived', '', 'dataset');
    const search = (query: string) => names(catalog.listLibrary({ query })).sort();
    expect(search('production')).toEqual(['churn']);
    expect(search('prod churn')).toEqual(['churn']); // with other words: all must match
    expect(search('acme')).toEqual(['resnet']); // inside a tag
    expect(search('march')).toEqual(['resnet']); // a note
    expect(search('archiv')).toEqual(['bert']);
    expect(search('cu')).toEqual(['resnet']); // short words: the start of the value…
    expect(search('ma')).toEqual(['resnet']); // …or of a word in it ("the March photos")
    expect(search('me')).toEqual([]);
    expect(catalog.libraryPage({ kind: 'dataset', query: 'archived' }).items.map((i) => i.name)).toEqual(['bert']);
    expect(catalog.libraryPage({ kind: 'model', query: 'archived' }).total).toBe(0);
  });

  it('finds substrings of names and paths, word prefixes of everything, and short words by prefix', () => {
    write([
      item('llama-7b-chat', { versions: [version('v1', { meta: { architecture: 'LlamaForCausalLM' } })] }),
      item('tinyllama', { path: 'team/nlp/tinyllama' }),
      item('qwen-7b', { format: 'gguf' }),
      item('bert-base', { versions: [version('v1', { meta: { card: { tags: ['sentiment'] } } })] }),
      item('Café-Modèle'),
    ]);
    const search = (query: string) => names(catalog.listLibrary({ query })).sort();
    expect(search('lama')).toEqual(['llama-7b-chat', 'tinyllama']); // inside a word
    expect(search('nlp/tiny')).toEqual(['tinyllama']); // across a path separator
    expect(search('LLAMA chat')).toEqual(['llama-7b-chat']); // every word, any case
    expect(search('gguf')).toEqual(['qwen-7b']); // a format (word index only)
    expect(search('senti')).toEqual(['bert-base']); // prefix of a card tag
    expect(search('ForCausal')).toEqual([]); // mid-word fragments of card text are not indexed
    expect(search('7b')).toEqual(['llama-7b-chat', 'qwen-7b']); // two letters: word prefix
    expect(search('b')).toEqual(['bert-base']); // one letter: word prefix, not "any b"
    expect(search('cafe')).toEqual(['Café-Modèle']); // diacritics ignored
    expect(search('xyzzy')).toEqual([]);
    expect(search('"; DROP TABLE item; --')).toEqual([]);
    expect(search('- / "')).toEqual([]);
  });

  it('rewrites the words of an item whose versions changed, and keeps those of an unchanged one', () => {
    const tagged = (tag: string) => item('bert', { versions: [version('v1', { meta: { card: { tags: [tag] } } })] });
    write([tagged('sentiment'), item('other')]);
    expect(names(catalog.listLibrary({ query: 'sentiment' }))).toEqual(['bert']);
    write([tagged('toxicity'), item('other')], 2);
    expect(names(catalog.listLibrary({ query: 'sentiment' }))).toEqual([]);
    expect(names(catalog.listLibrary({ query: 'toxic' }))).toEqual(['bert']);
    write([tagged('toxicity'), item('other')], 3);
    expect(names(catalog.listLibrary({ query: 'toxic' }))).toEqual(['bert']);
    expect(catalog.db.prepare('SELECT COUNT(*) AS n FROM item_words').get()).toEqual({ n: 2 });
  });

  it('finds items a scan wrote before it rebuilt the indexes, by a substring of name or path', () => {
    write([item('bert-base')]);
    catalog.replaceItems(source, 2, [item('bert-base'), item('tinyllama-chat', { path: 'nlp/50%_off' })]);
    const search = (query: string) => names(catalog.listLibrary({ query })).sort();
    expect(search('llama')).toEqual(['tinyllama-chat']);
    expect(search('ch')).toEqual(['tinyllama-chat']); // short words too (LIKE, as before migration 6)
    expect(search('50%_')).toEqual(['tinyllama-chat']); // LIKE wildcards are literal
    expect(search('5%f')).toEqual([]);
    expect(catalog.libraryPage({ kind: 'model', query: 'llama' }).total).toBe(1);
    expect(catalog.libraryPage({ kind: 'dataset', query: 'llama' }).total).toBe(0);
    catalog.rebuildSearch(source);
    expect(catalog.db.prepare('SELECT COUNT(*) AS n FROM item_search_pending').get()).toEqual({ n: 0 });
    expect(search('llama')).toEqual(['tinyllama-chat']); // now from the indexes
    expect(search('ch')).toEqual(['tinyllama-chat']); // word prefix of "chat"
  });

  it('forgets renamed and removed items in the substring index', () => {
    write([item('alpha-one'), item('beta-two')]);
    write([item('alpha-renamed', { path: 'models/alpha-one' })], 2);
    expect(names(catalog.listLibrary({ query: 'renamed' }))).toEqual(['alpha-renamed']);
    expect(names(catalog.listLibrary({ query: 'beta' }))).toEqual([]);
    expect(names(catalog.listLibrary({ query: 'one' }))).toEqual(['alpha-renamed']); // by path
    catalog.deleteSource(source);
    expect(catalog.db.prepare('SELECT COUNT(*) AS n FROM item_trigram').get()).toEqual({ n: 0 });
    expect(catalog.db.prepare('SELECT COUNT(*) AS n FROM item_words').get()).toEqual({ n: 0 });
  });

  describe('pages', () => {
    const N = 250;
    beforeEach(() => {
      const formats = ['safetensors', 'gguf', 'onnx'];
      write(
        Array.from({ length: N }, (_, i) =>
          item(`model-${String(i).padStart(3, '0')}`, {
            kind: i % 5 === 0 ? 'dataset' : 'model',
            format: formats[i % 3] as string,
            versions: Array.from({ length: (i % 4) + 1 }, (_, v) => version(`v${v + 1}`, { createdMs: i % 10 === 1 ? null : i, files: [{ path: `f${v}`, size: (i * 7919) % 1000, mtimeMs: i % 10 === 1 ? null : i }] })),
          }),
        ),
      );
    });

    it('returns windows that put together equal the whole sorted list, with the total', () => {
      const all = catalog.listLibrary({ kind: 'model' });
      expect(all).toHaveLength(200);
      const pages = [0, 64, 128, 192].map((offset) => catalog.libraryPage({ kind: 'model', offset, limit: 64 }));
      expect(pages.map((p) => p.total)).toEqual([200, 200, 200, 200]);
      expect(pages.flatMap((p) => p.items)).toEqual(all);
      expect(pages[3]?.items).toHaveLength(8);
    });

    it('sorts by each column in SQL, missing values last either way, ties by name', () => {
      const full = (sort: 'sizeBytes' | 'versionCount' | 'updatedAt', dir: 'asc' | 'desc') =>
        catalog.libraryPage({ kind: 'model', sort, dir, limit: 1000 }).items;
      for (const sort of ['sizeBytes', 'versionCount', 'updatedAt'] as const) {
        for (const dir of ['asc', 'desc'] as const) {
          const got = full(sort, dir);
          const expected = [...got].sort((a, b) => {
            const x = a[sort];
            const y = b[sort];
            if (x === null || y === null) return x === y ? a.name.localeCompare(b.name) : x === null ? 1 : -1;
            return (dir === 'asc' ? x - y : y - x) || a.name.localeCompare(b.name);
          });
          expect(got.map((i) => i.id), `${sort} ${dir}`).toEqual(expected.map((i) => i.id));
        }
      }
      // 10% of the items have no file time at all: they are at the end both ways
      expect(full('updatedAt', 'asc').at(-1)?.updatedAt).toBe(null);
      expect(full('updatedAt', 'desc').at(-1)?.updatedAt).toBe(null);
      expect(full('versionCount', 'desc')[0]?.versionCount).toBe(4);
      const byName = catalog.libraryPage({ kind: 'model', sort: 'name', dir: 'desc', limit: 3 }).items;
      expect(names(byName)).toEqual(['model-249', 'model-248', 'model-247']);
    });

    it('filters by format and source, and counts facets before those filters', () => {
      const page = catalog.libraryPage({ kind: 'model', format: 'gguf', facets: true, limit: 10 });
      expect(page.total).toBe(67);
      expect(page.items.every((i) => i.format === 'gguf')).toBe(true);
      expect(page.facets?.total).toBe(200);
      expect(page.facets?.formats.map((f) => f.count).reduce((a, b) => a + b)).toBe(200);
      expect(page.facets?.sources).toEqual([{ id: source, name: 'nas', count: 200 }]);
      expect(catalog.libraryPage({ kind: 'model', sourceId: source + 1 }).total).toBe(0);
    });

    it('pages through search results too', () => {
      const page = catalog.libraryPage({ kind: 'model', query: 'model-1', sort: 'name', dir: 'desc', limit: 5, facets: true });
      // model-100…199 minus the datasets (every 5th)
      expect(page.total).toBe(80);
      expect(names(page.items)).toEqual(['model-199', 'model-198', 'model-197', 'model-196', 'model-194']);
      expect(page.facets?.total).toBe(80);
      expect(catalog.libraryPage({ query: 'nothing-like-this' })).toMatchObject({ total: 0, items: [] });
    });

    it('answers a selective search through the indexes, not a scan of every item', () => {
      const plan = (sql: string) => (catalog.db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all() as Array<{ detail: string }>).map((p) => p.detail).join(' | ');
      expect(plan("SELECT rowid FROM item_trigram WHERE item_trigram MATCH '\"lama\"'")).toMatch(/VIRTUAL TABLE INDEX/);
      expect(plan("SELECT id FROM item WHERE kind = 'model' ORDER BY name_key LIMIT 10")).toMatch(/item_by_kind_name_key/);

    });
  });
});

describe('library pages over many search matches', () => {
  it('walks the sort index when a query matches thousands, with the same answer as sorting the matches', () => {
    const catalog = new Catalog(openCatalogDb(':memory:'));
    const source = catalog.insertSource({ name: 'nas', kind: 'local', url: '/nas', rootPath: '/nas' }).id;
    const many = Array.from({ length: 3000 }, (_, i) =>
      item(`${i % 3 ? 'llama' : 'qwen'}-${(i * 7919) % 3000}`, {
        kind: i % 10 === 0 ? 'dataset' : 'model',
        versions: [version('v1', { files: [{ path: 'f', size: (i * 104_729) % 5000, mtimeMs: 1 }] })],
      }),
    );
    catalog.replaceItems(source, 1, many);
    catalog.rebuildSearch(source);
    const all = catalog.listLibrary({ kind: 'model', query: 'lama' });
    expect(all).toHaveLength(1800);
    const page = catalog.libraryPage({ kind: 'model', query: 'model', offset: 1000, limit: 50 });
    const models = catalog.listLibrary({ kind: 'model' });
    expect(page.total).toBe(models.length); // 2700: every model (its kind is a word of it)
    expect(page.items).toEqual(models.slice(1000, 1050));
    const bySize = catalog.libraryPage({ kind: 'model', query: 'model', sort: 'sizeBytes', dir: 'desc', offset: 0, limit: 2700 }).items;
    expect(bySize.map((i) => i.sizeBytes)).toEqual(models.map((i) => i.sizeBytes).sort((a, b) => b - a));
    const dsets = catalog.libraryPage({ kind: 'dataset', query: 'qwen', limit: 1000 });
    expect(dsets.total).toBe(catalog.listLibrary({ kind: 'dataset', query: 'qwen' }).length);
    expect(dsets.items.every((i) => i.kind === 'dataset' && i.name.startsWith('qwen'))).toBe(true);
  });
});

describe('search plan', () => {
  it('looks at pending items only through item_search_pending, never by scanning every item', () => {
    const catalog = new Catalog(openCatalogDb(':memory:'));
    const plans: string[] = [];
    const prepare = catalog.db.prepare.bind(catalog.db);
    // record the plan of every statement the search runs
    (catalog.db as unknown as { prepare: typeof prepare }).prepare = ((sql: string) => {
      if (/item_search_pending p/.test(sql)) {
        const params = Array.from({ length: (sql.match(/\?/g) ?? []).length }, () => 'x');
        plans.push((prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...params) as Array<{ detail: string }>).map((p) => p.detail).join(' | '));
      }
      return prepare(sql);
    }) as typeof prepare;
    catalog.listLibrary({ query: 'llama 7b' });
    expect(plans).toHaveLength(1);
    expect(plans[0]).toMatch(/SCAN p\b/);
    expect(plans[0]).not.toMatch(/SCAN i\b/);
  });
});
