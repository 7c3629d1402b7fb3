// Models or datasets as a sortable, filterable table that stays smooth with 100,000 rows: the
// engine sorts, filters and pages (library.page); only the rows in view (plus a few) are in the page
// (@tanstack/react-virtual), and only the pages that hold them are fetched. A row not loaded yet is
// a placeholder of the same height, so nothing moves when it arrives. Each row opens the item
// (click, Enter); ↑/↓, Page Up/Down, Home/End move between rows.
import { useVirtualizer } from '@tanstack/react-virtual';
import { type KeyboardEvent, memo, useCallback, useEffect, useRef, useState } from 'react';
import { useShallow } from 'zustand/react/shallow';
import type { ItemKind, LibraryItem } from '../../shared/contract';
import { formatBytes } from '../../shared/format';
import { SkeletonTableBody } from '../components/Skeleton';
import { formatDate, formatWhen, plural } from '../lib/format';
import { useApp } from '../state/hooks';
import { type ListFilters, type ListState, rowAt, type Sort, type SortKey } from '../state/library-slice';
import { loadMetricsTab } from './item/metrics-tab-loader';

export const ROW_HEIGHT = 52;
const OVERSCAN = 8;

const COLUMNS: Array<{ key: SortKey; label: string; className: string }> = [
  { key: 'name', label: 'Name', className: 'col-name' },
  { key: 'latestVersion', label: 'Latest version', className: 'col-version' },
  { key: 'versionCount', label: 'Versions', className: 'col-num' },
  { key: 'format', label: 'Format', className: 'col-format' },
  { key: 'sizeBytes', label: 'Size', className: 'col-num' },
  { key: 'updatedAt', label: 'Updated', className: 'col-date' },
  { key: 'sourceName', label: 'Source', className: 'col-source' },
];

export function LibraryView({ kind }: { kind: ItemKind }) {
  const { list, sort, setSort, filters, setFilters, query, setQuery, navigate, loadRows, indexing } = useApp(
    useShallow((s) => ({
      list: s.lists[kind],
      sort: s.sort,
      setSort: s.setSort,
      filters: s.filters,
      setFilters: s.setFilters,
      query: s.query,
      setQuery: s.setQuery,
      navigate: s.navigate,
      loadRows: s.loadRows,
      indexing: Object.keys(s.scans).length > 0 || s.sources.some((src) => src.status === 'scanning'),
    })),
  );
  const options = list.facets;
  // A model's page opens on the Metrics tab from links and reloads: load the chart code while the
  // list sits idle, so opening one waits only for its data.
  const hasRows = (list.total ?? 0) > 0;
  useEffect(() => {
    if (kind !== 'model' || !hasRows) return;
    const idle = window.requestIdleCallback ?? ((fn: () => void) => window.setTimeout(fn, 200));
    const cancel = window.cancelIdleCallback ?? window.clearTimeout;
    const handle = idle(() => void loadMetricsTab().catch(() => {}), { timeout: 3000 });
    return () => cancel(handle);
  }, [kind, hasRows]);
  // A filter for a format or source the query does not match would hide everything: drop it.
  useEffect(() => {
    if (!options) return;
    const patch: Partial<ListFilters> = {};
    if (filters.format !== null && !options.formats.some((f) => f.value === filters.format)) patch.format = null;
    if (filters.sourceId !== null && !options.sources.some((s) => s.id === filters.sourceId)) patch.sourceId = null;
    if (Object.keys(patch).length > 0) setFilters(patch);
  }, [options, filters, setFilters]);
  const noun = kind === 'model' ? 'models' : 'datasets';
  const filtered = filters.format !== null || filters.sourceId !== null;
  const total = list.total;

  const summary =
    total === null
      ? 'Loading…'
      : [
          list.query ? `${plural(total, kind)} matching “${list.query}”` : plural(total, kind),
          filtered && options ? `of ${options.total.toLocaleString('en-US')}` : null,
        ]
          .filter(Boolean)
          .join(' ');

  return (
    <div className="view view-fill">
      <div className="view-header">
        <div>
          <h1>{kind === 'model' ? 'Models' : 'Datasets'}</h1>
          <p className="muted" aria-live="polite" data-testid="library-summary">
            {summary}
            {list.loading && total !== null && <span className="spinner inline" aria-hidden="true" />}
          </p>
        </div>
        {options && (options.formats.length > 1 || options.sources.length > 1 || filtered) && (
          <fieldset className="filters">
            <legend className="sr-only">Filter {noun}</legend>
            {(options.formats.length > 1 || filters.format !== null) && (
              <label className="filter">
                <span className="sr-only">Format</span>
                <select
                  className="select"
                  data-testid="filter-format"
                  value={filters.format ?? ''}
                  onChange={(e) => setFilters({ format: e.target.value || null })}
                >
                  <option value="">All formats</option>
                  {options.formats.map((f) => (
                    <option key={f.value} value={f.value}>
                      {f.value || 'unknown'} ({f.count.toLocaleString('en-US')})
                    </option>
                  ))}
                </select>
              </label>
            )}
            {(options.sources.length > 1 || filters.sourceId !== null) && (
              <label className="filter">
                <span className="sr-only">Source</span>
                <select
                  className="select"
                  data-testid="filter-source"
                  value={filters.sourceId ?? ''}
                  onChange={(e) => setFilters({ sourceId: e.target.value ? Number(e.target.value) : null })}
                >
                  <option value="">All sources</option>
                  {options.sources.map((s) => (
                    <option key={s.id} value={s.id}>
                      {s.name} ({s.count.toLocaleString('en-US')})
                    </option>
                  ))}
                </select>
              </label>
            )}
          </fieldset>
        )}
      </div>

      {list.error && (
        <div className="banner error" role="alert">
          <span>Could not load the {noun}: {list.error.message}</span>
        </div>
      )}

      <LibraryTable
        list={list}
        sort={sort}
        onSort={setSort}
        onRange={(first, last) => loadRows(kind, first, last)}
        onOpen={(item) => navigate({ view: 'item', kind: item.kind, id: item.id })}
        empty={
          <div className="table-empty">
            {filtered ? (
              <>
                <p>No {noun} match these filters.</p>
                <button type="button" className="button" onClick={() => setFilters({ format: null, sourceId: null })}>
                  Show all {noun}
                </button>
              </>
            ) : list.query ? (
              <>
                <p>Nothing matches “{list.query}”.</p>
                <button type="button" className="button" onClick={() => setQuery('')}>
                  Clear the search
                </button>
              </>
            ) : indexing ? (
              <p>Indexing… {noun} appear here as they are found.</p>
            ) : (
              <>
                <p>
                  No {noun} found yet. Modelshelf recognises folders written by MLflow, Hugging Face, Lightning,
                  Ultralytics, Keras and plain “v1, v2, final” folders.
                </p>
                <button type="button" className="button" onClick={() => navigate({ view: 'sources' })}>
                  Add or re-index a source
                </button>
              </>
            )}
          </div>
        }
      />
      {query.trim() !== list.query && total !== null && <span className="sr-only">Searching…</span>}
    </div>
  );
}

