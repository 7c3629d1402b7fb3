// Team annotations end to end: read the logs of a source into the catalog (syncAnnotations, after
// every scan and write), and write one change as one event (writeAnnotation).
import { createHash, randomUUID } from 'node:crypto';
import type { Annotation, AnnotationKind, ItemKind, LineageRelation } from '../../../../shared/contract';
import type { SourceRow } from '../../catalog/catalog';
import type { EngineContext } from '../../engine-context';
import { EngineError } from '../../errors';
import type { FileSource } from '../../nas/file-source';
import { type Action, type LinkValue, parseLog, type TeamEvent } from './events';
import { appendToOwnLog, canWrite, type LogFile, listLogs, logPath, machineId, osUserName, readWhole, withWriteLock } from './log';
import { AnnotationStore, type KnownLog, linkRef, parseLinkRef } from './store';

export interface SyncSummary {
  sourceId: number;
  /** Log files on the share (one per machine that ever wrote). */
  logs: number;
  /** Log files read this time (unchanged ones are not read again). */
  read: number;
  events: number;
  annotations: number;
  /** Lines no reader of this version understands (skipped, not lost: they stay in the file). */
  badLines: number;
}

const TAIL_BYTES = 256;

function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** Waits before reading a listed log again that answered NOT_FOUND (ms). */
const REPLACED_RETRY_MS = [50, 150, 400];

/**
 * readWhole for a log that was just listed. Writers replace their log by renaming a temp file over
 * it, and a NAS under load can answer NOT_FOUND for a moment while the name is swapped (seen with
 * Samba 4.17): read again before believing it. Undefined when the log is really gone.
 */
async function readListedLog(source: FileSource, file: string, from: number): Promise<Uint8Array | undefined> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await readWhole(source, file, from);
    } catch (err) {
      if (!(err instanceof EngineError && err.code === 'NOT_FOUND')) throw err;
      const wait = REPLACED_RETRY_MS[attempt];
      if (wait === undefined) return undefined;
      await new Promise((r) => setTimeout(r, wait));
    }
  }
}

/**
 * Reads what is new in one log. A log only grows, so a grown log is read from where the last read
 * stopped, once the bytes just before that point are found unchanged (else it is read whole).
 */
async function readLog(source: FileSource, log: LogFile, known: KnownLog | undefined): Promise<{ file: string; known: KnownLog | null; events: TeamEvent[]; badLines: number }> {
  const file = logPath(log.name);
  let from = known && known.size > 0 && known.tail && log.size > known.size ? Math.max(0, known.size - TAIL_BYTES) : 0;
  let bytes = await readListedLog(source, file, from);
  if (bytes && from > 0) {
    const overlap = (known as KnownLog).size - from;
    if (bytes.length < overlap || sha256(bytes.subarray(0, overlap)) !== (known as KnownLog).tail) {
      from = 0;
      bytes = await readListedLog(source, file, 0);
    }
  }
  // Gone since it was listed: nothing to add now, and what the catalog knows of it stays as it was
  // (known: null leaves its annotation_log row alone), so the next sync looks again.
  if (!bytes) return { file: log.name, known: null, events: [], badLines: 0 };
  const start = from > 0 ? (known as KnownLog).size - from : 0;
  const fresh = bytes.subarray(start);
  const { events, badLines } = parseLog(new TextDecoder('utf-8', { fatal: false }).decode(fresh));
  // Remember how far complete lines go; a last line without its newline is read again next time.
  const through = from + start + fresh.lastIndexOf(0x0a) + 1;
  const consistent = from + bytes.length === log.size;
  const endOfRead = through - from;
  const next: KnownLog | null = consistent
    ? { size: through, mtimeMs: log.mtimeMs, tail: sha256(bytes.subarray(Math.max(0, endOfRead - TAIL_BYTES), endOfRead)) }
    : // The read disagrees with the listing (replaced meanwhile, or a cache answered with an older
      // copy): its events count, but the file is read again next time.
      known
      ? null
      : { size: -1, mtimeMs: log.mtimeMs, tail: '' };
  return { file: log.name, known: next, events, badLines };
}

/**
 * Reads the new parts of a source's logs through `source` and refolds its annotations in the
 * catalog. Without `force`, nothing is refolded when no log changed.
 */
export async function syncFromSource(store: AnnotationStore, sourceId: number, source: FileSource, opts: { force?: boolean } = {}): Promise<SyncSummary> {
  const logs = await listLogs(source);
  const known = store.knownLogs(sourceId);
  const changed = logs.filter((l) => {
    const k = known.get(l.name);
    return !k || k.size !== l.size || k.mtimeMs !== Math.trunc(l.mtimeMs);
  });
  const vanished = [...known.keys()].some((f) => !logs.some((l) => l.name === f));
  if (changed.length === 0 && !vanished && !opts.force) {
    return { sourceId, logs: logs.length, read: 0, ...store.counts(sourceId), badLines: 0 };
  }
  const read = await Promise.all(changed.map((l) => readLog(source, l, known.get(l.name))));
  const { events, annotations } = store.apply(
    sourceId,
    read,
    logs.map((l) => l.name),
  );
  return { sourceId, logs: logs.length, read: read.length, events, annotations, badLines: read.reduce((s, c) => s + c.badLines, 0) };
}

