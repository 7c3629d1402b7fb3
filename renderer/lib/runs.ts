// Plain words for runs: which tool wrote them, their state, and the few numbers worth a column.
import type { RunSummary } from '../../shared/contract';

const TOOL_LABEL: Record<string, string> = {
  mlflow: 'MLflow',
  tensorboard: 'TensorBoard',
  'hf-trainer': 'Hugging Face Trainer',
  lightning: 'Lightning',
  ultralytics: 'Ultralytics',
  'keras-csv': 'Keras',
  keras: 'Keras',
  dvclive: 'DVCLive',
};

export function toolLabel(format: string): string {
  return TOOL_LABEL[format] ?? format.replace(/[-_]/g, ' ');
}

const STATUS_LABEL: Record<string, string> = {
  FINISHED: 'Finished',
  finished: 'Finished',
  completed: 'Finished',
  RUNNING: 'Running',
  running: 'Running',
  FAILED: 'Failed',
  failed: 'Failed',
  KILLED: 'Stopped',
  killed: 'Stopped',
  SCHEDULED: 'Waiting',
};

export function statusLabel(status: string | null): string {
  if (!status) return '—';
  return STATUS_LABEL[status] ?? status.charAt(0).toUpperCase() + status.slice(1).toLowerCase();
}

export function statusTone(status: string | null): 'ok' | 'running' | 'failed' | 'none' {
  const label = statusLabel(status);
  if (label === 'Finished') return 'ok';
  if (label === 'Running' || label === 'Waiting') return 'running';
  if (label === 'Failed' || label === 'Stopped') return 'failed';
  return 'none';
}

/** Metrics people look at first: accuracy-like, then loss-like, then whatever comes first. */
const PREFERRED = [/^(val[_/])?acc(uracy)?$/i, /map50(-95)?|mAP/i, /^(val[_/])?f1/i, /^(eval[_/])?loss$/i, /^val[_/]loss$/i, /^(train[_/])?loss$/i];

export function keyFinals(run: RunSummary, max = 3): Array<{ key: string; value: number }> {
  const keys = Object.keys(run.finals);
  const ranked = keys
    .map((key) => ({ key, rank: PREFERRED.findIndex((re) => re.test(key)) }))
    .sort((a, b) => (a.rank === -1 ? 99 : a.rank) - (b.rank === -1 ? 99 : b.rank) || a.key.localeCompare(b.key));
  return ranked.slice(0, max).map(({ key }) => ({ key, value: run.finals[key] as number }));
}

/** Metric values: 4 significant digits, no exponent for everyday numbers. */
export function formatMetric(value: number | null | undefined): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '—';
  const abs = Math.abs(value);
  if (abs !== 0 && (abs < 1e-4 || abs >= 1e7)) return value.toExponential(2);
  if (Number.isInteger(value)) return value.toLocaleString('en-US');
  return Number(value.toPrecision(4)).toLocaleString('en-US', { maximumFractionDigits: 6 });
}