interface LibraryTableProps {
  list: ListState;
  sort: Sort;
  onSort(key: SortKey): void;
  /** The rows on screen changed (indexes of the first and last, overscan included). */
  onRange(first: number, last: number): void;
  onOpen(item: LibraryItem): void;
  empty: React.ReactNode;
}

function LibraryTable({ list, sort, onSort, onRange, onOpen, empty }: LibraryTableProps) {
  const scroller = useRef<HTMLDivElement>(null);
  const body = useRef<HTMLTableSectionElement>(null);
  const [active, setActive] = useState(0);
  const count = list.total ?? 0;
  const virtualizer = useVirtualizer({
    count,
    getScrollElement: () => scroller.current,
    estimateSize: () => ROW_HEIGHT,
    overscan: OVERSCAN,
    // Rows are keyed by index (the default): a key function that changes with the list would make
    // the virtualizer remeasure all rows on every render.
  });
  const rows = virtualizer.getVirtualItems();
  const total = virtualizer.getTotalSize();
  const padTop = rows[0]?.start ?? 0;
  const padBottom = rows.length > 0 ? total - (rows[rows.length - 1]?.end ?? 0) : 0;
  const focusAfterRender = useRef(false);
  const current = Math.min(active, Math.max(0, count - 1));
  const first = rows[0]?.index ?? 0;
  const last = rows[rows.length - 1]?.index ?? 0;

  // Another query, sort or filter: back to the top (the rows below belong to another list).
  const view = list.view;
  const shownView = useRef(view);
  useEffect(() => {
    if (shownView.current === view) return;
    shownView.current = view;
    scroller.current?.scrollTo?.({ top: 0 });
    setActive(0);
  }, [view]);

  // Asks for the rows on screen whenever they or the list change (onRange is a new function each
  // render and needs no effect of its own).
  // biome-ignore lint/correctness/useExhaustiveDependencies: view and total are what make a new list
  useEffect(() => {
    if (list.total !== null) onRange(first, last);
  }, [first, last, list.view, list.total]);

  useEffect(() => {
    if (!focusAfterRender.current) return;
    focusAfterRender.current = false;
    body.current?.querySelector<HTMLElement>(`[data-index="${current}"]`)?.focus({ preventScroll: true });
  });

  function move(to: number) {
    const next = Math.max(0, Math.min(count - 1, to));
    setActive(next);
    focusAfterRender.current = true;
    virtualizer.scrollToIndex(next, { align: 'auto' });
  }

  function open(index: number) {
    const item = rowAt(list, index);
    if (item) onOpen(item);
  }

  // One function for every row (rows are memoised; their props only change when their data does).
  const latest = useRef({ onOpen, current });
  latest.current = { onOpen, current };
  const activate = useCallback((index: number, item: LibraryItem | null) => {
    if (item) {
      setActive(index);
      latest.current.onOpen(item);
    } else if (index !== latest.current.current) setActive(index);
  }, []);

  function onKey(event: KeyboardEvent<HTMLTableSectionElement>) {
    const page = Math.max(1, Math.floor((scroller.current?.clientHeight ?? 520) / ROW_HEIGHT) - 1);
    const keys: Record<string, () => void> = {
      ArrowDown: () => move(current + 1),
      ArrowUp: () => move(current - 1),
      PageDown: () => move(current + page),
      PageUp: () => move(current - page),
      Home: () => move(0),
      End: () => move(count - 1),
      Enter: () => open(current),
      ' ': () => open(current),
    };
    const action = keys[event.key];
    if (!action) return;
    event.preventDefault();
    action();
  }

  return (
    <div className="table-wrap table-scroll" ref={scroller} data-testid="library-scroll">
      <table className="table library-table" aria-rowcount={list.total !== null ? count + 1 : undefined}>
        <thead>
          <tr>
            {COLUMNS.map((col) => {
              const on = sort.key === col.key;
              return (
                <th
                  key={col.key}
                  className={col.className}
                  scope="col"
                  aria-sort={on ? (sort.dir === 'asc' ? 'ascending' : 'descending') : undefined}
                >
                  <button type="button" className="th-button" onClick={() => onSort(col.key)}>
                    {col.label}
                    <span className={`sort-arrow${on ? ' on' : ''}`} aria-hidden="true">
                      {on && sort.dir === 'desc' ? '↓' : '↑'}
                    </span>
                  </button>
                </th>
              );
            })}
          </tr>
        </thead>
        {list.total === null && <SkeletonTableBody rows={8} columns={COLUMNS.length} />}
        {count > 0 && (
          <tbody ref={body} onKeyDown={onKey}>
            {padTop > 0 && (
              <tr className="spacer" style={{ height: padTop }}>
                <td colSpan={COLUMNS.length} />
              </tr>
            )}
            {rows.map((row) => {
              const item = rowAt(list, row.index);
              return item ? (
                <LibraryRow key={row.key} index={row.index} item={item} focusable={row.index === current} onActivate={activate} />
              ) : (
                <PendingRow key={row.key} index={row.index} focusable={row.index === current} />
              );
            })}
            {padBottom > 0 && (
              <tr className="spacer" style={{ height: padBottom }}>
                <td colSpan={COLUMNS.length} />
              </tr>
            )}
          </tbody>
        )}
      </table>
      {list.total === 0 && empty}
    </div>
  );
}

