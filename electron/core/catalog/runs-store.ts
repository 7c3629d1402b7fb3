// Runs and their metric series in the catalog. A run is re-read only when the size or time of one
// of its files changed (fingerprint); its series are replaced in one transaction, each as one row of
// packed arrays plus a precomputed overview (metric-pack.ts).
import type Database from 'better-sqlite3';
import type { ParsedRun } from '../runs/types';
import { encodeOverview, toBlob } from './metric-blob';
import { type PackedSeries, packSeries } from './metric-pack';

export class RunsStore {
  constructor(readonly db: Database.Database) {}

  fingerprints(sourceId: number): Map<string, string> {
    const rows = this.db.prepare('SELECT path, fingerprint FROM run WHERE source_id = ?').all(sourceId) as Array<{ path: string; fingerprint: string }>;
    return new Map(rows.map((r) => [r.path, r.fingerprint]));
  }

  /** Marks an unchanged run as seen by this scan. */
  touch(sourceId: number, path: string, generation: number): void {
    this.db.prepare('UPDATE run SET generation = ? WHERE source_id = ? AND path = ?').run(generation, sourceId, path);
  }

  /** Writes a run and replaces its metric series; returns the run id (stable across rescans). */
  save(sourceId: number, generation: number, path: string, run: ParsedRun, fingerprint: string): number {
    const upsert = this.db.prepare(
      `INSERT INTO run (source_id, path, name, format, status, started_ms, ended_ms, params_json, tags_json, fingerprint, generation)
       VALUES (@sourceId, @path, @name, @format, @status, @startedMs, @endedMs, @params, @tags, @fingerprint, @generation)
       ON CONFLICT (source_id, path) DO UPDATE SET name = excluded.name, format = excluded.format, status = excluded.status,
         started_ms = excluded.started_ms, ended_ms = excluded.ended_ms, params_json = excluded.params_json,
         tags_json = excluded.tags_json, fingerprint = excluded.fingerprint, generation = excluded.generation
       RETURNING id`,
    );
    const insertSeries = this.db.prepare(
      `INSERT INTO metric_series (run_id, key, count, first_step, last_step, last_value, min_value, max_value)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    const insertData = this.db.prepare('INSERT INTO metric_data (series_id, wall_kind, overview, steps, vals, walls) VALUES (?, ?, ?, ?, ?, ?)');
    // Packing happens before the transaction: the write lock is held only for the inserts.
    const packed = Object.entries(run.metrics)
      .map(([key, points]) => ({ key, s: packSeries(points) }))
      .filter((p): p is { key: string; s: PackedSeries } => p.s !== null);
    return this.db.transaction(() => {
      const { id } = upsert.get({
        sourceId,
        path,
        name: run.name,
        format: run.format,
        status: run.status,
        startedMs: run.startedMs,
        endedMs: run.endedMs,
        params: JSON.stringify(run.params),
        tags: JSON.stringify(run.tags),
        fingerprint,
        generation,
      }) as { id: number };
      this.db.prepare('DELETE FROM metric_series WHERE run_id = ?').run(id);
      for (const { key, s } of packed) {
        const n = s.steps.length;
        const seriesId = Number(
          insertSeries.run(id, key, n, s.steps[0], s.steps[n - 1], s.values[n - 1], s.min, s.max).lastInsertRowid,
        );
        insertData.run(
          seriesId,
          s.wallKind,
          s.overview ? encodeOverview(s.overview) : null,
          toBlob(s.steps),
          toBlob(s.values),
          s.wallKind === 0 ? null : toBlob(s.walls),
        );
      }
      return id;
    })();
  }

  /** Removes the runs a scan did not see again, and the lineage kept beside them (`run-io:<path>`). */
  deleteStale(sourceId: number, generation: number): number {
    const removed = this.db.prepare('DELETE FROM run WHERE source_id = ? AND generation < ?').run(sourceId, generation).changes;
    this.db
      .prepare(
        `DELETE FROM derived_cache WHERE source_id = ? AND key LIKE 'run-io:%'
           AND substr(key, 8) NOT IN (SELECT path FROM run WHERE source_id = ?)`,
      )
      .run(sourceId, sourceId);
    return removed;
  }

  /**
   * Links runs to the versions they produced: an MLflow registered version names its run id; a
   * Lightning/Ultralytics/TensorBoard run shares the version's folder (one contains the other).
   */
  linkVersions(sourceId: number): number {
    const runs = this.db.prepare('SELECT id, path, format FROM run WHERE source_id = ?').all(sourceId) as Array<{ id: number; path: string; format: string }>;
    const versions = this.db
      .prepare('SELECT v.id, v.path, v.meta_json FROM version v JOIN item i ON i.id = v.item_id WHERE i.source_id = ?')
      .all(sourceId) as Array<{ id: number; path: string; meta_json: string }>;
    const insert = this.db.prepare('INSERT OR IGNORE INTO version_run (version_id, run_id, evidence) VALUES (?, ?, ?)');
    const within = (p: string, dir: string) => dir !== '' && (p === dir || p.startsWith(`${dir}/`));
    let count = 0;
    this.db.transaction(() => {
      this.db
        .prepare('DELETE FROM version_run WHERE version_id IN (SELECT v.id FROM version v JOIN item i ON i.id = v.item_id WHERE i.source_id = ?)')
        .run(sourceId);
      for (const v of versions) {
        let runId: string | undefined;
        try {
          const meta = JSON.parse(v.meta_json) as Record<string, unknown>;
          runId = typeof meta.runId === 'string' ? meta.runId : undefined;
        } catch {
          // unreadable metadata: no MLflow link
        }
        for (const r of runs) {
          if (runId && r.format === 'mlflow' && r.path.split('/').pop() === runId) {
            count += insert.run(v.id, r.id, 'MLflow registry version names this run').changes;
          } else if (within(v.path, r.path) || within(r.path, v.path)) {
            count += insert.run(v.id, r.id, 'in the same folder').changes;
          }
        }
      }
    })();
    return count;
  }
}
