// "Where are your models?": one field for a share or a folder, a password for shares, an optional
// name. Errors from the engine (wrong password, share not found) show inline; what was typed stays.
import { type FormEvent, useEffect, useId, useRef, useState } from 'react';
import type { Source } from '../../shared/contract';
import type { AppError } from '../../shared/result';
import { isShareLocation } from '../lib/format';
import { useApp } from '../state/hooks';

export function AddSourceForm({ onAdded, autoFocus = false }: { onAdded?(source: Source): void; autoFocus?: boolean }) {
  const addSource = useApp((s) => s.addSource);
  const [location, setLocation] = useState('');
  const [password, setPassword] = useState('');
  const [name, setName] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<AppError | null>(null);
  const locationRef = useRef<HTMLInputElement>(null);
  const passwordRef = useRef<HTMLInputElement>(null);
  const ids = useId();
  const isShare = isShareLocation(location);

  useEffect(() => {
    if (autoFocus) locationRef.current?.focus();
  }, [autoFocus]);

  async function submit(event: FormEvent) {
    event.preventDefault();
    if (busy) return;
    const where = location.trim();
    if (!where) {
      setError({ code: 'INVALID_INPUT', message: 'Type where your models are: a share such as smb://nas/models, or a folder.' });
      locationRef.current?.focus();
      return;
    }
    setBusy(true);
    setError(null);
    const result = await addSource({
      location: where,
      ...(name.trim() ? { name: name.trim() } : {}),
      ...(isShare && password ? { password } : {}),
    });
    setBusy(false);
    if (!result.ok) {
      setError(result.error);
      if (result.error.code === 'AUTH_FAILED' && isShare) passwordRef.current?.focus();
      else locationRef.current?.focus();
      return;
    }
    setLocation('');
    setPassword('');
    setName('');
    onAdded?.(result.value);
  }

  return (
    <form className="form" onSubmit={submit} noValidate aria-busy={busy}>
      <div className="field">
        <label htmlFor={`${ids}-loc`}>Where are your models?</label>
        <input
          ref={locationRef}
          id={`${ids}-loc`}
          data-testid="add-source-location"
          className="input mono"
          value={location}
          onChange={(e) => setLocation(e.target.value)}
          placeholder="smb://anna@nas/models"
          aria-describedby={`${ids}-loc-help`}
          aria-invalid={error?.code === 'INVALID_INPUT' || error?.code === 'NOT_FOUND' ? true : undefined}
          spellCheck={false}
          autoComplete="off"
          autoCapitalize="off"
        />
        <p className="help" id={`${ids}-loc-help`}>
          A shared folder on your NAS — <code>smb://nas/models</code> or <code>\\nas\models</code> — or a folder on
          this computer. To sign in as someone, put the user name in front: <code>smb://anna@nas/models</code>.
        </p>
      </div>

      {isShare && (
        <div className="field">
          <label htmlFor={`${ids}-pw`}>Password</label>
          <input
            ref={passwordRef}
            id={`${ids}-pw`}
            data-testid="add-source-password"
            className="input"
            type="password"
            value={password}
            onChange={(e) => setPassword(e.target.value)}
            aria-describedby={`${ids}-pw-help`}
            aria-invalid={error?.code === 'AUTH_FAILED' ? true : undefined}
            autoComplete="current-password"
          />
          <p className="help" id={`${ids}-pw-help`}>
            The password of that user on the NAS. Leave it empty for guest access. It is never written to the index.
          </p>
        </div>
      )}

      <div className="field">
        <label htmlFor={`${ids}-name`}>
          Name <span className="muted">(optional)</span>
        </label>
        <input
          id={`${ids}-name`}
          data-testid="add-source-name"
          className="input"
          value={name}
          onChange={(e) => setName(e.target.value)}
          placeholder="Office NAS"
          autoComplete="off"
        />
      </div>

      {error && (
        <div className="form-error" role="alert" data-testid="add-source-error" data-code={error.code}>
          {error.message}
        </div>
      )}

      <div className="actions">
        <button type="submit" className="button primary" data-testid="add-source-submit" disabled={busy}>
          {busy ? 'Connecting…' : 'Connect'}
        </button>
      </div>
    </form>
  );
}
