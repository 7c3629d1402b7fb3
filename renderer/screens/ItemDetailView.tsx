// One model or dataset: where it lives, then tabs — Overview (versions, the chosen version's facts,
// safety, card and files), Lineage, Metrics (models) and Compare (two or more versions).
import { type KeyboardEvent, lazy, Suspense, useEffect, useRef } from 'react';
import { useShallow } from 'zustand/react/shallow';
import type { ItemDetail, ItemKind } from '../../shared/contract';
import { formatBytes } from '../../shared/format';
import { SkeletonRows } from '../components/Skeleton';
import { formatDate, formatWhen, layoutLabel } from '../lib/format';
import { useApp } from '../state/hooks';
import type { ItemTab } from '../state/types';
import { CompareTab } from './item/CompareTab';
import { useMetricsTab } from './item/metrics-tab-loader';
import { OverviewTab } from './item/OverviewTab';

// The graph (React Flow, dagre) and the charts (uPlot) load when first opened, not with the app
// (the charts as soon as a model's page opens: see metrics-tab-loader.ts).
const LineageTab = lazy(() => import('./item/LineageTab').then((m) => ({ default: m.LineageTab })));

const TAB_LABEL: Record<ItemTab, string> = {
  overview: 'Overview',
  lineage: 'Lineage',
  metrics: 'Metrics',
  compare: 'Compare versions',
};

export function tabsFor(kind: ItemKind): ItemTab[] {
  return kind === 'model' ? ['overview', 'lineage', 'metrics', 'compare'] : ['overview', 'lineage', 'compare'];
}

export function ItemDetailView({ id, kind, tab }: { id: number; kind: ItemKind; tab: ItemTab }) {
  const { detail, navigate, retry } = useApp(
    useShallow((s) => ({ detail: s.detail, navigate: s.navigate, retry: s.fetchDetail })),
  );
  const item = detail.id === id ? detail.item : null;
  const back = kind === 'model' ? 'Models' : 'Datasets';
  // Starts loading the chart code now, while the model itself is being fetched.
  const MetricsTab = useMetricsTab(kind === 'model');

  // Escape goes back to the list (unless the user is typing somewhere or a dialog is open).
  useEffect(() => {
    function onKey(event: globalThis.KeyboardEvent) {
      const target = event.target as HTMLElement | null;
      if (event.key !== 'Escape' || event.defaultPrevented) return;
      if (target?.tagName === 'INPUT' || target?.tagName === 'TEXTAREA' || target?.tagName === 'SELECT') return;
      if (target?.closest('[role="dialog"]')) return;
      navigate({ view: 'library', kind });
    }
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [navigate, kind]);

  return (
    <div className="view detail">
      <button type="button" className="button ghost back" onClick={() => navigate({ view: 'library', kind })}>
        ← {back}
      </button>
      <span className="sr-only">Press Escape to go back.</span>
      {item ? (
        <DetailBody item={item} tab={tabsFor(item.kind).includes(tab) ? tab : 'overview'} MetricsTab={MetricsTab} />
      ) : detail.error ? (
        <section className="panel problem" role="alert">
          <h1>Could not open this {kind}</h1>
          <p>{detail.error.message}</p>
          <div className="actions">
            <button type="button" className="button primary" onClick={() => void retry(id)}>
              Try again
            </button>
          </div>
        </section>
      ) : (
        <div aria-busy="true">
          <div className="skeleton skeleton-title" />
          <SkeletonRows rows={6} columns={3} />
        </div>
      )}
    </div>
  );
}

function DetailBody({ item, tab, MetricsTab }: { item: ItemDetail; tab: ItemTab; MetricsTab: ReturnType<typeof useMetricsTab> }) {
  const navigate = useApp((s) => s.navigate);
  const tabs = tabsFor(item.kind);
  const tabList = useRef<HTMLDivElement>(null);
  const go = (next: ItemTab) =>
    navigate(next === 'overview' ? { view: 'item', kind: item.kind, id: item.id } : { view: 'item', kind: item.kind, id: item.id, tab: next });

  function onTabKey(event: KeyboardEvent<HTMLDivElement>) {
    const at = tabs.indexOf(tab);
    const step = event.key === 'ArrowRight' ? 1 : event.key === 'ArrowLeft' ? -1 : 0;
    if (!step) return;
    event.preventDefault();
    const next = tabs[(at + step + tabs.length) % tabs.length] as ItemTab;
    go(next);
    requestAnimationFrame(() => tabList.current?.querySelector<HTMLElement>(`[data-tab="${next}"]`)?.focus());
  }

  return (
    <>
      <header className="detail-header">
        <div className="detail-title">
          <h1>{item.name}</h1>
          <span className="chip kind">{item.kind}</span>
        </div>
        <dl className="facts">
          <div>
            <dt>Lives on</dt>
            <dd>
              {item.sourceName} <span className="mono muted">/{item.path}</span>
            </dd>
          </div>
          <div>
            <dt>Recognised as</dt>
            <dd>{layoutLabel(item.layout)}</dd>
          </div>
          <div>
            <dt>Total size</dt>
            <dd>{formatBytes(item.sizeBytes)}</dd>
          </div>
          <div>
            <dt>Updated</dt>
            <dd title={formatDate(item.updatedAt)}>{formatWhen(item.updatedAt)}</dd>
          </div>
        </dl>
      </header>

      <div className="tabs" role="tablist" aria-label={`${item.name} pages`} ref={tabList} onKeyDown={onTabKey}>
        {tabs.map((t) => (
          <button
            key={t}
            type="button"
            role="tab"
            className="tab"
            id={`tab-${t}`}
            data-tab={t}
            data-testid={`tab-${t}`}
            aria-selected={t === tab}
            aria-controls="tab-panel"
            tabIndex={t === tab ? 0 : -1}
            onClick={() => go(t)}
          >
            {TAB_LABEL[t]}
          </button>
        ))}
      </div>
      <div className="tab-panel" role="tabpanel" id="tab-panel" aria-labelledby={`tab-${tab}`}>
        {tab === 'overview' && <OverviewTab item={item} />}
        <Suspense
          fallback={
            <div className="chart-placeholder tab-loading" aria-busy="true">
              <span className="spinner" aria-hidden="true" /> Loading…
            </div>
          }
        >
          {tab === 'lineage' && <LineageTab item={item} />}
        </Suspense>
        {tab === 'metrics' &&
          (MetricsTab ? (
            <MetricsTab item={item} />
          ) : (
            <div className="chart-placeholder tab-loading" aria-busy="true">
              <span className="spinner" aria-hidden="true" /> Loading…
            </div>
          ))}
        {tab === 'compare' && <CompareTab item={item} />}
      </div>
    </>
  );
}
