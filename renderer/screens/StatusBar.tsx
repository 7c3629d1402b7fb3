// Bottom line of the window: what the engine is doing (indexing, reconnecting) and library totals.
import { useMemo } from 'react';
import { useShallow } from 'zustand/react/shallow';
import type { ScanProgress, Source } from '../../shared/contract';
import { formatCount } from '../../shared/format';
import { plural } from '../lib/format';
import { useApp } from '../state/hooks';
import type { ScanOutcome } from '../state/scan-slice';

interface ActiveScan {
  sourceId: number;
  label: string;
  progress: ScanProgress | null;
}

export function activeScans(sources: Source[], scans: Record<number, ScanProgress | null>): ActiveScan[] {
  const byId = new Map(sources.map((s) => [s.id, s]));
  const ids = new Set<number>(Object.keys(scans).map(Number));
  for (const source of sources) if (source.status === 'scanning') ids.add(source.id);
  return [...ids].map((id) => ({
    sourceId: id,
    label: byId.get(id)?.url ?? `source ${id}`,
    progress: scans[id] ?? null,
  }));
}

/** The most recent scan that failed (cancelled scans are not failures), if any. */
function lastFailure(sources: Source[], outcomes: Record<number, ScanOutcome>): { name: string; message: string } | null {
  let worst: { name: string; message: string; at: number } | null = null;
  for (const source of sources) {
    const outcome = outcomes[source.id];
    if (outcome && !outcome.ok && (!worst || outcome.at > worst.at)) {
      worst = { name: source.name, message: outcome.message, at: outcome.at };
    }
  }
  return worst;
}

const PHASE: Record<ScanProgress['phase'], string> = {
  listing: '',
  reading: ' · reading file headers',
  grouping: ' · sorting out models',
};

export function describeScan(scan: ActiveScan): string {
  const p = scan.progress;
  if (!p) return `Indexing ${scan.label} — starting…`;
  const rate = p.rate > 0 ? `, ${formatCount(Math.round(p.rate))} files/s` : '';
  return `Indexing ${scan.label} — ${plural(p.files, 'file')}, ${plural(p.folders, 'folder')}${rate}${PHASE[p.phase] ?? ''}`;
}

export function StatusBar() {
  const { sources, scans, outcomes, connection, cancelScan, navigate } = useApp(
    useShallow((s) => ({
      sources: s.sources,
      scans: s.scans,
      outcomes: s.scanOutcomes,
      connection: s.connection,
      cancelScan: s.cancelScan,
      navigate: s.navigate,
    })),
  );
  const running = useMemo(() => activeScans(sources, scans), [sources, scans]);
  const totals = useMemo(
    () =>
      sources.reduce(
        (t, s) => ({ models: t.models + s.counts.models, datasets: t.datasets + s.counts.datasets }),
        { models: 0, datasets: 0 },
      ),
    [sources],
  );
  const first = running[0];
  const failed = useMemo(() => lastFailure(sources, outcomes), [sources, outcomes]);

  return (
    <footer className="statusbar">
      {connection === 'reconnecting' && (
        <span className="status-conn" role="status">
          <span className="dot warn" aria-hidden="true" />
          Connection lost — reconnecting…
        </span>
      )}
      {/* Screen readers hear when indexing starts and stops, not every progress tick. */}
      <span className="sr-only" role="status">
        {first ? `Indexing ${first.label}` : failed ? `Indexing ${failed.name} did not finish` : ''}
      </span>
      <div className="status-scan" data-testid="scan-status" data-scanning={first ? 'true' : 'false'}>
        {first ? (
          <>
            <span className="spinner" aria-hidden="true" />
            <span className="status-text" title={first.progress?.currentPath || undefined}>
              {describeScan(first)}
            </span>
            {running.length > 1 && <span className="muted">and {running.length - 1} more</span>}
            <button type="button" className="button small" onClick={() => void cancelScan(first.sourceId)}>
              Cancel
            </button>
          </>
        ) : failed ? (
          <>
            <span className="dot danger" aria-hidden="true" />
            <span className="status-text status-error" title={failed.message}>
              Indexing {failed.name} did not finish: {failed.message}
            </span>
            <button type="button" className="button small" onClick={() => navigate({ view: 'sources' })}>
              Show sources
            </button>
          </>
        ) : (
          <span className="status-text muted">
            {connection !== 'open' ? '' : sources.length > 0 ? 'Up to date' : 'No sources yet'}
          </span>
        )}
      </div>
      <div className="status-totals muted">
        {sources.length > 0 &&
          `${plural(sources.length, 'source')} · ${plural(totals.models, 'model')} · ${plural(totals.datasets, 'dataset')}`}
      </div>
    </footer>
  );
}
