// The library as the UI and the CLI read it: whole lists (library.list), sorted and filtered pages
// (library.page), and the search behind both. What a row shows of its versions (count, latest
// label, MLflow aliases) is read from version for the rows returned; sorting by count or latest
// uses the item columns that rebuildSearch sets after each scan (migration 6).
//
// Search, per word (all words must match):
// - 3 characters or more: a substring of the item's name or path (item_trigram), or a word prefix
//   of anything indexed (item_words: names, paths, formats, tags, labels, card text, architectures);
// - 1 or 2 characters: a word prefix only (a trigram index cannot answer it, and a substring scan
//   of every name is what made search slow).
// - and a substring of the team's aliases, stages, tags and notes (annotation rows, not indexed).
// Both indexes use rowid = item id * 2 + (1 for a dataset) (migration 6): matches are counted and
// split by kind without reading item rows.
import type Database from 'better-sqlite3';
import type { ItemKind, LibraryFacets, LibraryItem, LibraryPage, LibrarySortKey } from '../../../shared/contract';
import { naturalKey } from './natural-key';
import { parseJson } from './parse-json';

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
  name: 'i.name_key',
  latestVersion: 'i.latest_key',
  versionCount: 'i.version_count',
  format: 'i.format',
  sizeBytes: 'i.size_bytes',
  updatedAt: 'i.updated_ms',
  sourceName: 's.name COLLATE NOCASE',
};

/** An item's versions as a row shows them (i = the item). */
const VERSION_COUNT = '(SELECT COUNT(*) FROM version v WHERE v.item_id = i.id)';
const LATEST_LABEL = '(SELECT v.label FROM version v WHERE v.item_id = i.id ORDER BY v.ordinal DESC, v.id DESC LIMIT 1)';
const VERSION_ALIASES =
  '(SELECT json_group_array(value) FROM (SELECT a.value FROM version v, json_each(v.aliases_json) a WHERE v.item_id = i.id ORDER BY v.ordinal, a.key))';

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
  i.updated_ms, ${VERSION_COUNT} AS version_count, ${LATEST_LABEL} AS latest_version, ${VERSION_ALIASES} AS version_aliases`;

function toItem(r: ItemRow): LibraryItem {
  const aliases = parseJson<string[]>(r.version_aliases, []); // a broken row shows no aliases
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
function queryWords(query: string | undefined): string[] {
  return (query ?? '').trim().split(/\s+/).filter(Boolean).slice(0, MAX_WORDS);
}

/** The search indexes' rowid of an item (see above). */
function searchRowid(id: number, kind: ItemKind): number {
  return id * 2 + (kind === 'dataset' ? 1 : 0);
}

/**
 * Ids of the items (of one kind, if given) that match every word, or null when there is no query.
 * One statement: each word is a union of index lookups, the words are intersected.
 */
function matchingItemIds(db: Database.Database, query: string | undefined, kind?: ItemKind): number[] | null {
  const words = queryWords(query);
  if (words.length === 0) return null;
  const params: string[] = [];
  // Items written since their source's last rebuildSearch are not in the indexes yet: a substring
  // of their name or path (LIKE, over those rows only; none once a scan has finished). CROSS JOIN
  // keeps that order: without statistics the planner may scan every item and look each one up.
  const pending = `SELECT p.item_id * 2 + (i.kind = 'dataset') AS r FROM item_search_pending p CROSS JOIN item i ON i.id = p.item_id
    WHERE i.name LIKE ? ESCAPE '\\' OR i.path LIKE ? ESCAPE '\\'`;
  // What the team wrote (aliases, stages, tags, notes) changes without a scan, so it is not in the
  // indexes: a substring of it (for 1–2 characters, the start of it or of a word in it), over the
  // annotation rows (a team writes hundreds, not millions).
  const team = (test: string) => `SELECT i.id * 2 + (i.kind = 'dataset') AS r FROM annotation t CROSS JOIN item i
    ON i.source_id = t.source_id AND i.kind = t.item_kind AND i.path = t.item_path
    WHERE t.kind IN ('alias', 'stage', 'tag', 'note') AND ${test}`;
  const teamSubstring = team("t.value LIKE ? ESCAPE '\\'");
  const teamWordStart = team("(t.value LIKE ? ESCAPE '\\' OR t.value LIKE ? ESCAPE '\\')");
  const parts = words.map((word) => {
    const like = `%${word.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    params.push(`${phrase(word)}*`);
    const prefix = 'SELECT rowid AS r FROM item_words WHERE item_words MATCH ?';
    if ([...word].length < 3) {
      // team words: the start of the value or of a word in it (after a space)
      params.push(like, like, like.slice(1), `% ${like.slice(1)}`);
      return `${prefix} UNION ${pending} UNION ${teamWordStart}`;
    }
    params.push(phrase(word), like, like, like);
    return `${prefix} UNION SELECT rowid AS r FROM item_trigram WHERE item_trigram MATCH ? UNION ${pending} UNION ${teamSubstring}`;
  });
  const sql = parts.length === 1 ? (parts[0] as string) : parts.map((p) => `SELECT r FROM (${p})`).join(' INTERSECT ');
  const rowids = db.prepare(sql).pluck().all(...params) as number[];
  const ids: number[] = [];
  const parity = kind === undefined ? -1 : kind === 'dataset' ? 1 : 0;
  for (const r of rowids) if (parity < 0 || r % 2 === parity) ids.push(Math.floor(r / 2));
  return ids;
}

