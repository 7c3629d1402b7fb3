// Typed queries over the catalog. Everything SQL lives here (and in migrations.ts); the rest of the
// engine talks in domain records.
import type Database from 'better-sqlite3';
import type { EdgeHint, RefHint } from '../registry/lineage';
import type {
  ItemDetail,
  ItemKind,
  ItemVersion,
  LibraryItem,
  LibraryPage,
  Source,
  SourceKind,
  SourceStatus,
} from '../../../shared/contract';
import { type LibraryFilter, libraryPage, listLibrary, type PageRequest, rebuildSearch } from './library-query';
import { naturalKey } from './natural-key';
import { parseJson } from './parse-json';

/** A row of the version table. */
interface VersionRow {
  id: number;
  label: string;
  ordinal: number;
  path: string;
  created_ms: number | null;
  size_bytes: number;
  format: string;
  stage: string | null;
  aliases_json: string;
  meta_json: string;
}

/** True when a stored row already holds these column values (a rescan then leaves it alone). */
function holds<Row extends object>(stored: Row | undefined, columns: Partial<Row>): stored is Row {
  return stored !== undefined && (Object.keys(columns) as Array<keyof Row>).every((column) => stored[column] === columns[column]);
}

function sameFiles(
  stored: Array<{ path: string; size: number; mtime_ms: number | null }>,
  files: Array<{ path: string; size: number; mtimeMs: number | null }>,
): boolean {
  const byPath = new Map(stored.map((o) => [o.path, o]));
  return files.every((f) => {
    const o = byPath.get(f.path);
    return o !== undefined && o.size === f.size && o.mtime_ms === f.mtimeMs;
  });
}

export interface NewSource {
  name: string;
  kind: SourceKind;
  url: string;
  host?: string | null;
  port?: number | null;
  share?: string | null;
  subpath?: string | null;
  username?: string | null;
  domain?: string | null;
  rootPath?: string | null;
}

export interface SourceRow extends NewSource {
  id: number;
  status: SourceStatus;
  lastScanAt: number | null;
  lastSeenAt: number | null;
  lastError: string | null;
  generation: number;
}

export interface EntryRecord {
  path: string;
  parent: string;
  name: string;
  isDir: boolean;
  size: number;
  mtimeMs: number;
}

export interface KnownEntry {
  isDir: boolean;
  size: number;
  mtimeMs: number;
}

export interface StoredEntry extends EntryRecord {
  format: string | null;
  meta: Record<string, unknown> | null;
}

export interface GroupedVersion {
  label: string;
  path: string;
  createdMs: number | null;
  format: string;
  stage: string | null;
  aliases: string[];
  meta: Record<string, unknown>;
  files: Array<{ path: string; size: number; mtimeMs: number | null }>;
}

export interface GroupedItem {
  kind: ItemKind;
  name: string;
  path: string;
  layout: string;
  format: string;
  versions: GroupedVersion[];
}

interface SourceDbRow {
  id: number;
  name: string;
  kind: SourceKind;
  url: string;
  host: string | null;
  port: number | null;
  share: string | null;
  subpath: string | null;
  username: string | null;
  domain: string | null;
  root_path: string | null;
  status: SourceStatus;
  last_scan_at: number | null;
  last_seen_at: number | null;
  last_error: string | null;
  generation: number;
}

function toSourceRow(r: SourceDbRow): SourceRow {
  return {
    id: r.id,
    name: r.name,
    kind: r.kind,
    url: r.url,
    host: r.host,
    port: r.port,
    share: r.share,
    subpath: r.subpath,
    username: r.username,
    domain: r.domain,
    rootPath: r.root_path,
    status: r.status,
    lastScanAt: r.last_scan_at,
    lastSeenAt: r.last_seen_at,
    lastError: r.last_error,
    generation: r.generation,
  };
}

/**
 * A StoredEntry as entriesForGrouping returns it: `name` is computed from path and parent instead
 * of being a third string per row (~40 MB per million entries).
 */
class GroupingEntry implements StoredEntry {
  constructor(
    readonly path: string,
    readonly parent: string,
    readonly isDir: boolean,
    readonly size: number,
    readonly mtimeMs: number,
    readonly format: string | null,
    readonly meta: Record<string, unknown> | null,
  ) {}

