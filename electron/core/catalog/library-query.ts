// The library as the UI and the CLI read it: whole lists (library.list), sorted and filtered pages
// (library.page), and the search behind both. Item summaries (version count, latest label, MLflow
// aliases) are columns kept by triggers (migration 6), so a page reads only the rows it shows.
//
// Search, per word (all words must match):
// - 3 characters or more: a substring of the item's name or path (item_trigram, migration 6), or a
//   word prefix of anything indexed (search_index: formats, tags, labels, card text, architectures);
// - 1 or 2 characters: a word prefix only (a trigram index cannot answer it, and a substring scan
//   of every name is what made search slow).
import type Database from 'better-sqlite3';
import type { ItemKind, LibraryFacets, LibraryItem, LibraryPage, LibrarySortKey } from '../../../shared/contract';

export interface LibraryFilter {
  kind?: ItemKind;
  query?: string;
  sourceId?: number;
  format?: string;
  id?: number;
}

export interface PageRequest extends LibraryFilter {
  sort?: LibrarySortKey;
  dir?: 'asc' | 'desc';
  offset?: number;
  limit?: number;
  facets?: boolean;
}

/** More words than this in one query are ignored (each word is one index lookup). */
const MAX_WORDS = 8;

const SORT_SQL: Record<LibrarySortKey, string> = {
  name: 'i.name COLLATE NOCASE',
  latestVersion: 'i.latest_version COLLATE NOCASE',
  versionCount: 'i.version_count',
  format: 'i.format',
  sizeBytes: 'i.size_bytes',
  updatedAt: 'i.updated_ms',
  sourceName: 's.name COLLATE NOCASE',
};

interface ItemRow {
  id: number;
  kind: ItemKind;
  name: string;
  source_id: number;
  source_name: string;
  path: string;
  layout: string;
  format: string;
  size_bytes: number;
  updated_ms: number | null;
  version_count: number;
  latest_version: string | null;
  version_aliases: string;
}

const COLUMNS = `i.id, i.kind, i.name, i.source_id, s.name AS source_name, i.path, i.layout, i.format, i.size_bytes,
  i.updated_ms, i.version_count, i.latest_version, i.version_aliases`;

function toItem(r: ItemRow): LibraryItem {
  let aliases: string[] = [];
  try {
    aliases = JSON.parse(r.version_aliases) as string[];
  } catch {
    // a broken row shows no aliases
  }
  return {
    id: r.id,
    kind: r.kind,
    name: r.name,
    sourceId: r.source_id,
    sourceName: r.source_name,
    path: r.path,
    layout: r.layout,
    format: r.format,
    versionCount: r.version_count,
    latestVersion: r.latest_version,
    aliases,
    sizeBytes: r.size_bytes,
    updatedAt: r.updated_ms,
  };
}

function phrase(word: string): string {
  return `"${word.replace(/"/g, '""')}"`;
}

/** The words of a query (at most MAX_WORDS), or [] for none. */
export function queryWords(query: string | undefined): string[] {
  return (query ?? '').trim().split(/\s+/).filter(Boolean).slice(0, MAX_WORDS);
}

/**
 * Ids of the items that match every word, or null when there is no query. One statement: each word
 * is a union of index lookups, the words are intersected.
 */
export function matchingItemIds(db: Database.Database, query: string | undefined): number[] | null {
  const words = queryWords(query);
  if (words.length === 0) return null;
  const params: string[] = [];
  const parts = words.map((word) => {
    params.push(`${phrase(word)}*`);
    const prefix = `SELECT CAST(substr(ref, 6) AS INTEGER) AS id FROM search_index WHERE search_index MATCH ? AND ref LIKE 'item:%'`;
    if ([...word].length < 3) return prefix;
    params.push(phrase(word));
    return `${prefix} UNION SELECT rowid AS id FROM item_trigram WHERE item_trigram MATCH ?`;
  });
  const sql = parts.length === 1 ? parts[0] as string : parts.map((p) => `SELECT id FROM (${p})`).join(' INTERSECT ');
  return (db.prepare(sql).pluck().all(...params) as number[]);
}

function whereClause(filter: LibraryFilter, ids: number[] | null, params: Record<string, unknown>, withFacetFilters = true): string {
  const where: string[] = [];
  if (filter.id !== undefined) {
    where.push('i.id = @id');
    params.id = filter.id;
  }
  if (filter.kind) {
    where.push('i.kind = @kind');
    params.kind = filter.kind;
  }
  if (withFacetFilters && filter.sourceId !== undefined) {
    where.push('i.source_id = @sourceId');
    params.sourceId = filter.sourceId;
  }
  if (withFacetFilters && filter.format !== undefined) {
    where.push('i.format = @format');
    params.format = filter.format;
  }
  if (ids) {
    where.push('i.id IN (SELECT value FROM json_each(@ids))');
    params.ids = JSON.stringify(ids);
  }
  return where.length ? `WHERE ${where.join(' AND ')}` : '';
}

/** Every item that matches, by name (the CLI's `ls` and library.list). */
export function listLibrary(db: Database.Database, filter: LibraryFilter): LibraryItem[] {
  const ids = matchingItemIds(db, filter.query);
  if (ids?.length === 0) return [];
  const params: Record<string, unknown> = {};
  const where = whereClause(filter, ids, params);
  const rows = db
    .prepare(`SELECT ${COLUMNS} FROM item i JOIN source s ON s.id = i.source_id ${where} ORDER BY i.name COLLATE NOCASE, i.id`)
    .all(params) as ItemRow[];
  return rows.map(toItem);
}

