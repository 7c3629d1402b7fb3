// The catalog's mirror of the team logs (migration 3): the events of every log file read, and their
// fold. Also merges the folded state into what the library shows, next to MLflow's own (read-only)
// aliases and stages, each marked with where it came from.
import type Database from 'better-sqlite3';
import type {
  ActivityEntry,
  Annotation,
  AnnotationKind,
  ItemDetail,
  ItemKind,
  LibraryItem,
  LineageRelation,
  VersionAnnotation,
} from '../../../../shared/contract';
import { ACTIONS, type Action, type LinkValue, type TeamEvent } from './events';
import { type FoldedAnnotation, foldEvents } from './fold';

/** lineage_edge rows written for team links start with this evidence text (and are replaced on each sync). */
export const TEAM_LINK_EVIDENCE = 'team link';

/** What is remembered about a log file: read up to `size` bytes (complete lines), whose last bytes hash to `tail`. */
export interface KnownLog {
  size: number;
  mtimeMs: number;
  tail: string;
}

interface EventRow {
  event_id: string;
  at_ms: number;
  who: string;
  machine: string;
  action: string;
  item_kind: ItemKind;
  item_path: string;
  version_label: string | null;
  value_json: string;
}

interface AnnotationRow {
  source_id: number;
  item_kind: ItemKind;
  item_path: string;
  version_label: string;
  kind: AnnotationKind;
  value: string;
  relation: string | null;
  by_user: string;
  at_ms: number;
  event_id: string;
}

function uniq(values: string[]): string[] {
  return [...new Set(values)];
}

function toEvent(r: EventRow): TeamEvent {
  return {
    id: r.event_id,
    at: new Date(r.at_ms).toISOString(),
    atMs: r.at_ms,
    who: r.who,
    machine: r.machine,
    action: r.action as Action,
    target: { itemKind: r.item_kind, itemPath: r.item_path, ...(r.version_label !== null ? { versionLabel: r.version_label } : {}) },
    value: JSON.parse(r.value_json) as string | LinkValue,
  };
}

function teamAnnotation(r: AnnotationRow): VersionAnnotation {
  return {
    kind: r.kind,
    value: r.value,
    by: r.by_user,
    at: r.at_ms,
    origin: 'team',
    id: r.event_id,
    ...(r.relation ? { relation: r.relation as LineageRelation } : {}),
  };
}

export class AnnotationStore {
  constructor(readonly db: Database.Database) {}

  knownLogs(sourceId: number): Map<string, KnownLog> {
    const rows = this.db.prepare('SELECT file, size, mtime_ms, tail_sha FROM annotation_log WHERE source_id = ?').all(sourceId) as Array<{
      file: string;
      size: number;
      mtime_ms: number;
      tail_sha: string;
    }>;
    return new Map(rows.map((r) => [r.file, { size: r.size, mtimeMs: r.mtime_ms, tail: r.tail_sha }]));
  }

