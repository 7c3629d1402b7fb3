// Every share and folder Modelshelf indexes, with its state and what can be done with it.
import { type FormEvent, useCallback, useEffect, useId, useRef, useState } from 'react';
import { useShallow } from 'zustand/react/shallow';
import type { Source } from '../../shared/contract';
import { formatBytes, formatCount } from '../../shared/format';
import type { AppError } from '../../shared/result';
import { OpenInFileManager } from '../components/OpenInFileManager';
import { BADGE_LABEL, formatDate, formatWhen, plural, sourceBadge } from '../lib/format';
import { useApp } from '../state/hooks';
import { useMenuCommand } from '../state/menu-commands';
import { healthText } from '../lib/team';
import { AddSourceForm } from './AddSourceForm';
import { ConnectNas } from './ConnectNas';

export function SourcesView() {
  const sources = useApp((s) => s.sources);
  const navigate = useApp((s) => s.navigate);
  const [adding, setAdding] = useState(false);
  const [connecting, setConnecting] = useState(false);
  // File › Add source… in the desktop app opens the connect flow.
  useMenuCommand(
    'add-source',
    useCallback(() => {
      setAdding(false);
      setConnecting(true);
    }, []),
  );
  return (
    <div className="view">
      <div className="view-header">
        <div>
          <h1>Sources</h1>
          <p className="muted">Shares and folders Modelshelf keeps an index of. Your files are never changed.</p>
        </div>
        {!adding && !connecting && (
          <div className="actions">
            <button type="button" className="button primary" data-testid="connect-nas-button" onClick={() => setConnecting(true)}>
              Connect a NAS
            </button>
            <button type="button" className="button" onClick={() => setAdding(true)}>
              Add a source
            </button>
          </div>
        )}
      </div>
      {connecting && (
        <section className="panel add-panel" aria-label="Connect a NAS">
          <div className="panel-head">
            <h2>Connect a NAS</h2>
          </div>
          <ConnectNas
            onCancel={() => setConnecting(false)}
            onDone={() => {
              setConnecting(false);
              navigate({ view: 'library', kind: 'model' });
            }}
          />
        </section>
      )}
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
  const { scanning, outcome, scanSource, removeSource, forgetSource } = useApp(
    useShallow((s) => ({
      scanning: source.id in s.scans,
      outcome: s.scanOutcomes[source.id],
      scanSource: s.scanSource,
      removeSource: s.removeSource,
      forgetSource: s.forgetSource,
    })),
  );
  const [confirming, setConfirming] = useState<false | 'remove' | 'forget'>(false);
  const now = useNow(source.health?.state === 'connecting' && source.health.nextRetryAt !== null);
  const health = healthText(source, now);
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
    const result = await (confirming === 'forget' ? forgetSource : removeSource)(source.id);
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
        {health && (
          <p className={`source-health health-${source.health?.state}`} data-testid="source-health" data-state={source.health?.state}>
            {health}
          </p>
        )}
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
          <div className="confirm" data-testid="source-confirm">
            {confirming === 'forget' ? (
              <p>
                Forget <strong>{source.name}</strong>? Modelshelf removes it from its index and deletes the password it
                keeps for it on this computer. The files on the share stay where they are.
              </p>
            ) : (
              <p>
                Remove <strong>{source.name}</strong> from Modelshelf? The files on it stay where they are.
              </p>
            )}
            <div className="actions">
              <button
                ref={confirmButton}
                type="button"
                className="button danger"
                data-testid={confirming === 'forget' ? 'forget-confirm' : undefined}
                onClick={() => void remove()}
              >
                {confirming === 'forget' ? 'Forget' : 'Remove'}
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
            <OpenInFileManager sourceId={source.id} />
            <button type="button" className="button ghost" onClick={() => setConfirming('remove')}>
              Remove
            </button>
            <button
              type="button"
              className="button ghost"
              data-testid="forget-button"
              title="Remove it and the password kept for it"
              onClick={() => setConfirming('forget')}
            >
              Forget
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

/** The current time, ticking every second while `ticking` (for "next try in 20 s"). */
function useNow(ticking: boolean): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (!ticking) return;
    setNow(Date.now());
    const timer = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(timer);
  }, [ticking]);
  return now;
}
