// Append-only list of schema migrations. Never edit or reorder a shipped entry: the runner stores a
// checksum of each applied migration and refuses a catalog whose history does not match this list.
// Add a new entry at the end (with a test in migrations.test.ts) instead.
export interface Migration {
  id: number;
  name: string;
  sql: string;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    id: 1,
    name: 'initial',
    sql: `
CREATE TABLE source (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL,
  kind TEXT NOT NULL CHECK (kind IN ('smb', 'local')),
  url TEXT NOT NULL UNIQUE,
  host TEXT, port INTEGER, share TEXT, subpath TEXT, username TEXT, domain TEXT,
  root_path TEXT,
  status TEXT NOT NULL DEFAULT 'unknown',
  last_scan_at INTEGER, last_seen_at INTEGER, last_error TEXT,
  generation INTEGER NOT NULL DEFAULT 0,
  created_at INTEGER NOT NULL
);

-- Every file and folder seen on a source. generation = the scan that last saw it; rows a complete
-- scan did not see are deleted by generation, never by wiping the source.
CREATE TABLE entry (
  id INTEGER PRIMARY KEY,
  source_id INTEGER NOT NULL REFERENCES source(id) ON DELETE CASCADE,
  path TEXT NOT NULL,
  parent TEXT NOT NULL,
  name TEXT NOT NULL,
  is_dir INTEGER NOT NULL,
  size INTEGER NOT NULL,
  mtime_ms INTEGER NOT NULL,
  generation INTEGER NOT NULL,
  format TEXT,
  meta_json TEXT,
  read_state TEXT NOT NULL DEFAULT 'pending' CHECK (read_state IN ('pending', 'done', 'skipped')),
  UNIQUE (source_id, path)
);
CREATE INDEX entry_by_parent ON entry (source_id, parent);
CREATE INDEX entry_by_generation ON entry (source_id, generation);

-- A recognised model or dataset and its versions.
CREATE TABLE item (
  id INTEGER PRIMARY KEY,
  source_id INTEGER NOT NULL REFERENCES source(id) ON DELETE CASCADE,
  kind TEXT NOT NULL CHECK (kind IN ('model', 'dataset')),
  name TEXT NOT NULL,
  path TEXT NOT NULL,
  layout TEXT NOT NULL,
  format TEXT NOT NULL,
  updated_ms INTEGER,
  size_bytes INTEGER NOT NULL DEFAULT 0,
  generation INTEGER NOT NULL,
  UNIQUE (source_id, kind, path)
);
CREATE INDEX item_by_name ON item (name);

CREATE TABLE version (
  id INTEGER PRIMARY KEY,
  item_id INTEGER NOT NULL REFERENCES item(id) ON DELETE CASCADE,
  label TEXT NOT NULL,
  ordinal INTEGER NOT NULL,
  path TEXT NOT NULL,
  created_ms INTEGER,
  size_bytes INTEGER NOT NULL,
  format TEXT NOT NULL,
  stage TEXT,
  aliases_json TEXT NOT NULL DEFAULT '[]',
  meta_json TEXT NOT NULL DEFAULT '{}',
  UNIQUE (item_id, label)
);

CREATE TABLE version_file (
  version_id INTEGER NOT NULL REFERENCES version(id) ON DELETE CASCADE,
  path TEXT NOT NULL,
  size INTEGER NOT NULL,
  mtime_ms INTEGER,
  PRIMARY KEY (version_id, path)
);

CREATE TABLE scan (
  id INTEGER PRIMARY KEY,
  source_id INTEGER NOT NULL REFERENCES source(id) ON DELETE CASCADE,
  generation INTEGER NOT NULL,
  started_at INTEGER NOT NULL,
  finished_at INTEGER,
  status TEXT NOT NULL CHECK (status IN ('running', 'done', 'failed', 'cancelled')),
  folders INTEGER NOT NULL DEFAULT 0,
  files INTEGER NOT NULL DEFAULT 0,
  bytes INTEGER NOT NULL DEFAULT 0,
  files_read INTEGER NOT NULL DEFAULT 0,
  bytes_read INTEGER NOT NULL DEFAULT 0,
  error TEXT
);
`,
  },
  {
    id: 2,
    name: 'runs-metrics-lineage-search',
    sql: `
-- A training run found on a share, and what it logged.
CREATE TABLE run (
  id INTEGER PRIMARY KEY,
  source_id INTEGER NOT NULL REFERENCES source(id) ON DELETE CASCADE,
  path TEXT NOT NULL,
  name TEXT NOT NULL,
  format TEXT NOT NULL,
  status TEXT,
  started_ms INTEGER,
  ended_ms INTEGER,
  params_json TEXT NOT NULL DEFAULT '{}',
  tags_json TEXT NOT NULL DEFAULT '{}',
  -- size+mtime of every file the run was read from: an unchanged run is not read again
  fingerprint TEXT NOT NULL,
  generation INTEGER NOT NULL,
  UNIQUE (source_id, path)
);

CREATE TABLE metric_series (
  id INTEGER PRIMARY KEY,
  run_id INTEGER NOT NULL REFERENCES run(id) ON DELETE CASCADE,
  key TEXT NOT NULL,
  count INTEGER NOT NULL,
  first_step INTEGER,
  last_step INTEGER,
  last_value REAL,
  min_value REAL,
  max_value REAL,
  UNIQUE (run_id, key)
);

CREATE TABLE metric_point (
  series_id INTEGER NOT NULL REFERENCES metric_series(id) ON DELETE CASCADE,
  step INTEGER NOT NULL,
  wall_ms INTEGER,
  value REAL NOT NULL
);
CREATE INDEX metric_point_by_series ON metric_point (series_id, step);

-- Which run produced which version (evidence in words).
CREATE TABLE version_run (
  version_id INTEGER NOT NULL REFERENCES version(id) ON DELETE CASCADE,
  run_id INTEGER NOT NULL REFERENCES run(id) ON DELETE CASCADE,
  evidence TEXT NOT NULL,
  PRIMARY KEY (version_id, run_id)
);

-- Lineage: refs are 'item:<id>', 'version:<id>', 'run:<id>' or 'external:<name>'.
CREATE TABLE lineage_edge (
  id INTEGER PRIMARY KEY,
  source_id INTEGER NOT NULL REFERENCES source(id) ON DELETE CASCADE,
  from_ref TEXT NOT NULL,
  to_ref TEXT NOT NULL,
  relation TEXT NOT NULL,
  evidence TEXT NOT NULL,
  confidence REAL NOT NULL,
  UNIQUE (source_id, from_ref, to_ref, relation)
);
CREATE INDEX lineage_by_from ON lineage_edge (from_ref);
CREATE INDEX lineage_by_to ON lineage_edge (to_ref);

-- Full-text search over models, datasets and runs: names, paths, tags, card text, architectures.
-- unicode61 without extra tokenchars: '_' as a token character made prefix queries 100x slower.
CREATE VIRTUAL TABLE search_index USING fts5 (
  ref UNINDEXED,
  source_id UNINDEXED,
  name,
  path,
  body,
  tokenize = 'unicode61 remove_diacritics 2'
);
`,
  },
  {
    id: 3,
    name: 'team-annotations',
    sql: `
-- Mirror of the team's event logs on a share (.modelshelf/events/<machine>.jsonl). The logs are the
-- truth; these tables are rebuilt from them. Targets are item paths and version labels (stable
-- across rescans), never database ids.

-- How far each log file was read (logs only grow): an unchanged log is not read again, a grown
-- one only from where reading stopped, after checking that the bytes before it (tail_sha) are
-- still the same.
CREATE TABLE annotation_log (
  source_id INTEGER NOT NULL REFERENCES source(id) ON DELETE CASCADE,
  file TEXT NOT NULL,
  size INTEGER NOT NULL,
  mtime_ms INTEGER NOT NULL,
  tail_sha TEXT NOT NULL DEFAULT '',
  events INTEGER NOT NULL,
  bad_lines INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (source_id, file)
);

-- Every event of every log (the audit trail). The same event copied into two logs counts once.
CREATE TABLE annotation_event (
  source_id INTEGER NOT NULL REFERENCES source(id) ON DELETE CASCADE,
  file TEXT NOT NULL,
  event_id TEXT NOT NULL,
  at_ms INTEGER NOT NULL,
  who TEXT NOT NULL,
  machine TEXT NOT NULL,
  action TEXT NOT NULL,
  item_kind TEXT NOT NULL,
  item_path TEXT NOT NULL,
  version_label TEXT,
  value_json TEXT NOT NULL,
  PRIMARY KEY (source_id, file, event_id)
);
CREATE INDEX annotation_event_by_time ON annotation_event (source_id, at_ms, event_id);

-- The fold of all events: current aliases, stages, tags, notes and links. version_label '' = the item.
CREATE TABLE annotation (
  id INTEGER PRIMARY KEY,
  source_id INTEGER NOT NULL REFERENCES source(id) ON DELETE CASCADE,
  item_kind TEXT NOT NULL,
  item_path TEXT NOT NULL,
  version_label TEXT NOT NULL DEFAULT '',
  kind TEXT NOT NULL CHECK (kind IN ('alias', 'stage', 'tag', 'note', 'link')),
  value TEXT NOT NULL,
  relation TEXT,
  by_user TEXT NOT NULL,
  machine TEXT NOT NULL,
  at_ms INTEGER NOT NULL,
  event_id TEXT NOT NULL
);
CREATE INDEX annotation_by_target ON annotation (source_id, item_kind, item_path, version_label);
`,
  },
  {
    id: 4,
    name: 'derived-cache',
    sql: `
-- Results derived from a group of files (e.g. DVC pipeline lineage from dvc.yaml/dvc.lock/*.dvc),
-- kept with the size+mtime fingerprint of those files so an unchanged rescan reads none of them.
CREATE TABLE derived_cache (
  source_id INTEGER NOT NULL REFERENCES source(id) ON DELETE CASCADE,
  key TEXT NOT NULL,
  fingerprint TEXT NOT NULL,
  value_json TEXT NOT NULL,
  PRIMARY KEY (source_id, key)
);
`,
  },
  {
    id: 5,
    name: 'metric-blobs',
    sql: `
-- A series' points as packed little-endian float64 arrays, one row per series (metric_point had
-- one row per point: 1M inserts to store a long run and 1M rows to read to draw it). The columns
-- are in read order: a chart's first request reads only the overview, which SQLite finds before
-- the big arrays in the row.
--   wall_kind  0: no point has a wall time, 1: every point has one, 2: some do
--   overview   NULL when the series is small; else min/max-downsampled points [steps, walls, values]
--   steps      every point's step, ascending; values its value; walls its wall time in ms (NaN
--              where it has none; NULL when wall_kind = 0)
CREATE TABLE metric_data (
  series_id INTEGER PRIMARY KEY REFERENCES metric_series(id) ON DELETE CASCADE,
  wall_kind INTEGER NOT NULL CHECK (wall_kind IN (0, 1, 2)),
  overview BLOB,
  steps BLOB NOT NULL,
  vals BLOB NOT NULL,
  walls BLOB
);

-- Points are not converted (SQL cannot pack floats): the catalog is a cache of the share, so the
-- old series go and every run is read again on the next scan (an empty fingerprint never matches).
DROP TABLE metric_point;
DELETE FROM metric_series;
UPDATE run SET fingerprint = '';
`,
  },
  {
    id: 6,
    name: 'library-summary-and-substring-search',
    sql: `
-- An item's version count and latest label, for sorting the library in SQL (what a page shows is
-- read from version itself). Set for a whole source by rebuildSearch after each scan.
ALTER TABLE item ADD COLUMN version_count INTEGER NOT NULL DEFAULT 0;
ALTER TABLE item ADD COLUMN latest_version TEXT;
UPDATE item SET
  version_count = (SELECT COUNT(*) FROM version v WHERE v.item_id = item.id),
  latest_version = (SELECT label FROM version v WHERE v.item_id = item.id ORDER BY v.ordinal DESC, v.id DESC LIMIT 1);

-- Library pages sorted and filtered in SQL, per kind. Columns a rescan rewrites on every item
-- (size, time) get no index: an index is rewritten with them, and those sorts read every row anyway.
CREATE INDEX item_by_kind_name ON item (kind, name COLLATE NOCASE);
CREATE INDEX item_by_kind_versions ON item (kind, version_count);
CREATE INDEX item_by_kind_latest ON item (kind, latest_version COLLATE NOCASE);
CREATE INDEX item_by_kind_format ON item (kind, format);
CREATE INDEX item_by_kind_source ON item (kind, source_id);

-- Item search indexes, written by rebuildSearch after each scan. rowid = item id * 2 + (1 for a
-- dataset): a search counts and filters by kind without reading item rows. item_trigram:
-- substrings of names and paths (what LIKE '%word%' scanned every row for); a name the path already
-- holds is not indexed twice. item_words: word prefixes of names, paths and what rebuildSearch
-- collects (formats, labels, tags, card text, architectures); its item rows move out of
-- search_index, which keeps the runs. Rows of removed items go with them (trigger). Not written by
-- triggers on insert: FTS5 flushes its buffer at every statement that fires one (10x the cost);
-- item_search_pending (below) covers items written since.
CREATE VIRTUAL TABLE item_trigram USING fts5 (text, tokenize = 'trigram remove_diacritics 1');
INSERT INTO item_trigram (rowid, text)
  SELECT id * 2 + (kind = 'dataset'), CASE WHEN instr(lower(path), lower(name)) > 0 THEN path ELSE name || ' ' || path END FROM item;

CREATE VIRTUAL TABLE item_words USING fts5 (name, path, body, tokenize = 'unicode61 remove_diacritics 2');
INSERT INTO item_words (rowid, name, path, body)
  SELECT i.id * 2 + (i.kind = 'dataset'), s.name, s.path, s.body FROM search_index s
  JOIN item i ON i.id = CAST(substr(s.ref, 6) AS INTEGER) WHERE s.ref LIKE 'item:%';
DELETE FROM search_index WHERE ref LIKE 'item:%';

-- Items written or renamed since the last rebuildSearch of their source (a scan writes items long
-- before it rebuilds the indexes): search finds them by LIKE on name and path meanwhile, as before.
CREATE TABLE item_search_pending (item_id INTEGER PRIMARY KEY);
CREATE TRIGGER item_search_pending_insert AFTER INSERT ON item BEGIN
  INSERT OR IGNORE INTO item_search_pending (item_id) VALUES (NEW.id);
END;
CREATE TRIGGER item_search_pending_update AFTER UPDATE OF name, path ON item
WHEN NEW.name IS NOT OLD.name OR NEW.path IS NOT OLD.path BEGIN
  INSERT OR IGNORE INTO item_search_pending (item_id) VALUES (NEW.id);
END;

CREATE TRIGGER item_search_delete AFTER DELETE ON item BEGIN
  DELETE FROM item_trigram WHERE rowid = OLD.id * 2 + (OLD.kind = 'dataset');
  DELETE FROM item_words WHERE rowid = OLD.id * 2 + (OLD.kind = 'dataset');
  DELETE FROM item_search_pending WHERE item_id = OLD.id;
END;
`,
  },
  {
    id: 7,
    name: 'natural-name-order',
    sql: `
-- The library sorts names and latest labels the way people count ("v2" before "v10", case
-- ignored) by a stored key (catalog/natural-key.ts): SQLite has no such collation. Every write of
-- an item (replaceItems) and of its summary (refreshItemSummaries) sets the keys; natural_key() is
-- registered by migrate() for this backfill.
ALTER TABLE item ADD COLUMN name_key TEXT NOT NULL DEFAULT '';
ALTER TABLE item ADD COLUMN latest_key TEXT;
UPDATE item SET name_key = natural_key(name), latest_key = natural_key(latest_version);
DROP INDEX item_by_kind_name;
DROP INDEX item_by_kind_latest;
CREATE INDEX item_by_kind_name_key ON item (kind, name_key);
CREATE INDEX item_by_kind_latest_key ON item (kind, latest_key);

-- Unused since the walk compares each folder's listing with its rows (a rescan no longer deletes by
-- generation), and rewritten with every entry row written.
DROP INDEX entry_by_generation;
`,
  },
];
