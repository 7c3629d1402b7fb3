// Models or datasets as a sortable, filterable table that stays smooth with 100,000 rows: only the
// rows in view (plus a few) are in the page (@tanstack/react-virtual). Each row opens the item
// (click, Enter); ↑/↓, Page Up/Down, Home/End move between rows.
import { useVirtualizer } from '@tanstack/react-virtual';
import { type KeyboardEvent, useEffect, useMemo, useRef, useState } from 'react';
import { useShallow } from 'zustand/react/shallow';
import type { ItemKind, LibraryItem } from '../../shared/contract';
import { formatBytes } from '../../shared/format';
import { SkeletonTableBody } from '../components/Skeleton';
import { formatDate, formatWhen, plural } from '../lib/format';
import { useApp } from '../state/hooks';
import type { ListFilters, Sort, SortKey } from '../state/library-slice';

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

const collator = new Intl.Collator('en', { numeric: true, sensitivity: 'base' });

export function sortItems(items: LibraryItem[], sort: Sort): LibraryItem[] {
  const sign = sort.dir === 'asc' ? 1 : -1;
  return items.slice().sort((a, b) => {
    const x = a[sort.key];
    const y = b[sort.key];
    // Missing values go last whichever way we sort.
    if (x === null || x === undefined) return y === null || y === undefined ? 0 : 1;
    if (y === null || y === undefined) return -1;
    const order = typeof x === 'number' && typeof y === 'number' ? x - y : collator.compare(String(x), String(y));
    return order * sign || collator.compare(a.name, b.name);
  });
}

export function filterItems(items: LibraryItem[], filters: ListFilters): LibraryItem[] {
  if (filters.format === null && filters.sourceId === null) return items;
  return items.filter(
    (item) =>
      (filters.format === null || item.format === filters.format) &&
      (filters.sourceId === null || item.sourceId === filters.sourceId),
  );
}

/** The formats and sources present in the list, most common first, for the filter menus. */
export function filterOptions(items: LibraryItem[]): {
  formats: Array<{ value: string; count: number }>;
  sources: Array<{ id: number; name: string; count: number }>;
} {
  const formats = new Map<string, number>();
  const sources = new Map<number, { name: string; count: number }>();
  for (const item of items) {
    formats.set(item.format, (formats.get(item.format) ?? 0) + 1);
    const s = sources.get(item.sourceId);
    if (s) s.count++;
    else sources.set(item.sourceId, { name: item.sourceName, count: 1 });
  }
  return {
    formats: [...formats].map(([value, count]) => ({ value, count })).sort((a, b) => b.count - a.count || collator.compare(a.value, b.value)),
    sources: [...sources].map(([id, s]) => ({ id, ...s })).sort((a, b) => collator.compare(a.name, b.name)),
  };
}

