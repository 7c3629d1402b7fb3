// Shown when the very first load failed (engine not reachable, wrong link in browser mode).
import type { AppError } from '../../shared/result';
import { useApp } from '../state/hooks';

export function LoadProblem({ error }: { error: AppError }) {
  const missingToken = useApp((s) => s.missingToken);
  const connection = useApp((s) => s.connection);
  const retry = useApp((s) => s.fetchSources);
  return (
    <div className="view">
      <section className="panel problem" role="alert">
        <h1>Modelshelf can’t reach its engine</h1>
        <p>{error.message}</p>
        {missingToken && (
          <p>
            This page was opened without its access key. Open the full link that{' '}
            <code>modelshelf serve</code> printed (it ends in <code>?token=…</code>).
          </p>
        )}
        {connection === 'reconnecting' && <p className="muted">Trying again on its own…</p>}
        <div className="actions">
          <button type="button" className="button primary" onClick={() => void retry()}>
            Try again
          </button>
        </div>
      </section>
    </div>
  );
}