/**
 * One window of the library, sorted and filtered in SQL, with the number of rows in all. Missing
 * values sort last either way; ties go by name. `facets` adds the formats and sources of what the
 * query matches (before the format and source filters), for the filter menus.
 */
export function libraryPage(db: Database.Database, req: PageRequest): LibraryPage {
  const offset = req.offset ?? 0;
  const limit = req.limit ?? 100;
  const ids = matchingItemIds(db, req.query);
  const facets = req.facets ? libraryFacets(db, req, ids) : undefined;
  if (ids?.length === 0) return { total: 0, offset, items: [], ...(facets ? { facets } : {}) };
  const params: Record<string, unknown> = {};
  const where = whereClause(req, ids, params);
  const needsSource = req.sort === 'sourceName';
  const { total } = db
    .prepare(`SELECT COUNT(*) AS total FROM item i ${needsSource ? 'JOIN source s ON s.id = i.source_id' : ''} ${where}`)
    .get(params) as { total: number };
  const dir = req.dir === 'desc' ? 'DESC' : 'ASC';
  const key = SORT_SQL[req.sort ?? 'name'];
  const nullable = req.sort === 'updatedAt' || req.sort === 'latestVersion';
  // SQLite puts NULL first when ascending: only then does "last" need saying.
  const order = `${key} ${dir}${nullable && dir === 'ASC' ? ' NULLS LAST' : ''}${req.sort && req.sort !== 'name' ? ', i.name COLLATE NOCASE' : ''}, i.id`;
  const rows = db
    .prepare(
      `SELECT ${COLUMNS} FROM item i JOIN source s ON s.id = i.source_id ${where} ORDER BY ${order} LIMIT @limit OFFSET @offset`,
    )
    .all({ ...params, limit, offset }) as ItemRow[];
  return { total, offset, items: rows.map(toItem), ...(facets ? { facets } : {}) };
}

function libraryFacets(db: Database.Database, filter: LibraryFilter, ids: number[] | null): LibraryFacets {
  if (ids?.length === 0) return { total: 0, formats: [], sources: [] };
  const params: Record<string, unknown> = {};
  const where = whereClause(filter, ids, params, false);
  const formats = db
    .prepare(`SELECT i.format AS value, COUNT(*) AS count FROM item i ${where} GROUP BY i.format ORDER BY count DESC, i.format`)
    .all(params) as Array<{ value: string; count: number }>;
  const sources = db
    .prepare(
      `SELECT s.id, s.name, c.count FROM (SELECT i.source_id, COUNT(*) AS count FROM item i ${where} GROUP BY i.source_id) c
       JOIN source s ON s.id = c.source_id ORDER BY s.name COLLATE NOCASE, s.id`,
    )
    .all(params) as Array<{ id: number; name: string; count: number }>;
  return { total: formats.reduce((n, f) => n + f.count, 0), formats, sources };
}

/** Words worth finding an item by: architecture, model type, tags, license, card title… (bounded). */
function collectText(value: unknown, out: Set<string>, depth = 0): void {
  if (out.size > 400 || depth > 3) return;
  if (typeof value === 'string') {
    if (value.length <= 200) out.add(value);
  } else if (Array.isArray(value)) {
    for (const v of value.slice(0, 50)) collectText(v, out, depth + 1);
  } else if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      if (k === 'mainFile' || k === 'warnings' || k === 'tensorTypes' || k === 'dtypes') continue;
      collectText(v, out, depth + 1);
    }
  }
}

function parseJson<T>(text: string | null, fallback: T): T {
  if (text === null) return fallback;
  try {
    return JSON.parse(text) as T;
  } catch {
    return fallback;
  }
}

/**
 * Rebuilds the word index rows of one source: names, paths, formats, tags, card text, architectures
 * (item_trigram, for substrings of names and paths, is kept by triggers as items are written).
 */
export function rebuildSearch(db: Database.Database, sourceId: number): void {
  const items = db.prepare('SELECT id, kind, name, path, format, layout FROM item WHERE source_id = ?').all(sourceId) as Array<{
    id: number;
    kind: string;
    name: string;
    path: string;
    format: string;
    layout: string;
  }>;
  const metas = db.prepare('SELECT label, meta_json, aliases_json, stage FROM version WHERE item_id = ?');
  const insert = db.prepare('INSERT INTO search_index (ref, source_id, name, path, body) VALUES (?, ?, ?, ?, ?)');
  db.transaction(() => {
    db.prepare('DELETE FROM search_index WHERE source_id = ?').run(sourceId);
    for (const i of items) {
      const words = new Set<string>([i.kind, i.format, i.layout]);
      for (const v of metas.all(i.id) as Array<{ label: string; meta_json: string; aliases_json: string; stage: string | null }>) {
        words.add(v.label);
        if (v.stage) words.add(v.stage);
        for (const a of parseJson<string[]>(v.aliases_json, [])) words.add(a);
        collectText(parseJson<Record<string, unknown>>(v.meta_json, {}), words);
      }
      insert.run(`item:${i.id}`, sourceId, i.name, i.path.replace(/[/_.-]+/g, ' '), [...words].join(' ').slice(0, 20_000));
    }
    const runs = db.prepare('SELECT id, name, path, format FROM run WHERE source_id = ?').all(sourceId) as Array<{
      id: number;
      name: string;
      path: string;
      format: string;
    }>;
    for (const r of runs) insert.run(`run:${r.id}`, sourceId, r.name, r.path.replace(/[/_.-]+/g, ' '), `run ${r.format}`);
  })();
}
