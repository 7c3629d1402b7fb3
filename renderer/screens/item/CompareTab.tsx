// Two or more versions side by side: training settings, final metrics, details read from the files,
// and which files were added, removed or changed. "Only differences" hides what is the same.
import { useMemo, useState } from 'react';
import type { ItemDetail, VersionComparison } from '../../../shared/contract';
import { formatBytes } from '../../../shared/format';
import { differenceCount, isNoiseKey, visibleComparison } from '../../lib/compare';
import { formatMetric } from '../../lib/runs';
import { useApp, useEngine } from '../../state/hooks';

const MAX = 8;

/** Loss-like metrics get better as they go down (the engine uses the same rule for "best"). */
export function lowerIsBetter(key: string): boolean {
  return /loss|err|mae|mse|rmse|perplexity|wer|cer/i.test(key);
}

const FILE_STATUS: Record<VersionComparison['files'][number]['status'], string> = {
  same: 'same',
  changed: 'changed',
  added: 'added',
  removed: 'removed',
  mixed: 'in some',
};

export function CompareTab({ item }: { item: ItemDetail }) {
  const selectedId = useApp((s) => s.detail.selectedVersionId);
  const [picked, setPicked] = useState<number[] | null>(null);
  const [onlyDiff, setOnlyDiff] = useState(false);

  // Default: the selected version and the one before it (or the two newest).
  const ids = useMemo(() => {
    const all = item.versions.map((v) => v.id);
    const kept = (picked ?? []).filter((id) => all.includes(id));
    if (picked) return kept;
    const at = Math.max(0, all.indexOf(selectedId ?? all[0] ?? -1));
    const pair = at + 1 < all.length ? [all[at], all[at + 1]] : [all[at - 1], all[at]];
    return pair.filter((x): x is number => x !== undefined);
  }, [picked, item.versions, selectedId]);
  // Older versions on the left, as the list is newest first.
  const ordered = useMemo(() => item.versions.map((v) => v.id).filter((id) => ids.includes(id)).reverse(), [item.versions, ids]);
  const query = useEngine('versions.compare', ordered.length >= 2 ? { versionIds: ordered } : null);

  function toggle(id: number) {
    if (ids.includes(id)) setPicked(ids.filter((x) => x !== id));
    else if (ids.length < MAX) setPicked([...ids, id]);
  }

  if (item.versions.length < 2) {
    return (
      <section className="panel empty-panel" data-testid="compare-empty">
        <h2>Only one version so far</h2>
        <p>When {item.name} has a second version on the share, you can put them side by side here.</p>
      </section>
    );
  }

  return (
    <div className="compare">
      <div className="compare-head">
        <fieldset className="version-picker" data-testid="compare-picker">
          <legend className="sr-only">Versions to compare</legend>
          <span className="muted">Compare:</span>
          {item.versions.map((v) => (
            <button
              key={v.id}
              type="button"
              className="chip toggle mono"
              aria-pressed={ids.includes(v.id)}
              data-testid="compare-version"
              onClick={() => toggle(v.id)}
              disabled={!ids.includes(v.id) && ids.length >= MAX}
            >
              {v.label}
            </button>
          ))}
        </fieldset>
        <label className="check switch">
          <input type="checkbox" checked={onlyDiff} onChange={(e) => setOnlyDiff(e.target.checked)} data-testid="only-differences" />
          Only differences
        </label>
      </div>
      {ordered.length < 2 ? (
        <div className="chart-placeholder">Pick at least two versions to compare.</div>
      ) : query.error ? (
        <div className="banner error" role="alert">
          Could not compare these versions: {query.error.message}
        </div>
      ) : !query.data ? (
        <div className="chart-placeholder" aria-busy="true">
          <span className="spinner" aria-hidden="true" /> Comparing…
        </div>
      ) : (
        <ComparisonTables comparison={query.data} onlyDiff={onlyDiff} />
      )}
    </div>
  );
}

