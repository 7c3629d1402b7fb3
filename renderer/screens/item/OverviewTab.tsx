// The versions of an item (with their aliases and stages) and the chosen version: what it is in
// plain words, whether it is safe to open, its model card, its files, and every detail read. The
// team's tags, notes and links on the model itself (not one version) show above the version's.
import { lazy, Suspense, useEffect, useMemo, useState } from 'react';
import { useShallow } from 'zustand/react/shallow';
import type { ItemDetail, ItemVersion, VersionAnnotation } from '../../../shared/contract';
import { formatBytes } from '../../../shared/format';
import { callOptional, hasMethod } from '../../api/optional';
import { ExportButton } from '../../components/ExportButton';
import { OpenInFileManager } from '../../components/OpenInFileManager';
import { formatDate, formatWhen, plural } from '../../lib/format';
import { metadataRows, safetyOf } from '../../lib/metadata';
import { cardText, metadataWarnings, modelFacts, trainingSettings } from '../../lib/model-facts';
import { useApi, useApp } from '../../state/hooks';
import { AnnotationChip, annotationsOf, chipTitle, NoteLine, TeamPanel } from './TeamPanel';

// react-markdown loads with the first card shown.
const ModelCard = lazy(() => import('../../components/ModelCard').then((m) => ({ default: m.ModelCard })));

export function OverviewTab({ item }: { item: ItemDetail }) {
  const { selectedId, selectVersion } = useApp(
    useShallow((s) => ({ selectedId: s.detail.selectedVersionId, selectVersion: s.selectVersion })),
  );
  const version = item.versions.find((v) => v.id === selectedId) ?? item.versions[0] ?? null;
  return (
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
                  onClick={() => selectVersion(v.id)}
                >
                  <span className="version-top">
                    <span className="version-label mono">{v.label}</span>
                    {annotationsOf(v)
                      .filter((a) => a.kind === 'stage' || a.kind === 'alias')
                      .map((a) => (
                        <span
                          className={`chip ${a.kind}${a.origin === 'mlflow' ? ' readonly' : ''}`}
                          key={`${a.kind}:${a.origin}:${a.value}`}
                          title={chipTitle(a)}
                        >
                          {a.value}
                        </span>
                      ))}
                  </span>
                  <span className="version-meta muted">
                    {[v.format, formatBytes(v.sizeBytes), v.createdAt ? formatWhen(v.createdAt) : null].filter(Boolean).join(' · ')}
                  </span>
                </button>
              </li>
            ))}
          </ul>
        )}
      </section>
      {version ? (
        <VersionPanel item={item} version={version} />
      ) : (
        modelNotesOf(item).length > 0 && (
          <section className="panel version-panel">
            <ModelNotes item={item} />
          </section>
        )
      )}
    </div>
  );
}

/** Tags, notes and links on the model itself (set without a version, e.g. `modelshelf tag churn x`). */
function modelNotesOf(item: ItemDetail): VersionAnnotation[] {
  return (item.annotations ?? []).filter((a) => a.kind === 'tag' || a.kind === 'note' || a.kind === 'link');
}

