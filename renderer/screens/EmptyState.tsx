// First run: no sources yet. Connect the NAS, or look around in the demo library first.
import { useState } from 'react';
import type { AppError } from '../../shared/result';
import { useApp } from '../state/hooks';
import { AddSourceForm } from './AddSourceForm';
import { ConnectNas } from './ConnectNas';

export function EmptyState() {
  const openDemo = useApp((s) => s.openDemo);
  const navigate = useApp((s) => s.navigate);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<AppError | null>(null);
  const [wizard, setWizard] = useState(false);

  async function demo() {
    setBusy(true);
    setError(null);
    const result = await openDemo();
    setBusy(false);
    if (result.ok) navigate({ view: 'library', kind: 'model' });
    else setError(result.error);
  }

  return (
    <div className="view view-centered">
      <section className="panel welcome" aria-labelledby="welcome-title">
        <div className="welcome-art" aria-hidden="true">
          <span />
          <span />
          <span />
        </div>
        <h1 id="welcome-title">Connect your NAS</h1>
        <p className="lead">
          Modelshelf finds the models and datasets your team already keeps on the office NAS and lists every version in
          one place. Nothing on the share is moved or changed.
        </p>
        {wizard ? (
          <ConnectNas onDone={() => navigate({ view: 'library', kind: 'model' })} onCancel={() => setWizard(false)} />
        ) : (
          <>
            <div className="demo">
              <div>
                <strong>Not sure of the address?</strong>
                <p className="muted">Modelshelf can look for the NAS on your network and list its shares.</p>
              </div>
              <button type="button" className="button primary" data-testid="connect-nas-button" onClick={() => setWizard(true)}>
                Find my NAS
              </button>
            </div>
            <AddSourceForm autoFocus onAdded={() => navigate({ view: 'library', kind: 'model' })} />
          </>
        )}
        <div className="divider">
          <span>or</span>
        </div>
        <div className="demo">
          <div>
            <strong>Just looking?</strong>
            <p className="muted">Open a small sample library on this computer and look around first.</p>
          </div>
          <button type="button" className="button" data-testid="demo-button" onClick={() => void demo()} disabled={busy}>
            {busy ? 'Opening…' : 'Try the demo library'}
          </button>
        </div>
        {error && (
          <div className="form-error" role="alert">
            {error.message}
          </div>
        )}
      </section>
    </div>
  );
}
