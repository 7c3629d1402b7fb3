// Charts for a set of runs (or the runs behind a set of versions): pick which metrics to draw; one
// chart per metric, every run overlaid in it. Data comes downsampled by the engine.
import { useEffect, useMemo, useState } from 'react';
import type { MetricSeries } from '../../shared/contract';
import type { ChartSeries } from '../lib/chart-data';
import { type ChartSource, chartMaxPoints, defaultKeys, seriesRequest } from '../lib/metrics-request';
import { useEngine } from '../state/hooks';
import { ChartControls, type ChartSettings, DEFAULT_CHART_SETTINGS } from './ChartControls';
import { MetricChart } from './MetricChart';

const MAX_KEYS = 6;

/** One chart per metric key; each run a line in it. */
export function seriesByKey(series: MetricSeries[], keys: string[]): Array<{ key: string; series: ChartSeries[] }> {
  return keys.map((key) => ({
    key,
    series: series
      .filter((s) => s.key === key)
      .map((s) => ({ id: `run-${s.runId}`, label: s.runName, x: s.x, y: s.y })),
  }));
}

export function MetricsExplorer({
  source,
  empty,
}: {
  source: ChartSource;
  /** What to say when these runs recorded no metrics. */
  empty: React.ReactNode;
}) {
  const keysQuery = useEngine('metrics.keys', source);
  const allKeys = useMemo(() => (keysQuery.data ?? []).map((k) => k.key), [keysQuery.data]);
  const [chosen, setChosen] = useState<string[] | null>(null);
  const [settings, setSettings] = useState<ChartSettings>(DEFAULT_CHART_SETTINGS);
  // Fixed for the page's life: a resize must not refetch and redraw every chart.
  const [maxPoints] = useState(() => chartMaxPoints());

  // Keep the user's choice where it still applies; otherwise start from a sensible metric.
  const keys = useMemo(() => {
    const kept = (chosen ?? []).filter((k) => allKeys.includes(k));
    return kept.length > 0 ? kept : defaultKeys(allKeys);
  }, [chosen, allKeys]);
  useEffect(() => {
    if (chosen && chosen.length > 0 && !chosen.some((k) => allKeys.includes(k)) && allKeys.length > 0) setChosen(null);
  }, [chosen, allKeys]);

  const seriesQuery = useEngine(
    'metrics.series',
    keys.length > 0 ? seriesRequest(source, keys, settings.x, maxPoints) : null,
  );
  const charts = useMemo(() => seriesByKey(seriesQuery.data ?? [], keys), [seriesQuery.data, keys]);

  function toggleKey(key: string) {
    const current = keys;
    if (current.includes(key)) {
      if (current.length > 1) setChosen(current.filter((k) => k !== key));
    } else if (current.length < MAX_KEYS) setChosen([...current, key]);
  }

  if (keysQuery.error) {
    return (
      <div className="banner error" role="alert">
        Could not load the metrics: {keysQuery.error.message}
      </div>
    );
  }
  if (keysQuery.data === null) {
    return (
      <div className="chart-placeholder" aria-busy="true">
        <span className="spinner" aria-hidden="true" /> Loading metrics…
      </div>
    );
  }
  if (allKeys.length === 0) return <>{empty}</>;

  return (
    <div className="metrics-explorer">
      <fieldset className="key-picker">
        <legend>Metrics to draw</legend>
        <div className="chips">
          {allKeys.map((key) => (
            <button
              key={key}
              type="button"
              className="chip toggle"
              aria-pressed={keys.includes(key)}
              data-testid="metric-key"
              onClick={() => toggleKey(key)}
            >
              {key}
            </button>
          ))}
        </div>
      </fieldset>
      <ChartControls settings={settings} onChange={setSettings} />
      {seriesQuery.error && (
        <div className="banner error" role="alert">
          Could not load the chart: {seriesQuery.error.message}
        </div>
      )}
      <div className="chart-grid" aria-busy={seriesQuery.loading}>
        {charts.map((c) =>
          seriesQuery.data === null ? (
            <div key={c.key} className="chart-placeholder">
              <span className="spinner" aria-hidden="true" /> Drawing {c.key}…
            </div>
          ) : c.series.length === 0 ? (
            <div key={c.key} className="chart-placeholder">
              No points recorded for {c.key} {settings.x === 'time' ? 'with a time' : ''}.
            </div>
          ) : (
            <DetailedChart
              key={`${c.key}#${settings.x}`}
              source={source}
              metricKey={c.key}
              series={c.series}
              settings={settings}
              maxPoints={maxPoints}
            />
          ),
        )}
      </div>
    </div>
  );
}

/**
 * One metric's chart: draws the overview it is given and, while the user is zoomed in, the zoomed
 * range fetched at full detail (a 1M-point run's overview has ~4,000 points; zooming into it shows
 * what was logged, not a magnified overview). The overview stays on screen until the detail arrives.
 */
function DetailedChart({
  source,
  metricKey,
  series,
  settings,
  maxPoints,
}: {
  source: ChartSource;
  metricKey: string;
  series: ChartSeries[];
  settings: ChartSettings;
  maxPoints: number;
}) {
  const [zoom, setZoom] = useState<{ min: number; max: number } | null>(null);
  const detail = useEngine('metrics.series', zoom ? { ...seriesRequest(source, [metricKey], settings.x, maxPoints), range: zoom } : null);
  const shown = useMemo(
    () => (zoom && detail.data ? (seriesByKey(detail.data, [metricKey])[0]?.series ?? series) : series),
    [zoom, detail.data, series, metricKey],
  );
  return (
    <MetricChart
      title={metricKey}
      series={shown}
      xMode={settings.x}
      smoothing={settings.smoothing}
      logScale={settings.logScale}
      onZoom={setZoom}
    />
  );
}