  get name(): string {
    return this.parent === '' ? this.path : this.path.slice(this.parent.length + 1);
  }
}

export class Catalog {
  private knownChildrenStmt: Database.Statement | undefined;
  /** derived_cache reads and writes: once per run on every scan, so prepared once. */
  private cachedStmt: Database.Statement | undefined;
  private putCachedStmt: Database.Statement | undefined;

  constructor(readonly db: Database.Database) {}

  close(): void {
    this.db.close();
  }

  // ---- sources ----

  insertSource(s: NewSource): SourceRow {
    const info = this.db
      .prepare(
        `INSERT INTO source (name, kind, url, host, port, share, subpath, username, domain, root_path, created_at)
         VALUES (@name, @kind, @url, @host, @port, @share, @subpath, @username, @domain, @rootPath, @createdAt)`,
      )
      .run({
        host: null,
        port: null,
        share: null,
        subpath: null,
        username: null,
        domain: null,
        rootPath: null,
        ...s,
        createdAt: Date.now(),
      });
    return this.requireSource(Number(info.lastInsertRowid));
  }

  getSource(id: number): SourceRow | null {
    const row = this.db.prepare('SELECT * FROM source WHERE id = ?').get(id) as SourceDbRow | undefined;
    return row ? toSourceRow(row) : null;
  }

  requireSource(id: number): SourceRow {
    const s = this.getSource(id);
    if (!s) throw new Error(`source ${id} vanished`);
    return s;
  }

  findSourceByUrl(url: string): SourceRow | null {
    const row = this.db.prepare('SELECT * FROM source WHERE url = ?').get(url) as SourceDbRow | undefined;
    return row ? toSourceRow(row) : null;
  }

  listSourceRows(): SourceRow[] {
    return (this.db.prepare('SELECT * FROM source ORDER BY id').all() as SourceDbRow[]).map(toSourceRow);
  }

  sourceCounts(id: number): Source['counts'] {
    const e = this.db
      .prepare(
        `SELECT COALESCE(SUM(is_dir = 0), 0) AS files, COALESCE(SUM(is_dir = 1), 0) AS folders,
                COALESCE(SUM(size), 0) AS bytes FROM entry WHERE source_id = ?`,
      )
      .get(id) as { files: number; folders: number; bytes: number };
    const i = this.db
      .prepare(
        `SELECT COALESCE(SUM(kind = 'model'), 0) AS models, COALESCE(SUM(kind = 'dataset'), 0) AS datasets
         FROM item WHERE source_id = ?`,
      )
      .get(id) as { models: number; datasets: number };
    return { ...e, ...i };
  }

  /** Models and datasets of one source (what a scan that changed nothing reports). */
  itemCounts(id: number): { models: number; datasets: number } {
    return this.db
      .prepare(
        `SELECT COALESCE(SUM(kind = 'model'), 0) AS models, COALESCE(SUM(kind = 'dataset'), 0) AS datasets
         FROM item WHERE source_id = ?`,
      )
      .get(id) as { models: number; datasets: number };
  }

  setSourceStatus(id: number, status: SourceStatus, fields: { lastError?: string | null; seen?: boolean } = {}): void {
    this.db
      .prepare(
        `UPDATE source SET status = @status,
           last_error = CASE WHEN @setError THEN @lastError ELSE last_error END,
           last_seen_at = CASE WHEN @seen THEN @now ELSE last_seen_at END
         WHERE id = @id`,
      )
      .run({
        id,
        status,
        setError: fields.lastError !== undefined ? 1 : 0,
        lastError: fields.lastError ?? null,
        seen: fields.seen ? 1 : 0,
        now: Date.now(),
      });
  }

  deleteSource(id: number): boolean {
    return this.db.prepare('DELETE FROM source WHERE id = ?').run(id).changes > 0;
  }

  // ---- scans ----

