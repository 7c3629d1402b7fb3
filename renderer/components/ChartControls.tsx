// The controls above a chart: x axis (step / time), smoothing, log scale.
import { useId } from 'react';
import { DEFAULT_CHART_X } from '../lib/metrics-request';

export interface ChartSettings {
  x: 'step' | 'time';
  smoothing: number;
  logScale: boolean;
}

export const DEFAULT_CHART_SETTINGS: ChartSettings = { x: DEFAULT_CHART_X, smoothing: 0.6, logScale: false };

export function ChartControls({
  settings,
  onChange,
  showX = true,
}: {
  settings: ChartSettings;
  onChange(next: ChartSettings): void;
  showX?: boolean;
}) {
  const id = useId();
  return (
    <div className="chart-controls">
      {showX && (
        <fieldset className="segmented">
          <legend className="sr-only">Horizontal axis</legend>
          {(['step', 'time'] as const).map((x) => (
            <button
              key={x}
              type="button"
             
              aria-pressed={settings.x === x}
              className="segment"
              data-testid={`chart-x-${x}`}
              onClick={() => onChange({ ...settings, x })}
            >
              {x === 'step' ? 'By step' : 'By time'}
            </button>
          ))}
        </fieldset>
      )}
      <label className="slider" htmlFor={`${id}-smooth`}>
        <span>Smoothing</span>
        <input
          id={`${id}-smooth`}
          type="range"
          min={0}
          max={0.99}
          step={0.01}
          value={settings.smoothing}
          data-testid="chart-smoothing"
          onChange={(e) => onChange({ ...settings, smoothing: Number(e.target.value) })}
        />
        <span className="mono slider-value">{settings.smoothing.toFixed(2)}</span>
      </label>
      <label className="check">
        <input
          type="checkbox"
          checked={settings.logScale}
          data-testid="chart-log"
          onChange={(e) => onChange({ ...settings, logScale: e.target.checked })}
        />
        Log scale
      </label>
    </div>
  );
}
