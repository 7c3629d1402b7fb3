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
];