export function ComparisonTables({ comparison, onlyDiff }: { comparison: VersionComparison; onlyDiff: boolean }) {
  const cleaned = useMemo(() => ({ ...comparison, metadata: comparison.metadata.filter((r) => !isNoiseKey(r.key)) }), [comparison]);
  const shown = useMemo(() => visibleComparison(cleaned, onlyDiff), [cleaned, onlyDiff]);
  const diffs = differenceCount(cleaned);
  const cols = comparison.versions;
  const head = (
    <thead>
      <tr>
        <th scope="col" className="compare-key-col">
          &nbsp;
        </th>
        {cols.map((v) => (
          <th scope="col" key={v.id}>
            {/^\d+$/.test(v.label) ? `Version ${v.label}` : v.label}
          </th>
        ))}
      </tr>
    </thead>
  );
  const section = (title: string, total: number, body: React.ReactNode, count: number, what: string) => (
    <section className="compare-section" aria-label={title}>
      <h3>
        {title} <span className="muted">({onlyDiff ? `${count} of ${total} differ` : total})</span>
      </h3>
      {count === 0 ? (
        <p className="muted compare-none">{total === 0 ? `No ${what} recorded for these versions.` : `All ${what} are the same.`}</p>
      ) : (
        <table className="table compact compare-table">
          {head}
          <tbody>{body}</tbody>
        </table>
      )}
    </section>
  );

  return (
    <div className="panel compare-panel" data-testid="compare-result" data-differences={diffs}>
      <p className="compare-summary">
        {diffs === 0 ? 'These versions look the same.' : `${diffs.toLocaleString('en-US')} ${diffs === 1 ? 'difference' : 'differences'} found.`}
      </p>
      {section(
        'Training settings',
        cleaned.params.length,
        shown.params.map((r) => (
          <tr key={r.key} className={r.same ? undefined : 'diff'} data-testid="compare-row">
            <th scope="row" className="mono">
              {r.key}
            </th>
            {r.values.map((v, i) => (
              // biome-ignore lint/suspicious/noArrayIndexKey: one cell per version column
              <td key={i} className="mono wrap">
                {v ?? '—'}
              </td>
            ))}
          </tr>
        )),
        shown.params.length,
        'settings',
      )}
      {section(
        'Final metrics',
        cleaned.metrics.length,
        shown.metrics.map((r) => {
          const first = r.values[0];
          return (
            <tr key={r.key} className={r.same ? undefined : 'diff'} data-testid="compare-row">
              <th scope="row" className="mono">
                {r.key}
              </th>
              {r.values.map((v, i) => (
                // biome-ignore lint/suspicious/noArrayIndexKey: one cell per version column
                <td key={i} className="mono">
                  {formatMetric(v)}
                  {i > 0 && v !== null && first !== null && first !== undefined && v !== first && (
                    <span className={`delta ${v > first === lowerIsBetter(r.key) ? 'worse' : 'better'}`} title={`compared with ${cols[0]?.label}`}>
                      {v > first ? '+' : '−'}
                      {formatMetric(Math.abs(v - first))}
                    </span>
                  )}
                </td>
              ))}
            </tr>
          );
        }),
        shown.metrics.length,
        'metrics',
      )}
      {section(
        'Details read from the files',
        cleaned.metadata.length,
        shown.metadata.map((r) => (
          <tr key={r.key} className={r.same ? undefined : 'diff'} data-testid="compare-row">
            <th scope="row" className="mono">
              {r.key}
            </th>
            {r.values.map((v, i) => (
              // biome-ignore lint/suspicious/noArrayIndexKey: one cell per version column
              <td key={i} className="wrap">
                {v ?? '—'}
              </td>
            ))}
          </tr>
        )),
        shown.metadata.length,
        'details',
      )}
      {section(
        'Files',
        cleaned.files.length,
        shown.files.map((f) => (
          <tr key={f.path} className={f.status === 'same' ? undefined : 'diff'} data-testid="compare-row">
            <th scope="row" className="mono">
              {f.path}{' '}
              {f.status !== 'same' && <span className={`chip file-${f.status}`}>{FILE_STATUS[f.status]}</span>}
            </th>
            {f.sizes.map((size, i) => (
              // biome-ignore lint/suspicious/noArrayIndexKey: one cell per version column
              <td key={i} className="mono">
                {size === null ? <span className="muted">not there</span> : formatBytes(size)}
              </td>
            ))}
          </tr>
        )),
        shown.files.length,
        'files',
      )}
    </div>
  );
}
