// The team's audit log: every alias, stage, tag, note and link someone set, newest first, in plain
// sentences, narrowed by person, kind of change and model.
import { useId, useMemo, useState } from 'react';
import type { ActivityEntry, AnnotationKind } from '../../shared/contract';
import { SkeletonRows } from '../components/Skeleton';
import { formatDate, formatWhen } from '../lib/format';
import { activitySentence } from '../lib/team';
import { useApp, useEngine } from '../state/hooks';

const KIND_LABEL: Record<AnnotationKind, string> = {
  alias: 'Aliases',
  stage: 'Stages',
  tag: 'Tags',
  note: 'Notes',
  link: 'Links',
};

export function kindOf(entry: ActivityEntry): AnnotationKind | null {
  const kind = entry.action.split('.')[0] as AnnotationKind;
  return kind in KIND_LABEL ? kind : null;
}

export function ActivityView() {
  const navigate = useApp((s) => s.navigate);
  const query = useEngine('activity.list', { limit: 1000 });
  const [who, setWho] = useState('');
  const [kind, setKind] = useState<AnnotationKind | ''>('');
  const [item, setItem] = useState('');
  const ids = useId();

  const entries = useMemo(() => {
    const all = (query.data ?? []).slice();
    all.sort((a, b) => b.at - a.at);
    return all;
  }, [query.data]);
  const people = useMemo(() => [...new Set(entries.map((e) => e.who))].sort(), [entries]);
  const models = useMemo(() => {
    const byName = new Map<string, string>();
    for (const e of entries) byName.set(`${e.sourceId}:${e.itemPath}`, e.itemName);
    return [...byName].sort((a, b) => a[1].localeCompare(b[1]));
  }, [entries]);
  const shown = entries.filter(
    (e) => (!who || e.who === who) && (!kind || kindOf(e) === kind) && (!item || `${e.sourceId}:${e.itemPath}` === item),
  );
  const filtered = Boolean(who || kind || item);

  return (
    <div className="view">
      <div className="view-header">
        <div>
          <h1>Activity</h1>
          <p className="muted">Who changed what on your models, newest first.</p>
        </div>
        {query.data && query.data.length > 0 && (
          <button type="button" className="button ghost" onClick={query.reload} disabled={query.loading}>
            {query.loading ? 'Refreshing…' : 'Refresh'}
          </button>
        )}
      </div>

      {query.error && !query.data ? (
        <section className="panel problem" role="alert">
          <h2>Could not read the activity</h2>
          <p>{query.error.message}</p>
          <div className="actions">
            <button type="button" className="button primary" onClick={query.reload}>
              Try again
            </button>
          </div>
        </section>
      ) : !query.data ? (
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
              {models.map(([key, name]) => (
                <option key={key} value={key}>
                  {name}
                </option>
              ))}
            </select>
          </fieldset>
          {shown.length === 0 ? (
            <section className="panel placeholder" data-testid="activity-none-match">
              <p>Nothing matches these filters.</p>
              {filtered && (
                <button
                  type="button"
                  className="button"
                  onClick={() => {
                    setWho('');
                    setKind('');
                    setItem('');
                  }}
                >
                  Show everything
                </button>
              )}
            </section>
          ) : (
            <ol className="panel activity-list" data-testid="activity-list">
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
                </li>
              ))}
            </ol>
          )}
        </>
      )}
    </div>
  );
}
