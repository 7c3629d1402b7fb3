import { createHash } from 'node:crypto';
import type Database from 'better-sqlite3';
import { EngineError } from '../errors';
import { MIGRATIONS, type Migration } from './migrations';
import { registerNaturalKey } from './natural-key';

function checksum(m: Migration): string {
  return createHash('sha256').update(m.sql).digest('hex');
}

/**
 * Brings the catalog up to the newest schema. Each migration runs in its own transaction. A catalog
 * whose applied history differs from MIGRATIONS (an edited migration, or one written by a newer
 * Modelshelf) is refused rather than guessed at: the catalog is a cache, so the message says how to
 * rebuild it.
 */
export function migrate(db: Database.Database, migrations: readonly Migration[] = MIGRATIONS): number {
  registerNaturalKey(db);
  db.exec(`CREATE TABLE IF NOT EXISTS schema_migration (
    id INTEGER PRIMARY KEY, name TEXT NOT NULL, checksum TEXT NOT NULL, applied_at INTEGER NOT NULL)`);
  const applied = db.prepare('SELECT id, name, checksum FROM schema_migration ORDER BY id').all() as Array<{
    id: number;
    name: string;
    checksum: string;
  }>;
  const known = new Map(migrations.map((m) => [m.id, m]));
  for (const row of applied) {
    const m = known.get(row.id);
    if (!m) {
      throw new EngineError(
        'UNSUPPORTED',
        `This catalog was written by a newer version of Modelshelf (schema step ${row.id}). Update the app, or delete the catalog file to rebuild it from your shares.`,
      );
    }
    if (checksum(m) !== row.checksum) {
      throw new EngineError(
        'INTERNAL',
        `Catalog schema step ${row.id} (${row.name}) does not match this build. Delete the catalog file to rebuild it from your shares.`,
      );
    }
  }
  const done = new Set(applied.map((r) => r.id));
  let count = 0;
  for (const m of [...migrations].sort((a, b) => a.id - b.id)) {
    if (done.has(m.id)) continue;
    db.transaction(() => {
      db.exec(m.sql);
      db.prepare('INSERT INTO schema_migration (id, name, checksum, applied_at) VALUES (?, ?, ?, ?)').run(
        m.id,
        m.name,
        checksum(m),
        Date.now(),
      );
    })();
    count++;
  }
  return count;
}
