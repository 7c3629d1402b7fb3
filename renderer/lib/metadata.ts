// Turning a version's format metadata into rows a person can read, and finding the safety verdict.

export interface MetaRow {
  key: string;
  value: string;
}

const MAX_VALUE = 400;

function show(value: unknown): string {
  if (value === null || value === undefined) return '—';
  if (typeof value === 'string') return value;
  if (typeof value === 'number') return Number.isInteger(value) ? value.toLocaleString('en-US') : String(value);
  if (typeof value === 'boolean') return value ? 'yes' : 'no';
  if (Array.isArray(value) && value.length === 0) return '—';
  if (Array.isArray(value) && value.every((v) => v === null || typeof v !== 'object')) {
    return value.map(show).join(', ');
  }
  try {
    return JSON.stringify(value);
  } catch {
    return String(value);
  }
}

/** Nested objects become dotted keys ("safety.verdict"); long values are cut. */
export function metadataRows(metadata: Record<string, unknown>, maxDepth = 3): MetaRow[] {
  const rows: MetaRow[] = [];
  const walk = (prefix: string, value: unknown, depth: number) => {
    if (value && typeof value === 'object' && !Array.isArray(value) && depth < maxDepth) {
      const entries = Object.entries(value as Record<string, unknown>);
      if (entries.length === 0) rows.push({ key: prefix, value: '—' });
      for (const [k, v] of entries) walk(prefix ? `${prefix}.${k}` : k, v, depth + 1);
      return;
    }
    const text = show(value);
    rows.push({ key: prefix, value: text.length > MAX_VALUE ? `${text.slice(0, MAX_VALUE)}…` : text });
  };
  walk('', metadata, 0);
  return rows;
}

export type Safety = { level: 'safe' | 'caution' | 'unknown'; verdict: string; detail: string | null };

const SAFE = new Set(['safe', 'ok', 'clean']);
const UNKNOWN = new Set(['unknown', 'incomplete']);

/**
 * Reads the engine's pickle check: `safety: { verdict: 'safe' | 'dangerous' | 'unknown', dangerous: [...] }`
 * (a flat `safety.verdict` key works too). Any other verdict is treated as dangerous, never as safe.
 */
export function safetyOf(metadata: Record<string, unknown>): Safety | null {
  const nested = metadata.safety;
  const n = nested && typeof nested === 'object' ? (nested as Record<string, unknown>) : null;
  const verdict = metadata['safety.verdict'] ?? n?.verdict;
  if (typeof verdict !== 'string' || verdict === '') return null;
  const v = verdict.toLowerCase();
  const level = SAFE.has(v) ? 'safe' : UNKNOWN.has(v) ? 'unknown' : 'caution';
  const dangerous = metadata['safety.dangerous'] ?? n?.dangerous ?? metadata['safety.reason'] ?? n?.reason;
  const hasDetail = Array.isArray(dangerous) ? dangerous.length > 0 : dangerous !== undefined && dangerous !== null;
  return { level, verdict, detail: level === 'caution' && hasDetail ? show(dangerous) : null };
}