export function LibraryView({ kind }: { kind: ItemKind }) {
  const { list, sort, setSort, filters, setFilters, query, setQuery, navigate, indexing } = useApp(
    useShallow((s) => ({
      list: s.lists[kind],
      sort: s.sort,
      setSort: s.setSort,
      filters: s.filters,
      setFilters: s.setFilters,
      query: s.query,
      setQuery: s.setQuery,
      navigate: s.navigate,
      indexing: Object.keys(s.scans).length > 0 || s.sources.some((src) => src.status === 'scanning'),
    })),
  );
  const options = useMemo(() => (list.items ? filterOptions(list.items) : null), [list.items]);
  // A filter for a format or source no longer in the list would hide everything: ignore it.
  const effective = useMemo<ListFilters>(
    () => ({
      format: filters.format !== null && options?.formats.some((f) => f.value === filters.format) ? filters.format : null,
      sourceId: filters.sourceId !== null && options?.sources.some((s) => s.id === filters.sourceId) ? filters.sourceId : null,
    }),
    [filters, options],
  );
  const sorted = useMemo(() => (list.items ? sortItems(filterItems(list.items, effective), sort) : null), [list.items, effective, sort]);
  const noun = kind === 'model' ? 'models' : 'datasets';
  const filtered = effective.format !== null || effective.sourceId !== null;

  const summary =
    sorted === null
      ? 'Loading…'
      : [
          list.query ? `${plural(sorted.length, kind)} matching “${list.query}”` : plural(sorted.length, kind),
          filtered && list.items ? `of ${list.items.length.toLocaleString('en-US')}` : null,
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
            {list.loading && sorted !== null && <span className="spinner inline" aria-hidden="true" />}
          </p>
        </div>
        {options && (options.formats.length > 1 || options.sources.length > 1 || filtered) && (
          <fieldset className="filters">
            <legend className="sr-only">Filter {noun}</legend>
            {(options.formats.length > 1 || effective.format !== null) && (
              <label className="filter">
                <span className="sr-only">Format</span>
                <select
                  className="select"
                  data-testid="filter-format"
                  value={effective.format ?? ''}
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
            {(options.sources.length > 1 || effective.sourceId !== null) && (
              <label className="filter">
                <span className="sr-only">Source</span>
                <select
                  className="select"
                  data-testid="filter-source"
                  value={effective.sourceId ?? ''}
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
        items={sorted}
        sort={sort}
        onSort={setSort}
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
      {query !== list.query && sorted !== null && <span className="sr-only">Searching…</span>}
    </div>
  );
}

interface LibraryTableProps {
  items: LibraryItem[] | null;
  sort: Sort;
  onSort(key: SortKey): void;
  onOpen(item: LibraryItem): void;
  empty: React.ReactNode;
}

function LibraryTable({ items, sort, onSort, onOpen, empty }: LibraryTableProps) {
  const scroller = useRef<HTMLDivElement>(null);
  const body = useRef<HTMLTableSectionElement>(null);
  const [active, setActive] = useState(0);
  const count = items?.length ?? 0;
  const virtualizer = useVirtualizer({
    count,
    getScrollElement: () => scroller.current,
    estimateSize: () => ROW_HEIGHT,
    overscan: OVERSCAN,
    getItemKey: (index) => items?.[index]?.id ?? index,
  });
  const rows = virtualizer.getVirtualItems();
  const total = virtualizer.getTotalSize();
  const padTop = rows[0]?.start ?? 0;
  const padBottom = rows.length > 0 ? total - (rows[rows.length - 1]?.end ?? 0) : 0;
  const focusAfterRender = useRef(false);
  const current = Math.min(active, Math.max(0, count - 1));

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

  function onKey(event: KeyboardEvent<HTMLTableSectionElement>) {
    const page = Math.max(1, Math.floor((scroller.current?.clientHeight ?? 520) / ROW_HEIGHT) - 1);
    const keys: Record<string, () => void> = {
      ArrowDown: () => move(current + 1),
      ArrowUp: () => move(current - 1),
      PageDown: () => move(current + page),
      PageUp: () => move(current - page),
      Home: () => move(0),
      End: () => move(count - 1),
      Enter: () => items?.[current] && onOpen(items[current]),
      ' ': () => items?.[current] && onOpen(items[current]),
    };
    const action = keys[event.key];
    if (!action) return;
    event.preventDefault();
    action();
  }

  return (
    <div className="table-wrap table-scroll" ref={scroller} data-testid="library-scroll">
      <table className="table library-table" aria-rowcount={items ? count + 1 : undefined}>
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
        {items === null && <SkeletonTableBody rows={8} columns={COLUMNS.length} />}
        {items !== null && items.length > 0 && (
          <tbody ref={body} onKeyDown={onKey}>
            {padTop > 0 && (
              <tr className="spacer" style={{ height: padTop }}>
                <td colSpan={COLUMNS.length} />
              </tr>
            )}
            {rows.map((row) => {
              const item = items[row.index] as LibraryItem;
              return (
                <tr
                  key={row.key}
                  data-index={row.index}
                  data-testid="library-row"
                  aria-rowindex={row.index + 2}
                  tabIndex={row.index === current ? 0 : -1}
                  onClick={() => {
                    setActive(row.index);
                    onOpen(item);
                  }}
                  onFocus={() => row.index !== current && setActive(row.index)}
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
            })}
            {padBottom > 0 && (
              <tr className="spacer" style={{ height: padBottom }}>
                <td colSpan={COLUMNS.length} />
              </tr>
            )}
          </tbody>
        )}
      </table>
      {items !== null && items.length === 0 && empty}
    </div>
  );
}
