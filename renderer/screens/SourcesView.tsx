// Every share and folder Modelshelf indexes, with its state and what can be done with it.
import { type FormEvent, useEffect, useId, useRef, useState } from 'react';
import { useShallow } from 'zustand/react/shallow';
import type { Source } from '../../shared/contract';
import { formatBytes, formatCount } from '../../shared/format';
import type { AppError } from '../../shared/result';
import { BADGE_LABEL, formatDate, formatWhen, plural, sourceBadge } from '../lib/format';
import { useApp } from '../state/hooks';
import { AddSourceForm } from './AddSourceForm';

export function SourcesView() {
  const sources = useApp((s) => s.sources);
  const [adding, setAdding] = useState(false);
  return (
    <div className="view">
      <div className="view-header">
        <div>
          <h1>Sources</h1>
          <p className="muted">Shares and folders Modelshelf keeps an index of. Your files are never changed.</p>
        </div>
        {!adding && (
          <button type="button" className="button primary" onClick={() => setAdding(true)}>
            Add a source
          </button>
        )}
      </div>
      {adding && (
        <section className="panel add-panel" aria-label="Add a source">
          <div className="panel-head">
            <h2>Add a source</h2>
            <button type="button" className="button ghost" onClick={() => setAdding(false)}>
              Close
            </button>
          </div>
          <AddSourceForm autoFocus onAdded={() => setAdding(false)} />
        </section>
      )}
      <ul className="source-list">
        {sources.map((source) => (
          <SourceRow key={source.id} source={source} />
        ))}
      </ul>
    </div>
  );
}

function SourceRow({ source }: { source: Source }) {
  const { scanning, outcome, scanSource, removeSource } = useApp(
    useShallow((s) => ({
      scanning: source.id in s.scans,
      outcome: s.scanOutcomes[source.id],
      scanSource: s.scanSource,
      removeSource: s.removeSource,
    })),
  );
  const [confirming, setConfirming] = useState(false);
  const confirmButton = useRef<HTMLButtonElement>(null);
  useEffect(() => {
    if (confirming) confirmButton.current?.focus();
  }, [confirming]);
  const [removeError, setRemoveError] = useState<AppError | null>(null);
  const badge = sourceBadge(source, scanning);
  const busy = badge === 'scanning';
  const healthMessage = (source as { health?: { state?: string; message?: string | null } }).health;
  const problem =
    outcome && !outcome.ok
      ? outcome.message
      : healthMessage?.state !== 'online' && healthMessage?.message
        ? healthMessage.message
        : source.lastError;
  const c = source.counts;

  async function remove() {
    const result = await removeSource(source.id);
    if (!result.ok) {
      setRemoveError(result.error);
      setConfirming(false);
    }
  }

  return (
    <li className="panel source-row" data-testid="source-row" data-status={badge}>
      <div className="source-main">
        <div className="source-title">
          <h2>{source.name}</h2>
          <span className={`badge badge-${badge}`}>{BADGE_LABEL[badge]}</span>
        </div>
        <div className="source-url mono" title={source.url}>
          {source.url}
        </div>
        <dl className="facts">
          <div>
            <dt>Last indexed</dt>
            <dd title={formatDate(source.lastScanAt)}>{source.lastScanAt ? formatWhen(source.lastScanAt) : 'Never'}</dd>
          </div>
          <div>
            <dt>Found</dt>
            <dd>
              {plural(c.models, 'model')}, {plural(c.datasets, 'dataset')}
            </dd>
          </div>
          <div>
            <dt>Files</dt>
            <dd>
              {formatCount(c.files)} in {plural(c.folders, 'folder')} · {formatBytes(c.bytes)}
            </dd>
          </div>
        </dl>
        {problem && <p className="inline-error">{problem}</p>}
        {removeError && <p className="inline-error">{removeError.message}</p>}
        {source.needsPassword && <PasswordPrompt source={source} />}
      </div>
      <div className="source-actions">
        {confirming ? (
          <div className="confirm">
            <p>
              Remove <strong>{source.name}</strong> from Modelshelf? The files on it stay where they are.
            </p>
            <div className="actions">
              <button ref={confirmButton} type="button" className="button danger" onClick={() => void remove()}>
                Remove
              </button>
              <button type="button" className="button" onClick={() => setConfirming(false)}>
                Keep it
              </button>
            </div>
          </div>
        ) : (
          <div className="actions">
            <button
              type="button"
              className="button"
              data-testid="scan-button"
              disabled={busy || source.needsPassword}
              title={source.needsPassword ? 'Enter the password first' : undefined}
              onClick={() => void scanSource(source.id)}
            >
              {busy ? 'Indexing…' : 'Index now'}
            </button>
            <button type="button" className="button ghost" onClick={() => setConfirming(true)}>
              Remove
            </button>
          </div>
        )}
      </div>
    </li>
  );
}

function PasswordPrompt({ source }: { source: Source }) {
  const { setSourcePassword, scanSource } = useApp(
    useShallow((s) => ({ setSourcePassword: s.setSourcePassword, scanSource: s.scanSource })),
  );
  const [password, setPassword] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<AppError | null>(null);
  const id = useId();

  async function submit(event: FormEvent) {
    event.preventDefault();
    setBusy(true);
    setError(null);
    const result = await setSourcePassword(source.id, password);
    setBusy(false);
    if (!result.ok) {
      setError(result.error);
      return;
    }
    setPassword('');
    void scanSource(source.id);
  }

  return (
    <form className="password-prompt" onSubmit={submit}>
      <label htmlFor={id}>This share needs a password to be indexed.</label>
      <div className="inline-field">
        <input
          id={id}
          className="input"
          type="password"
          value={password}
          onChange={(e) => setPassword(e.target.value)}
          autoComplete="current-password"
          placeholder="Password"
        />
        <button type="submit" className="button primary" disabled={busy}>
          {busy ? 'Checking…' : 'Save and index'}
        </button>
      </div>
      {error && (
        <p className="inline-error" role="alert">
          {error.message}
        </p>
      )}
    </form>
  );
}