  /** Starts a scan: a new generation number for the source and a scan row. */
  beginScan(sourceId: number): { scanId: number; generation: number } {
    return this.db.transaction(() => {
      this.db.prepare('UPDATE source SET generation = generation + 1 WHERE id = ?').run(sourceId);
      const { generation } = this.db.prepare('SELECT generation FROM source WHERE id = ?').get(sourceId) as {
        generation: number;
      };
      const info = this.db
        .prepare(`INSERT INTO scan (source_id, generation, started_at, status) VALUES (?, ?, ?, 'running')`)
        .run(sourceId, generation, Date.now());
      return { scanId: Number(info.lastInsertRowid), generation };
    })();
  }

  finishScan(
    scanId: number,
    status: 'done' | 'failed' | 'cancelled',
    stats: { folders: number; files: number; bytes: number; filesRead: number; bytesRead: number; error?: string },
  ): void {
    this.db
      .prepare(
        `UPDATE scan SET finished_at = @now, status = @status, folders = @folders, files = @files, bytes = @bytes,
           files_read = @filesRead, bytes_read = @bytesRead, error = @error WHERE id = @scanId`,
      )
      .run({ now: Date.now(), status, scanId, error: stats.error ?? null, ...stats });
    if (status === 'done') {
      this.db
        .prepare('UPDATE source SET last_scan_at = ? WHERE id = (SELECT source_id FROM scan WHERE id = ?)')
        .run(Date.now(), scanId);
    }
  }

  /** Scans left 'running' by a crash or kill are marked failed at start-up. */
  failInterruptedScans(): number {
    return this.db
      .prepare(`UPDATE scan SET status = 'failed', error = 'interrupted', finished_at = ? WHERE status = 'running'`)
      .run(Date.now()).changes;
  }

  // ---- entries ----

  /** What the catalog already knows about one folder's children (for incremental rescans). */
  knownChildren(sourceId: number, parent: string): Map<string, KnownEntry> {
    // Prepared once: the walk calls this for every folder it lists again.
    this.knownChildrenStmt ??= this.db.prepare('SELECT name, is_dir, size, mtime_ms FROM entry WHERE source_id = ? AND parent = ?');
    const rows = this.knownChildrenStmt
      .all(sourceId, parent) as Array<{ name: string; is_dir: number; size: number; mtime_ms: number }>;
    return new Map(rows.map((r) => [r.name, { isDir: r.is_dir === 1, size: r.size, mtimeMs: r.mtime_ms }]));
  }

  /** True when the source has any entry rows (false before its first scan wrote anything). */
  hasEntries(sourceId: number): boolean {
    return this.db.prepare('SELECT 1 FROM entry WHERE source_id = ? LIMIT 1').get(sourceId) !== undefined;
  }

  /**
   * Deletes entries a complete walk found gone, in one transaction. Each target is
   * { path, self }: self = false removes only what is below path (a folder that became a file).
   * Descendants are a range of the (source_id, path) index: 'dir/' ≤ path < 'dir0' ('0' follows '/').
   */
  deleteEntries(sourceId: number, targets: ReadonlyArray<{ path: string; self: boolean }>): void {
    const one = this.db.prepare('DELETE FROM entry WHERE source_id = ? AND path = ?');
    const below = this.db.prepare('DELETE FROM entry WHERE source_id = ? AND path >= ? AND path < ?');
    this.db.transaction(() => {
      for (const t of targets) {
        if (t.self) one.run(sourceId, t.path);
        below.run(sourceId, `${t.path}/`, `${t.path}0`);
      }
    })();
  }

  /**
   * Writes a batch of listed entries in one transaction. A file whose size or mtime changed goes back
   * to read_state 'pending' (its headers are read again); an unchanged one keeps what was read.
   */
  upsertEntries(sourceId: number, generation: number, entries: EntryRecord[], isReadable: (path: string, name: string) => boolean): void {
    const stmt = this.db.prepare(
      `INSERT INTO entry (source_id, path, parent, name, is_dir, size, mtime_ms, generation, read_state)
       VALUES (@sourceId, @path, @parent, @name, @isDir, @size, @mtimeMs, @generation, @readState)
       ON CONFLICT (source_id, path) DO UPDATE SET
         generation = excluded.generation,
         is_dir = excluded.is_dir,
         read_state = CASE WHEN entry.size = excluded.size AND entry.mtime_ms = excluded.mtime_ms
                           AND entry.is_dir = excluded.is_dir THEN entry.read_state ELSE excluded.read_state END,
         format = CASE WHEN entry.size = excluded.size AND entry.mtime_ms = excluded.mtime_ms THEN entry.format ELSE NULL END,
         meta_json = CASE WHEN entry.size = excluded.size AND entry.mtime_ms = excluded.mtime_ms THEN entry.meta_json ELSE NULL END,
         size = excluded.size,
         mtime_ms = excluded.mtime_ms`,
    );
    this.db.transaction(() => {
      for (const e of entries) {
        stmt.run({
          sourceId,
          generation,
          path: e.path,
          parent: e.parent,
          name: e.name,
          isDir: e.isDir ? 1 : 0,
          size: e.size,
          mtimeMs: Math.trunc(e.mtimeMs),
          readState: !e.isDir && isReadable(e.path, e.name) ? 'pending' : 'skipped',
        });
      }
    })();
  }

