import { mkdirSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { migrate } from './migrate';

export const CATALOG_FILE = 'catalog.sqlite';

/** Opens (creating if needed) the catalog in `dataDir`, in WAL mode, migrated to the newest schema. */
export function openCatalogDb(dataDirOrMemory: string): Database.Database {
  let file = ':memory:';
  if (dataDirOrMemory !== ':memory:') {
    mkdirSync(dataDirOrMemory, { recursive: true });
    file = path.join(dataDirOrMemory, CATALOG_FILE);
  }
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  // NORMAL in WAL mode is durable against application crashes (only an OS crash can lose the last
  // transactions, never corrupt the file), and the catalog is a rebuildable cache.
  db.pragma('synchronous = NORMAL');
  db.pragma('foreign_keys = ON');
  db.pragma('busy_timeout = 5000');
  migrate(db);
  return db;
}
