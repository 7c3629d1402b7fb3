// What a model's Metrics tab asks the engine for first, in one place: the tab itself builds these
// requests, and so does the page's prefetch (state/library-slice.ts), which sends them while the page
// renders. Equal inputs (compared as JSON, key order included) let the tab use the prefetched answers.
import type { ItemDetail, MethodInput } from '../../shared/contract';

/** What a chart's x axis shows until the user picks another. */
export const DEFAULT_CHART_X: 'step' | 'time' = 'step';

/** Versions charted together at most (the newest ones unless the user picks others). */
export const MAX_CHART_VERSIONS = 8;

/** The versions a model's Metrics tab charts before the user picks any: the first (newest) ones. */
export function defaultChartVersions(item: Pick<ItemDetail, 'versions'>): number[] {
  return item.versions.map((v) => v.id).slice(0, MAX_CHART_VERSIONS);
}

/**
 * Points to ask the engine for per series: min/max downsampling keeps two per bucket, so about two
 * per pixel column of the chart (never wider than the window) shows every spike; more only costs
 * transfer and drawing. Capped at 4,000, within the overview the engine stores per series, so the
 * first draw of even a 1M-point run reads one small blob.
 */
export function chartMaxPoints(windowWidth: number = typeof window === 'undefined' ? 1000 : window.innerWidth): number {
  return Math.min(4000, Math.max(1000, Math.round(2 * (windowWidth || 1000))));
}

const PREFERRED_KEYS = [/^loss$/i, /^train[_/]loss$/i, /^val[_/]loss$/i, /acc/i, /map/i];

/** The metric drawn first: a loss if there is one, else accuracy or mAP, else the first key. */
export function defaultKeys(keys: string[]): string[] {
  for (const re of PREFERRED_KEYS) {
    const hit = keys.find((k) => re.test(k));
    if (hit) return [hit];
  }
  return keys.slice(0, 1);
}

export type ChartSource = { runIds: number[] } | { versionIds: number[] };

/** The metrics.series request of a chart (the one place its fields are put in order). */
export function seriesRequest(source: ChartSource, keys: string[], x: 'step' | 'time', maxPoints: number): MethodInput<'metrics.series'> {
  return { ...source, keys, x, maxPoints };
}
