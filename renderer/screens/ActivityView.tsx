// The team's audit log: every alias, stage, tag, note and link someone set, newest first, in plain
// sentences, narrowed by person, kind of change and model. The engine filters (the whole log, not
// only the newest entries shown); Refresh also re-reads the logs on the shares. The newest move of
// an alias can be undone from here ("Put production back on v3"): one annotations.set, one event.
import { useEffect, useId, useMemo, useState } from 'react';
import type { ActivityEntry, AnnotationKind, MethodInput } from '../../shared/contract';
import { SkeletonRows } from '../components/Skeleton';
import { formatDate, formatWhen } from '../lib/format';
import { activitySentence, rollbackIds, rollbackLabel, versionName, writeBlockReason } from '../lib/team';
import { useApi, useApp, useEngine } from '../state/hooks';

const KIND_LABEL: Record<AnnotationKind, string> = {
  alias: 'Aliases',
  stage: 'Stages',
  tag: 'Tags',
  note: 'Notes',
  link: 'Links',
};

/** Entries asked for at a time (the newest first). */
const LIMIT = 1000;

export function kindOf(entry: ActivityEntry): AnnotationKind | null {
  const kind = entry.action.split('.')[0] as AnnotationKind;
  return kind in KIND_LABEL ? kind : null;
}

const newestFirst = (entries: ActivityEntry[]) => entries.slice().sort((a, b) => b.at - a.at);

