// The one contract between the engine and everything that talks to it (renderer over the Electron
// bridge or WebSocket, the CLI, tests). Every method has an input schema and an output type; every
// event has a payload schema. The engine validates input at the boundary (rpc/dispatch); hosts only
// relay. Adding a method means adding it here first, then a handler, then (for the Electron window)
// nothing else: the preload's allowlist is derived from METHOD_NAMES.
import { z } from 'zod';

// ---- domain records -----------------------------------------------------------------------------

export const SourceKindSchema = z.enum(['smb', 'local']);
export type SourceKind = z.infer<typeof SourceKindSchema>;

export const SourceStatusSchema = z.enum(['unknown', 'online', 'offline', 'scanning']);
export type SourceStatus = z.infer<typeof SourceStatusSchema>;

export interface Source {
  id: number;
  name: string;
  kind: SourceKind;
  /** smb://[domain;][user@]host[:port]/share[/path] (no password, ever), or an absolute local path. */
  url: string;
  status: SourceStatus;
  lastScanAt: number | null;
  lastSeenAt: number | null;
  lastError: string | null;
  /** True when the engine holds no password for an SMB source that needs one (ask before scanning). */
  needsPassword: boolean;
  counts: { files: number; folders: number; bytes: number; models: number; datasets: number };
}

export const ItemKindSchema = z.enum(['model', 'dataset']);
export type ItemKind = z.infer<typeof ItemKindSchema>;

/** One row of the library: a model or dataset with its latest version. */
export interface LibraryItem {
  id: number;
  kind: ItemKind;
  name: string;
  sourceId: number;
  sourceName: string;
  /** Folder (or file) on the source that holds it, relative to the source root, '/'-separated. */
  path: string;
  /** How it was recognised: 'mlflow-registry', 'huggingface', 'lightning', 'ultralytics', 'file', … */
  layout: string;
  format: string;
  versionCount: number;
  latestVersion: string | null;
  aliases: string[];
  sizeBytes: number;
  updatedAt: number | null;
}

export interface VersionFile {
  path: string;
  size: number;
  mtime: number | null;
}

export interface ItemVersion {
  id: number;
  label: string;
  path: string;
  createdAt: number | null;
  sizeBytes: number;
  format: string;
  aliases: string[];
  stage: string | null;
  /** Format metadata read from headers (architecture, parameters, dtype, opset, …). */
  metadata: Record<string, unknown>;
  files: VersionFile[];
}

export interface ItemDetail extends LibraryItem {
  versions: ItemVersion[];
}

export interface ScanSummary {
  sourceId: number;
  generation: number;
  folders: number;
  files: number;
  bytes: number;
  /** Files whose headers were read this scan (unchanged files are not re-read). */
  filesRead: number;
  bytesRead: number;
  models: number;
  datasets: number;
  durationMs: number;
  /** Things left out, with a reason a person can read ("name has a control character"). */
  skipped: Array<{ path: string; reason: string }>;
}

/** A training run found on a share (MLflow run, TensorBoard log, HF trainer state, Lightning/Ultralytics/Keras CSV, DVCLive). */
export interface RunSummary {
  id: number;
  sourceId: number;
  name: string;
  path: string;
  /** Which tool wrote it: 'mlflow', 'tensorboard', 'hf-trainer', 'lightning', 'ultralytics', 'keras-csv', 'dvclive'. */
  format: string;
  status: string | null;
  startedAt: number | null;
  endedAt: number | null;
  params: Record<string, string>;
  metricKeys: string[];
  /** Last value of each metric. */
  finals: Record<string, number>;
}

export const LineageRelationSchema = z.enum([
  'trained-on',
  'produced-by',
  'fine-tuned-from',
  'adapter-of',
  'quantized-from',
  'merged-from',
  'exported-as',
  'derived-from',
]);
export type LineageRelation = z.infer<typeof LineageRelationSchema>;

export interface LineageNode {
  /** 'item:<id>', 'version:<id>', 'run:<id>', or 'external:<name>' for things not on any source. */
  id: string;
  kind: 'model' | 'dataset' | 'version' | 'run' | 'external';
  label: string;
  itemId?: number;
  versionId?: number;
  runId?: number;
}

export interface LineageEdge {
  from: string;
  to: string;
  relation: LineageRelation;
  /** Which file said so, in words: "from dvc.lock", "card base_model". */
  evidence: string;
  /** 0..1: 1 = a tool recorded it, lower = inferred (e.g. files side by side). */
  confidence: number;
}

export interface LineageGraph {
  nodes: LineageNode[];
  edges: LineageEdge[];
}

export interface MetricSeries {
  runId: number;
  runName: string;
  key: string;
  /** Downsampled to at most maxPoints (min/max per bucket keeps spikes); x is step or ms since epoch. */
  x: number[];
  y: number[];
  /** Points stored before downsampling. */
  total: number;
}

export interface VersionComparison {
  versions: Array<{ id: number; itemId: number; itemName: string; label: string }>;
  /** One row per key; values[i] belongs to versions[i]; null = absent. */
  params: Array<{ key: string; values: Array<string | null>; same: boolean }>;
  metrics: Array<{ key: string; values: Array<number | null>; same: boolean }>;
  metadata: Array<{ key: string; values: Array<string | null>; same: boolean }>;
  files: Array<{ path: string; sizes: Array<number | null>; status: 'same' | 'changed' | 'added' | 'removed' | 'mixed' }>;
}