  /**
   * Adds the events read from log files, forgets vanished files, and refolds: one transaction.
   * Logs are append-only, so reading never removes an event already seen (an older copy served by
   * a cache must not make events disappear). `known: null` leaves what is remembered about the
   * file as it was (its read could not be trusted to be current).
   */
  apply(
    sourceId: number,
    read: Array<{ file: string; known: KnownLog | null; events: TeamEvent[]; badLines: number }>,
    present: string[],
  ): { events: number; annotations: number } {
    const countEvents = this.db.prepare('SELECT COUNT(*) AS n FROM annotation_event WHERE source_id = ? AND file = ?');
    const insEvent = this.db.prepare(
      `INSERT OR IGNORE INTO annotation_event (source_id, file, event_id, at_ms, who, machine, action, item_kind, item_path, version_label, value_json)
       VALUES (@sourceId, @file, @id, @atMs, @who, @machine, @action, @itemKind, @itemPath, @versionLabel, @value)`,
    );
    const upsertLog = this.db.prepare(
      `INSERT INTO annotation_log (source_id, file, size, mtime_ms, tail_sha, events, bad_lines) VALUES (?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (source_id, file) DO UPDATE SET size = excluded.size, mtime_ms = excluded.mtime_ms, tail_sha = excluded.tail_sha,
         events = excluded.events, bad_lines = excluded.bad_lines`,
    );
    return this.db.transaction(() => {
      for (const c of read) {
        for (const e of c.events) {
          insEvent.run({
            sourceId,
            file: c.file,
            id: e.id,
            atMs: e.atMs,
            who: e.who,
            machine: e.machine,
            action: e.action,
            itemKind: e.target.itemKind,
            itemPath: e.target.itemPath,
            versionLabel: e.target.versionLabel ?? null,
            value: JSON.stringify(e.value),
          });
        }
        if (c.known) {
          const { n } = countEvents.get(sourceId, c.file) as { n: number };
          upsertLog.run(sourceId, c.file, c.known.size, Math.trunc(c.known.mtimeMs), c.known.tail, n, c.badLines);
        }
      }
      const keep = JSON.stringify(present);
      this.db.prepare('DELETE FROM annotation_event WHERE source_id = ? AND file NOT IN (SELECT value FROM json_each(?))').run(sourceId, keep);
      this.db.prepare('DELETE FROM annotation_log WHERE source_id = ? AND file NOT IN (SELECT value FROM json_each(?))').run(sourceId, keep);
      const events = this.events(sourceId);
      const { annotations } = foldEvents(events);
      this.replaceFolded(sourceId, annotations);
      return { events: events.length, annotations: annotations.length };
    })();
  }

  /** The version the team's alias `value` is on now (as last folded), or null. */
  aliasOn(sourceId: number, kind: ItemKind, itemPath: string, value: string): string | null {
    const row = this.db
      .prepare("SELECT version_label FROM annotation WHERE source_id = ? AND item_kind = ? AND item_path = ? AND kind = 'alias' AND value = ?")
      .get(sourceId, kind, itemPath, value) as { version_label: string } | undefined;
    return row?.version_label ?? null;
  }

  /** Counts without refolding (nothing changed). */
  counts(sourceId: number): { events: number; annotations: number } {
    const e = this.db.prepare('SELECT COUNT(DISTINCT event_id) AS n FROM annotation_event WHERE source_id = ?').get(sourceId) as { n: number };
    const a = this.db.prepare('SELECT COUNT(*) AS n FROM annotation WHERE source_id = ?').get(sourceId) as { n: number };
    return { events: e.n, annotations: a.n };
  }

  /**
   * Every event of a source, in fold order (copies in several files included once by the fold);
   * or only those on one item and/or of one kind.
   */
  events(sourceId: number, only: { item?: { kind: ItemKind; path: string }; kind?: AnnotationKind } = {}): TeamEvent[] {
    const where = ['source_id = ?'];
    const params: unknown[] = [sourceId];
    if (only.item) {
      where.push('item_kind = ? AND item_path = ?');
      params.push(only.item.kind, only.item.path);
    }
    if (only.kind) {
      const kind = only.kind;
      where.push('action IN (SELECT value FROM json_each(?))');
      params.push(JSON.stringify(ACTIONS.filter((a) => a.startsWith(`${kind}.`))));
    }
    const rows = this.db
      .prepare(`SELECT * FROM annotation_event WHERE ${where.join(' AND ')} ORDER BY at_ms, event_id`)
      .all(...params) as EventRow[];
    return rows.map(toEvent);
  }

  /** Newest event time of a source (a new event is stamped after it: see writeAnnotation). */
  latestAt(sourceId: number): number {
    const r = this.db.prepare('SELECT MAX(at_ms) AS at FROM annotation_event WHERE source_id = ?').get(sourceId) as { at: number | null };
    return r.at ?? 0;
  }

