// P5: search latency over a 1M-file catalog (1M entry rows, 100k models/datasets, search indexes as
// the engine builds them), through createEngine + engine.call (validation, dispatch, SQL, row
// mapping), each query 20 times after a warm-up; p95 over the query mix.
//
// The measured call is what the UI's search sends when the engine has it: library.page
// {kind, query, offset 0, limit 100} — the first page of the library table for a typed query, with
// the number of matches (the command palette asks the same with limit 6, per kind). Beside it, not
// in the p95: the palette's call, the facet count the table asks for beside its first page, the
// CLI's whole list (library.list), broad queries (one or two letters, no query) and the full-text
// lookups alone. An engine without library.page is measured on library.list, as before.
import { METHOD_NAMES } from '../../../shared/contract';
import type { BenchContext } from '../lib/context';
import { cachedCatalog, SEARCH_CATALOG } from '../lib/catalog-cache';
import { runChild } from '../lib/proc';
import { type BenchResult, loadavg } from '../lib/report';
import { median, percentile, round } from '../lib/stats';

const TYPED = ['llama', 'bert', 'qwen 7b', 'sentiment', 'gguf', 'fraud', 'yolov8 detector', 'lama', 'whisper large asr', 'xyzzy'];
const BROAD = ['l', 'la'];
/** Rows per library.page call of the library table (renderer/state/library-slice.ts PAGE_SIZE). */
const TABLE_PAGE = 100;
/** Rows per kind in the command palette (renderer/screens/CommandPalette.tsx PER_GROUP). */
const PALETTE_ROWS = 6;

type Role = 'measured' | 'palette' | 'facets' | 'list' | 'broad' | 'whole';

interface SearchOut {
  results: Array<{ method: string; input: { query?: string; kind?: string }; ms: number[]; rows: number }>;
  fts: Array<{ query: string; ms: number[]; rows: number }>;
  catalogMs: Record<string, { calls: number; ms: number }>;
}

export async function benchSearch(ctx: BenchContext): Promise<BenchResult[]> {
  const load0 = loadavg();
  const cat = await cachedCatalog(ctx, SEARCH_CATALOG);
  const repeats = Math.max(10, ctx.runs * 4);
  const paged = (METHOD_NAMES as string[]).includes('library.page');
  const method = paged ? 'library.page' : 'library.list';
  const page = (query: string | undefined, extra: Record<string, unknown> = {}) =>
    paged ? { kind: 'model', ...(query !== undefined ? { query } : {}), offset: 0, limit: TABLE_PAGE, ...extra } : { kind: 'model', ...(query !== undefined ? { query } : {}) };
  const plan: Array<{ role: Role; method: string; input: Record<string, unknown>; repeats?: number }> = [
    ...TYPED.map((query) => ({ role: 'measured' as const, method, input: page(query) })),
    ...(paged
      ? [
          ...TYPED.map((query) => ({ role: 'palette' as const, method, input: { kind: 'model', query, limit: PALETTE_ROWS } })),
          ...TYPED.map((query) => ({ role: 'facets' as const, method, input: { kind: 'model', query, limit: 1, facets: true }, repeats: 5 })),
          ...TYPED.map((query) => ({ role: 'list' as const, method: 'library.list', input: { kind: 'model', query }, repeats: 3 })),
        ]
      : []),
    ...BROAD.map((query) => ({ role: 'broad' as const, method, input: page(query), repeats: 5 })),
    { role: 'whole', method, input: page(undefined), repeats: 5 },
    ...(paged ? [{ role: 'whole' as const, method: 'library.list', input: { kind: 'model' }, repeats: 3 }] : []),
  ];
  const { result } = await runChild<SearchOut>('search', {
    dataDir: cat.dir,
    queries: plan.map(({ method, input, repeats }) => ({ method, input, repeats })),
    repeats,
    fts: TYPED,
  });
  const runs = result.results.map((r, i) => ({ ...r, role: (plan[i] as { role: Role }).role }));
  const measured = runs.filter((r) => r.role === 'measured');
  const p95 = percentile(measured.flatMap((r) => r.ms), 95);
  const per = runs.map((r) => ({
    role: r.role,
    method: r.method,
    query: r.input.query ?? '(none: the whole list)',
    input: r.input,
    rows: r.rows,
    medianMs: round(median(r.ms), 2),
    p95Ms: round(percentile(r.ms, 95), 2),
    inP95: r.role === 'measured',
  }));
  const rolesP95 = (role: Role) => round(percentile(runs.filter((r) => r.role === role).flatMap((r) => r.ms), 95), 1);
  const worst = per.filter((p) => p.inP95).sort((a, b) => b.p95Ms - a.p95Ms)[0];
  const ftsPer = result.fts.map((f) => ({ query: f.query, rows: f.rows, medianMs: round(median(f.ms), 2), p95Ms: round(percentile(f.ms, 95), 2) }));
  const ftsP95 = percentile(result.fts.flatMap((f) => f.ms), 95);
  const whole = per.find((p) => p.role === 'whole' && p.method === method);
  const wholeList = per.find((p) => p.role === 'whole' && p.method === 'library.list');
  const label = paged
    ? `library.page {kind, query, offset 0, limit ${TABLE_PAGE}} p95, ${TYPED.length} queries × ${repeats}`
    : `library.list {kind, query} p95, ${TYPED.length} queries × ${repeats}`;
  const beside = paged
    ? `; beside it (p95): palette {limit ${PALETTE_ROWS}} ${rolesP95('palette')} ms, facets ${rolesP95('facets')} ms, library.list (whole match list, CLI) ${rolesP95('list')} ms; whole model list: first page ${whole?.medianMs} ms, library.list ${wholeList?.medianMs} ms (${wholeList?.rows} rows)`
    : `; whole model list ${whole?.medianMs} ms (${whole?.rows} rows)`;
  return [
    {
      id: 'P5',
      title: 'search p95 over a catalog of 1M files',
      measure: { value: round(p95, 2), unit: 'ms', label },
      reference: null,
      ratio: null,
      target: 'p95 < 30 ms',
      status: p95 < 30 ? 'pass' : 'miss',
      note: `slowest: "${worst?.query}" ${worst?.p95Ms} ms (${worst?.rows} matches); full-text lookups alone p95 ${round(ftsP95, 2)} ms over ${cat.stats.searchRows} rows${beside}; broad "l" ${per.find((p) => p.role === 'broad' && p.query === 'l')?.medianMs} ms`,
      details: { catalog: cat.stats, catalogBuiltThisRun: cat.built, method, queries: per, ftsOnly: ftsPer, catalogMethodMs: result.catalogMs },
      load: { start: load0, end: loadavg() },
    },
  ];
}
