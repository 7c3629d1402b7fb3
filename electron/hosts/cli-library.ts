// Reading the catalog from the command line: show, metrics, inspect.
import type { ItemVersion, MetricSeries } from '../../shared/contract';
import { formatBytes } from '../../shared/format';
import { type CliCommand, UsageError } from './cli-types';

function fmtParams(v: unknown): string {
  return typeof v === 'number' ? (v >= 1e9 ? `${(v / 1e9).toFixed(1)} B` : v >= 1e6 ? `${(v / 1e6).toFixed(1)} M` : String(v)) : String(v);
}

function metaLine(v: ItemVersion): string {
  const m = v.metadata;
  const bits = [
    m.architecture ?? (m.config as Record<string, unknown> | undefined)?.model_type,
    m.parameters !== undefined ? `${fmtParams(m.parameters)} parameters` : undefined,
    m.quantization,
    m.opset !== undefined ? `opset ${m.opset}` : undefined,
    (m.safety as { verdict?: string } | undefined)?.verdict === 'dangerous' ? 'DANGEROUS PICKLE' : undefined,
  ].filter((x) => x !== undefined && x !== null);
  return bits.join(', ');
}

export const libraryCommands: CliCommand[] = [
  {
    name: 'show',
    help: `  show <model>[@version|@alias] [--json]
                                Versions, files, format details, lineage and metric keys of a model or dataset.`,
    async run(ctx) {
      if (ctx.positionals.length !== 1) throw new UsageError('show takes one model, e.g. show churn-classifier@production');
      const ref = await ctx.call('library.resolve', { ref: ctx.positionals[0] as string });
      const item = await ctx.call('library.get', { id: ref.itemId });
      const versions = ref.versionId === null ? item.versions : item.versions.filter((v) => v.id === ref.versionId);
      const lineage = await ctx.call('library.lineage', { itemId: item.id });
      const metricKeys = await ctx.call('metrics.keys', { versionIds: versions.map((v) => v.id) });
      if (ctx.json) {
        ctx.printJson({ ...item, versions, lineage, metricKeys: metricKeys.map((k) => k.key) });
        return 0;
      }
      ctx.out(`${item.name} (${item.kind}, ${item.layout}) on ${item.sourceName}: ${item.path}`);
      for (const v of versions) {
        const chips = [...(v.stage ? [v.stage] : []), ...v.aliases].map((c) => `[${c}]`).join(' ');
        ctx.out(`  ${v.label} ${chips}\t${v.format}\t${formatBytes(v.sizeBytes)}\t${v.createdAt ? new Date(v.createdAt).toISOString().slice(0, 10) : ''}\t${metaLine(v)}`);
        if (ref.versionId !== null) for (const f of v.files) ctx.out(`      ${f.path}\t${formatBytes(f.size)}`);
      }
      const label = (id: string) => lineage.nodes.find((n) => n.id === id)?.label ?? id;
      const edges = lineage.edges.filter((e) => e.relation !== 'derived-from' || !e.from.startsWith('item:'));
      if (edges.length > 0) {
        ctx.out('Lineage:');
        for (const e of edges) ctx.out(`  ${label(e.from)} → ${label(e.to)}  (${e.relation}; ${e.evidence})`);
      }
      if (metricKeys.length > 0) ctx.out(`Metrics: ${metricKeys.map((k) => k.key).join(', ')}`);
      return 0;
    },
  },
  {
    name: 'metrics',
    help: `  metrics <model>@<version> [--key K] [--json]
                                Metric series logged by the runs that produced a version.`,
    options: { key: { type: 'string', multiple: true } },
    async run(ctx) {
      if (ctx.positionals.length !== 1) throw new UsageError('metrics takes one model version, e.g. metrics churn-classifier@3');
      const ref = await ctx.call('library.resolve', { ref: ctx.positionals[0] as string });
      const item = await ctx.call('library.get', { id: ref.itemId });
      const versionIds = ref.versionId !== null ? [ref.versionId] : item.versions.slice(0, 1).map((v) => v.id);
      const keyFlag = ctx.values.key;
      const keys = Array.isArray(keyFlag)
        ? keyFlag.map(String)
        : (await ctx.call('metrics.keys', { versionIds })).map((k) => k.key);
      const series: MetricSeries[] = keys.length > 0 ? await ctx.call('metrics.series', { versionIds, keys, x: 'step', maxPoints: 20_000 }) : [];
      if (ctx.json) {
        ctx.printJson(series);
        return 0;
      }
      if (series.length === 0) ctx.out(`No metrics recorded for ${item.name}${ref.versionLabel ? `@${ref.versionLabel}` : ''}.`);
      for (const s of series) {
        const last = s.y[s.y.length - 1];
        ctx.out(`${s.runName}\t${s.key}\t${s.total} points\tlast ${last ?? '-'}\tmin ${Math.min(...s.y)}\tmax ${Math.max(...s.y)}`);
      }
      return 0;
    },
  },
  {
    name: 'inspect',
    help: `  inspect <file> [--json]       One file's format details (a local path or smb://[user@]host/share/path).`,
    async run(ctx) {
      if (ctx.positionals.length !== 1) throw new UsageError('inspect takes one file.');
      const location = ctx.positionals[0] as string;
      let password = process.env.MODELSHELF_PASSWORD;
      if (password === undefined && /^smb:/i.test(location)) password = await ctx.askPassword();
      const r = await ctx.call('files.inspect', { location, password });
      if (ctx.json) {
        ctx.printJson(r);
        return 0;
      }
      ctx.out(`${r.location}: ${r.format ?? 'unknown format'}${r.kind ? ` (${r.kind})` : ''}, ${formatBytes(r.size)}; read ${formatBytes(r.bytesRead)} to find out`);
      for (const [k, v] of Object.entries(r.metadata)) {
        const text = typeof v === 'object' ? JSON.stringify(v) : String(v);
        ctx.out(`  ${k}: ${text.length > 160 ? `${text.slice(0, 157)}...` : text}`);
      }
      for (const w of r.warnings) ctx.out(`  warning: ${w}`);
      return 0;
    },
  },
];
