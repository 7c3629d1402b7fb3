// Every training run found on the sources: name, tool, status, when, and the numbers that matter.
// Tick runs to chart them together below the list.
import { useEffect, useMemo, useRef, useState } from 'react';
import { useShallow } from 'zustand/react/shallow';
import type { RunSummary } from '../../shared/contract';
import { MetricsExplorer } from '../components/MetricsExplorer';
import { SkeletonRows } from '../components/Skeleton';
import { formatDate, formatWhen, plural } from '../lib/format';
import { formatMetric, keyFinals, statusLabel, statusTone, toolLabel } from '../lib/runs';
import { useApp } from '../state/hooks';

export const RUNS_EMPTY = 'No training runs found yet';
const PAGE = 300;
const MAX_SELECTED = 20;

export function RunsView({ runId }: { runId: number | null }) {
  const { runs, navigate, indexing } = useApp(
    useShallow((s) => ({
      runs: s.runs,
      navigate: s.navigate,
      indexing: Object.keys(s.scans).length > 0 || s.sources.some((src) => src.status === 'scanning'),
    })),
  );
  const [filter, setFilter] = useState('');
  const [selected, setSelected] = useState<number[]>(() => (runId ? [runId] : []));
  const [limit, setLimit] = useState(PAGE);

  useEffect(() => {
    if (runId) setSelected((s) => (s.includes(runId) ? s : [runId, ...s].slice(0, MAX_SELECTED)));
  }, [runId]);

  const items = runs.items;
  const shown = useMemo(() => {
    if (!items) return null;
    const q = filter.trim().toLowerCase();
    return q ? items.filter((r) => r.name.toLowerCase().includes(q) || r.path.toLowerCase().includes(q) || r.format.includes(q)) : items;
  }, [items, filter]);
  const chosen = useMemo(() => (items ?? []).filter((r) => selected.includes(r.id)), [items, selected]);

  const chartPanel = useRef<HTMLElement>(null);
  function toggle(id: number) {
    // The first tick brings the chart into view; later ticks leave the scroll where the user put it.
    if (selected.length === 0) requestAnimationFrame(() => chartPanel.current?.scrollIntoView?.({ behavior: 'smooth', block: 'nearest' }));
    setSelected((s) => (s.includes(id) ? s.filter((x) => x !== id) : s.length < MAX_SELECTED ? [...s, id] : s));
  }

  return (
    <div className="view runs-view">
      <div className="view-header">
        <div>
          <h1>Runs</h1>
          <p className="muted" aria-live="polite">
            {items === null ? 'Loading…' : plural(items.length, 'training run')}
            {runs.loading && items !== null && <span className="spinner inline" aria-hidden="true" />}
          </p>
        </div>
        {items !== null && items.length > 0 && (
          <input
            type="search"
            className="input runs-filter"
            placeholder="Filter runs…"
            aria-label="Filter runs"
            value={filter}
            onChange={(e) => setFilter(e.target.value)}
            data-testid="runs-filter"
          />
        )}
      </div>
      {runs.error && (
        <div className="banner error" role="alert">
          Could not load the runs: {runs.error.message}
        </div>
      )}
      {shown === null ? (
        <SkeletonRows rows={6} columns={5} />
      ) : items !== null && items.length === 0 ? (
        <section className="panel empty-panel" data-testid="runs-empty">
          <h2>{RUNS_EMPTY}</h2>
          <p>
            A run is one training session: its settings and how its numbers (loss, accuracy…) moved over time. Modelshelf
            reads the runs that MLflow, TensorBoard, the Hugging Face Trainer, Lightning, Keras, Ultralytics and DVCLive
            leave on the share.
          </p>
          <p className="muted">
            {indexing ? 'Indexing is still running; runs appear here as they are found.' : 'None were found on your sources so far.'}
          </p>
          <div className="actions">
            <button type="button" className="button" onClick={() => navigate({ view: 'sources' })}>
              Check your sources
            </button>
          </div>
        </section>
      ) : (
        <>
          <div className="table-wrap runs-table-wrap">
            <table className="table runs-table">
              <thead>
                <tr>
                  <th scope="col" className="col-check">
                    <span className="sr-only">Chart</span>
                  </th>
                  <th scope="col" className="col-run">
                    Run
                  </th>
                  <th scope="col" className="col-tool">
                    Tool
                  </th>
                  <th scope="col" className="col-status">
                    Status
                  </th>
                  <th scope="col" className="col-date">
                    Started
                  </th>
                  <th scope="col" className="col-finals">
                    Final numbers
                  </th>
                </tr>
              </thead>
              <tbody>
                {shown.slice(0, limit).map((run) => (
                  <RunRow key={run.id} run={run} checked={selected.includes(run.id)} onToggle={() => toggle(run.id)} />
                ))}
              </tbody>
            </table>
            {shown.length === 0 && (
              <div className="table-empty">
                <p>No run matches “{filter}”.</p>
              </div>
            )}
            {shown.length > limit && (
              <div className="table-more">
                <span className="muted">
                  Showing {limit.toLocaleString('en-US')} of {shown.length.toLocaleString('en-US')}.
                </span>
                <button type="button" className="button small" onClick={() => setLimit((n) => n + PAGE * 3)}>
                  Show more
                </button>
              </div>
            )}
          </div>
          <section ref={chartPanel} className="panel runs-chart" aria-label="Chart of the chosen runs" data-testid="runs-chart">
            {chosen.length === 0 ? (
              <p className="muted chart-hint">Tick one or more runs above to chart their metrics together.</p>
            ) : (
              <>
                <h2 className="runs-chart-title">
                  {chosen.length === 1 ? (chosen[0] as RunSummary).name : `${chosen.length} runs`}
                  <button type="button" className="button small ghost" onClick={() => setSelected([])}>
                    Clear
                  </button>
                </h2>
                <MetricsExplorer
                  source={{ runIds: chosen.map((r) => r.id) }}
                  empty={<p className="muted">These runs did not record any metrics.</p>}
                />
              </>
            )}
          </section>
        </>
      )}
    </div>
  );
}

function RunRow({ run, checked, onToggle }: { run: RunSummary; checked: boolean; onToggle(): void }) {
  const finals = keyFinals(run);
  const tone = statusTone(run.status);
  return (
    <tr data-testid="run-row" aria-selected={checked} onClick={onToggle} className={checked ? 'selected' : undefined}>
      <td className="col-check">
        <input
          type="checkbox"
          checked={checked}
          onChange={onToggle}
          onClick={(e) => e.stopPropagation()}
          aria-label={`Chart ${run.name}`}
          data-testid="run-check"
        />
      </td>
      <td className="col-run">
        <div className="cell-name">
          <span className="name">{run.name}</span>
        </div>
        <div className="cell-sub mono" title={run.path}>
          {run.path}
        </div>
      </td>
      <td className="col-tool">{toolLabel(run.format)}</td>
      <td className="col-status">
        <span className={`run-status tone-${tone}`}>{statusLabel(run.status)}</span>
      </td>
      <td className="col-date" title={formatDate(run.startedAt)}>
        {formatWhen(run.startedAt)}
      </td>
      <td className="col-finals">
        {finals.length === 0 ? (
          <span className="muted">—</span>
        ) : (
          finals.map((f) => (
            <span key={f.key} className="final">
              <span className="muted">{f.key}</span> <span className="mono">{formatMetric(f.value)}</span>
            </span>
          ))
        )}
      </td>
    </tr>
  );
}
