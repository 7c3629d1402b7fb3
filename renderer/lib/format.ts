// Plain-words formatting for the UI (sizes and counts come from shared/format.ts).
import type { Source } from '../../shared/contract';

/** Engine timestamps are epoch milliseconds; accept seconds too rather than show 1970. */
export function toMs(ts: number): number {
  return ts < 1e11 ? ts * 1000 : ts;
}

const relative = new Intl.RelativeTimeFormat('en', { numeric: 'auto' });
const STEPS: Array<[Intl.RelativeTimeFormatUnit, number]> = [
  ['second', 60],
  ['minute', 60],
  ['hour', 24],
  ['day', 30],
  ['month', 12],
  ['year', Number.POSITIVE_INFINITY],
];

/** "just now", "5 minutes ago", "yesterday", "3 months ago". */
export function formatWhen(ts: number | null, now: number = Date.now()): string {
  if (ts === null || !Number.isFinite(ts)) return '—';
  let value = (toMs(ts) - now) / 1000;
  if (Math.abs(value) < 45) return 'just now';
  for (const [unit, size] of STEPS) {
    if (Math.abs(value) < size) return relative.format(Math.round(value), unit);
    value /= size;
  }
  return '—';
}

const dateTime = new Intl.DateTimeFormat('en', { dateStyle: 'medium', timeStyle: 'short' });

export function formatDate(ts: number | null): string {
  if (ts === null || !Number.isFinite(ts)) return '';
  return dateTime.format(new Date(toMs(ts)));
}

export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n.toLocaleString('en-US')} ${n === 1 ? one : many}`;
}

/** smb://…, \\host\share and //host/share all mean a network share (they need a password). */
export function isShareLocation(location: string): boolean {
  const value = location.trim();
  return /^smb:/i.test(value) || value.startsWith('\\\\') || value.startsWith('//');
}

export type SourceBadge = 'online' | 'offline' | 'scanning' | 'not-indexed' | 'unknown' | 'reconnecting' | 'needs-password';

/** The engine's connection health, when this build's engine reports it (read loosely: it is optional). */
function healthOf(source: Source): string | undefined {
  const health = (source as { health?: { state?: unknown } }).health;
  return typeof health?.state === 'string' ? health.state : undefined;
}

export function sourceBadge(source: Source, scanning: boolean): SourceBadge {
  if (scanning || source.status === 'scanning') return 'scanning';
  const health = healthOf(source);
  if (source.needsPassword || health === 'auth-failed') return 'needs-password';
  if (health === 'connecting') return 'reconnecting';
  if (source.status === 'offline' || health === 'offline' || health === 'share-gone') return 'offline';
  if (source.lastScanAt === null) return 'not-indexed';
  if (source.status === 'online') return 'online';
  return 'unknown';
}

export const BADGE_LABEL: Record<SourceBadge, string> = {
  online: 'Online',
  offline: 'Offline',
  scanning: 'Indexing',
  'not-indexed': 'Not yet indexed',
  unknown: 'Not checked yet',
  reconnecting: 'Reconnecting',
  'needs-password': 'Needs a password',
};

const LAYOUT_LABEL: Record<string, string> = {
  'mlflow-registry': 'MLflow registry',
  mlflow: 'MLflow run',
  huggingface: 'Hugging Face folder',
  lightning: 'Lightning checkpoints',
  ultralytics: 'Ultralytics (YOLO) run',
  keras: 'Keras',
  tensorboard: 'TensorBoard logs',
  dvc: 'DVC',
  lmstudio: 'LM Studio',
  'lm-studio': 'LM Studio',
  versioned: 'Version folders',
  file: 'Single file',
};

export function layoutLabel(layout: string): string {
  return LAYOUT_LABEL[layout] ?? layout.replace(/[-_]/g, ' ');
}