  private replaceFolded(sourceId: number, folded: FoldedAnnotation[]): void {
    this.db.prepare('DELETE FROM annotation WHERE source_id = ?').run(sourceId);
    const ins = this.db.prepare(
      `INSERT INTO annotation (source_id, item_kind, item_path, version_label, kind, value, relation, by_user, machine, at_ms, event_id)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    for (const a of folded) {
      ins.run(sourceId, a.itemKind, a.itemPath, a.versionLabel ?? '', a.kind, a.value, a.relation ?? null, a.by, a.machine, a.atMs, a.eventId);
    }
    this.refreshLineage(sourceId);
  }

  /** Team links as lineage edges between catalog ids (resolved again after every sync and scan). */
  refreshLineage(sourceId: number): void {
    this.db.prepare(`DELETE FROM lineage_edge WHERE source_id = ? AND evidence LIKE '${TEAM_LINK_EVIDENCE}%'`).run(sourceId);
    const links = this.db.prepare("SELECT * FROM annotation WHERE source_id = ? AND kind = 'link'").all(sourceId) as AnnotationRow[];
    const itemId = this.db.prepare('SELECT id FROM item WHERE source_id = ? AND kind = ? AND path = ?');
    const versionId = this.db.prepare('SELECT id FROM version WHERE item_id = ? AND label = ?');
    const ref = (kind: string, p: string, label: string | null): string | null => {
      const item = itemId.get(sourceId, kind, p) as { id: number } | undefined;
      if (!item) return null;
      if (label === null || label === '') return `item:${item.id}`;
      const v = versionId.get(item.id, label) as { id: number } | undefined;
      return v ? `version:${v.id}` : null;
    };
    const ins = this.db.prepare(
      'INSERT OR IGNORE INTO lineage_edge (source_id, from_ref, to_ref, relation, evidence, confidence) VALUES (?, ?, ?, ?, ?, 1)',
    );
    for (const l of links) {
      // "churn 3 was trained on reviews" is written on churn 3; the edge goes as every lineage edge
      // does, from the origin (reviews) to what came of it (churn 3).
      const product = ref(l.item_kind, l.item_path, l.version_label);
      const origin = l.value.startsWith('external:') ? l.value : (() => {
        const t = parseLinkRef(l.value);
        return t ? ref(t.itemKind, t.itemPath, t.versionLabel) : null;
      })();
      if (product && origin && l.relation) ins.run(sourceId, origin, product, l.relation, `${TEAM_LINK_EVIDENCE} by ${l.by_user}`);
    }
  }

  // ---- reading for the library ----

  private rowsForItem(sourceId: number, kind: ItemKind, itemPath: string): AnnotationRow[] {
    return this.db
      .prepare('SELECT * FROM annotation WHERE source_id = ? AND item_kind = ? AND item_path = ? ORDER BY at_ms, event_id')
      .all(sourceId, kind, itemPath) as AnnotationRow[];
  }

  /** LibraryItem.aliases gains the team's aliases; LibraryItem.tags the team's tags. */
  annotateLibrary(items: LibraryItem[]): LibraryItem[] {
    if (items.length === 0) return items;
    // A page of the library looks its items up (annotation_by_target); a whole list joins once.
    const rows = (
      items.length <= 1000
        ? this.db
            .prepare(
              `SELECT i.id AS item_id, a.kind, a.value FROM json_each(?) j
               JOIN item i ON i.id = j.value
               JOIN annotation a ON a.source_id = i.source_id AND a.item_kind = i.kind AND a.item_path = i.path
               WHERE a.kind IN ('alias', 'tag') ORDER BY a.at_ms, a.event_id`,
            )
            .all(JSON.stringify(items.map((i) => i.id)))
        : this.db
            .prepare(
              `SELECT i.id AS item_id, a.kind, a.value FROM annotation a
               JOIN item i ON i.source_id = a.source_id AND i.kind = a.item_kind AND i.path = a.item_path
               WHERE a.kind IN ('alias', 'tag') ORDER BY a.at_ms, a.event_id`,
            )
            .all()
    ) as Array<{ item_id: number; kind: 'alias' | 'tag'; value: string }>;
    const by = new Map<number, { aliases: string[]; tags: string[] }>();
    for (const r of rows) {
      const entry = by.get(r.item_id) ?? { aliases: [], tags: [] };
      (r.kind === 'alias' ? entry.aliases : entry.tags).push(r.value);
      by.set(r.item_id, entry);
    }
    return items.map((i) => {
      const team = by.get(i.id);
      return team ? { ...i, aliases: uniq([...i.aliases, ...team.aliases]), tags: uniq(team.tags) } : { ...i, tags: [] };
    });
  }

  /**
   * ItemVersion.aliases and .stage show MLflow's and the team's together (a team stage wins: it is
   * the decision someone made here); ItemVersion.annotations says who set each one, and where.
   */
  annotateItem(item: ItemDetail): ItemDetail {
    const rows = this.rowsForItem(item.sourceId, item.kind, item.path);
    const forVersion = (label: string) => rows.filter((r) => r.version_label === label);
    const versions = item.versions.map((v) => {
      const team = forVersion(v.label);
      const teamStage = team.filter((r) => r.kind === 'stage').at(-1);
      const mlflow: VersionAnnotation[] = [
        ...v.aliases.map((a): VersionAnnotation => ({ kind: 'alias', value: a, by: null, at: null, origin: 'mlflow' })),
        ...(v.stage ? [{ kind: 'stage', value: v.stage, by: null, at: null, origin: 'mlflow' } as VersionAnnotation] : []),
      ];
      return {
        ...v,
        aliases: uniq([...v.aliases, ...team.filter((r) => r.kind === 'alias').map((r) => r.value)]),
        stage: teamStage?.value ?? v.stage,
        annotations: [...mlflow, ...team.map(teamAnnotation)],
      };
    });
    const teamAliases = rows.filter((r) => r.kind === 'alias').map((r) => r.value);
    return {
      ...item,
      aliases: uniq([...item.aliases, ...teamAliases]),
      tags: uniq(rows.filter((r) => r.kind === 'tag').map((r) => r.value)),
      versions,
      annotations: forVersion('').map(teamAnnotation),
    };
  }

  /** Team annotations (of one item, or a source, or all), plus MLflow's own for the same items. */
  list(filter: { sourceId?: number; item?: { sourceId: number; kind: ItemKind; path: string; id: number } }): Annotation[] {
    const where: string[] = [];
    const params: unknown[] = [];
    if (filter.item) {
      where.push('a.source_id = ? AND a.item_kind = ? AND a.item_path = ?');
      params.push(filter.item.sourceId, filter.item.kind, filter.item.path);
    } else if (filter.sourceId !== undefined) {
      where.push('a.source_id = ?');
      params.push(filter.sourceId);
    }
    const team = this.db
      .prepare(
        `SELECT a.*, i.id AS item_id FROM annotation a
         LEFT JOIN item i ON i.source_id = a.source_id AND i.kind = a.item_kind AND i.path = a.item_path
         ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY a.source_id, a.item_path, a.at_ms, a.event_id`,
      )
      .all(...params) as Array<AnnotationRow & { item_id: number | null }>;
    const out: Annotation[] = team.map((r) => ({
      ...teamAnnotation(r),
      sourceId: r.source_id,
      itemId: r.item_id,
      itemKind: r.item_kind,
      itemPath: r.item_path,
      versionLabel: r.version_label === '' ? null : r.version_label,
    }));
    const mlWhere: string[] = ["(v.aliases_json <> '[]' OR v.stage IS NOT NULL)"];
    const mlParams: unknown[] = [];
    if (filter.item) {
      mlWhere.push('i.id = ?');
      mlParams.push(filter.item.id);
    } else if (filter.sourceId !== undefined) {
      mlWhere.push('i.source_id = ?');
      mlParams.push(filter.sourceId);
    }
    const ml = this.db
      .prepare(
        `SELECT i.id, i.source_id, i.kind, i.path, v.label, v.stage, v.aliases_json FROM version v JOIN item i ON i.id = v.item_id
         WHERE ${mlWhere.join(' AND ')} ORDER BY i.id, v.ordinal`,
      )
      .all(...mlParams) as Array<{ id: number; source_id: number; kind: ItemKind; path: string; label: string; stage: string | null; aliases_json: string }>;
    for (const r of ml) {
      const base = { sourceId: r.source_id, itemId: r.id, itemKind: r.kind, itemPath: r.path, versionLabel: r.label, by: null, at: null, origin: 'mlflow' as const };
      let aliases: unknown = [];
      try {
        aliases = JSON.parse(r.aliases_json);
      } catch {
        // a broken row shows no aliases
      }
      for (const a of Array.isArray(aliases) ? aliases : []) if (typeof a === 'string') out.push({ ...base, kind: 'alias', value: a });
      if (r.stage) out.push({ ...base, kind: 'stage', value: r.stage });
    }
    return out;
  }

  /**
   * The audit log, newest first, with each event said in words. The item and kind filters are
   * applied in SQL, before folding: the fold keeps its state per item and per kind (an alias moves
   * between versions of one item, a note is removed from its own item), so the events of one item
   * or one kind alone give the same sentences. Who made a change is filtered after the fold: what
   * ben's change did depends on what ana did before it.
   */
  activity(filter: { sourceIds: number[]; item?: { sourceId: number; kind: ItemKind; path: string }; who?: string; kind?: AnnotationKind; limit: number }): ActivityEntry[] {
    const itemIds = this.db.prepare('SELECT id, name FROM item WHERE source_id = ? AND kind = ? AND path = ?');
    const out: ActivityEntry[] = [];
    for (const sourceId of filter.sourceIds) {
      const names = new Map<string, { id: number; name: string } | null>();
      const lookup = (kind: ItemKind, p: string) => {
        const key = `${kind}\u0000${p}`;
        if (!names.has(key)) names.set(key, (itemIds.get(sourceId, kind, p) as { id: number; name: string } | undefined) ?? null);
        return names.get(key) ?? null;
      };
      if (filter.item && filter.item.sourceId !== sourceId) continue;
      const events = this.events(sourceId, { item: filter.item, kind: filter.kind });
      const { summaries, previousVersions } = foldEvents(events, (t) => {
        const name = lookup(t.itemKind, t.itemPath)?.name ?? t.itemPath.slice(t.itemPath.lastIndexOf('/') + 1);
        return t.versionLabel === undefined ? name : `${name} ${t.versionLabel}`;
      });
      const seen = new Set<string>();
      for (const e of events) {
        if (seen.has(e.id)) continue;
        seen.add(e.id);
        if (filter.who && e.who.toLowerCase() !== filter.who.toLowerCase()) continue;
        const item = lookup(e.target.itemKind, e.target.itemPath);
        const previousVersionLabel = previousVersions.get(e.id);
        out.push({
          id: e.id,
          at: e.atMs,
          who: e.who,
          machine: e.machine,
          action: e.action,
          sourceId,
          itemId: item?.id ?? null,
          itemKind: e.target.itemKind,
          itemPath: e.target.itemPath,
          itemName: item?.name ?? e.target.itemPath.slice(e.target.itemPath.lastIndexOf('/') + 1),
          versionLabel: e.target.versionLabel ?? null,
          value: typeof e.value === 'string' ? e.value : `${e.value.relation} ${e.value.to}`,
          summary: summaries.get(e.id) ?? `${e.who} ${e.action}`,
          ...(previousVersionLabel !== undefined ? { previousVersionLabel } : {}),
        });
      }
    }
    out.sort((a, b) => b.at - a.at || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0));
    return out.slice(0, filter.limit);
  }

  sourcesWithEvents(): number[] {
    return (this.db.prepare('SELECT DISTINCT source_id FROM annotation_log ORDER BY source_id').all() as Array<{ source_id: number }>).map((r) => r.source_id);
  }
}

/**
 * 'model:<path>@<label>' / 'model:<path>@' (the item) → its parts; null for anything else. The '@'
 * is always there, so a path that contains one still parses.
 */
export function parseLinkRef(ref: string): { itemKind: ItemKind; itemPath: string; versionLabel: string | null } | null {
  const m = /^(model|dataset):(.+)@([^@]*)$/.exec(ref);
  if (!m) return null;
  return { itemKind: m[1] as ItemKind, itemPath: m[2] as string, versionLabel: m[3] === '' ? null : (m[3] as string) };
}

export function linkRef(kind: ItemKind, itemPath: string, versionLabel: string | null): string {
  return `${kind}:${itemPath}@${versionLabel ?? ''}`;
}
