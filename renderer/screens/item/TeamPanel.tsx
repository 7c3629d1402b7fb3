// What the team says about a version: aliases (production, staging, custom), its stage, tags,
// notes and where it came from (links to other models and datasets on the same share, or to
// something outside it). Team annotations can be changed here (annotations.set, written to the share's event log);
// MLflow's own aliases and stages are shown read-only. A share that refuses writes turns the
// buttons off for that source, saying why: from the start when the engine learnt it on connecting
// (Source.writable), else once a write comes back ACCESS_DENIED.
import { type FormEvent, type ReactNode, useEffect, useId, useState } from 'react';
import { useShallow } from 'zustand/react/shallow';
import type { ItemDetail, ItemVersion, LibraryItem, LineageRelation, MethodInput, VersionAnnotation } from '../../../shared/contract';
import { formatDate, formatWhen } from '../../lib/format';
import { writeBlockReason } from '../../lib/team';
import { useApi, useApp } from '../../state/hooks';

const STAGES = ['Staging', 'Production', 'Archived'];

/** The version's annotations; older engines only give aliases and stage (treated as MLflow's). */
export function annotationsOf(version: ItemVersion): VersionAnnotation[] {
  if (version.annotations) return version.annotations;
  const out: VersionAnnotation[] = version.aliases.map((value) => ({ kind: 'alias', value, by: null, at: null, origin: 'mlflow' }));
  if (version.stage) out.push({ kind: 'stage', value: version.stage, by: null, at: null, origin: 'mlflow' });
  return out;
}

/** How a version (or model) relates to what it links to, as the form's sentence reads: "This version is trained on …". */
export const RELATION_LABEL: Record<LineageRelation, string> = {
  'derived-from': 'derived from',
  'trained-on': 'trained on',
  'fine-tuned-from': 'fine-tuned from',
  'quantized-from': 'quantized (shrunk) from',
  'adapter-of': 'an adapter for',
  'merged-from': 'merged from',
  'exported-as': 'exported as',
  'produced-by': 'produced by',
};
/** Most common first; the select's order. */
const RELATIONS = Object.keys(RELATION_LABEL) as LineageRelation[];

const EXTERNAL = 'external:';
/** Models and datasets offered as link targets for what is typed. */
const LINK_LOOKUP_LIMIT = 50;

/** A link's target as the engine keeps it ('model:<path>@<label>', 'dataset:…', 'external:<name>') in parts. */
function linkTarget(value: string): { external: boolean; kind: string | null; path: string; name: string; label: string | null } {
  if (value.startsWith(EXTERNAL)) {
    const name = value.slice(EXTERNAL.length);
    return { external: true, kind: null, path: name, name, label: null };
  }
  const m = /^(model|dataset):(.+)@([^@]*)$/.exec(value);
  const path = m?.[2] ?? value;
  return { external: false, kind: m?.[1] ?? null, path, name: path.slice(path.lastIndexOf('/') + 1) || path, label: m?.[3] ? m[3] : null };
}

/** A link in words: "trained on reviews 2", "fine-tuned from bert-base (outside this share)". */
function linkText(a: VersionAnnotation): string {
  const t = linkTarget(a.value);
  const what = `${t.name}${t.label ? ` ${t.label}` : ''}${t.external ? ' (outside this share)' : ''}`;
  return a.relation ? `${RELATION_LABEL[a.relation]} ${what}` : what;
}

/** An annotation's words on its chip: a link said as a sentence, anything else as it is. */
function chipText(a: VersionAnnotation): string {
  return a.kind === 'link' ? linkText(a) : a.value;
}

/**
 * One annotation as a chip: its words, who set it when (a link also says where it points), greyed
 * when it is MLflow's. children: what follows the words (a remove button).
 */
export function AnnotationChip({ a, testId, children }: { a: VersionAnnotation; testId: string; children?: ReactNode }) {
  return (
    <span
      className={`chip ${a.kind}${a.origin === 'team' ? '' : ' readonly'}`}
      data-testid={testId}
      data-kind={a.kind}
      data-origin={a.origin}
      title={a.kind === 'link' ? linkTitle(a) : chipTitle(a)}
    >
      {chipText(a)}
      {children}
    </span>
  );
}

function linkTitle(a: VersionAnnotation): string {
  const t = linkTarget(a.value);
  const where = t.external ? 'Not on this share, known by name only.' : `A ${t.kind ?? 'model'} on this share, in ${t.path}.`;
  return `${where} ${chipTitle(a)}`;
}