  pendingReads(sourceId: number): Array<{ path: string; name: string; size: number }> {
    return this.db
      .prepare(`SELECT path, name, size FROM entry WHERE source_id = ? AND read_state = 'pending' ORDER BY path`)
      .all(sourceId) as Array<{ path: string; name: string; size: number }>;
  }


  /** Stores several header results in one transaction (one commit per file cost ~0.25 ms each). */
  setEntryFormats(sourceId: number, results: ReadonlyArray<{ path: string; format: string | null; meta: Record<string, unknown> | null }>): void {
    const stmt = this.db.prepare(`UPDATE entry SET format = ?, meta_json = ?, read_state = 'done' WHERE source_id = ? AND path = ?`);
    this.db.transaction(() => {
      for (const r of results) stmt.run(r.format, r.meta === null ? null : JSON.stringify(r.meta), sourceId, r.path);
    })();
  }

  /**
   * Whether what the scan derives from the entries (items, runs, lineage, search) matches them.
   * 'dirty' is written before a scan changes any entry and 'clean' after every derived step
   * finished, so a scan that failed half-way leaves 'dirty' and the next one derives again.
   * `version` names the derivation code: a different one counts as dirty.
   */
  derivedState(sourceId: number, version: string): 'clean' | 'dirty' {
    return this.cached(sourceId, 'scan-derived')?.fingerprint === `clean:${version}` ? 'clean' : 'dirty';
  }

  setDerivedState(sourceId: number, version: string, state: 'clean' | 'dirty'): void {
    this.putCached(sourceId, 'scan-derived', `${state}:${version}`, '{}');
  }

  /** Something derived from files of a source, stored with the fingerprint of what it came from. */
  cached(sourceId: number, key: string): { fingerprint: string; valueJson: string } | null {
    this.cachedStmt ??= this.db.prepare('SELECT fingerprint, value_json FROM derived_cache WHERE source_id = ? AND key = ?');
    const row = this.cachedStmt.get(sourceId, key) as
      | { fingerprint: string; value_json: string }
      | undefined;
    return row ? { fingerprint: row.fingerprint, valueJson: row.value_json } : null;
  }

  putCached(sourceId: number, key: string, fingerprint: string, valueJson: string): void {
    this.putCachedStmt ??= this.db.prepare(
      `INSERT INTO derived_cache (source_id, key, fingerprint, value_json) VALUES (?, ?, ?, ?)
       ON CONFLICT (source_id, key) DO UPDATE SET fingerprint = excluded.fingerprint, value_json = excluded.value_json`,
    );
    this.putCachedStmt.run(sourceId, key, fingerprint, valueJson);
  }

  /**
   * Every entry of a source, for grouping. Rows are streamed (a 1M-row .all() held a second full
   * copy as row objects) and kept lean: the files of one folder share one parent string, the name
   * is cut from the path when asked for (GroupingEntry), and meta_json is parsed only where a header
   * was read.
   */
  entriesForGrouping(sourceId: number): StoredEntry[] {
    const stmt = this.db
      .prepare('SELECT path, parent, is_dir, size, mtime_ms, format, meta_json FROM entry WHERE source_id = ?')
      .raw(true);
    const parents = new Map<string, string>();
    const out: StoredEntry[] = [];
    for (const r of stmt.iterate(sourceId) as IterableIterator<[string, string, number, number, number, string | null, string | null]>) {
      const [path, rawParent, isDir, size, mtimeMs, format, metaJson] = r;
      let parent = parents.get(rawParent);
      if (parent === undefined) {
        parent = rawParent;
        parents.set(parent, parent);
      }
      out.push(new GroupingEntry(path, parent, isDir === 1, size, mtimeMs, format, metaJson === null ? null : parseJson<Record<string, unknown> | null>(metaJson, null)));
    }
    return out;
  }

