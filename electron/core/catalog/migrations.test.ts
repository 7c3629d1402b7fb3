import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { migrate } from './migrate';
import { MIGRATIONS } from './migrations';

function tables(db: Database.Database): string[] {
  return (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").all() as Array<{ name: string }>).map(
    (r) => r.name,
  );
}

describe('catalog migrations', () => {
  it('ids are 1..n in order (append-only list)', () => {
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
    migrate(db, [...MIGRATIONS, { id: MIGRATIONS.length + 1, name: 'future', sql: 'CREATE TABLE future (x)' }]);
    expect(() => migrate(db)).toThrow(/newer version of Modelshelf/);
  });

  it('rolls back a failing migration completely', () => {
    const db = new Database(':memory:');
    const broken = [...MIGRATIONS, { id: MIGRATIONS.length + 1, name: 'broken', sql: 'CREATE TABLE half (x); SELECT * FROM nope;' }];
    expect(() => migrate(db, broken)).toThrow();
    expect(tables(db)).not.toContain('half');
    expect(migrate(db)).toBe(0);
  });
});