/** A loaded row. `onActivate(index, item)` opens it; `onActivate(index, null)` makes it the active row. */
const LibraryRow = memo(function LibraryRow({
  index,
  item,
  focusable,
  onActivate,
}: {
  index: number;
  item: LibraryItem;
  focusable: boolean;
  onActivate(index: number, item: LibraryItem | null): void;
}) {
  return (
    <tr
      data-index={index}
      data-testid="library-row"
      aria-rowindex={index + 2}
      tabIndex={focusable ? 0 : -1}
      onClick={() => onActivate(index, item)}
      onFocus={() => onActivate(index, null)}
    >
      <td className="col-name">
        <div className="cell-name">
          <span className="name">{item.name}</span>
          {item.aliases.map((alias) => (
            <span className="chip alias" key={alias}>
              {alias}
            </span>
          ))}
        </div>
        <div className="cell-sub mono" title={item.path}>
          {item.path}
        </div>
      </td>
      <td className="col-version mono">{item.latestVersion ?? '—'}</td>
      <td className="col-num">{item.versionCount.toLocaleString('en-US')}</td>
      <td className="col-format">{item.format || '—'}</td>
      <td className="col-num">{formatBytes(item.sizeBytes)}</td>
      <td className="col-date" title={formatDate(item.updatedAt)}>
        {formatWhen(item.updatedAt)}
      </td>
      <td className="col-source">{item.sourceName}</td>
    </tr>
  );
});

/** A row whose page has not arrived: the same height and columns, still grey. */
const PendingRow = memo(function PendingRow({ index, focusable }: { index: number; focusable: boolean }) {
  return (
    <tr data-index={index} data-testid="library-row-pending" className="row-pending" aria-rowindex={index + 2} aria-busy="true" tabIndex={focusable ? 0 : -1}>
      {COLUMNS.map((col) => (
        <td key={col.key} className={col.className}>
          <div className={`skeleton skeleton-cell w${(index + col.key.length) % 4}`} />
        </td>
      ))}
    </tr>
  );
});