  // ---- items and versions ----

  /**
   * Replaces what grouping found for a source, keeping item ids stable across rescans (the UI links
   * to them) and removing items that are gone. Rows whose content did not change are not written
   * (a rescan where one file changed rewrites that file's item and version, not the whole source).
   * One transaction: readers never see a half-written set.
   */
  replaceItems(sourceId: number, generation: number, items: GroupedItem[]): void {
    const findItem = this.db.prepare(
      'SELECT id, name, layout, format, updated_ms, size_bytes FROM item WHERE source_id = ? AND kind = ? AND path = ?',
    );
    const upsertItem = this.db.prepare(
      `INSERT INTO item (source_id, kind, name, name_key, path, layout, format, updated_ms, size_bytes, generation)
       VALUES (@sourceId, @kind, @name, @nameKey, @path, @layout, @format, @updatedMs, @sizeBytes, @generation)
       ON CONFLICT (source_id, kind, path) DO UPDATE SET name = excluded.name, name_key = excluded.name_key, layout = excluded.layout,
         format = excluded.format, updated_ms = excluded.updated_ms, size_bytes = excluded.size_bytes,
         generation = excluded.generation
       RETURNING id`,
    );
    const versionsOf = this.db.prepare(
      `SELECT id, label, ordinal, path, created_ms, size_bytes, format, stage, aliases_json, meta_json
       FROM version WHERE item_id = ?`,
    );
    // Versions are upserted by (item, label) so their ids stay stable across rescans: annotations,
    // lineage and the UI refer to them.
    const upsertVersion = this.db.prepare(
      `INSERT INTO version (item_id, label, ordinal, path, created_ms, size_bytes, format, stage, aliases_json, meta_json)
       VALUES (@itemId, @label, @ordinal, @path, @createdMs, @sizeBytes, @format, @stage, @aliases, @meta)
       ON CONFLICT (item_id, label) DO UPDATE SET ordinal = excluded.ordinal, path = excluded.path,
         created_ms = excluded.created_ms, size_bytes = excluded.size_bytes, format = excluded.format,
         stage = excluded.stage, aliases_json = excluded.aliases_json, meta_json = excluded.meta_json
       RETURNING id`,
    );
    const filesOf = this.db.prepare('SELECT path, size, mtime_ms FROM version_file WHERE version_id = ? ORDER BY path');
    const deleteFiles = this.db.prepare('DELETE FROM version_file WHERE version_id = ?');
    const insertFile = this.db.prepare(
      'INSERT OR IGNORE INTO version_file (version_id, path, size, mtime_ms) VALUES (?, ?, ?, ?)',
    );
    const deleteOtherVersions = this.db.prepare(
      'DELETE FROM version WHERE item_id = ? AND id NOT IN (SELECT value FROM json_each(?))',
    );
    this.db.transaction(() => {
      const keepItems: number[] = [];
      for (const item of items) {
        const sizeBytes = item.versions.reduce((sum, v) => sum + v.files.reduce((s, f) => s + f.size, 0), 0);
        let updatedMs = 0;
        for (const v of item.versions) {
          updatedMs = Math.max(updatedMs, v.createdMs ?? 0);
          for (const f of v.files) updatedMs = Math.max(updatedMs, f.mtimeMs ?? 0);
        }
        const row = {
          sourceId,
          kind: item.kind,
          name: item.name,
          nameKey: naturalKey(item.name),
          path: item.path,
          layout: item.layout,
          format: item.format,
          updatedMs: updatedMs || null,
          sizeBytes,
          generation,
        };
        const old = findItem.get(sourceId, item.kind, item.path) as
          | { id: number; name: string; layout: string; format: string; updated_ms: number | null; size_bytes: number }
          | undefined;
        let itemId: number;
        if (holds(old, { name: row.name, layout: row.layout, format: row.format, updated_ms: row.updatedMs, size_bytes: row.sizeBytes })) {
          itemId = old.id;
        } else {
          itemId = (upsertItem.get(row) as { id: number }).id;
        }
        keepItems.push(itemId);
        this.writeVersions(itemId, item.versions, old !== undefined, {
          versionsOf,
          upsertVersion,
          filesOf,
          deleteFiles,
          insertFile,
          deleteOtherVersions,
        });
      }
      this.db.prepare('DELETE FROM item WHERE source_id = ? AND id NOT IN (SELECT value FROM json_each(?))').run(sourceId, JSON.stringify(keepItems));
    })();
  }

