// Models or datasets as a sortable table. Each row opens the item (click, Enter; ↑/↓ move between rows).
import { type KeyboardEvent, useMemo, useState } from 'react';
import { useShallow } from 'zustand/react/shallow';
import type { ItemKind, LibraryItem } from '../../shared/contract';
import { formatBytes } from '../../shared/format';
import { SkeletonTableBody } from '../components/Skeleton';
import { formatDate, formatWhen, plural } from '../lib/format';
import { useApp } from '../state/hooks';
import type { Sort, SortKey } from '../state/library-slice';

const PAGE = 300;

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

export function LibraryView({ kind }: { kind: ItemKind }) {
  const { list, sort, setSort, query, setQuery, navigate, indexing } = useApp(
    useShallow((s) => ({
      list: s.lists[kind],
      sort: s.sort,
      setSort: s.setSort,
      query: s.query,
      setQuery: s.setQuery,
      navigate: s.navigate,
      indexing: Object.keys(s.scans).length > 0 || s.sources.some((src) => src.status === 'scanning'),
    })),
  );
  const [limit, setLimit] = useState(PAGE);
  const sorted = useMemo(() => (list.items ? sortItems(list.items, sort) : null), [list.items, sort]);
  const noun = kind === 'model' ? 'models' : 'datasets';
  const open = (item: LibraryItem) => navigate({ view: 'item', kind: item.kind, id: item.id });

  function onRowKey(event: KeyboardEvent<HTMLTableRowElement>, item: LibraryItem) {
    if (event.key === 'Enter' || event.key === ' ') {
      event.preventDefault();
      open(item);
    } else if (event.key === 'ArrowDown' || event.key === 'ArrowUp') {
      event.preventDefault();
      const row = event.key === 'ArrowDown' ? event.currentTarget.nextElementSibling : event.currentTarget.previousElementSibling;
      (row as HTMLElement | null)?.focus();
    }
  }

  return (
    <div className="view">
      <div className="view-header">
        <div>
          <h1>{kind === 'model' ? 'Models' : 'Datasets'}</h1>
          <p className="muted" aria-live="polite">
            {sorted === null
              ? 'Loading…'
              : list.query
                ? `${plural(sorted.length, kind)} matching “${list.query}”`
                : plural(sorted.length, kind)}
            {list.loading && sorted !== null && <span className="spinner inline" aria-hidden="true" />}
          </p>
        </div>
      </div>

      {list.error && (
        <div className="banner error" role="alert">
          <span>Could not load the {noun}: {list.error.message}</span>
        </div>
      )}

      <div className="table-wrap">
        <table className="table library-table">
          <thead>
            <tr>
              {COLUMNS.map((col) => {
                const active = sort.key === col.key;
                return (
                  <th
                    key={col.key}
                    className={col.className}
                    scope="col"
                    aria-sort={active ? (sort.dir === 'asc' ? 'ascending' : 'descending') : undefined}
                  >
                    <button type="button" className="th-button" onClick={() => setSort(col.key)}>
                      {col.label}
                      <span className={`sort-arrow${active ? ' on' : ''}`} aria-hidden="true">
                        {active && sort.dir === 'desc' ? '↓' : '↑'}
                      </span>
                    </button>
                  </th>
                );
              })}
            </tr>
          </thead>
          {sorted === null && <SkeletonTableBody rows={8} columns={COLUMNS.length} />}
          {sorted !== null && (
            <tbody>
              {sorted.slice(0, limit).map((item) => (
                <tr
                  key={item.id}
                  data-testid="library-row"
                  tabIndex={0}
                  onClick={() => open(item)}
                  onKeyDown={(e) => onRowKey(e, item)}
                >
                  <td className="col-name">
                    <div className="cell-name">
                      <span className="name">{item.name}</span>
                      {item.aliases.map((alias) => (
                        <span className="chip" key={alias}>
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
              ))}
            </tbody>
          )}
        </table>
        {sorted !== null && sorted.length === 0 && (
          <div className="table-empty">
            {list.query ? (
              <>
                <p>Nothing matches “{list.query}”.</p>
                <button type="button" className="button" onClick={() => setQuery('')}>
                  Clear the search
                </button>
              </>
            ) : indexing ? (
              <p>Indexing… {noun} appear here as they are found.</p>
            ) : (
              <p>
                No {noun} found yet. Modelshelf recognises folders written by MLflow, Hugging Face, Lightning,
                Ultralytics, Keras and plain “v1, v2, final” folders.
              </p>
            )}
          </div>
        )}
        {sorted !== null && sorted.length > limit && (
          <div className="table-more">
            <span className="muted">
              Showing {limit.toLocaleString('en-US')} of {sorted.length.toLocaleString('en-US')}. Search to narrow it
              down, or
            </span>
            <button type="button" className="button small" onClick={() => setLimit((n) => n + PAGE * 3)}>
              Show more
            </button>
          </div>
        )}
      </div>
      {query !== list.query && sorted !== null && <span className="sr-only">Searching…</span>}
    </div>
  );
}