/** Read-only here: what the team said about the whole model or dataset, when it said anything. */
function ModelNotes({ item }: { item: ItemDetail }) {
  const all = modelNotesOf(item);
  if (all.length === 0) return null;
  const noun = item.kind === 'model' ? 'model' : 'dataset';
  const chips = all.filter((a) => a.kind !== 'note');
  const notes = all.filter((a) => a.kind === 'note');
  return (
    <section className="model-notes" aria-labelledby="model-notes-title" data-testid="model-notes">
      <h3 id="model-notes-title">About the whole {noun}</h3>
      <p className="help">What your team noted for every version of {item.name}, not just one.</p>
      {chips.length > 0 && (
        <div className="chips annotation-chips">
          {chips.map((a) => (
            <AnnotationChip key={`${a.kind}:${a.origin}:${a.relation ?? ''}:${a.value}`} a={a} testId="model-chip" />
          ))}
        </div>
      )}
      {notes.length > 0 && (
        <ul className="notes" data-testid="model-note-list">
          {notes.map((n) => (
            <NoteLine key={n.id ?? n.value} note={n} />
          ))}
        </ul>
      )}
    </section>
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
  caution: 'Loading this file in Python could run instructions hidden inside it. Open it only if you trust who made it.',
  unknown: 'Part of this file could not be inspected. Open it only if you trust who made it.',
} as const;

export const CARD_METHOD = 'library.card';

/** The card's Markdown: from the version's metadata, or from the engine when it offers library.card. */
function useCardMarkdown(version: ItemVersion): string | null {
  const api = useApi();
  const inline = useMemo(() => cardText(version.metadata), [version.metadata]);
  const hasCard = version.metadata.card !== undefined;
  const [fetched, setFetched] = useState<{ id: number; text: string | null } | null>(null);
  useEffect(() => {
    if (inline || !hasCard || !hasMethod(CARD_METHOD)) return;
    let stale = false;
    void callOptional(api, CARD_METHOD, { versionId: version.id }, '').then((result) => {
      if (stale) return;
      const value = result.ok ? (result.value as { markdown?: unknown } | null) : null;
      setFetched({ id: version.id, text: typeof value?.markdown === 'string' ? value.markdown : null });
    });
    return () => {
      stale = true;
    };
  }, [api, inline, hasCard, version.id]);
  return inline ?? (fetched?.id === version.id ? fetched.text : null);
}

/** The folder holding a version (a one-file version is shown in its folder, not opened in an app). */
function folderOf(version: ItemVersion): string {
  const isFile = version.files.some((f) => f.path === version.path || version.path.endsWith(`/${f.path}`));
  return isFile ? version.path.split('/').slice(0, -1).join('/') : version.path;
}

function VersionPanel({ item, version }: { item: ItemDetail; version: ItemVersion }) {
  const navigate = useApp((s) => s.navigate);
  const safety = useMemo(() => safetyOf(version.metadata), [version.metadata]);
  const facts = useMemo(() => modelFacts(version.metadata), [version.metadata]);
  const settings = useMemo(() => trainingSettings(version.metadata), [version.metadata]);
  const warnings = useMemo(() => metadataWarnings(version.metadata), [version.metadata]);
  const rows = useMemo(() => metadataRows(version.metadata), [version.metadata]);
  const card = useCardMarkdown(version);
  const noun = item.kind === 'model' ? 'model' : 'dataset';

  return (
    <section className="panel version-panel" aria-labelledby="version-title" data-testid="version-panel">
      <div className="version-head">
        <h2 id="version-title">
          {/* Aliases and stage show once, in the versions list, on the version that carries them. */}
          Version <span className="mono">{version.label}</span>
        </h2>
        <div className="actions">
          {item.versions.length > 1 && (
            <button
              type="button"
              className="button ghost"
              data-testid="compare-button"
              onClick={() => navigate({ view: 'item', kind: item.kind, id: item.id, tab: 'compare' })}
            >
              Compare…
            </button>
          )}
          <OpenInFileManager sourceId={item.sourceId} path={folderOf(version)} />
          <ExportButton version={version} itemName={item.name} />
        </div>
      </div>
      <ModelNotes item={item} />
      <TeamPanel item={item} version={version} />

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

      {warnings.length > 0 && (
        <ul className="warnings">
          {warnings.map((w) => (
            <li key={w}>{w}</li>
          ))}
        </ul>
      )}

      <h3>About this {noun}</h3>
      {facts.length === 0 ? (
        <p className="muted">The files do not say more about what this {noun} is.</p>
      ) : (
        <table className="table compact kv facts-table" data-testid="model-facts">
          <tbody>
            {facts.map((f) => (
              <tr key={f.label}>
                <th scope="row">{f.label}</th>
                <td className="wrap">{f.value}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}

      {settings.length > 0 && (
        <>
          <h3>Training settings</h3>
          <table className="table compact kv">
            <tbody>
              {settings.map((f) => (
                <tr key={f.label}>
                  <th scope="row" className="mono">
                    {f.label}
                  </th>
                  <td className="wrap mono">{f.value}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}

      {card && (
        <>
          <h3>{item.kind === 'model' ? 'Model card' : 'Dataset card'}</h3>
          <Suspense fallback={<div className="markdown" aria-busy="true" />}>
            <ModelCard markdown={card} />
          </Suspense>
        </>
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

      <details className="all-details">
        <summary>All details read from the files ({rows.length})</summary>
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
      </details>
    </section>
  );
}