type LinkChoice =
  | { kind: 'internal'; value: string; said: string }
  | { kind: 'external'; value: string; said: string }
  | { kind: 'ambiguous'; said: string };

/**
 * What the typed target means: a model or dataset of the share when its name (or path) is one of
 * the candidates ("name@2" = its version 2), else something outside the share ("external:<text>").
 */
function linkChoice(text: string, candidates: LibraryItem[] | null, sourceName: string, complete = true): LinkChoice | null {
  const typed = text.trim();
  if (!typed) return null;
  if (typed.startsWith(EXTERNAL)) {
    const name = typed.slice(EXTERNAL.length).trim();
    return name ? { kind: 'external', value: `${EXTERNAL}${name}`, said: name } : null;
  }
  const at = typed.lastIndexOf('@');
  const [base, label] = at > 0 ? [typed.slice(0, at).trim(), typed.slice(at + 1).trim()] : [typed, ''];
  // Not looked up (the lookup failed): sent as typed, and the engine says if nothing has that name.
  if (candidates === null) return { kind: 'internal', value: typed, said: typed };
  const byPath = candidates.filter((c) => c.path === base);
  const matches = byPath.length > 0 ? byPath : candidates.filter((c) => c.name.toLowerCase() === base.toLowerCase());
  if (matches.length > 1) return { kind: 'ambiguous', said: base };
  const hit = matches[0];
  if (hit) {
    const said = `${hit.name}${label ? ` version ${label}` : ''}, a ${hit.kind} on ${sourceName}`;
    return { kind: 'internal', value: `${hit.path}@${label}`, said };
  }
  // More matches than one page: the one typed may be among the rest. Sent as typed; the engine
  // finds it on the share, or says to link to something outside it as external:<name>.
  if (!complete) return { kind: 'internal', value: typed, said: typed };
  return { kind: 'external', value: `${EXTERNAL}${typed}`, said: typed };
}

/** A team note as the version and the model show it: the text, who and when. */
export function NoteLine({ note, children }: { note: VersionAnnotation; children?: ReactNode }) {
  return (
    <li className="note" title={chipTitle(note)}>
      <p>{note.value}</p>
      <span className="muted">
        {note.by ?? 'MLflow'}
        {note.at ? ` · ${formatWhen(note.at)}` : ''}
      </span>
      {children}
    </li>
  );
}

export function chipTitle(a: VersionAnnotation): string {
  if (a.origin === 'mlflow') return 'Set in MLflow. Change it in MLflow; Modelshelf shows it as it is.';
  const who = a.by ?? 'someone';
  return a.at ? `Set by ${who}, ${formatWhen(a.at)} (${formatDate(a.at)})` : `Set by ${who}`;
}

/**
 * The version that carries an alias now, if any. The team's alias wins over MLflow's (as the engine
 * does for stages): when MLflow says production is on 2 and the team moved it to 1, it is on 1.
 */
function holderOf(item: ItemDetail, alias: string): ItemVersion | null {
  const byTeam = item.versions.find((v) => annotationsOf(v).some((a) => a.kind === 'alias' && a.origin === 'team' && a.value === alias));
  return byTeam ?? item.versions.find((v) => v.aliases.includes(alias)) ?? null;
}

