// Library names sorted the way people count: "resnet-v2" before "resnet-v10", case ignored.
// SQLite has no such collation and better-sqlite3 cannot add one, so each item row stores this key
// (migration 7) and the library sorts by it with an index. Changing naturalKey needs a new
// migration that recomputes the keys: rescans rewrite only rows whose name or label changed.

/** Digit runs longer than this compare as if this long (hashes and timestamps, not counts). */
const MAX_RUN = 99;

/**
 * The sort key of a name: lower case, and every run of ASCII digits written as its length (two
 * digits) followed by the digits without leading zeros, so a shorter number sorts first.
 */
export function naturalKey(name: string): string {
  return name.toLowerCase().replace(/\d+/g, (run) => {
    const digits = run.replace(/^0+(?=\d)/, '');
    return String(Math.min(digits.length, MAX_RUN)).padStart(2, '0') + digits;
  });
}

/** naturalKey as the SQL function natural_key(text), for migration 7's backfill (NULL stays NULL). */
export function registerNaturalKey(db: { function(name: string, opts: { deterministic: boolean }, fn: (v: unknown) => unknown): unknown }): void {
  db.function('natural_key', { deterministic: true }, (v: unknown) => (typeof v === 'string' ? naturalKey(v) : v));
}