/**
 * Reads the team's event logs of a source into the catalog. Call after every scan of the source
 * (the scanner skips .modelshelf), and whenever the share says the events folder changed.
 */
export async function syncAnnotations(ctx: Pick<EngineContext, 'catalog' | 'sources' | 'emit'>, sourceId: number): Promise<SyncSummary> {
  const row = ctx.sources.requireRow(sourceId);
  const source = await ctx.sources.open(row);
  const summary = await syncFromSource(new AnnotationStore(ctx.catalog.db), sourceId, source, { force: true });
  if (summary.read > 0) ctx.emit('library.changed', { sourceId });
  return summary;
}

function whoOnShare(row: SourceRow): string {
  return row.kind === 'smb' && row.username ? row.username : osUserName();
}

/**
 * Why the team's aliases, stages, tags and notes cannot be saved on a connected source, in words;
 * null when they can (as far as the connection tells: a folder refused later still fails the write).
 */
export function readOnlyReason(source: FileSource, row: SourceRow): string | null {
  if (source.readOnly === true) {
    return `This share is read-only for ${whoOnShare(row)}: aliases, stages, tags and notes cannot be saved on ${row.name}. Everything stays browsable.`;
  }
  if (!canWrite(source)) {
    return `This share is read-only for ${whoOnShare(row)}: Modelshelf cannot write to ${source.label} from here yet. Everything stays browsable.`;
  }
  return null;
}

/** ACCESS_DENIED with the reason, for a source that cannot take a write. */
export function requireWritable(source: FileSource, row: SourceRow): asserts source is FileSource & Required<Pick<FileSource, 'writeFile' | 'rename' | 'mkdir'>> {
  const reason = readOnlyReason(source, row);
  if (reason !== null) throw new EngineError('ACCESS_DENIED', reason);
}

// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are exactly what names may not hold
const NAME = /^[^\u0000-\u001f\u007f]+$/;
const RESERVED_ALIAS = /^(latest|v?\d+)$/i;

export interface AnnotationInput {
  itemId: number;
  versionLabel?: string;
  kind: AnnotationKind;
  value: string;
  remove: boolean;
  relation?: LineageRelation;
  /** See the contract's annotations.set: write only if the team's alias is on this version now. */
  ifAliasOn?: string;
}

function actionFor(kind: AnnotationKind, remove: boolean): Action {
  switch (kind) {
    case 'alias':
      return remove ? 'alias.remove' : 'alias.set';
    case 'stage':
      return remove ? 'stage.clear' : 'stage.set';
    case 'tag':
      return remove ? 'tag.remove' : 'tag.add';
    case 'note':
      return remove ? 'note.remove' : 'note.add';
    case 'link':
      return remove ? 'link.remove' : 'link.add';
  }
}

/** Checks and normalises a value as people type it; throws INVALID_INPUT with what to do. */
function normalise(kind: AnnotationKind, raw: string, remove: boolean): string {
  const value = kind === 'note' ? raw.trim() : raw.trim().replace(/\s+/g, ' ');
  if (value === '') throw new EngineError('INVALID_INPUT', `The ${kind} is empty.`);
  if (kind === 'alias') {
    if (!/^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/.test(value)) {
      throw new EngineError('INVALID_INPUT', `"${value.slice(0, 80)}" cannot be an alias: use letters, digits, '-', '_' or '.', up to 64 characters (for example production).`);
    }
    if (!remove && RESERVED_ALIAS.test(value)) throw new EngineError('INVALID_INPUT', `"${value}" means a version already; choose another alias.`);
  } else if (kind === 'stage' || kind === 'tag') {
    if (value.length > 64 || !NAME.test(value)) throw new EngineError('INVALID_INPUT', `A ${kind} is one line of up to 64 characters.`);
  } else if (kind === 'note' && value.length > 10_000) {
    throw new EngineError('INVALID_INPUT', 'A note is at most 10,000 characters.');
  }
  return value;
}

interface ItemRow {
  id: number;
  source_id: number;
  kind: ItemKind;
  path: string;
  name: string;
}

