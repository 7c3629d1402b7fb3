import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { migrate } from './migrate';
import { MIGRATIONS } from './migrations';

function tables(db: Database.Database): string[] {
  return (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").all() as Array<{ name: string }>).map(
    (r) => r.name,
  );
}

const nextId = () => Math.max(...MIGRATIONS.map((m) => m.id)) + 1;
const upTo = (id: number) => MIGRATIONS.filter((m) => m.id <= id);

describe('catalog migrations', () => {
  it('ids are 1..n in list order (append-only)', () => {
    expect(MIGRATIONS.map((m) => m.id)).toEqual(MIGRATIONS.map((_, i) => i + 1));
  });

  it('migration 1 creates the data model tables', () => {
    const db = new Database(':memory:');
    expect(migrate(db, MIGRATIONS.slice(0, 1))).toBe(1);
    expect(tables(db)).toEqual(
      expect.arrayContaining(['source', 'entry', 'item', 'version', 'version_file', 'scan', 'schema_migration']),
    );
    // entry paths are unique per source: a resumed scan cannot duplicate rows
    db.prepare("INSERT INTO source (name, kind, url, created_at) VALUES ('a', 'local', '/a', 0)").run();
    const ins = db.prepare(
      "INSERT INTO entry (source_id, path, parent, name, is_dir, size, mtime_ms, generation) VALUES (1, 'x', '', 'x', 0, 1, 1, 1)",
    );
    ins.run();
    expect(() => ins.run()).toThrow(/UNIQUE/);
  });

  it('migration 2 adds runs, metric series, lineage and an FTS5 search index', () => {
    const db = new Database(':memory:');
    db.pragma('foreign_keys = ON');
    migrate(db, MIGRATIONS.slice(0, 2));
    expect(tables(db)).toEqual(expect.arrayContaining(['run', 'metric_series', 'metric_point', 'version_run', 'lineage_edge', 'search_index']));
    db.prepare("INSERT INTO source (name, kind, url, created_at) VALUES ('a', 'local', '/a', 0)").run();
    db.prepare("INSERT INTO run (source_id, path, name, format, fingerprint, generation) VALUES (1, 'r', 'r', 'mlflow', '', 1)").run();
    db.prepare("INSERT INTO metric_series (run_id, key, count) VALUES (1, 'loss', 1)").run();
    db.prepare('INSERT INTO metric_point (series_id, step, value) VALUES (1, 0, 0.5)').run();
    db.prepare('DELETE FROM run WHERE id = 1').run();
    expect(db.prepare('SELECT COUNT(*) AS n FROM metric_point').get()).toEqual({ n: 0 });
    db.prepare("INSERT INTO search_index (ref, source_id, name, path, body) VALUES ('item:1', 1, 'Café-Modèle', 'a/b', 'bert')").run();
    expect(db.prepare("SELECT ref FROM search_index WHERE search_index MATCH 'cafe*'").all()).toEqual([{ ref: 'item:1' }]);
  });

  it('migration 3 adds the team annotation mirror: events, folded state, log bookkeeping', () => {
    const db = new Database(':memory:');
    db.pragma('foreign_keys = ON');
    migrate(db, MIGRATIONS.slice(0, 3));
    expect(tables(db)).toEqual(expect.arrayContaining(['annotation', 'annotation_event', 'annotation_log']));
    db.prepare("INSERT INTO source (name, kind, url, created_at) VALUES ('a', 'local', '/a', 0)").run();
    const event = db.prepare(
      `INSERT INTO annotation_event (source_id, file, event_id, at_ms, who, machine, action, item_kind, item_path, version_label, value_json)
       VALUES (1, ?, 'e1', 1, 'ana', 'm1', 'alias.set', 'model', 'models/churn', '3', '"production"')`,
    );
    event.run('m1.jsonl');
    // the same event copied into another machine's log is stored per file (and folded once)
    event.run('m2.jsonl');
    expect(() => event.run('m1.jsonl')).toThrow(/UNIQUE|PRIMARY/);
    db.prepare(
      `INSERT INTO annotation (source_id, item_kind, item_path, version_label, kind, value, by_user, machine, at_ms, event_id)
       VALUES (1, 'model', 'models/churn', '3', 'alias', 'production', 'ana', 'm1', 1, 'e1')`,
    ).run();
    expect(() =>
      db.prepare(
        `INSERT INTO annotation (source_id, item_kind, item_path, kind, value, by_user, machine, at_ms, event_id)
         VALUES (1, 'model', 'x', 'colour', 'red', 'ana', 'm1', 1, 'e2')`,
      ).run(),
    ).toThrow(/CHECK/);
    db.prepare("INSERT INTO annotation_log (source_id, file, size, mtime_ms, events) VALUES (1, 'm1.jsonl', 10, 1, 1)").run();
    // removing the source removes its mirror (the logs on the share stay)
    db.prepare('DELETE FROM source WHERE id = 1').run();
    for (const t of ['annotation', 'annotation_event', 'annotation_log']) {
      expect(db.prepare(`SELECT COUNT(*) AS n FROM ${t}`).get()).toEqual({ n: 0 });
    }
    const plan = db
      .prepare("EXPLAIN QUERY PLAN SELECT * FROM annotation WHERE source_id = 1 AND item_kind = 'model' AND item_path = 'x'")
      .all() as Array<{ detail: string }>;
    expect(plan.map((p) => p.detail).join(' ')).toMatch(/annotation_by_target/);
  });

  it('migration 4 adds a per-source derived cache that goes with its source', () => {
    const db = new Database(':memory:');
    db.pragma('foreign_keys = ON');
    migrate(db, MIGRATIONS.slice(0, 4));
    db.prepare("INSERT INTO source (name, kind, url, created_at) VALUES ('a', 'local', '/a', 0)").run();
    db.prepare("INSERT INTO derived_cache (source_id, key, fingerprint, value_json) VALUES (1, 'dvc', 'f', '[]')").run();
    expect(() => db.prepare("INSERT INTO derived_cache (source_id, key, fingerprint, value_json) VALUES (1, 'dvc', 'g', '[]')").run()).toThrow(/UNIQUE|PRIMARY/);
    db.prepare('DELETE FROM source WHERE id = 1').run();
    expect(db.prepare('SELECT COUNT(*) AS n FROM derived_cache').get()).toEqual({ n: 0 });
  });

  it('migration 5 moves metric points into one packed row per series and makes every run be read again', () => {
    const db = new Database(':memory:');
    db.pragma('foreign_keys = ON');
    migrate(db, MIGRATIONS.slice(0, 4));
    db.prepare("INSERT INTO source (name, kind, url, created_at) VALUES ('a', 'local', '/a', 0)").run();
    db.prepare("INSERT INTO run (source_id, path, name, format, fingerprint, generation) VALUES (1, 'r', 'r', 'tensorboard', 'f:1:2', 1)").run();
    db.prepare("INSERT INTO metric_series (run_id, key, count) VALUES (1, 'loss', 2)").run();
    db.prepare('INSERT INTO metric_point (series_id, step, value) VALUES (1, 0, 0.5), (1, 1, 0.4)').run();
    expect(migrate(db, MIGRATIONS.slice(0, 5))).toBe(1);
    expect(tables(db)).toContain('metric_data');
    expect(tables(db)).not.toContain('metric_point');
    // Old series had their points in metric_point: gone with it, and the run no longer matches its
    // fingerprint, so the next scan reads it again instead of leaving it without curves.
    expect(db.prepare('SELECT COUNT(*) AS n FROM metric_series').get()).toEqual({ n: 0 });
    expect(db.prepare('SELECT fingerprint FROM run').get()).toEqual({ fingerprint: '' });
    db.prepare("INSERT INTO metric_series (run_id, key, count) VALUES (1, 'loss', 1)").run();
    const sid = (db.prepare('SELECT id FROM metric_series').get() as { id: number }).id;
    const data = db.prepare('INSERT INTO metric_data (series_id, wall_kind, steps, vals) VALUES (?, ?, ?, ?)');
    expect(() => data.run(sid, 3, Buffer.alloc(8), Buffer.alloc(8))).toThrow(/CHECK/);
    data.run(sid, 0, Buffer.alloc(8), Buffer.alloc(8));
    expect(() => data.run(sid, 0, Buffer.alloc(8), Buffer.alloc(8))).toThrow(/UNIQUE|PRIMARY/);
    // Replacing a run's series (DELETE FROM metric_series) takes their points along.
    db.prepare('DELETE FROM metric_series WHERE run_id = 1').run();
    expect(db.prepare('SELECT COUNT(*) AS n FROM metric_data').get()).toEqual({ n: 0 });
  });

  it('migration 6 adds version summaries for sorting and item search indexes, filled for existing rows', () => {
    const db = new Database(':memory:');
    db.pragma('foreign_keys = ON');
    migrate(db, upTo(4));
    db.prepare("INSERT INTO source (name, kind, url, created_at) VALUES ('a', 'local', '/a', 0)").run();
    const addItem = db.prepare("INSERT INTO item (source_id, kind, name, path, layout, format, generation) VALUES (1, 'model', ?, ?, 'file', 'gguf', 1)");
    const addVersion = db.prepare("INSERT INTO version (item_id, label, ordinal, path, size_bytes, format, aliases_json) VALUES (?, ?, ?, 'p', 1, 'gguf', ?)");
    addItem.run('tinyllama-chat', 'models/tinyllama-chat');
    addVersion.run(1, 'v1', 0, '["old"]');
    addVersion.run(1, 'v2', 1, '["champion"]');
    addItem.run('Churn model', 'mlruns/models/7');
    const addWords = db.prepare('INSERT INTO search_index (ref, source_id, name, path, body) VALUES (?, 1, ?, ?, ?)');
    addWords.run('item:1', 'tinyllama-chat', 'models tinyllama chat', 'model gguf LlamaForCausalLM');
    addWords.run('run:1', 'run-1', 'runs 1', 'run mlflow');
    const summary = (id: number) => db.prepare('SELECT version_count, latest_version FROM item WHERE id = ?').get(id);
    const found = (q: string) => db.prepare('SELECT rowid FROM item_trigram WHERE item_trigram MATCH ?').pluck().all(q);

    migrate(db, upTo(6));
    // rows written before the migration are summarised and indexed by it (search rowids: id * 2, + 1 for datasets)
    expect(summary(1)).toEqual({ version_count: 2, latest_version: 'v2' });
    expect(found('"llama"')).toEqual([2]);
    // item rows of the word index move to item_words; search_index keeps the runs
    expect(db.prepare("SELECT rowid FROM item_words WHERE item_words MATCH 'llamafor*'").pluck().all()).toEqual([2]);
    expect(db.prepare('SELECT ref FROM search_index').pluck().all()).toEqual(['run:1']);

    // a name that the path holds is indexed once; another name beside the path
    expect(db.prepare('SELECT text FROM item_trigram ORDER BY rowid').pluck().all()).toEqual(['models/tinyllama-chat', 'Churn model mlruns/models/7']);
    expect(found('"churn mod"')).toEqual([4]);
    // items written after it wait in item_search_pending until rebuildSearch indexes them
    expect(db.prepare('SELECT COUNT(*) AS n FROM item_search_pending').get()).toEqual({ n: 0 });
    addItem.run('new-one', 'models/new-one');
    db.prepare("UPDATE item SET name = 'renamed' WHERE id = 1").run();
    expect(db.prepare('SELECT item_id FROM item_search_pending ORDER BY item_id').pluck().all()).toEqual([1, 3]);
    // removing items removes their search rows (a trigger; rows are written by rebuildSearch)
    db.prepare('DELETE FROM source WHERE id = 1').run();
    expect(db.prepare('SELECT COUNT(*) AS n FROM item_trigram').get()).toEqual({ n: 0 });
    expect(db.prepare('SELECT COUNT(*) AS n FROM item_words').get()).toEqual({ n: 0 });
    expect(db.prepare('SELECT COUNT(*) AS n FROM item_search_pending').get()).toEqual({ n: 0 });

    const plan = (sql: string) => (db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all() as Array<{ detail: string }>).map((p) => p.detail).join(' ');
    expect(plan("SELECT id FROM item WHERE kind = 'model' ORDER BY name COLLATE NOCASE LIMIT 10")).toMatch(/item_by_kind_name/);
    expect(plan("SELECT id FROM item WHERE kind = 'model' ORDER BY version_count DESC LIMIT 10")).toMatch(/item_by_kind_versions/);
  });

  it('migration 7 gives every item a natural sort key, the name and latest-label sorts use its indexes, and drops an unused index', () => {
    const db = new Database(':memory:');
    migrate(db, upTo(6));
    db.prepare("INSERT INTO source (id, name, kind, url, root_path, created_at) VALUES (1, 'nas', 'local', '/nas', '/nas', 1)").run();
    const addItem = db.prepare("INSERT INTO item (source_id, kind, name, path, layout, format, generation, latest_version) VALUES (1, 'model', ?, ?, 'file', 'gguf', 1, ?)");
    addItem.run('Model-v10', 'a', 'v10');
    addItem.run('model-v9', 'b', null);
    addItem.run('model-v009', 'c', 'V2');
    migrate(db, upTo(7));
    expect(db.prepare('SELECT name, name_key, latest_key FROM item ORDER BY id').all()).toEqual([
      { name: 'Model-v10', name_key: 'model-v0210', latest_key: 'v0210' },
      { name: 'model-v9', name_key: 'model-v019', latest_key: null },
      { name: 'model-v009', name_key: 'model-v019', latest_key: 'v012' },
    ]);
    expect(db.prepare("SELECT name FROM item WHERE kind = 'model' ORDER BY name_key, id").pluck().all()).toEqual(['model-v9', 'model-v009', 'Model-v10']);
    const plan = (sql: string) => (db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all() as Array<{ detail: string }>).map((p) => p.detail).join(' ');
    expect(plan("SELECT id FROM item WHERE kind = 'model' ORDER BY name_key LIMIT 10")).toMatch(/item_by_kind_name_key/);
    expect(plan("SELECT id FROM item WHERE kind = 'model' ORDER BY latest_key DESC LIMIT 10")).toMatch(/item_by_kind_latest_key/);
    const indexes = db.prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND name LIKE 'item_by_kind_%'").pluck().all();
    expect(indexes).not.toContain('item_by_kind_name');
    expect(indexes).not.toContain('item_by_kind_latest');
    expect(db.prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND name = 'entry_by_generation'").all()).toEqual([]);
  });

  it('is idempotent: a second run applies nothing', () => {
    const db = new Database(':memory:');
    expect(migrate(db)).toBe(MIGRATIONS.length);
    expect(migrate(db)).toBe(0);
  });

  it('refuses a catalog whose applied migration was edited', () => {
    const db = new Database(':memory:');
    migrate(db);
    const edited = MIGRATIONS.map((m) => (m.id === 1 ? { ...m, sql: `${m.sql}\n-- edited` } : m));
    expect(() => migrate(db, edited)).toThrow(/does not match this build/);
  });

  it('refuses a catalog written by a newer version', () => {
    const db = new Database(':memory:');
    migrate(db, [...MIGRATIONS, { id: nextId(), name: 'future', sql: 'CREATE TABLE future (x)' }]);
    expect(() => migrate(db)).toThrow(/newer version of Modelshelf/);
  });

  it('rolls back a failing migration completely', () => {
    const db = new Database(':memory:');
    const broken = [...MIGRATIONS, { id: nextId(), name: 'broken', sql: 'CREATE TABLE half (x); SELECT * FROM nope;' }];
    expect(() => migrate(db, broken)).toThrow();
    expect(tables(db)).not.toContain('half');
    expect(migrate(db)).toBe(0);
  });
});
