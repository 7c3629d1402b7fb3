// One model or dataset: where it lives, its versions, and the chosen version's files and metadata.
// Aliases show once, on the version that carries them (not again in the header).
import { useEffect, useMemo } from 'react';
import { useShallow } from 'zustand/react/shallow';
import type { ItemDetail, ItemKind, ItemVersion } from '../../shared/contract';
import { formatBytes } from '../../shared/format';
import { SkeletonRows } from '../components/Skeleton';
import { formatDate, formatWhen, layoutLabel, plural } from '../lib/format';
import { metadataRows, safetyOf } from '../lib/metadata';
import { useApp } from '../state/hooks';

export function ItemDetailView({ id, kind }: { id: number; kind: ItemKind }) {
  const { detail, navigate, selectVersion, retry } = useApp(
    useShallow((s) => ({
      detail: s.detail,
      navigate: s.navigate,
      selectVersion: s.selectVersion,
      retry: s.fetchDetail,
    })),
  );
  const item = detail.id === id ? detail.item : null;
  const back = kind === 'model' ? 'Models' : 'Datasets';

  // Escape goes back to the list (unless the user is typing somewhere).
  useEffect(() => {
    function onKey(event: KeyboardEvent) {
      const target = event.target as HTMLElement | null;
      if (event.key !== 'Escape' || target?.tagName === 'INPUT' || target?.tagName === 'TEXTAREA') return;
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
        <DetailBody item={item} selectedId={detail.selectedVersionId} onSelect={selectVersion} />
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

function DetailBody({
  item,
  selectedId,
  onSelect,
}: {
  item: ItemDetail;
  selectedId: number | null;
  onSelect(id: number): void;
}) {
  const version = item.versions.find((v) => v.id === selectedId) ?? item.versions[0] ?? null;
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

      <div className="detail-grid">
        <section className="panel versions" aria-labelledby="versions-title">
          <h2 id="versions-title">{plural(item.versions.length, 'version')}</h2>
          {item.versions.length === 0 ? (
            <p className="muted">No versions found.</p>
          ) : (
            <ul className="version-list">
              {item.versions.map((v) => (
                <li key={v.id}>
                  <button
                    type="button"
                    className="version-item"
                    aria-pressed={v.id === version?.id}
                    data-testid="version-item"
                    onClick={() => onSelect(v.id)}
                  >
                    <span className="version-top">
                      <span className="version-label mono">{v.label}</span>
                      {v.stage && <span className="chip stage">{v.stage}</span>}
                      {v.aliases.map((a) => (
                        <span className="chip alias" key={a}>
                          {a}
                        </span>
                      ))}
                    </span>
                    <span className="version-meta muted">
                      {[v.format, formatBytes(v.sizeBytes), v.createdAt ? formatWhen(v.createdAt) : null]
                        .filter(Boolean)
                        .join(' · ')}
                    </span>
                  </button>
                </li>
              ))}
            </ul>
          )}
        </section>
        {version && <VersionPanel version={version} />}
      </div>
    </>
  );
}

/** Files inside the version's folder are shown relative to it; the full path is in the tooltip. */
function insideVersion(file: string, folder: string): string {
  return folder && file.startsWith(`${folder}/`) ? file.slice(folder.length + 1) : file;
}

const SAFETY_TITLE = {
  safe: 'Safe to open',
  caution: 'Contains code that could run — be careful',
  unknown: 'Could not be checked completely',
} as const;

const SAFETY_TEXT = {
  safe: 'Only data was found in these files; loading them does not run anything.',
  caution:
    'Loading this file in Python could run instructions hidden inside it. Open it only if you trust who made it.',
  unknown: 'Part of this file could not be inspected. Open it only if you trust who made it.',
} as const;

function VersionPanel({ version }: { version: ItemVersion }) {
  const safety = useMemo(() => safetyOf(version.metadata), [version.metadata]);
  const rows = useMemo(() => metadataRows(version.metadata), [version.metadata]);
  return (
    <section className="panel version-panel" aria-labelledby="version-title">
      <h2 id="version-title">
        Version <span className="mono">{version.label}</span>
      </h2>
      <dl className="facts">
        <div>
          <dt>Format</dt>
          <dd>{version.format || '—'}</dd>
        </div>
        <div>
          <dt>Size</dt>
          <dd>{formatBytes(version.sizeBytes)}</dd>
        </div>
        <div>
          <dt>Created</dt>
          <dd>{version.createdAt ? formatDate(version.createdAt) : '—'}</dd>
        </div>
        <div>
          <dt>Folder</dt>
          <dd className="mono">{version.path || '/'}</dd>
        </div>
      </dl>

      {safety && (
        <div className={`safety safety-${safety.level}`} data-testid="safety-verdict" data-verdict={safety.verdict}>
          <strong>{SAFETY_TITLE[safety.level]}</strong>
          <span>
            {SAFETY_TEXT[safety.level]}
            {safety.detail && (
              <>
                {' '}
                It asks to run: <span className="mono safety-detail">{safety.detail}</span>
              </>
            )}
          </span>
        </div>
      )}

      <h3>Files</h3>
      {version.files.length === 0 ? (
        <p className="muted">No files listed.</p>
      ) : (
        <table className="table compact">
          <thead>
            <tr>
              <th scope="col">File</th>
              <th scope="col" className="col-fsize">
                Size
              </th>
              <th scope="col" className="col-fdate">
                Modified
              </th>
            </tr>
          </thead>
          <tbody>
            {version.files.map((f) => (
              <tr key={f.path}>
                <td className="mono wrap" title={f.path}>
                  {insideVersion(f.path, version.path)}
                </td>
                <td className="col-fsize">{formatBytes(f.size)}</td>
                <td className="col-fdate" title={formatDate(f.mtime)}>
                  {formatWhen(f.mtime)}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}

      <h3>Details read from the files</h3>
      {rows.length === 0 ? (
        <p className="muted">Nothing more could be read from these files.</p>
      ) : (
        <table className="table compact kv">
          <tbody>
            {rows.map((row) => (
              <tr key={row.key}>
                <th scope="row" className="mono">
                  {row.key}
                </th>
                <td className="wrap">{row.value}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