export function ActivityView() {
  const navigate = useApp((s) => s.navigate);
  const api = useApi();
  const [who, setWho] = useState('');
  const [kind, setKind] = useState<AnnotationKind | ''>('');
  /** The model's catalog id ('' = all models). */
  const [item, setItem] = useState('');
  const [syncing, setSyncing] = useState(false);
  /** Why a "put back" changed nothing (someone moved the alias since the list was read). */
  const [stale, setStale] = useState<string | null>(null);
  const ids = useId();

  const filter = useMemo<MethodInput<'activity.list'> | null>(
    () => (who || kind || item ? { limit: LIMIT, ...(who ? { who } : {}), ...(kind ? { kind } : {}), ...(item ? { itemId: Number(item) } : {}) } : null),
    [who, kind, item],
  );
  // Everything (for the menus, and what is shown unfiltered); with a filter, the engine's answer to it.
  const everything = useEngine('activity.list', { limit: LIMIT });
  const narrowed = useEngine('activity.list', filter);
  const query = filter ? narrowed : everything;
  // While the answer to a new filter is on its way, the list shown before stays (no flash).
  const [kept, setKept] = useState<ActivityEntry[] | null>(null);
  useEffect(() => {
    if (query.data) setKept(query.data);
  }, [query.data]);

  const entries = useMemo(() => newestFirst(everything.data ?? []), [everything.data]);
  // Judged on the unfiltered list (the newest entries of the whole log): it holds every change newer
  // than any entry in it, which a list filtered by person would not. Older entries are not offered.
  const undoable = useMemo(() => rollbackIds(entries), [entries]);
  const shown = useMemo(() => newestFirst(query.data ?? (filter ? (kept ?? []) : [])), [query.data, filter, kept]);
  // The menus offer who and what is in the log (and keep what is chosen, even if older than the newest entries).
  const people = useMemo(() => [...new Set([...entries, ...shown].map((e) => e.who).concat(who ? [who] : []))].sort(), [entries, shown, who]);
  const models = useMemo(() => {
    const byId = new Map<string, string>();
    for (const e of [...entries, ...shown]) if (e.itemId !== null) byId.set(String(e.itemId), e.itemName);
    return [...byId].sort((a, b) => a[1].localeCompare(b[1]));
  }, [entries, shown]);
  const clear = () => {
    setWho('');
    setKind('');
    setItem('');
  };
  const refresh = async () => {
    // Re-reads the team's logs on the shares (best effort), then asks again for what is on screen.
    setSyncing(true);
    try {
      await api.call('activity.list', { ...(filter ?? { limit: LIMIT }), refresh: true });
    } finally {
      setSyncing(false);
      everything.reload();
      if (filter) narrowed.reload();
    }
  };

  return (
    <div className="view">
      <div className="view-header">
        <div>
          <h1>Activity</h1>
          <p className="muted">Who changed what on your models, newest first.</p>
        </div>
        {everything.data && everything.data.length > 0 && (
          <button type="button" className="button ghost" data-testid="activity-refresh" onClick={() => void refresh()} disabled={syncing || query.loading}>
            {syncing || query.loading ? 'Refreshing…' : 'Refresh'}
          </button>
        )}
      </div>

      {everything.error && !everything.data ? (
        <section className="panel problem" role="alert">
          <h2>Could not read the activity</h2>
          <p>{everything.error.message}</p>
          <div className="actions">
            <button type="button" className="button primary" onClick={everything.reload}>
              Try again
            </button>
          </div>
        </section>
      ) : !everything.data ? (
        <div aria-busy="true">
          <SkeletonRows rows={6} />
        </div>
      ) : entries.length === 0 ? (
        <section className="panel placeholder" data-testid="activity-empty">
          <h2>Nothing has changed yet</h2>
          <p>
            When anyone on your team sets an alias such as <strong>production</strong>, gives a version a stage, adds a
            tag or writes a note, it shows up here — with who did it and when. Everyone who opens these shares in
            Modelshelf sees the same list.
          </p>
          <p className="muted">Open a model and use “Make production”, a tag or a note on one of its versions to start.</p>
          <div className="actions">
            <button type="button" className="button primary" onClick={() => navigate({ view: 'library', kind: 'model' })}>
              Go to Models
            </button>
          </div>
        </section>
      ) : (
        <>
          <fieldset className="filters activity-filters">
            <legend className="sr-only">Filter the activity</legend>
            <label htmlFor={`${ids}-who`}>Person</label>
            <select id={`${ids}-who`} className="input" data-testid="activity-filter-who" value={who} onChange={(e) => setWho(e.target.value)}>
              <option value="">Everyone</option>
              {people.map((p) => (
                <option key={p} value={p}>
                  {p}
                </option>
              ))}
            </select>
            <label htmlFor={`${ids}-kind`}>Change</label>
            <select
              id={`${ids}-kind`}
              className="input"
              data-testid="activity-filter-kind"
              value={kind}
              onChange={(e) => setKind(e.target.value as AnnotationKind | '')}
            >
              <option value="">All changes</option>
              {(Object.keys(KIND_LABEL) as AnnotationKind[]).map((k) => (
                <option key={k} value={k}>
                  {KIND_LABEL[k]}
                </option>
              ))}
            </select>
            <label htmlFor={`${ids}-item`}>Model</label>
            <select id={`${ids}-item`} className="input" data-testid="activity-filter-item" value={item} onChange={(e) => setItem(e.target.value)}>
              <option value="">All models</option>
              {models.map(([id, name]) => (
                <option key={id} value={id}>
                  {name}
                </option>
              ))}
            </select>
          </fieldset>
          {filter && narrowed.error && !narrowed.data ? (
            <section className="panel problem" role="alert">
              <p>{narrowed.error.message}</p>
              <div className="actions">
                <button type="button" className="button" onClick={narrowed.reload}>
                  Try again
                </button>
                <button type="button" className="button" onClick={clear}>
                  Show everything
                </button>
              </div>
            </section>
          ) : shown.length === 0 ? (
            <section className="panel placeholder" data-testid="activity-none-match" aria-busy={query.loading}>
              <p>Nothing matches these filters.</p>
              {filter && (
                <button type="button" className="button" onClick={clear}>
                  Show everything
                </button>
              )}
            </section>
          ) : (
            <>
            {stale && (
              <p className="form-error" role="alert" data-testid="activity-stale">
                {stale}{' '}
                <button type="button" className="button ghost small" onClick={() => setStale(null)}>
                  OK
                </button>
              </p>
            )}
            <ol className="panel activity-list" data-testid="activity-list" aria-busy={query.loading}>
              {shown.map((e) => (
                <li key={e.id} className="activity-entry" data-testid="activity-entry" data-action={e.action}>
                  <span className="activity-text">
                    {e.itemId !== null ? (
                      <button
                        type="button"
                        className="link-button"
                        onClick={() => navigate({ view: 'item', kind: e.itemKind, id: e.itemId as number })}
                      >
                        {activitySentence(e)}
                      </button>
                    ) : (
                      activitySentence(e)
                    )}
                  </span>
                  <span className="muted activity-when" title={`${formatDate(e.at)}${e.machine ? ` on ${e.machine}` : ''}`}>
                    {' — '}
                    {formatWhen(e.at)}
                  </span>
                  {undoable.has(e.id) && <Rollback entry={e} onStale={setStale} />}
                </li>
              ))}
            </ol>
            </>
          )}
        </>
      )}
    </div>
  );
}

