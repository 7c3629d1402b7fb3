// Gathers what an export needs from the catalog: the version and its files, the plan for the chosen
// layout, and the generated files (card, lineage.json, metrics.csv, MLmodel when needed).
import { randomUUID } from 'node:crypto';
import { stringify as toYaml } from 'yaml';
import type { ExportLayout, ItemDetail, ItemVersion, LineageGraph } from '../../../shared/contract';
import type { SourceRow } from '../catalog/catalog';
import { Insights } from '../catalog/insights';
import type { EngineContext } from '../engine-context';
import { EngineError } from '../errors';
import { AnnotationStore } from '../registry/annotations/store';
import { metricsCsv, modelCard } from './card';
import { type BundlePlan, CARD_NAME, LINEAGE_NAME, METRICS_NAME, MLMODEL_NAME, planBundle } from './plan';

export interface PreparedExport {
  item: ItemDetail;
  version: ItemVersion;
  row: SourceRow;
  plan: BundlePlan;
  generated: Map<string, Uint8Array>;
  resumeKey: string;
}

const PARENT_RELATIONS = new Set(['fine-tuned-from', 'adapter-of', 'quantized-from', 'merged-from']);
const utf8 = new TextEncoder();

export function prepareExport(
  ctx: Pick<EngineContext, 'catalog' | 'sources'>,
  input: { versionId: number; layout: ExportLayout },
  now = new Date(),
): PreparedExport {
  const db = ctx.catalog.db;
  const v = db.prepare('SELECT item_id FROM version WHERE id = ?').get(input.versionId) as { item_id: number } | undefined;
  const base = v ? ctx.catalog.getItem(v.item_id) : null;
  if (!base) throw new EngineError('NOT_FOUND', `There is no version with id ${input.versionId}; rescan the source and try again.`);
  const item = new AnnotationStore(db).annotateItem(base);
  const version = item.versions.find((x) => x.id === input.versionId) as ItemVersion;
  if (version.files.length === 0) throw new EngineError('NOT_FOUND', `${item.name} ${version.label} has no files to export.`);
  const row = ctx.sources.requireRow(item.sourceId);

  const insights = new Insights(db);
  const runIds = insights.resolveRuns([], [version.id]);
  const runs = insights.listRuns({ itemId: item.id }).filter((r) => runIds.includes(r.id));
  const keys = [...new Set(runs.flatMap((r) => r.metricKeys))];
  const series = keys.length > 0 ? insights.series(runIds, keys, 'step', Number.MAX_SAFE_INTEGER) : [];
  const graph = insights.lineage(item.id, 3);

  const plan = planBundle({
    itemName: item.name,
    versionLabel: version.label,
    versionPath: version.path,
    files: version.files.map((f) => ({ path: f.path, size: f.size, mtimeMs: f.mtime })),
    layout: input.layout,
    publisher: row.name,
    hasMetrics: series.length > 0,
  });

  const mine = new Set([`item:${item.id}`, `version:${version.id}`]);
  const label = (ref: string) => graph.nodes.find((n) => n.id === ref)?.label ?? ref.replace(/^external:/, '');
  // Lineage edges go from an origin to what came of it: the card lists what this version (or its
  // model) came from — the team's links and what the files on the share say.
  const origins = graph.edges.filter((e) => mine.has(e.to) && !mine.has(e.from));
  const notes = [...(item.annotations ?? []), ...(version.annotations ?? [])].filter((a) => a.kind === 'note');
  const original = plan.copies.find((c) => /(^|\/)README\.source\.md$/.test(c.dest) && /(^|\/)README\.md$/i.test(c.src));

  const card = modelCard({
    itemName: item.name,
    itemKind: item.kind,
    versionLabel: version.label,
    sourceLabel: row.url,
    itemPath: item.path,
    format: version.format,
    sizeBytes: version.sizeBytes,
    fileCount: version.files.length,
    createdAt: version.createdAt,
    metadata: version.metadata,
    aliases: (version.annotations ?? []).filter((a) => a.kind === 'alias').map((a) => ({ value: a.value, origin: a.origin })),
    stage: version.stage,
    tags: item.tags ?? [],
    notes: notes.map((n) => ({ text: n.value, by: n.by, at: n.at })),
    baseModels: origins.filter((e) => PARENT_RELATIONS.has(e.relation)).map((e) => label(e.from)),
    datasets: origins.filter((e) => e.relation === 'trained-on').map((e) => label(e.from)),
    lineage: origins.map((e) => ({ relation: e.relation, label: label(e.from) })),
    metrics: runs.flatMap((r) => Object.entries(r.finals).map(([key, final]) => ({ key, final, run: r.name }))),
    originalCard: original?.dest ?? null,
    exportedAt: now,
  });

  const generated = new Map<string, Uint8Array>([
    [CARD_NAME, utf8.encode(card)],
    [LINEAGE_NAME, utf8.encode(`${JSON.stringify(lineageDocument(item, version, row, graph, now), null, 2)}\n`)],
  ]);
  if (series.length > 0) generated.set(METRICS_NAME, utf8.encode(metricsCsv(series)));
  if (plan.generateMlmodel) {
    // An MLflow model folder needs an MLmodel; Modelshelf cannot know a loader (flavor) for
    // arbitrary files, so it lists them and says where they came from.
    const mlmodel = {
      artifact_path: 'model',
      flavors: {},
      model_uuid: randomUUID().replace(/-/g, ''),
      utc_time_created: now.toISOString().replace('T', ' ').replace('Z', ''),
      metadata: {
        name: item.name,
        version: version.label,
        source: `${row.url}/${version.path}`,
        format: version.format,
        artifacts: plan.copies.map((c) => c.dest),
        exported_by: 'Modelshelf',
      },
    };
    generated.set(MLMODEL_NAME, utf8.encode(toYaml(mlmodel, { lineWidth: 0 })));
  }
  const resumeKey = [row.url, `${item.kind}:${item.path}`, version.label, input.layout].join('|');
  return { item, version, row, plan, generated, resumeKey };
}

function lineageDocument(item: ItemDetail, version: ItemVersion, row: SourceRow, graph: LineageGraph, now: Date) {
  return {
    exportedAt: now.toISOString(),
    source: row.url,
    model: { name: item.name, kind: item.kind, path: item.path },
    version: { label: version.label, path: version.path },
    nodes: graph.nodes.map((n) => ({ id: n.id, kind: n.kind, label: n.label })),
    edges: graph.edges,
  };
}
