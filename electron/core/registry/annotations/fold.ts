// The current state of a source's annotations is the fold of every event of every machine's log,
// in (at, id) order. Same events in → same state out, whatever order the files were read in, so
// every desktop that has read the same logs shows the same registry.
import type { AnnotationKind, ItemKind, LineageRelation } from '../../../../shared/contract';
import type { LinkValue, Target, TeamEvent } from './events';

export interface FoldedAnnotation {
  kind: AnnotationKind;
  /** alias/stage/tag name, note text, or a link's target ref. */
  value: string;
  relation?: LineageRelation;
  itemKind: ItemKind;
  itemPath: string;
  /** null = on the item itself. */
  versionLabel: string | null;
  by: string;
  machine: string;
  atMs: number;
  eventId: string;
}

/** Orders events as every reader does, dropping copies of the same event. */
export function orderEvents(events: Iterable<TeamEvent>): TeamEvent[] {
  const byId = new Map<string, TeamEvent>();
  for (const e of events) if (!byId.has(e.id)) byId.set(e.id, e);
  return [...byId.values()].sort((a, b) => a.atMs - b.atMs || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

const itemKey = (t: { itemKind: string; itemPath: string }) => `${t.itemKind}\u0000${t.itemPath}`;
const targetKey = (t: Target) => `${itemKey(t)}\u0000${t.versionLabel ?? ''}`;

export interface FoldResult {
  annotations: FoldedAnnotation[];
  /** For each event (in fold order), what it did in words, given what came before it. */
  summaries: Map<string, string>;
  /** For each alias.set that moved an alias off another version: the version it was on before. */
  previousVersions: Map<string, string>;
}

/**
 * Folds events. `describe` names a target for summaries ("churn-classifier 3").
 * Rules: an alias names one version of an item (setting it elsewhere moves it); a version has one
 * stage; tags are sets; notes are a list (removed by the id of the event that added them); links
 * are sets per (relation, target). A remove that does not match the current state changes nothing.
 */
export function foldEvents(events: Iterable<TeamEvent>, describe: (t: Target) => string = defaultDescribe): FoldResult {
  const aliases = new Map<string, FoldedAnnotation>(); // item + alias → where it points
  const stages = new Map<string, FoldedAnnotation>(); // version → stage
  const tags = new Map<string, FoldedAnnotation>(); // target + tag
  const notes = new Map<string, FoldedAnnotation>(); // note id → note
  const links = new Map<string, FoldedAnnotation>(); // target + relation + to
  const summaries = new Map<string, string>();
  const previousVersions = new Map<string, string>();

  for (const e of orderEvents(events)) {
    const label = e.target.versionLabel ?? null;
    const base = { itemKind: e.target.itemKind, itemPath: e.target.itemPath, versionLabel: label, by: e.who, machine: e.machine, atMs: e.atMs, eventId: e.id };
    const what = describe(e.target);
    const value = typeof e.value === 'string' ? e.value : '';
    let summary: string;
    switch (e.action) {
      case 'alias.set': {
        const key = `${itemKey(e.target)}\u0000${value}`;
        const prev = aliases.get(key);
        aliases.set(key, { ...base, kind: 'alias', value });
        if (prev?.versionLabel && prev.versionLabel !== label) previousVersions.set(e.id, prev.versionLabel);
        summary =
          prev && prev.versionLabel !== label
            ? `moved ${value} from ${prev.versionLabel} to ${label} of ${describe({ ...e.target, versionLabel: undefined })}`
            : `set ${value} on ${what}${prev ? ' (it was already there)' : ''}`;
        break;
      }
      case 'alias.remove': {
        const key = `${itemKey(e.target)}\u0000${value}`;
        const prev = aliases.get(key);
        if (prev && prev.versionLabel === label) {
          aliases.delete(key);
          summary = `removed ${value} from ${what}`;
        } else summary = `removed ${value} from ${what} (no effect: ${prev ? `it is on ${prev.versionLabel}` : 'it was not set'})`;
        break;
      }
      case 'stage.set': {
        const key = targetKey(e.target);
        const prev = stages.get(key);
        stages.set(key, { ...base, kind: 'stage', value });
        summary = prev ? `changed the stage of ${what} from ${prev.value} to ${value}` : `set the stage of ${what} to ${value}`;
        break;
      }
      case 'stage.clear': {
        const key = targetKey(e.target);
        const prev = stages.get(key);
        if (prev && prev.value === value) {
          stages.delete(key);
          summary = `cleared the stage ${value} of ${what}`;
        } else summary = `cleared the stage ${value} of ${what} (no effect: ${prev ? `it is ${prev.value}` : 'it had none'})`;
        break;
      }
      case 'tag.add':
        tags.set(`${targetKey(e.target)}\u0000${value}`, { ...base, kind: 'tag', value });
        summary = `tagged ${what} "${value}"`;
        break;
      case 'tag.remove':
        summary = tags.delete(`${targetKey(e.target)}\u0000${value}`) ? `removed the tag "${value}" from ${what}` : `removed the tag "${value}" from ${what} (no effect)`;
        break;
      case 'note.add':
        notes.set(e.id, { ...base, kind: 'note', value });
        summary = `added a note to ${what}: “${value.length > 80 ? `${value.slice(0, 79)}…` : value}”`;
        break;
      case 'note.remove': {
        const note = notes.get(value);
        if (note && note.itemKind === e.target.itemKind && note.itemPath === e.target.itemPath) {
          notes.delete(value);
          summary = `removed a note from ${what}`;
        } else summary = `removed a note from ${what} (no effect: it was already gone)`;
        break;
      }
      case 'link.add':
      case 'link.remove': {
        const link = e.value as LinkValue;
        const key = `${targetKey(e.target)}\u0000${link.relation}\u0000${link.to}`;
        if (e.action === 'link.add') {
          links.set(key, { ...base, kind: 'link', value: link.to, relation: link.relation });
          summary = `linked ${what} as ${link.relation} ${link.to}`;
        } else summary = links.delete(key) ? `removed the link ${link.relation} ${link.to} from ${what}` : `removed the link ${link.relation} ${link.to} from ${what} (no effect)`;
        break;
      }
    }
    summaries.set(e.id, `${e.who} ${summary}`);
  }
  const annotations = [...aliases.values(), ...stages.values(), ...tags.values(), ...notes.values(), ...links.values()].sort(
    (a, b) => a.atMs - b.atMs || (a.eventId < b.eventId ? -1 : a.eventId > b.eventId ? 1 : 0),
  );
  return { annotations, summaries, previousVersions };
}

function defaultDescribe(t: Target): string {
  const name = t.itemPath.slice(t.itemPath.lastIndexOf('/') + 1);
  return t.versionLabel === undefined ? name : `${name} ${t.versionLabel}`;
}
