// Queries behind runs, metric charts, version trends, lineage graphs and version comparison.
import type Database from 'better-sqlite3';
import type { LineageEdge, LineageGraph, LineageNode, MetricSeries, RunSummary, VersionComparison } from '../../../shared/contract';
import { minMaxIndices, pick } from './downsample';
import { decodeOverview, fromBlob } from './metric-blob';
import { OVERVIEW_POINTS } from './metric-pack';

/** First index whose value is >= v (a.length when none). */
function lowerBound(a: Float64Array, v: number): number {
  let lo = 0;
  let hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((a[mid] as number) < v) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** First index whose value is > v (a.length when none). */
function upperBound(a: Float64Array, v: number): number {
  let lo = 0;
  let hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((a[mid] as number) <= v) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

interface SeriesRow {
  id: number;
  run_id: number;
  key: string;
  count: number;
  name: string;
  /** null when the series has no stored points row. */
  wall_kind: 0 | 1 | 2 | null;
}

function parseObj(text: string | null): Record<string, string> {
  try {
    const v = text ? JSON.parse(text) : {};
    return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, string>) : {};
  } catch {
    return {};
  }
}

export class Insights {
  constructor(readonly db: Database.Database) {}

  listRuns(filter: { sourceId?: number; query?: string; itemId?: number }): RunSummary[] {
    const where: string[] = [];
    const params: Record<string, unknown> = {};
    if (filter.sourceId) {
      where.push('r.source_id = @sourceId');
      params.sourceId = filter.sourceId;
    }
    if (filter.itemId) {
      where.push('r.id IN (SELECT vr.run_id FROM version_run vr JOIN version v ON v.id = vr.version_id WHERE v.item_id = @itemId)');
      params.itemId = filter.itemId;
    }
    if (filter.query?.trim()) {
      where.push("(r.name LIKE @q ESCAPE '\\' OR r.path LIKE @q ESCAPE '\\')");
      params.q = `%${filter.query.trim().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    }
    const rows = this.db
      .prepare(
        `SELECT r.* FROM run r ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY COALESCE(r.started_ms, 0) DESC, r.id DESC`,
      )
      .all(params) as Array<{
      id: number;
      source_id: number;
      name: string;
      path: string;
      format: string;
      status: string | null;
      started_ms: number | null;
      ended_ms: number | null;
      params_json: string;
    }>;
    const series = this.db.prepare('SELECT key, last_value FROM metric_series WHERE run_id = ? ORDER BY key');
    return rows.map((r) => {
      const keys = series.all(r.id) as Array<{ key: string; last_value: number | null }>;
      return {
        id: r.id,
        sourceId: r.source_id,
        name: r.name,
        path: r.path,
        format: r.format,
        status: r.status,
        startedAt: r.started_ms,
        endedAt: r.ended_ms,
        params: parseObj(r.params_json),
        metricKeys: keys.map((k) => k.key),
        finals: Object.fromEntries(keys.filter((k) => k.last_value !== null).map((k) => [k.key, k.last_value as number])),
      };
    });
  }

  /** Runs of the given ids plus the runs that produced the given versions. */
  resolveRuns(runIds: number[] = [], versionIds: number[] = []): number[] {
    const out = new Set(runIds);
    if (versionIds.length > 0) {
      const rows = this.db
        .prepare('SELECT run_id FROM version_run WHERE version_id IN (SELECT value FROM json_each(?))')
        .all(JSON.stringify(versionIds)) as Array<{ run_id: number }>;
      for (const r of rows) out.add(r.run_id);
    }
    return [...out];
  }

  metricKeys(runIds: number[]): Array<{ key: string; runIds: number[] }> {
    const rows = this.db
      .prepare(
        `SELECT key, json_group_array(run_id) AS runs FROM metric_series
         WHERE run_id IN (SELECT value FROM json_each(?)) GROUP BY key ORDER BY key`,
      )
      .all(JSON.stringify(runIds)) as Array<{ key: string; runs: string }>;
    return rows.map((r) => ({ key: r.key, runIds: JSON.parse(r.runs) as number[] }));
  }

  /** `range`: only points whose x (step or wall time) lies in [min, max], thinned to maxPoints. */
  series(
    runIds: number[],
    keys: string[],
    x: 'step' | 'time',
    maxPoints: number,
    versionIds: number[] = [],
    range?: { min: number; max: number },
  ): MetricSeries[] {
    const versionOfRun = new Map<number, { id: number; label: string }>();
    if (versionIds.length > 0) {
      const links = this.db
        .prepare(
          `SELECT vr.run_id, v.id, v.label FROM version_run vr JOIN version v ON v.id = vr.version_id
           WHERE vr.version_id IN (SELECT value FROM json_each(?))`,
        )
        .all(JSON.stringify(versionIds)) as Array<{ run_id: number; id: number; label: string }>;
      for (const l of links) versionOfRun.set(l.run_id, { id: l.id, label: l.label });
    }
    const rows = this.db
      .prepare(
        `SELECT s.id, s.run_id, s.key, s.count, r.name, d.wall_kind FROM metric_series s JOIN run r ON r.id = s.run_id
         LEFT JOIN metric_data d ON d.series_id = s.id
         WHERE s.run_id IN (SELECT value FROM json_each(?)) AND s.key IN (SELECT value FROM json_each(?))
         ORDER BY r.name, s.key`,
      )
      .all(JSON.stringify(runIds), JSON.stringify(keys)) as SeriesRow[];
    return rows.map((s) => {
      const d = this.points(s, x, maxPoints, range);
      const version = versionOfRun.get(s.run_id);
      return {
        runId: s.run_id,
        runName: s.name,
        key: s.key,
        x: d.x,
        y: d.y,
        total: s.count,
        ...(version ? { versionId: version.id, versionLabel: version.label } : {}),
      };
    });
  }

  /**
   * One series' points for a chart, at most maxPoints (min/max per bucket). A request the stored
   * overview can answer (a chart's first draw) reads only that small blob; anything finer reads the
   * full arrays and thins them as typed arrays, never as a million JS objects.
   */
  private points(s: SeriesRow, x: 'step' | 'time', maxPoints: number, range?: { min: number; max: number }): { x: number[]; y: number[] } {
    if (s.wall_kind === null) return { x: [], y: [] }; // no stored points (cannot happen after migration 5)
    if (x === 'time' && s.wall_kind === 0) return { x: [], y: [] };
    const overviewServes = !range && s.count > OVERVIEW_POINTS && maxPoints <= OVERVIEW_POINTS && (x === 'step' || s.wall_kind === 1);
    if (overviewServes) {
      const row = this.stmt('SELECT overview FROM metric_data WHERE series_id = ?').get(s.id) as { overview: Buffer | null };
      if (row.overview) {
        const o = decodeOverview(row.overview);
        const keep = minMaxIndices(o.values, maxPoints);
        return { x: pick(x === 'step' ? o.steps : o.walls, keep), y: pick(o.values, keep) };
      }
    }
    if (x === 'step') {
      const row = this.stmt('SELECT steps, vals FROM metric_data WHERE series_id = ?').get(s.id) as { steps: Buffer; vals: Buffer };
      const steps = fromBlob(row.steps);
      const values = fromBlob(row.vals);
      // Steps are stored ascending: a range is an index slice, found by binary search.
      const from = range ? lowerBound(steps, range.min) : 0;
      const to = range ? upperBound(steps, range.max) : steps.length;
      const keep = minMaxIndices(values, maxPoints, from, Math.max(from, to));
      return { x: pick(steps, keep), y: pick(values, keep) };
    }
    const row = this.stmt('SELECT vals, walls FROM metric_data WHERE series_id = ?').get(s.id) as { vals: Buffer; walls: Buffer };
    let values = fromBlob(row.vals);
    let walls = fromBlob(row.walls);
    if (s.wall_kind === 2 || range) {
      // Only points with a wall time (in the range) can be placed on this time axis; wall times
      // follow step order, which need not be time order, so this is a filter, not a slice.
      const lo = range?.min ?? Number.NEGATIVE_INFINITY;
      const hi = range?.max ?? Number.POSITIVE_INFINITY;
      const w = new Float64Array(walls.length);
      const v = new Float64Array(walls.length);
      let n = 0;
      for (let i = 0; i < walls.length; i++) {
        const t = walls[i] as number;
        if (!(t >= lo && t <= hi)) continue; // NaN (no wall time) fails both
        w[n] = t;
        v[n++] = values[i] as number;
      }
      walls = w.subarray(0, n);
      values = v.subarray(0, n);
    }
    const keep = minMaxIndices(values, maxPoints);
    return { x: pick(walls, keep), y: pick(values, keep) };
  }

  private readonly statements = new Map<string, Database.Statement>();
  private stmt(sql: string): Database.Statement {
    let st = this.statements.get(sql);
    if (!st) {
      st = this.db.prepare(sql);
      this.statements.set(sql, st);
    }
    return st;
  }

  /** Final and best (min for loss-like keys, else max) value of a metric for every version of a model. */
  trend(itemId: number, key: string): Array<{ versionId: number; label: string; final: number | null; best: number | null }> {
    const lowerIsBetter = /loss|err|mae|mse|rmse|perplexity|wer|cer/i.test(key);
    const rows = this.db
      .prepare(
        `SELECT v.id, v.label,
                (SELECT s.last_value FROM version_run vr JOIN metric_series s ON s.run_id = vr.run_id
                  WHERE vr.version_id = v.id AND s.key = @key LIMIT 1) AS final,
                (SELECT ${lowerIsBetter ? 'MIN(s.min_value)' : 'MAX(s.max_value)'} FROM version_run vr JOIN metric_series s ON s.run_id = vr.run_id
                  WHERE vr.version_id = v.id AND s.key = @key) AS best
         FROM version v WHERE v.item_id = @itemId ORDER BY v.ordinal`,
      )
      .all({ itemId, key }) as Array<{ id: number; label: string; final: number | null; best: number | null }>;
    return rows.map((r) => ({ versionId: r.id, label: r.label, final: r.final, best: r.best }));
  }

  /** The lineage around an item: its versions, their runs, and edges to `depth` hops. */
  lineage(itemId: number, depth = 3): LineageGraph {
    const nodes = new Map<string, LineageNode>();
    const edges = new Map<string, LineageEdge>();
    const edgeStmt = this.db.prepare(
      'SELECT from_ref, to_ref, relation, evidence, confidence FROM lineage_edge WHERE from_ref = ? OR to_ref = ?',
    );
    const versionsOf = this.db.prepare('SELECT id FROM version WHERE item_id = ?');
    let frontier = [`item:${itemId}`];
    for (const v of versionsOf.all(itemId) as Array<{ id: number }>) frontier.push(`version:${v.id}`);
    const seen = new Set<string>(frontier);
    for (let hop = 0; hop < depth && frontier.length > 0; hop++) {
      const next: string[] = [];
      for (const ref of frontier) {
        for (const e of edgeStmt.all(ref, ref) as Array<{ from_ref: string; to_ref: string; relation: LineageEdge['relation']; evidence: string; confidence: number }>) {
          edges.set(`${e.from_ref}|${e.to_ref}|${e.relation}`, {
            from: e.from_ref,
            to: e.to_ref,
            relation: e.relation,
            evidence: e.evidence,
            confidence: e.confidence,
          });
          for (const other of [e.from_ref, e.to_ref]) {
            if (!seen.has(other)) {
              seen.add(other);
              next.push(other);
            }
          }
        }
      }
      frontier = next;
    }
    for (const ref of seen) {
      const node = this.describe(ref);
      if (node) nodes.set(ref, node);
    }
    // Versions belong to their item: show that link so the graph reads "model → v1, v2".
    for (const ref of seen) {
      if (!ref.startsWith('version:')) continue;
      const row = this.db.prepare('SELECT item_id FROM version WHERE id = ?').get(Number(ref.slice(8))) as { item_id: number } | undefined;
      if (row && nodes.has(`item:${row.item_id}`)) {
        edges.set(`item:${row.item_id}|${ref}|derived-from`, {
          from: `item:${row.item_id}`,
          to: ref,
          relation: 'derived-from',
          evidence: 'version of this model',
          confidence: 1,
        });
      }
    }
    const kept = [...edges.values()].filter((e) => nodes.has(e.from) && nodes.has(e.to));
    return { nodes: [...nodes.values()], edges: kept };
  }

  private describe(ref: string): LineageNode | null {
    const [kind, rest] = [ref.slice(0, ref.indexOf(':')), ref.slice(ref.indexOf(':') + 1)];
    if (kind === 'item') {
      const r = this.db.prepare('SELECT id, name, kind FROM item WHERE id = ?').get(Number(rest)) as
        | { id: number; name: string; kind: 'model' | 'dataset' }
        | undefined;
      return r ? { id: ref, kind: r.kind, label: r.name, itemId: r.id } : null;
    }
    if (kind === 'version') {
      const r = this.db
        .prepare('SELECT v.id, v.label, v.item_id, i.name FROM version v JOIN item i ON i.id = v.item_id WHERE v.id = ?')
        .get(Number(rest)) as { id: number; label: string; item_id: number; name: string } | undefined;
      return r ? { id: ref, kind: 'version', label: `${r.name} ${r.label}`, versionId: r.id, itemId: r.item_id } : null;
    }
    if (kind === 'run') {
      const r = this.db.prepare('SELECT id, name FROM run WHERE id = ?').get(Number(rest)) as { id: number; name: string } | undefined;
      return r ? { id: ref, kind: 'run', label: r.name, runId: r.id } : null;
    }
    if (kind === 'external') return { id: ref, kind: 'external', label: rest };
    return null;
  }

  compare(versionIds: number[]): VersionComparison | null {
    const versions = this.db
      .prepare(
        `SELECT v.id, v.item_id, i.name, v.label, v.meta_json FROM version v JOIN item i ON i.id = v.item_id
         WHERE v.id IN (SELECT value FROM json_each(?))`,
      )
      .all(JSON.stringify(versionIds)) as Array<{ id: number; item_id: number; name: string; label: string; meta_json: string }>;
    if (versions.length !== versionIds.length) return null;
    const ordered = versionIds.map((id) => versions.find((v) => v.id === id) as (typeof versions)[number]);
    const runParams = ordered.map((v) => {
      const runs = this.listRuns({}).filter((r) => this.resolveRuns([], [v.id]).includes(r.id));
      return {
        params: Object.assign({}, ...runs.map((r) => r.params)) as Record<string, string>,
        finals: Object.assign({}, ...runs.map((r) => r.finals)) as Record<string, number>,
      };
    });
    const metas = ordered.map((v) => flatten(JSON.parse(v.meta_json) as Record<string, unknown>));
    const rowsOf = <T>(maps: Array<Record<string, T>>) => {
      const keys = [...new Set(maps.flatMap((m) => Object.keys(m)))].sort();
      return keys.map((key) => {
        const values = maps.map((m) => (key in m ? (m[key] as T) : null));
        return { key, values, same: values.every((x) => JSON.stringify(x) === JSON.stringify(values[0])) };
      });
    };
    const fileStmt = this.db.prepare('SELECT path, size FROM version_file WHERE version_id = ?');
    const filesPer = ordered.map((v) => {
      const rows = fileStmt.all(v.id) as Array<{ path: string; size: number }>;
      // Compare by name inside the version folder, not by full path (versions live in different folders).
      const base = commonPrefix(rows.map((r) => r.path));
      return new Map(rows.map((r) => [r.path.slice(base.length), r.size]));
    });
    const allFiles = [...new Set(filesPer.flatMap((m) => [...m.keys()]))].sort();
    return {
      versions: ordered.map((v) => ({ id: v.id, itemId: v.item_id, itemName: v.name, label: v.label })),
      params: rowsOf(runParams.map((r) => r.params)).map((r) => ({ ...r, values: r.values.map((x) => (x === null ? null : String(x))) })),
      metrics: rowsOf(runParams.map((r) => r.finals)),
      metadata: rowsOf(metas),
      files: allFiles.map((path) => {
        const sizes = filesPer.map((m) => m.get(path) ?? null);
        const present = sizes.filter((s) => s !== null);
        const status =
          present.length === sizes.length
            ? sizes.every((s) => s === sizes[0])
              ? 'same'
              : 'changed'
            : sizes[0] === null && present.length === sizes.length - 1
              ? 'added'
              : sizes[0] !== null && present.length === 1
                ? 'removed'
                : 'mixed';
        return { path, sizes, status };
      }),
    };
  }
}

function commonPrefix(paths: string[]): string {
  if (paths.length === 0) return '';
  let prefix = paths[0]?.slice(0, (paths[0]?.lastIndexOf('/') ?? -1) + 1) ?? '';
  for (const p of paths) while (prefix && !p.startsWith(prefix)) prefix = prefix.slice(0, prefix.slice(0, -1).lastIndexOf('/') + 1);
  return prefix;
}

/** Flattens nested metadata into 'a.b' keys with short string values, for side-by-side tables. */
function flatten(obj: Record<string, unknown>, prefix = '', out: Record<string, string> = {}): Record<string, string> {
  for (const [k, v] of Object.entries(obj)) {
    const key = prefix ? `${prefix}.${k}` : k;
    if (key === 'mainFile' || key === 'warnings') continue;
    if (v && typeof v === 'object' && !Array.isArray(v) && Object.keys(out).length < 500) flatten(v as Record<string, unknown>, key, out);
    else out[key] = Array.isArray(v) ? v.slice(0, 20).join(', ') : String(v);
  }
  return out;
}
