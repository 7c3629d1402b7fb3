// Activity is not built yet: say what it will show, so nobody wonders whether something is broken.
import { useApp } from '../state/hooks';

export function ActivityView() {
  const navigate = useApp((s) => s.navigate);
  return (
    <div className="view">
      <div className="view-header">
        <div>
          <h1>Activity</h1>
          <p className="muted">What changed on your shares, and who changed it.</p>
        </div>
      </div>
      <section className="panel placeholder" data-testid="activity-placeholder">
        <h2>Coming in a later version</h2>
        <p>This page will list, newest first:</p>
        <ul>
          <li>new models, datasets and versions found when a share is indexed;</li>
          <li>aliases and stages set by your team, such as “production” moving to a new version;</li>
          <li>notes and lineage links people add, with who added them and when;</li>
          <li>training runs that started, finished or failed.</li>
        </ul>
        <p className="muted">Until then, the Models and Runs pages show what is on your shares right now.</p>
        <div className="actions">
          <button type="button" className="button" onClick={() => navigate({ view: 'library', kind: 'model' })}>
            Go to Models
          </button>
          <button type="button" className="button" onClick={() => navigate({ view: 'runs' })}>
            Go to Runs
          </button>
        </div>
      </section>
    </div>
  );
}