  /** The versions of one item (and their file lists), writing only what differs from the stored rows. */
  private writeVersions(
    itemId: number,
    versions: GroupedVersion[],
    existed: boolean,
    stmts: Record<'versionsOf' | 'upsertVersion' | 'filesOf' | 'deleteFiles' | 'insertFile' | 'deleteOtherVersions', Database.Statement>,
  ): void {
    const stored = new Map<string, VersionRow>();
    if (existed) for (const v of stmts.versionsOf.all(itemId) as VersionRow[]) stored.set(v.label, v);
    const keep: number[] = [];
    const seen = new Set<string>();
    versions.forEach((v, ordinal) => {
      let label = v.label;
      for (let n = 2; seen.has(label); n++) label = `${v.label} (${n})`;
      seen.add(label);
      const row = {
        itemId,
        label,
        ordinal,
        path: v.path,
        createdMs: v.createdMs,
        sizeBytes: v.files.reduce((s, f) => s + f.size, 0),
        format: v.format,
        stage: v.stage,
        aliases: JSON.stringify(v.aliases),
        meta: JSON.stringify(v.meta),
      };
      const old = stored.get(label);
      let versionId: number;
      const columns: Partial<VersionRow> = {
        ordinal: row.ordinal,
        path: row.path,
        created_ms: row.createdMs,
        size_bytes: row.sizeBytes,
        format: row.format,
        stage: row.stage,
        aliases_json: row.aliases,
        meta_json: row.meta,
      };
      if (holds(old, columns)) {
        versionId = old.id;
      } else {
        versionId = (stmts.upsertVersion.get(row) as { id: number }).id;
      }
      keep.push(versionId);
      // Same file list (paths, sizes, times) as stored: leave it.
      const files = [...new Map(v.files.map((f) => [f.path, f])).values()].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
      const oldFiles = old ? (stmts.filesOf.all(versionId) as Array<{ path: string; size: number; mtime_ms: number | null }>) : [];
      const same =
        old !== undefined &&
        oldFiles.length === files.length &&
        // Compared by path, not by position: SQLite orders paths by bytes (code points) and JS
        // by UTF-16 units, which disagree for names with characters beyond U+FFFF.
        sameFiles(oldFiles, files);
      if (!same) {
        if (old) stmts.deleteFiles.run(versionId);
        for (const f of files) stmts.insertFile.run(versionId, f.path, f.size, f.mtimeMs);
      }
    });
    if (existed) stmts.deleteOtherVersions.run(itemId, JSON.stringify(keep));
  }

