// A model's training metrics: the curves of the runs behind chosen versions, overlaid, or one number
// per version ("trend across versions": did v3 get better than v2?).
import { useMemo, useState } from 'react';
import type { ItemDetail } from '../../../shared/contract';
import { ChartControls, type ChartSettings, DEFAULT_CHART_SETTINGS } from '../../components/ChartControls';
import { MetricChart } from '../../components/MetricChart';
import { MetricsExplorer } from '../../components/MetricsExplorer';
import type { ChartSeries } from '../../lib/chart-data';
import { defaultChartVersions, defaultKeys, MAX_CHART_VERSIONS } from '../../lib/metrics-request';
import { formatMetric } from '../../lib/runs';
import { useApp, useEngine } from '../../state/hooks';

export const METRICS_EMPTY = 'No training metrics found for this model yet';

export function MetricsEmpty({ name }: { name: string }) {
  const navigate = useApp((s) => s.navigate);
  return (
    <section className="panel empty-panel" data-testid="metrics-empty">
      <h2>{METRICS_EMPTY}</h2>
      <p>
        Charts appear when Modelshelf finds the training run behind a version: an MLflow run, TensorBoard logs, a
        Hugging Face <span className="mono">trainer_state.json</span>, or the CSV files Lightning, Keras and Ultralytics
        write next to the model.
      </p>
      <p className="muted">None was found for {name}. Runs found anywhere on your shares are listed under Runs.</p>
      <div className="actions">
        <button type="button" className="button" onClick={() => navigate({ view: 'runs' })}>
          Go to Runs
        </button>
      </div>
    </section>
  );
}

export function MetricsTab({ item }: { item: ItemDetail }) {
  const [mode, setMode] = useState<'curves' | 'trend'>('curves');
  const [picked, setPicked] = useState<number[] | null>(null);
  const versionIds = useMemo(() => {
    const all = item.versions.map((v) => v.id);
    const kept = (picked ?? []).filter((id) => all.includes(id));
    return kept.length > 0 ? kept : defaultChartVersions(item);
  }, [picked, item]);

  function toggle(id: number) {
    if (versionIds.includes(id)) {
      if (versionIds.length > 1) setPicked(versionIds.filter((v) => v !== id));
    } else if (versionIds.length < MAX_CHART_VERSIONS) setPicked([...versionIds, id]);
  }

  return (
    <div className="metrics-tab">
      <div className="metrics-head">
        <fieldset className="segmented">
          <legend className="sr-only">What to chart</legend>
          <button type="button" className="segment" aria-pressed={mode === 'curves'} onClick={() => setMode('curves')} data-testid="metrics-mode-curves">
            Training curves
          </button>
          <button type="button" className="segment" aria-pressed={mode === 'trend'} onClick={() => setMode('trend')} data-testid="metrics-mode-trend">
            Trend across versions
          </button>
        </fieldset>
        {mode === 'curves' && item.versions.length > 1 && (
          <fieldset className="version-picker">
            <legend className="sr-only">Versions to chart</legend>
            <span className="muted">Versions:</span>
            {item.versions.map((v) => (
              <button key={v.id} type="button" className="chip toggle mono" aria-pressed={versionIds.includes(v.id)} onClick={() => toggle(v.id)}>
                {v.label}
              </button>
            ))}
          </fieldset>
        )}
      </div>
      {mode === 'curves' ? (
        <MetricsExplorer source={{ versionIds }} empty={<MetricsEmpty name={item.name} />} />
      ) : (
        <TrendView item={item} />
      )}
    </div>
  );
}

function TrendView({ item }: { item: ItemDetail }) {
  const versionIds = useMemo(() => item.versions.map((v) => v.id).slice(0, 200), [item.versions]);
  const keysQuery = useEngine('metrics.keys', { versionIds });
  const keys = useMemo(() => (keysQuery.data ?? []).map((k) => k.key), [keysQuery.data]);
  const [chosen, setChosen] = useState<string | null>(null);
  const key = chosen && keys.includes(chosen) ? chosen : (defaultKeys(keys)[0] ?? null);
  const trend = useEngine('metrics.trend', key ? { itemId: item.id, key } : null);
  const [settings, setSettings] = useState<ChartSettings>({ ...DEFAULT_CHART_SETTINGS, smoothing: 0 });

  // Oldest version on the left.
  const points = useMemo(() => (trend.data ?? []).slice().reverse(), [trend.data]);
  const { series, labels } = useMemo(() => {
    const labels = points.map((p) => p.label);
    const x = points.map((_, i) => i);
    const series: ChartSeries[] = [
      { id: 'final', label: `${key ?? ''} at the end of training`, x, y: points.map((p) => p.final ?? Number.NaN) },
      { id: 'best', label: `best ${key ?? ''} during training`, x, y: points.map((p) => p.best ?? Number.NaN) },
    ];
    return { series, labels };
  }, [points, key]);

  if (keysQuery.error) return <div className="banner error">Could not load the metrics: {keysQuery.error.message}</div>;
  if (keysQuery.data === null) {
    return (
      <div className="chart-placeholder" aria-busy="true">
        <span className="spinner" aria-hidden="true" /> Loading metrics…
      </div>
    );
  }
  if (keys.length === 0) return <MetricsEmpty name={item.name} />;
  const anyValue = points.some((p) => p.final !== null || p.best !== null);

  return (
    <div className="trend">
      <div className="trend-controls">
        <label className="filter">
          <span>Metric</span>
          <select className="select" value={key ?? ''} onChange={(e) => setChosen(e.target.value)} data-testid="trend-key">
            {keys.map((k) => (
              <option key={k} value={k}>
                {k}
              </option>
            ))}
          </select>
        </label>
        <ChartControls settings={settings} onChange={setSettings} showX={false} />
      </div>
      {trend.data === null ? (
        <div className="chart-placeholder">
          <span className="spinner" aria-hidden="true" /> Drawing…
        </div>
      ) : !anyValue ? (
        <div className="chart-placeholder">No version of {item.name} recorded {key}.</div>
      ) : (
        <>
          <MetricChart
            title={`${item.name}: ${key} by version`}
            series={series}
            xMode="index"
            xLabels={labels}
            smoothing={settings.smoothing}
            logScale={settings.logScale}
          />
          <table className="table compact trend-table">
            <thead>
              <tr>
                <th scope="col">Version</th>
                <th scope="col">At the end</th>
                <th scope="col">Best</th>
              </tr>
            </thead>
            <tbody>
              {points.map((p) => (
                <tr key={p.versionId}>
                  <td className="mono">{p.label}</td>
                  <td className="num">{formatMetric(p.final)}</td>
                  <td className="num">{formatMetric(p.best)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
    </div>
  );
}
