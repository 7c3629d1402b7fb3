// What an exported bundle says about itself: a model card (README.md with Hugging Face front
// matter), metrics.csv and lineage.json. Pure: catalog facts in, file text out.
import { stringify as toYaml } from 'yaml';
import { formatBytes } from '../../../shared/format';

export interface CardFacts {
  itemName: string;
  itemKind: 'model' | 'dataset';
  versionLabel: string;
  sourceLabel: string;
  itemPath: string;
  format: string;
  sizeBytes: number;
  fileCount: number;
  createdAt: number | null;
  /** The version's metadata as the catalog holds it (card, config, mlflow, format fields). */
  metadata: Record<string, unknown>;
  aliases: Array<{ value: string; origin: 'team' | 'mlflow' }>;
  stage: string | null;
  tags: string[];
  notes: Array<{ text: string; by: string | null; at: number | null }>;
  /** From lineage: parents this version was fine-tuned, quantized, merged from or adapts. */
  baseModels: string[];
  /** From lineage and the original card. */
  datasets: string[];
  lineage: Array<{ relation: string; label: string }>;
  metrics: Array<{ key: string; final: number | null; run: string }>;
  /** Where the version's own README.md went in the bundle, if it had one. */
  originalCard: string | null;
  exportedAt: Date;
}

function asList(v: unknown): string[] {
  if (typeof v === 'string' && v.trim() !== '') return [v.trim()];
  if (Array.isArray(v)) return v.filter((x): x is string => typeof x === 'string' && x.trim() !== '').map((x) => x.trim());
  return [];
}

function uniq(values: string[]): string[] {
  return [...new Set(values)];
}

function cell(v: string): string {
  return v.replace(/\r?\n/g, ' ').replace(/\|/g, '\\|');
}

function isoDay(ms: number | null): string | null {
  return ms === null || !Number.isFinite(ms) ? null : new Date(ms).toISOString().slice(0, 10);
}

/** README.md: YAML front matter a Hugging Face hub (and Modelshelf's own scanner) reads, then prose. */
export function modelCard(f: CardFacts): string {
  const card = (f.metadata.card ?? {}) as Record<string, unknown>;
  const baseModels = uniq([...asList(card.base_model), ...f.baseModels]);
  const datasets = uniq([...asList(card.datasets), ...f.datasets]);
  const metricKeys = uniq(f.metrics.map((m) => m.key));
  const front: Record<string, unknown> = { name: f.itemName, version: f.versionLabel };
  if (typeof card.license === 'string') front.license = card.license;
  if (baseModels.length > 0) front.base_model = baseModels.length === 1 ? baseModels[0] : baseModels;
  if (datasets.length > 0) front.datasets = datasets;
  if (metricKeys.length > 0) front.metrics = metricKeys;
  const tags = uniq([...asList(card.tags), ...f.tags]);
  if (tags.length > 0) front.tags = tags;
  for (const k of ['library_name', 'pipeline_tag', 'language'] as const) if (card[k] !== undefined) front[k] = card[k];

  const rows: Array<[string, string]> = [
    ['Source', `${f.sourceLabel} — ${f.itemPath}`],
    ['Format', f.format],
    ['Size', `${formatBytes(f.sizeBytes)} in ${f.fileCount} file${f.fileCount === 1 ? '' : 's'}`],
  ];
  const created = isoDay(f.createdAt);
  if (created) rows.push(['Created', created]);
  if (f.aliases.length > 0) rows.push(['Aliases', f.aliases.map((a) => (a.origin === 'mlflow' ? `${a.value} (MLflow)` : a.value)).join(', ')]);
  if (f.stage) rows.push(['Stage', f.stage]);
  const config = (f.metadata.config ?? {}) as Record<string, unknown>;
  const arch = asList(config.architectures)[0] ?? (typeof f.metadata.architecture === 'string' ? f.metadata.architecture : null);
  if (arch) rows.push(['Architecture', arch]);
  if (typeof f.metadata.parameters === 'number') rows.push(['Parameters', f.metadata.parameters.toLocaleString('en-US')]);
  if (typeof f.metadata.runId === 'string') rows.push(['MLflow run', f.metadata.runId]);

  const out: string[] = [`---\n${toYaml(front, { lineWidth: 0 }).trimEnd()}\n---`, '', `# ${f.itemName} — ${f.versionLabel}`, ''];
  if (typeof f.metadata.description === 'string' && f.metadata.description.trim()) out.push(f.metadata.description.trim(), '');
  out.push('| | |', '|---|---|', ...rows.map(([k, v]) => `| ${k} | ${cell(v)} |`), '');
  if (f.metrics.length > 0) {
    out.push('## Metrics', '', '| metric | final value | run |', '|---|---|---|');
    for (const m of f.metrics) out.push(`| ${cell(m.key)} | ${m.final === null ? '—' : String(m.final)} | ${cell(m.run)} |`);
    out.push('', 'Every logged point is in `metrics.csv`.', '');
  }
  if (f.lineage.length > 0) {
    out.push('## Lineage', '');
    for (const l of f.lineage) out.push(`- ${l.relation}: ${l.label}`);
    out.push('', 'The full graph is in `lineage.json`.', '');
  }
  if (f.notes.length > 0) {
    out.push('## Team notes', '');
    for (const n of f.notes) {
      const who = [n.by, isoDay(n.at)].filter(Boolean).join(', ');
      out.push(`${n.text.split(/\r?\n/).map((l) => `> ${l}`).join('\n')}${who ? `\n>\n> — ${who}` : ''}`, '');
    }
  }
  out.push('## Files', '');
  // Said so that a bundle without metrics.csv does not look as if a file went missing.
  if (f.metrics.length === 0) out.push('No training metrics were found for this version, so there is no `metrics.csv`.', '');
  if (f.originalCard) out.push(`The version's own model card is kept as \`${f.originalCard}\`.`, '');
  out.push(
    `Exported by Modelshelf on ${f.exportedAt.toISOString().slice(0, 10)}. \`MANIFEST.sha256\` lists the sha256 of every file; check them with`,
    '`sha256sum -c MANIFEST.sha256` (Linux), `shasum -a 256 -c MANIFEST.sha256` (macOS).',
    '',
  );
  return out.join('\n');
}

function csvField(v: string | number): string {
  const s = String(v);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** Long format, one logged point per row: run,key,step,value. */
export function metricsCsv(series: Array<{ runName: string; key: string; x: number[]; y: number[] }>): string {
  const lines = ['run,key,step,value'];
  for (const s of series) {
    for (let i = 0; i < s.x.length; i++) lines.push([s.runName, s.key, s.x[i] as number, s.y[i] as number].map(csvField).join(','));
  }
  return `${lines.join('\n')}\n`;
}