export function TeamPanel({ item, version }: { item: ItemDetail; version: ItemVersion }) {
  const api = useApi();
  const { blocked, blockWrites, fetchDetail, bumpEpoch } = useApp(
    useShallow((s) => ({
      // A write refused this session, else what the engine learnt when it connected (Source.writable).
      blocked: writeBlockReason(s, item.sourceId),
      blockWrites: s.blockWrites,
      fetchDetail: s.fetchDetail,
      bumpEpoch: s.bumpEpoch,
    })),
  );
  const [busy, setBusy] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [alias, setAlias] = useState('');
  const [tag, setTag] = useState('');
  const [note, setNote] = useState('');
  const [relation, setRelation] = useState<LineageRelation>('derived-from');
  const [target, setTarget] = useState('');
  // The share's models and datasets are looked up once someone starts choosing a target.
  const [choosing, setChoosing] = useState(false);
  const ids = useId();
  const annotations = annotationsOf(version);
  // MLflow's aliases and stage show (greyed, read-only) in the versions list; here only the team's.
  const aliases = annotations.filter((a) => a.kind === 'alias' && a.origin === 'team');
  const stage = annotations.find((a) => a.kind === 'stage' && a.origin === 'team') ?? null;
  const tags = annotations.filter((a) => a.kind === 'tag');
  const notes = annotations.filter((a) => a.kind === 'note');
  const links = annotations.filter((a) => a.kind === 'link');
  const typed = target.trim();
  const lookupFor = typed.startsWith(EXTERNAL) ? null : (typed.lastIndexOf('@') > 0 ? typed.slice(0, typed.lastIndexOf('@')) : typed).trim();
  // What the share has by that name: items null when the lookup failed.
  const [found, setFound] = useState<{ query: string; items: LibraryItem[] | null } | null>(null);
  useEffect(() => {
    if (!choosing || lookupFor === null) return;
    let stale = false;
    void api
      .call('library.page', { sourceId: item.sourceId, ...(lookupFor ? { query: lookupFor } : {}), sort: 'name', limit: LINK_LOOKUP_LIMIT })
      .then((result) => {
        if (!stale) setFound({ query: lookupFor, items: result.ok ? result.value.items.filter((c) => c.sourceId === item.sourceId) : null });
      });
    return () => {
      stale = true;
    };
  }, [api, choosing, lookupFor, item.sourceId]);
  const candidates = found?.items ?? [];
  // Only an answer for what is typed now decides between this share and outside it.
  const current = found !== null && found.query === lookupFor ? found : null;
  const lookingUp = lookupFor !== null && typed !== '' && current === null;
  const choice = linkChoice(target, current ? current.items : null, item.sourceName, current?.items ? current.items.length < LINK_LOOKUP_LIMIT : true);
  const fromMlflow = item.versions.some((v) => annotationsOf(v).some((a) => a.origin === 'mlflow'));
  const disabled = busy !== null || blocked !== null;
  const why = blocked ? `Changes are turned off: ${blocked}` : undefined;

  async function write(key: string, input: Omit<MethodInput<'annotations.set'>, 'itemId'>): Promise<boolean> {
    if (disabled) return false;
    setBusy(key);
    setError(null);
    const result = await api.call('annotations.set', { itemId: item.id, ...input });
    setBusy(null);
    if (!result.ok) {
      setError(result.error.message);
      if (result.error.code === 'ACCESS_DENIED') blockWrites(item.sourceId, result.error.message);
      return false;
    }
    bumpEpoch();
    await fetchDetail(item.id, version.id);
    return true;
  }

  const moveAlias = (name: string) => write(`alias:${name}`, { versionLabel: version.label, kind: 'alias', value: name });

  function aliasButton(name: string) {
    const holder = holderOf(item, name);
    if (holder?.id === version.id) return null;
    const older = holder !== null && olderThan(item, version, holder);
    const label = holder
      ? older
        ? `Roll back ${name} to ${version.label}`
        : `Move ${name} to ${version.label}`
      : `Make ${name}`;
    return (
      <button
        type="button"
        className={name === 'production' && holder ? 'button primary' : 'button'}
        data-testid={`set-alias-${name}`}
        disabled={disabled}
        title={why ?? (holder ? `Now on ${holder.label}` : undefined)}
        onClick={() => void moveAlias(name)}
      >
        {busy === `alias:${name}` ? 'Saving…' : label}
      </button>
    );
  }

  async function submitAlias(event: FormEvent) {
    event.preventDefault();
    const name = alias.trim();
    if (name && (await moveAlias(name))) setAlias('');
  }
  async function submitTag(event: FormEvent) {
    event.preventDefault();
    const name = tag.trim();
    if (name && (await write('tag', { versionLabel: version.label, kind: 'tag', value: name }))) setTag('');
  }
  async function submitNote(event: FormEvent) {
    event.preventDefault();
    const text = note.trim();
    if (text && (await write('note', { versionLabel: version.label, kind: 'note', value: text }))) setNote('');
  }

  async function submitLink(event: FormEvent) {
    event.preventDefault();
    if (!choice || choice.kind === 'ambiguous' || lookingUp) return;
    if (await write('link', { versionLabel: version.label, kind: 'link', value: choice.value, relation })) setTarget('');
  }

  function chip(a: VersionAnnotation, removeInput: Omit<MethodInput<'annotations.set'>, 'itemId'> | null, extra?: ReactNode) {
    return (
      <AnnotationChip key={`${a.kind}:${a.origin}:${a.relation ?? ''}:${a.id ?? a.value}`} a={a} testId="annotation-chip">
        {extra}
        {a.origin === 'team' && removeInput && (
          <button
            type="button"
            className="chip-remove"
            aria-label={`Take ${chipText(a)} off`}
            disabled={disabled}
            title={why}
            onClick={() => void write(`remove:${a.kind}:${a.relation ?? ''}:${a.value}`, { ...removeInput, remove: true })}
          >
            ×
          </button>
        )}
      </AnnotationChip>
    );
  }

  return (
    <section className="team-panel" aria-labelledby={`${ids}-title`} data-testid="team-panel">
      <h3 id={`${ids}-title`}>Aliases, stage and tags</h3>
      <div className="chips annotation-chips">
        {aliases.map((a) => chip(a, { versionLabel: version.label, kind: 'alias', value: a.value }))}
        {stage && chip(stage, { versionLabel: version.label, kind: 'stage', value: stage.value }, <span className="sr-only"> (stage)</span>)}
        {tags.map((a) => chip(a, { versionLabel: version.label, kind: 'tag', value: a.value }))}
        {aliases.length === 0 && !stage && tags.length === 0 && (
          <span className="muted">
            Nothing set by your team on this version yet. Mark the one everyone should use with an alias such as production.
          </span>
        )}
      </div>
      {fromMlflow && (
        <p className="help" data-testid="mlflow-hint">
          Outlined aliases and stages in the versions list come from MLflow. Modelshelf shows them as they are; change
          those in MLflow. What you set here is kept next to them, on the share.
        </p>
      )}

      {blocked && (
        <p className="inline-error" data-testid="writes-blocked">
          Changes are turned off for {item.sourceName}: {blocked}
        </p>
      )}
      {error && error !== blocked && (
        <p className="inline-error" role="alert" data-testid="annotation-error">
          {error}
        </p>
      )}

      <div className="actions team-actions">
        {aliasButton('production')}
        {aliasButton('staging')}
      </div>

      <div className="team-forms">
        <form className="inline-field" onSubmit={submitAlias}>
          <label className="sr-only" htmlFor={`${ids}-alias`}>
            Another alias
          </label>
          <input
            id={`${ids}-alias`}
            className="input"
            data-testid="alias-input"
            placeholder="Another alias (champion, customer-a)"
            value={alias}
            onChange={(e) => setAlias(e.target.value)}
            disabled={blocked !== null}
          />
          <button type="submit" className="button" disabled={disabled || !alias.trim()} title={why}>
            {busy?.startsWith('alias:') && alias ? 'Saving…' : 'Set alias'}
          </button>
        </form>

        <div className="inline-field">
          <label htmlFor={`${ids}-stage`}>Stage</label>
          <select
            id={`${ids}-stage`}
            className="input"
            data-testid="stage-select"
            value={stage?.origin === 'team' ? stage.value : ''}
            disabled={disabled}
            title={why}
            onChange={(e) => {
              const value = e.target.value;
              if (value) void write('stage', { versionLabel: version.label, kind: 'stage', value });
              else if (stage?.origin === 'team') void write('stage', { versionLabel: version.label, kind: 'stage', value: stage.value, remove: true });
            }}
          >
            <option value="">No stage</option>
            {STAGES.map((s) => (
              <option key={s} value={s}>
                {s}
              </option>
            ))}
            {stage?.origin === 'team' && !STAGES.includes(stage.value) && <option value={stage.value}>{stage.value}</option>}
          </select>
        </div>

        <form className="inline-field" onSubmit={submitTag}>
          <label className="sr-only" htmlFor={`${ids}-tag`}>
            Add a tag
          </label>
          <input
            id={`${ids}-tag`}
            className="input"
            data-testid="tag-input"
            placeholder="Add a tag (reviewed, customer-a)"
            value={tag}
            onChange={(e) => setTag(e.target.value)}
            disabled={blocked !== null}
          />
          <button type="submit" className="button" data-testid="tag-add" disabled={disabled || !tag.trim()} title={why}>
            {busy === 'tag' ? 'Saving…' : 'Add tag'}
          </button>
        </form>
      </div>

      <h3 id={`${ids}-links`}>Where it came from</h3>
      <div className="chips annotation-chips" data-testid="link-chips">
        {links.map((a) =>
          chip(a, a.relation ? { versionLabel: version.label, kind: 'link', value: a.value, relation: a.relation } : null),
        )}
        {links.length === 0 && (
          <span className="muted" data-testid="links-empty">
            Not recorded yet. Say what this version was trained on or made from, so the team can trace it later (it shows on
            the Lineage tab).
          </span>
        )}
      </div>
      <form className="link-form" aria-labelledby={`${ids}-links`} onSubmit={submitLink} data-testid="link-form">
        <label htmlFor={`${ids}-relation`}>This version is</label>
        <select
          id={`${ids}-relation`}
          className="input"
          data-testid="link-relation"
          value={relation}
          disabled={blocked !== null}
          title={why}
          onChange={(e) => setRelation(e.target.value as LineageRelation)}
        >
          {RELATIONS.map((r) => (
            <option key={r} value={r}>
              {RELATION_LABEL[r]}
            </option>
          ))}
        </select>
        <label className="sr-only" htmlFor={`${ids}-target`}>
          Link to
        </label>
        <input
          id={`${ids}-target`}
          className="input"
          data-testid="link-target"
          list={`${ids}-targets`}
          autoComplete="off"
          placeholder="Link to… (a model or dataset here, or any name)"
          value={target}
          onFocus={() => setChoosing(true)}
          onChange={(e) => {
            setChoosing(true);
            setTarget(e.target.value);
          }}
          disabled={blocked !== null}
          title={why}
        />
        <datalist id={`${ids}-targets`}>
          {candidates.map((c) => (
            <option key={c.id} value={candidates.filter((o) => o.name.toLowerCase() === c.name.toLowerCase()).length > 1 ? c.path : c.name}>
              {`${c.kind === 'model' ? 'Model' : 'Dataset'} · ${c.path}`}
            </option>
          ))}
        </datalist>
        <button
          type="submit"
          className="button"
          data-testid="link-save"
          disabled={disabled || !choice || choice.kind === 'ambiguous' || lookingUp}
          title={why}
        >
          {busy === 'link' ? 'Saving…' : 'Save link'}
        </button>
      </form>
      <p className="help" data-testid="link-hint" aria-live="polite">
        {!choice
          ? `Pick a model or dataset on ${item.sourceName} (add @2 for its version 2), or type the name of something that is not on it, such as bert-base-uncased.`
          : lookingUp
            ? `Looking for “${typed}” on ${item.sourceName}…`
            : choice.kind === 'ambiguous'
              ? `Several things on ${item.sourceName} are called “${choice.said}”: pick one from the list.`
              : choice.kind === 'external'
                ? `“${choice.said}” is not on ${item.sourceName}: it is saved as something outside the share, by name.`
                : `Links to ${choice.said}.`}
      </p>

      <h3>Notes</h3>
      {notes.length > 0 && (
        <ul className="notes" data-testid="notes">
          {notes.map((n) => (
            <NoteLine key={n.id ?? n.value} note={n}>
              {n.origin === 'team' && n.id && (
                <button
                  type="button"
                  className="button ghost small"
                  disabled={disabled}
                  title={why}
                  onClick={() => void write('remove:note', { versionLabel: version.label, kind: 'note', value: n.id as string, remove: true })}
                >
                  Delete note
                </button>
              )}
            </NoteLine>
          ))}
        </ul>
      )}
      <form className="note-form" onSubmit={submitNote}>
        <label className="sr-only" htmlFor={`${ids}-note`}>
          Add a note
        </label>
        <textarea
          id={`${ids}-note`}
          className="input"
          data-testid="note-input"
          rows={2}
          placeholder="Add a note for the team (what changed, who it is for)"
          value={note}
          onChange={(e) => setNote(e.target.value)}
          disabled={blocked !== null}
        />
        <button type="submit" className="button" data-testid="note-add" disabled={disabled || !note.trim()} title={why}>
          {busy === 'note' ? 'Saving…' : 'Add note'}
        </button>
      </form>
    </section>
  );
}

/** Older = created earlier, or (without dates) further down the list, which the engine sorts newest first. */
function olderThan(item: ItemDetail, a: ItemVersion, b: ItemVersion): boolean {
  if (a.createdAt !== null && b.createdAt !== null && a.createdAt !== b.createdAt) return a.createdAt < b.createdAt;
  return item.versions.indexOf(a) > item.versions.indexOf(b);
}