/**
 * "Put production back on v3" on the newest move of an alias: asks first (everyone sees it), then
 * sets the alias on the version it was on before — one annotations.set, so one event in the log —
 * and reloads the list (bumping the epoch re-asks every engine query, this list's too).
 */
/** onStale: the alias moved since the list was read (the list is read again; this says why). */
function Rollback({ entry, onStale }: { entry: ActivityEntry; onStale: (message: string) => void }) {
  const api = useApi();
  const blocked = useApp((s) => writeBlockReason(s, entry.sourceId));
  const blockWrites = useApp((s) => s.blockWrites);
  const bumpEpoch = useApp((s) => s.bumpEpoch);
  const [asking, setAsking] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const previous = entry.previousVersionLabel;
  if (entry.itemId === null || !previous) return null;
  const itemId = entry.itemId;
  const label = rollbackLabel(entry);

  async function confirm() {
    if (busy || blocked || !previous) return;
    setBusy(true);
    setError(null);
    const result = await api.call('annotations.set', { itemId, versionLabel: previous, kind: 'alias', value: entry.value, ...(entry.versionLabel ? { ifAliasOn: entry.versionLabel } : {}) });
    setBusy(false);
    if (!result.ok) {
      setError(`Could not put ${entry.value} back on ${versionName(previous)}: ${result.error.message}`);
      if (result.error.code === 'ACCESS_DENIED') blockWrites(entry.sourceId, result.error.message);
      // Someone moved it since (ifAliasOn): the log is read again (this entry may lose its button),
      // and the view keeps saying why nothing changed.
      if (result.error.code === 'CONFLICT') {
        onStale(`Nothing changed: ${result.error.message}`);
        bumpEpoch();
      }
      return;
    }
    setAsking(false);
    bumpEpoch();
  }

  return (
    <span className="activity-rollback">
      {' '}
      {asking ? (
        <span data-testid="activity-rollback-confirm" aria-busy={busy}>
          {`${label}? Everyone sees the change. `}
          <button type="button" className="button primary" data-testid="activity-rollback-yes" disabled={busy || blocked !== null} onClick={() => void confirm()}>
            {busy ? 'Putting it back…' : 'Yes'}
          </button>{' '}
          <button
            type="button"
            className="button ghost"
            disabled={busy}
            onClick={() => {
              setAsking(false);
              setError(null);
            }}
          >
            Cancel
          </button>
        </span>
      ) : (
        <button
          type="button"
          className="button"
          data-testid="activity-rollback"
          disabled={blocked !== null}
          title={blocked ? `Changes are turned off: ${blocked}` : `${entry.value} is on ${versionName(entry.versionLabel ?? '')} now`}
          onClick={() => setAsking(true)}
        >
          {label}
        </button>
      )}
      {error && (
        <span className="error" role="alert" data-testid="activity-rollback-error">
          {' '}
          {error}
        </span>
      )}
    </span>
  );
}