export interface FileInspection {
  location: string;
  size: number;
  /** null when no reader knows the file type. */
  format: string | null;
  kind: 'model' | 'dataset' | 'other' | null;
  metadata: Record<string, unknown>;
  warnings: string[];
  /** What reading the header cost. */
  bytesRead: number;
}

export interface AppInfo {
  version: string;
  dataDir: string;
  catalogPath: string;
  /** Where the built-in demo library lives once created (null until then). */
  demoPath: string | null;
  host: 'electron' | 'browser' | 'cli' | 'test';
}

// ---- methods ------------------------------------------------------------------------------------

const Id = z.number().int().positive();

export const methodInputs = {
  'app.info': z.object({}),
  'sources.list': z.object({}),
  'sources.add': z.object({
    /** smb://[user@]host[:port]/share[/path], \\host\share, or an absolute local folder. */
    location: z.string().min(1).max(2048),
    name: z.string().min(1).max(200).optional(),
    /** Held in memory (and in the OS keychain in the desktop app); never written to the catalog. */
    password: z.string().max(1024).optional(),
  }),
  'sources.remove': z.object({ id: Id }),
  'sources.setPassword': z.object({ id: Id, password: z.string().max(1024) }),
  'sources.scan': z.object({ id: Id }),
  'sources.cancelScan': z.object({ id: Id }),
  'demo.open': z.object({}),
  'library.list': z.object({
    kind: ItemKindSchema.optional(),
    query: z.string().max(500).optional(),
    sourceId: Id.optional(),
  }),
  'library.get': z.object({ id: Id }),
  /** Resolves "name", "name@label", "name@alias" or "name@latest" (as typed on the command line). */
  'library.resolve': z.object({ ref: z.string().min(1).max(1000), kind: ItemKindSchema.optional() }),
  /** One file's format metadata: a local path or smb://[user@]host[:port]/share/path/to/file. */
  'files.inspect': z.object({ location: z.string().min(1).max(4096), password: z.string().max(1024).optional() }),
  'library.lineage': z.object({ itemId: Id, depth: z.number().int().min(1).max(6).optional() }),
  'runs.list': z.object({ sourceId: Id.optional(), query: z.string().max(500).optional(), itemId: Id.optional() }),
  'metrics.keys': z.object({ runIds: z.array(Id).max(200).optional(), versionIds: z.array(Id).max(200).optional() }),
  'metrics.series': z.object({
    runIds: z.array(Id).max(200).optional(),
    versionIds: z.array(Id).max(200).optional(),
    keys: z.array(z.string().min(1).max(500)).min(1).max(50),
    x: z.enum(['step', 'time']).default('step'),
    maxPoints: z.number().int().min(10).max(20_000).default(2000),
  }),
  'metrics.trend': z.object({ itemId: Id, key: z.string().min(1).max(500) }),
  'versions.compare': z.object({ versionIds: z.array(Id).min(2).max(8) }),
} as const;

export interface MethodOutputs {
  'app.info': AppInfo;
  'sources.list': Source[];
  'sources.add': Source;
  'sources.remove': { removed: true };
  'sources.setPassword': Source;
  'sources.scan': ScanSummary;
  'sources.cancelScan': { cancelled: boolean };
  'demo.open': Source;
  'library.list': LibraryItem[];
  'library.get': ItemDetail;
  'library.resolve': { itemId: number; versionId: number | null; itemName: string; versionLabel: string | null };
  'files.inspect': FileInspection;
  'library.lineage': LineageGraph;
  'runs.list': RunSummary[];
  'metrics.keys': Array<{ key: string; runIds: number[] }>;
  'metrics.series': MetricSeries[];
  /** One point per version of a model: final and best value of a metric ("trend across versions"). */
  'metrics.trend': Array<{ versionId: number; label: string; final: number | null; best: number | null }>;
  'versions.compare': VersionComparison;
}

export type MethodName = keyof typeof methodInputs;
export type MethodInput<M extends MethodName> = z.input<(typeof methodInputs)[M]>;
export type MethodOutput<M extends MethodName> = MethodOutputs[M];
export const METHOD_NAMES = Object.keys(methodInputs) as MethodName[];

export function isMethodName(value: unknown): value is MethodName {
  return typeof value === 'string' && Object.hasOwn(methodInputs, value);
}

// ---- events (engine → UI) -----------------------------------------------------------------------

export interface ScanProgress {
  sourceId: number;
  folders: number;
  files: number;
  bytes: number;
  /** Files per second over the scan so far. */
  rate: number;
  currentPath: string;
  phase: 'listing' | 'reading' | 'grouping';
}

export interface EventPayloads {
  'scan.progress': ScanProgress;
  'scan.finished': { sourceId: number; result: { ok: true; summary: ScanSummary } | { ok: false; code: string; message: string } };
  'sources.changed': { sourceId: number | null };
  'library.changed': { sourceId: number | null };
}

export type EventName = keyof EventPayloads;
export const EVENT_NAMES: readonly EventName[] = [
  'scan.progress',
  'scan.finished',
  'sources.changed',
  'library.changed',
] as const;

export function isEventName(value: unknown): value is EventName {
  return typeof value === 'string' && (EVENT_NAMES as readonly string[]).includes(value);
}

export interface EngineEvent<E extends EventName = EventName> {
  event: E;
  payload: EventPayloads[E];
}