/** Below this many matches a page reads the matching rows and sorts them; above, it walks the sort index. */
const FEW_MATCHES = 2000;

const SORT_INDEX: Partial<Record<LibrarySortKey, string>> = {
  name: 'item_by_kind_name_key',
  versionCount: 'item_by_kind_versions',
  latestVersion: 'item_by_kind_latest_key',
  format: 'item_by_kind_format',
};

function whereClause(filter: LibraryFilter, ids: number[] | null, params: Record<string, unknown>, opts: { facetFilters?: boolean; kindByIndex?: boolean } = {}): string {
  const where: string[] = [];
  if (filter.id !== undefined) {
    where.push('i.id = @id');
    params.id = filter.id;
  }
  if (filter.kind) {
    // With a short list of ids, look those rows up rather than walk every item of the kind ('+').
    where.push(ids && !opts.kindByIndex ? '+i.kind = @kind' : 'i.kind = @kind');
    params.kind = filter.kind;
  }
  if (opts.facetFilters !== false && filter.sourceId !== undefined) {
    where.push('i.source_id = @sourceId');
    params.sourceId = filter.sourceId;
  }
  if (opts.facetFilters !== false && filter.format !== undefined) {
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
  const ids = matchingItemIds(db, filter.query, filter.kind);
  if (ids?.length === 0) return [];
  const params: Record<string, unknown> = {};
  const where = whereClause(filter, ids, params);
  const rows = db
    .prepare(`SELECT ${COLUMNS} FROM item i JOIN source s ON s.id = i.source_id ${where} ORDER BY i.name_key, i.id`)
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
  const ids = matchingItemIds(db, req.query, req.kind);
  const facets = req.facets ? libraryFacets(db, req, ids) : undefined;
  const answer = (total: number, items: LibraryItem[]): LibraryPage => ({ total, offset, items, ...(facets ? { facets } : {}) });
  if (ids?.length === 0) return answer(0, []);
  const sort = req.sort ?? 'name';
  const filtered = req.format !== undefined || req.sourceId !== undefined;
  // Many matches of one kind: walk the sort index and test membership (the first rows come early).
  const byIndex = ids !== null && ids.length > FEW_MATCHES && req.kind !== undefined && SORT_INDEX[sort] !== undefined;
  const params: Record<string, unknown> = {};
  const where = whereClause(req, ids, params, { kindByIndex: byIndex });
  let total: number;
  if (ids && req.kind !== undefined && !filtered) total = ids.length;
  else {
    total = (db.prepare(`SELECT COUNT(*) AS n FROM item i ${where}`).get(params) as { n: number }).n;
  }
  if (offset >= total) return answer(total, []);
  const dir = req.dir === 'desc' ? 'DESC' : 'ASC';
  const nullable = sort === 'updatedAt' || sort === 'latestVersion';
  // SQLite puts NULL first when ascending: only then does "last" need saying.
  const order = `${SORT_SQL[sort]} ${dir}${nullable && dir === 'ASC' ? ' NULLS LAST' : ''}${sort !== 'name' ? ', i.name_key' : ''}, i.id`;
  // Without statistics the planner may pick any (kind, …) index and sort every row: name the one
  // that gives the order (when the kind is known and the ids, if any, are many). The window is
  // chosen on ids alone (the sort indexes cover their columns); only its rows are read.
  const index = req.kind !== undefined && (ids === null || byIndex) && !filtered && SORT_INDEX[sort] ? `INDEXED BY ${SORT_INDEX[sort]}` : '';
  const joinSource = sort === 'sourceName' ? 'JOIN source s ON s.id = i.source_id' : '';
  const rows = db
    .prepare(
      `SELECT ${COLUMNS} FROM (SELECT i.id FROM item i ${index} ${joinSource} ${where} ORDER BY ${order} LIMIT @limit OFFSET @offset) w
       JOIN item i ON i.id = w.id JOIN source s ON s.id = i.source_id ORDER BY ${order}`,
    )
    .all({ ...params, limit, offset }) as ItemRow[];
  return answer(total, rows.map(toItem));
}

function libraryFacets(db: Database.Database, filter: LibraryFilter, ids: number[] | null): LibraryFacets {
  if (ids?.length === 0) return { total: 0, formats: [], sources: [] };
  const formats = new Map<string, number>();
  const bySource = new Map<number, number>();
  let total = 0;
  if (ids === null && filter.kind !== undefined && filter.id === undefined) {
    // No search: two counts on the (kind, format) and (kind, source) indexes, no item rows read.
    for (const g of db.prepare('SELECT format, COUNT(*) AS n FROM item WHERE kind = ? GROUP BY format').all(filter.kind) as Array<{ format: string; n: number }>) {
      formats.set(g.format, g.n);
      total += g.n;
    }
    for (const g of db.prepare('SELECT source_id, COUNT(*) AS n FROM item WHERE kind = ? GROUP BY source_id').all(filter.kind) as Array<{ source_id: number; n: number }>) {
      bySource.set(g.source_id, g.n);
    }
  } else {
    // A search: one pass over the matching rows, counted by (format, source); few groups, summed here.
    const params: Record<string, unknown> = {};
    const where = whereClause(filter, ids, params, { facetFilters: false });
    const groups = db
      .prepare(`SELECT i.format, i.source_id, COUNT(*) AS n FROM item i ${where} GROUP BY i.format, i.source_id`)
      .all(params) as Array<{ format: string; source_id: number; n: number }>;
    for (const g of groups) {
      formats.set(g.format, (formats.get(g.format) ?? 0) + g.n);
      bySource.set(g.source_id, (bySource.get(g.source_id) ?? 0) + g.n);
      total += g.n;
    }
  }
  const names = db.prepare('SELECT id, name FROM source ORDER BY name COLLATE NOCASE, id').all() as Array<{ id: number; name: string }>;
  return {
    total,
    formats: [...formats].map(([value, count]) => ({ value, count })).sort((a, b) => b.count - a.count || (a.value < b.value ? -1 : a.value > b.value ? 1 : 0)),
    sources: names.filter((s) => bySource.has(s.id)).map((s) => ({ id: s.id, name: s.name, count: bySource.get(s.id) as number })),
  };
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

/** Version count and latest label of a source's items, for sorting (only changed rows are written). */
function refreshItemSummaries(db: Database.Database, sourceId: number): void {
  // One pass over the source's versions (a bare column beside MAX() comes from the row holding the
  // maximum), compared here with what the items hold.
  const actual = db
    .prepare(
      `SELECT v.item_id, COUNT(*) AS n, v.label, MAX(v.ordinal) FROM version v
       WHERE v.item_id IN (SELECT id FROM item WHERE source_id = ?) GROUP BY v.item_id`,
    )
    .all(sourceId) as Array<{ item_id: number; n: number; label: string }>;
  const byItem = new Map(actual.map((r) => [r.item_id, r]));
  const update = db.prepare('UPDATE item SET version_count = ?, latest_version = ?, latest_key = ? WHERE id = ?');
  const stored = db.prepare('SELECT id, version_count, latest_version FROM item WHERE source_id = ?').all(sourceId) as Array<{
    id: number;
    version_count: number;
    latest_version: string | null;
  }>;
  for (const item of stored) {
    const now = byItem.get(item.id);
    const n = now?.n ?? 0;
    const latest = now?.label ?? null;
    if (item.version_count !== n || item.latest_version !== latest) update.run(n, latest, latest === null ? null : naturalKey(latest), item.id);
  }
}

/**
 * Rebuilds the word index rows of one source: names, paths, formats, tags, card text, architectures
 * of its items (item_words), substrings of their names and paths (item_trigram), its runs
 * (search_index), and the items' version summaries. Rows of removed items go with them (trigger).
 */
export function rebuildSearch(db: Database.Database, sourceId: number): void {
  const items = db.prepare('SELECT id, kind, name, path, format, layout FROM item WHERE source_id = ?').all(sourceId) as Array<{
    id: number;
    kind: ItemKind;
    name: string;
    path: string;
    format: string;
    layout: string;
  }>;
  const metas = db.prepare('SELECT label, meta_json, aliases_json, stage FROM version WHERE item_id = ?');
  // A rescan mostly finds the same words: an unchanged row is left alone (an FTS5 delete re-reads
  // and re-tokenises the old text, an insert tokenises the new one).
  const current = db.prepare('SELECT name, path, body FROM item_words WHERE rowid = ?');
  const remove = db.prepare('DELETE FROM item_words WHERE rowid = ?');
  const insertItem = db.prepare('INSERT INTO item_words (rowid, name, path, body) VALUES (?, ?, ?, ?)');
  const currentText = db.prepare('SELECT text FROM item_trigram WHERE rowid = ?').pluck();
  const removeText = db.prepare('DELETE FROM item_trigram WHERE rowid = ?');
  const insertText = db.prepare('INSERT INTO item_trigram (rowid, text) VALUES (?, ?)');
  const insertRun = db.prepare('INSERT INTO search_index (ref, source_id, name, path, body) VALUES (?, ?, ?, ?, ?)');
  db.transaction(() => {
    refreshItemSummaries(db, sourceId);
    db.prepare('DELETE FROM item_search_pending WHERE item_id IN (SELECT id FROM item WHERE source_id = ?)').run(sourceId);
    // Read everything first, then write each index in one run: interleaving version reads with
    // writes to two FTS5 tables cost several times the writes alone (100k items: ~9 s vs ~3 s).
    const rows = items.map((i) => {
      const words = new Set<string>([i.kind, i.format, i.layout]);
      for (const v of metas.all(i.id) as Array<{ label: string; meta_json: string; aliases_json: string; stage: string | null }>) {
        words.add(v.label);
        if (v.stage) words.add(v.stage);
        for (const a of parseJson<string[]>(v.aliases_json, [])) words.add(a);
        collectText(parseJson<Record<string, unknown>>(v.meta_json, {}), words);
      }
      return {
        rowid: searchRowid(i.id, i.kind),
        // substrings: the path, and the name unless the path holds it (as migration 6 fills it)
        text: i.path.toLowerCase().includes(i.name.toLowerCase()) ? i.path : `${i.name} ${i.path}`,
        name: i.name,
        path: i.path.replace(/[/_.-]+/g, ' '),
        body: [...words].join(' ').slice(0, 20_000),
      };
    });
    for (const r of rows) {
      const was = currentText.get(r.rowid) as string | undefined;
      if (was === r.text) continue;
      if (was !== undefined) removeText.run(r.rowid);
      insertText.run(r.rowid, r.text);
    }
    for (const r of rows) {
      const was = current.get(r.rowid) as { name: string; path: string; body: string } | undefined;
      if (was && was.name === r.name && was.path === r.path && was.body === r.body) continue;
      if (was) remove.run(r.rowid);
      insertItem.run(r.rowid, r.name, r.path, r.body);
    }
    db.prepare('DELETE FROM search_index WHERE source_id = ?').run(sourceId);
    const runs = db.prepare('SELECT id, name, path, format FROM run WHERE source_id = ?').all(sourceId) as Array<{
      id: number;
      name: string;
      path: string;
      format: string;
    }>;
    for (const r of runs) insertRun.run(`run:${r.id}`, sourceId, r.name, r.path.replace(/[/_.-]+/g, ' '), `run ${r.format}`);
  })();
}