/** A link target as typed: 'external:<name>', '<model name or path>[@<version>]' in the same source. */
function resolveLinkTarget(ctx: Pick<EngineContext, 'catalog'>, sourceId: number, raw: string): string {
  if (raw.startsWith('external:')) {
    const name = raw.slice('external:'.length).trim();
    if (name === '' || name.length > 500 || !NAME.test(name)) throw new EngineError('INVALID_INPUT', 'Name the outside model or dataset, for example external:bert-base-uncased.');
    return `external:${name}`;
  }
  const at = raw.lastIndexOf('@');
  const [name, label] = at > 0 ? [raw.slice(0, at), raw.slice(at + 1)] : [raw, null];
  const db = ctx.catalog.db;
  const matches = db
    .prepare('SELECT id, source_id, kind, path, name FROM item WHERE source_id = ? AND (path = ? OR name = ? COLLATE NOCASE)')
    .all(sourceId, name, name) as ItemRow[];
  const exact = matches.filter((m) => m.path === name);
  const pick = exact.length === 1 ? exact : matches;
  if (pick.length === 0) throw new EngineError('NOT_FOUND', `Nothing called "${name}" is on this source. Link to something outside it as external:${name}.`);
  if (pick.length > 1) throw new EngineError('CONFLICT', `"${name}" is ${pick.length} things here (${pick.map((m) => m.path).join(', ')}); use the path.`);
  const target = pick[0] as ItemRow;
  if (label !== null && label !== '') {
    const v = db.prepare('SELECT label FROM version WHERE item_id = ? AND label = ?').get(target.id, label) as { label: string } | undefined;
    if (!v) throw new EngineError('NOT_FOUND', `${target.name} has no version "${label}".`);
  }
  return linkRef(target.kind, target.path, label || null);
}

/**
 * Saves one change as one event in this machine's log on the share, then re-reads the logs (so
 * whatever colleagues wrote meanwhile is folded in too). Returns the item's annotations.
 */
export async function writeAnnotation(ctx: Pick<EngineContext, 'catalog' | 'sources' | 'emit' | 'dataDir'>, input: AnnotationInput): Promise<Annotation[]> {
  const db = ctx.catalog.db;
  const item = db.prepare('SELECT id, source_id, kind, path, name FROM item WHERE id = ?').get(input.itemId) as ItemRow | undefined;
  if (!item) throw new EngineError('NOT_FOUND', `There is no model or dataset with id ${input.itemId}.`);
  if ((input.kind === 'alias' || input.kind === 'stage') && input.versionLabel === undefined) {
    throw new EngineError('INVALID_INPUT', `An ${input.kind} belongs to one version: say which (for example ${item.name}@3).`);
  }
  if (input.versionLabel !== undefined) {
    const v = db.prepare('SELECT 1 FROM version WHERE item_id = ? AND label = ?').get(item.id, input.versionLabel);
    if (!v) throw new EngineError('NOT_FOUND', `${item.name} has no version "${input.versionLabel}".`);
  }
  const row = ctx.sources.requireRow(item.source_id);
  const source = await ctx.sources.open(row);
  requireWritable(source, row);

  let value: string | LinkValue;
  if (input.kind === 'link') {
    // Removing takes the link as it is kept too ("dataset:<path>@<label>", as annotations.list
    // shows it), without looking it up: what it points to may have left the share since.
    const kept = input.remove ? parseLinkRef(input.value.trim()) : null;
    const to = kept ? linkRef(kept.itemKind, kept.itemPath, kept.versionLabel) : resolveLinkTarget(ctx, item.source_id, input.value.trim());
    value = { relation: input.relation ?? 'derived-from', to };
  } else if (input.kind === 'note' && input.remove) {
    value = input.value.trim();
  } else {
    value = normalise(input.kind, input.value, input.remove);
  }

  const store = new AnnotationStore(db);
  const machine = await machineId(ctx.dataDir);
  await withWriteLock(ctx.dataDir, item.source_id, async () => {
    // Read first: the new event is stamped after everything this desktop has seen, so it wins over
    // those events even when this computer's clock is behind.
    await syncFromSource(store, item.source_id, source);
    if (input.kind === 'alias' && input.ifAliasOn !== undefined) {
      const on = store.aliasOn(item.source_id, item.kind, item.path, value as string);
      if (on !== input.ifAliasOn) {
        throw new EngineError(
          'CONFLICT',
          `${value as string} is ${on === null ? 'on no version' : `on ${on}`} of ${item.name} now, not ${input.ifAliasOn}: someone changed it since. Nothing was changed.`,
        );
      }
    }
    const atMs = Math.max(Date.now(), store.latestAt(item.source_id) + 1);
    const event: TeamEvent = {
      id: randomUUID(),
      at: new Date(atMs).toISOString(),
      atMs,
      who: osUserName(),
      machine,
      action: actionFor(input.kind, input.remove),
      target: { itemPath: item.path, itemKind: item.kind, ...(input.versionLabel !== undefined ? { versionLabel: input.versionLabel } : {}) },
      value,
    };
    try {
      await appendToOwnLog(source, machine, [event]);
    } catch (err) {
      if (err instanceof EngineError && err.code === 'ACCESS_DENIED') {
        throw new EngineError('ACCESS_DENIED', `This share is read-only for ${whoOnShare(row)}: ${err.message}`, { cause: err });
      }
      throw err;
    }
    await syncFromSource(store, item.source_id, source);
  });
  ctx.emit('library.changed', { sourceId: item.source_id });
  return store.list({ item: { sourceId: item.source_id, kind: item.kind, path: item.path, id: item.id } });
}