  /** Turns lineage hints (paths, item paths, labels, external names) into catalog refs for one source. */
  refResolver(sourceId: number): (hint: RefHint) => string | null {
    const items = this.db.prepare('SELECT id, kind, path FROM item WHERE source_id = ?').all(sourceId) as Array<{ id: number; kind: string; path: string }>;
    const versions = this.db
      .prepare('SELECT v.id, v.label, v.path, i.kind, i.path AS item_path FROM version v JOIN item i ON i.id = v.item_id WHERE i.source_id = ?')
      .all(sourceId) as Array<{ id: number; label: string; path: string; kind: string; item_path: string }>;
    const runs = this.db.prepare('SELECT id, path FROM run WHERE source_id = ?').all(sourceId) as Array<{ id: number; path: string }>;
    const itemByKey = new Map(items.map((i) => [`${i.kind}:${i.path}`, i.id]));
    const versionByKey = new Map(versions.map((v) => [`${v.kind}:${v.item_path}@${v.label}`, v.id]));
    const runByPath = new Map(runs.map((r) => [r.path, r.id]));
    const within = (p: string, dir: string) => p === dir || p.startsWith(`${dir}/`);
    return (hint) => {
      switch (hint.kind) {
        case 'external':
          return `external:${hint.name}`;
        case 'item': {
          const id = itemByKey.get(`${hint.itemKind}:${hint.itemPath}`);
          return id ? `item:${id}` : null;
        }
        case 'version': {
          const id = versionByKey.get(`${hint.itemKind}:${hint.itemPath}@${hint.label}`);
          return id ? `version:${id}` : null;
        }
        case 'run': {
          const id = runByPath.get(hint.path);
          return id ? `run:${id}` : null;
        }
        case 'path': {
          // The most specific thing that holds this path: a version, else an item, else a run.
          // Datasets are referred to as themselves: their single "current" version says nothing more.
          let best: { ref: string; len: number } | null = null;
          for (const v of versions) {
            if (!within(hint.path, v.path) || (best && v.path.length <= best.len)) continue;
            const itemId = itemByKey.get(`${v.kind}:${v.item_path}`);
            best = { ref: v.kind === 'dataset' && itemId ? `item:${itemId}` : `version:${v.id}`, len: v.path.length };
          }
          if (best) return best.ref;
          for (const i of items) if (within(hint.path, i.path) && (!best || i.path.length > best.len)) best = { ref: `item:${i.id}`, len: i.path.length };
          if (best) return best.ref;
          for (const r of runs) if (within(hint.path, r.path)) return `run:${r.id}`;
          return null;
        }
      }
    };
  }

  /** Replaces a source's lineage edges (one transaction); edges whose ends don't resolve are dropped. */
  replaceLineage(sourceId: number, edges: EdgeHint[]): number {
    const resolve = this.refResolver(sourceId);
    const insert = this.db.prepare(
      `INSERT OR IGNORE INTO lineage_edge (source_id, from_ref, to_ref, relation, evidence, confidence)
       VALUES (?, ?, ?, ?, ?, ?)`,
    );
    let count = 0;
    this.db.transaction(() => {
      this.db.prepare('DELETE FROM lineage_edge WHERE source_id = ?').run(sourceId);
      for (const e of edges) {
        const from = resolve(e.from);
        const to = resolve(e.to);
        if (!from || !to || from === to) continue;
        count += insert.run(sourceId, from, to, e.relation, e.evidence, e.confidence).changes;
      }
    })();
    return count;
  }

  /** Rebuilds the search index rows of one source (see library-query.ts). */
  rebuildSearch(sourceId: number): void {
    rebuildSearch(this.db, sourceId);
  }

  /** Every item that matches, by name (see library-query.ts for the search). */
  listLibrary(filter: LibraryFilter): LibraryItem[] {
    return listLibrary(this.db, filter);
  }

  /** One sorted, filtered window of the library and the number of rows in all. */
  libraryPage(request: PageRequest): LibraryPage {
    return libraryPage(this.db, request);
  }

  getItem(id: number): ItemDetail | null {
    // One row by id (not the whole source's list: that cost seconds on a 100k-item catalog).
    const item = this.listLibrary({ id })[0];
    if (!item) return null;
    const versions = this.db
      .prepare('SELECT * FROM version WHERE item_id = ? ORDER BY ordinal DESC')
      .all(id) as VersionRow[];
    const files = this.db.prepare('SELECT path, size, mtime_ms FROM version_file WHERE version_id = ? ORDER BY path');
    const out: ItemVersion[] = versions.map((v) => ({
      id: v.id,
      label: v.label,
      path: v.path,
      createdAt: v.created_ms,
      sizeBytes: v.size_bytes,
      format: v.format,
      stage: v.stage,
      aliases: parseJson<string[]>(v.aliases_json, []),
      metadata: parseJson<Record<string, unknown>>(v.meta_json, {}),
      files: (files.all(v.id) as Array<{ path: string; size: number; mtime_ms: number | null }>).map((f) => ({
        path: f.path,
        size: f.size,
        mtime: f.mtime_ms,
      })),
    }));
    return { ...item, versions: out };
  }
}
