// The team's event log format: one JSON object per line in .modelshelf/events/<machine-id>.jsonl on
// the share. Each writer machine appends only to its own file; readers take every file, ignore what
// they cannot parse (a newer Modelshelf may add actions), and fold the rest (fold.ts).
import { z } from 'zod';
import { ItemKindSchema, type ItemKind, type LineageRelation, LineageRelationSchema } from '../../../../shared/contract';

export const EVENTS_DIR = '.modelshelf/events';
export const LOG_SUFFIX = '.jsonl';

export const ACTIONS = [
  'alias.set',
  'alias.remove',
  'stage.set',
  'stage.clear',
  'tag.add',
  'tag.remove',
  'note.add',
  'note.remove',
  'link.add',
  'link.remove',
] as const;
export type Action = (typeof ACTIONS)[number];

export interface Target {
  itemPath: string;
  itemKind: ItemKind;
  versionLabel?: string;
}

/** A link's value: how the annotated thing relates to another item (or version), or to something outside. */
export interface LinkValue {
  relation: LineageRelation;
  /** 'model:<path>@<version>', 'model:<path>@' (the model itself), 'dataset:…', or 'external:<name>'. */
  to: string;
}

export interface TeamEvent {
  id: string;
  /** ISO 8601 with milliseconds, UTC. */
  at: string;
  atMs: number;
  who: string;
  machine: string;
  action: Action;
  target: Target;
  /** A name (alias, stage, tag), note text, a note's event id (note.remove), or a LinkValue. */
  value: string | LinkValue;
}

const Text = (max: number) => z.string().min(1).max(max);

const LineSchema = z.object({
  id: Text(100),
  at: z.string().min(10).max(40),
  who: Text(200),
  machine: Text(100),
  action: z.enum(ACTIONS),
  target: z.object({ itemPath: Text(4096), itemKind: ItemKindSchema, versionLabel: Text(500).optional() }),
  value: z.union([Text(10_000), z.object({ relation: LineageRelationSchema, to: Text(4200) })]),
});

/** One line → an event, or null when it is not one this version understands. */
export function parseEventLine(line: string): TeamEvent | null {
  let raw: unknown;
  try {
    raw = JSON.parse(line);
  } catch {
    return null;
  }
  const parsed = LineSchema.safeParse(raw);
  if (!parsed.success) return null;
  const e = parsed.data;
  const atMs = Date.parse(e.at);
  if (!Number.isFinite(atMs)) return null;
  const isLink = e.action === 'link.add' || e.action === 'link.remove';
  if (isLink !== (typeof e.value === 'object')) return null;
  if ((e.action.startsWith('alias.') || e.action.startsWith('stage.')) && e.target.versionLabel === undefined) return null;
  const target: Target = { itemPath: e.target.itemPath, itemKind: e.target.itemKind };
  if (e.target.versionLabel !== undefined) target.versionLabel = e.target.versionLabel;
  return { id: e.id, at: e.at, atMs, who: e.who, machine: e.machine, action: e.action, target, value: e.value };
}

/** A whole log file → its events, and how many non-empty lines were not understood. */
export function parseLog(text: string): { events: TeamEvent[]; badLines: number } {
  const events: TeamEvent[] = [];
  let badLines = 0;
  for (const line of text.split('\n')) {
    const trimmed = line.trim();
    if (trimmed === '') continue;
    const e = parseEventLine(trimmed);
    if (e) events.push(e);
    else badLines++;
  }
  return { events, badLines };
}

/** The line written for an event (exactly the documented fields, in a fixed order). */
export function eventLine(e: TeamEvent): string {
  const target: Target = { itemPath: e.target.itemPath, itemKind: e.target.itemKind };
  if (e.target.versionLabel !== undefined) target.versionLabel = e.target.versionLabel;
  return `${JSON.stringify({ id: e.id, at: e.at, who: e.who, machine: e.machine, action: e.action, target, value: e.value })}\n`;
}

export function isLogName(name: string): boolean {
  return name.endsWith(LOG_SUFFIX) && /^[A-Za-z0-9._-]+$/.test(name) && !name.startsWith('.');
}
