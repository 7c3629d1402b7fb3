// P5: search latency over a 1M-file catalog (1M entry rows, 100k models/datasets, FTS index when the
// engine builds one): library.list with a query, through createEngine + engine.call (validation,
// dispatch, SQL, row mapping), each query 20 times after a warm-up; p95 over the query mix. Broad
// queries (one letter, no query: tens of thousands of rows) are reported beside it, not in the p95.
import type { BenchContext } from '../lib/context';
import { cachedCatalog, SEARCH_CATALOG } from '../lib/catalog-cache';
import { runChild } from '../lib/proc';
import { type BenchResult, loadavg } from '../lib/report';
import { median, percentile, round } from '../lib/stats';

const TYPED = ['llama', 'bert', 'qwen 7b', 'sentiment', 'gguf', 'fraud', 'yolov8 detector', 'lama', 'whisper large asr', 'xyzzy'];
const BROAD = ['l', 'la'];

interface SearchOut {
  results: Array<{ input: { query?: string; kind?: string }; ms: number[]; rows: number }>;
  fts: Array<{ query: string; ms: number[]; rows: number }>;
  catalogMs: Record<string, { calls: number; ms: number }>;
}

export async function benchSearch(ctx: BenchContext): Promise<BenchResult[]> {
  const load0 = loadavg();
  const cat = await cachedCatalog(ctx, SEARCH_CATALOG);
  const repeats = Math.max(10, ctx.runs * 4);
  const queries = [
    ...TYPED.map((query) => ({ query, kind: 'model' })),
    ...BROAD.map((query) => ({ query, kind: 'model', repeats: 3 })),
    { kind: 'model', repeats: 3 },
  ];
  const { result } = await runChild<SearchOut>('search', { dataDir: cat.dir, queries, repeats, fts: TYPED });
  const typed = result.results.filter((r) => r.input.query !== undefined && TYPED.includes(r.input.query));
  const all = typed.flatMap((r) => r.ms);
  const p95 = percentile(all, 95);
  const per = result.results.map((r) => ({
    query: r.input.query ?? '(none: the whole list)',
    kind: r.input.kind,
    rows: r.rows,
    medianMs: round(median(r.ms), 2),
    p95Ms: round(percentile(r.ms, 95), 2),
    inP95: r.input.query !== undefined && TYPED.includes(r.input.query),
  }));
  const worst = per.filter((p) => p.inP95).sort((a, b) => b.p95Ms - a.p95Ms)[0];
  const ftsPer = result.fts.map((f) => ({ query: f.query, rows: f.rows, medianMs: round(median(f.ms), 2), p95Ms: round(percentile(f.ms, 95), 2) }));
  const ftsP95 = percentile(result.fts.flatMap((f) => f.ms), 95);
  const whole = per.find((p) => p.query.startsWith('(none'));
  return [
    {
      id: 'P5',
      title: 'search p95 over a catalog of 1M files',
      measure: { value: round(p95, 2), unit: 'ms', label: `library.list {kind, query} p95, ${TYPED.length} queries × ${repeats}` },
      reference: null,
      ratio: null,
      target: 'p95 < 30 ms',
      status: p95 < 30 ? 'pass' : 'miss',
      note: `slowest: "${worst?.query}" ${worst?.p95Ms} ms (${worst?.rows} rows); FTS5 MATCH alone p95 ${round(ftsP95, 2)} ms over ${cat.stats.searchRows} rows; whole model list ${whole?.medianMs} ms (${whole?.rows} rows); broad "l" ${per.find((p) => p.query === 'l')?.medianMs} ms`,
      details: { catalog: cat.stats, catalogBuiltThisRun: cat.built, queries: per, ftsOnly: ftsPer, catalogMethodMs: result.catalogMs },
      load: { start: load0, end: loadavg() },
    },
  ];
}
