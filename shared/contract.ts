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
  /** Connection state kept by the engine (nas/source-health.ts): online, reconnecting, offline since…, with a message. */
  health?: SourceHealth;
  /** For a local folder that is an OS-mounted share: the share it came from (smb://host/share), else null. */
  origin?: string | null;
  /**
   * Whether Modelshelf can save the team's aliases, stages, tags and notes there, as learnt when the
   * engine last connected to it this session (share permissions, or W_OK on a local folder). Absent
   * when not known yet (not connected since the engine started): treat as writable; a refused write
   * still says why.
   */
  writable?: boolean;
  /** When writable is false: why, in words ("This share is read-only for ana: …"); else null. */
  readOnlyReason?: string | null;
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
  /** Team tags on the item or any of its versions (see annotations.set). */
  tags?: string[];
  sizeBytes: number;
  updatedAt: number | null;
}

/** Columns the library can be sorted by (library.page). */
export const LibrarySortKeySchema = z.enum(['name', 'latestVersion', 'versionCount', 'format', 'sizeBytes', 'updatedAt', 'sourceName']);
export type LibrarySortKey = z.infer<typeof LibrarySortKeySchema>;

/** What a query matches before the format and source filters: for the filter menus. */
export interface LibraryFacets {
  total: number;
  /** Most common first. */
  formats: Array<{ value: string; count: number }>;
  /** By name. */
  sources: Array<{ id: number; name: string; count: number }>;
}

/** One window of the library (library.page). */
export interface LibraryPage {
  /** Rows in all (after query and filters). */
  total: number;
  offset: number;
  items: LibraryItem[];
  /** Only when asked for. */
  facets?: LibraryFacets;
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
  /** Every alias, stage, tag, note and link on this version, saying who set it and where it came from. */
  annotations?: VersionAnnotation[];
  /** Format metadata read from headers (architecture, parameters, dtype, opset, …). */
  metadata: Record<string, unknown>;
  files: VersionFile[];
}

export interface ItemDetail extends LibraryItem {
  versions: ItemVersion[];
  /** Team tags, notes and links on the model itself (not on one version). */
  annotations?: VersionAnnotation[];
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

/** Edges point from origin to product: dataset → run → version → derived model. */
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
  /** When the series was asked for by version: which version's run it is. */
  versionId?: number;
  versionLabel?: string;
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

// ---- export and team annotations --------------------------------------------------------------

export const ExportLayoutSchema = z.enum(['bundle', 'hf', 'mlflow', 'lmstudio']);
export type ExportLayout = z.infer<typeof ExportLayoutSchema>;

export interface ExportResult {
  exportId: string;
  /** The finished folder, or .zip file, on this computer. */
  path: string;
  /** Files in the bundle, generated ones (README.md, MANIFEST.sha256, lineage.json, metrics.csv) included. */
  files: number;
  /** Bytes written: the bundle's files, or the .zip's size. */
  bytes: number;
  /** sha256 of MANIFEST.sha256: one fingerprint for the whole bundle. */
  sha256Manifest: string;
  durationMs: number;
  /** Bytes a previous, interrupted export of the same version had already copied (0 = fresh start). */
  resumedBytes: number;
}

export interface ExportProgress {
  exportId: string;
  versionId: number;
  phase: 'preparing' | 'copying' | 'verifying' | 'finishing';
  bytesDone: number;
  bytesTotal: number;
  filesDone: number;
  filesTotal: number;
  currentFile: string;
  /** Bytes per second copied so far in this run. */
  rate: number;
  /** Seconds left at that rate; null until known. */
  etaSeconds: number | null;
}

export const AnnotationKindSchema = z.enum(['alias', 'stage', 'tag', 'note', 'link']);
export type AnnotationKind = z.infer<typeof AnnotationKindSchema>;

/** An alias, stage, tag, note or link: set by the team in Modelshelf, or MLflow's own (read-only here). */
export interface VersionAnnotation {
  kind: AnnotationKind;
  value: string;
  /** Who set it (OS user name); null for MLflow's own. */
  by: string | null;
  /** When (ms since epoch); null when MLflow does not say. */
  at: number | null;
  origin: 'team' | 'mlflow';
  /** Links only: how this model or version relates to `value`. */
  relation?: LineageRelation;
  /** The event that set it (team only): a note is removed by this id. */
  id?: string;
}

export interface Annotation extends VersionAnnotation {
  sourceId: number;
  /** null when the item is not (or no longer) in the catalog. */
  itemId: number | null;
  itemKind: ItemKind;
  /** Folder or file of the item on the source: annotations follow paths, not database ids. */
  itemPath: string;
  /** null = on the item itself. */
  versionLabel: string | null;
}

/** One entry of the team's audit log (the event logs on the share), newest first. */
export interface ActivityEntry {
  id: string;
  at: number;
  who: string;
  machine: string;
  /** 'alias.set', 'alias.remove', 'stage.set', 'stage.clear', 'tag.add', 'tag.remove', 'note.add', 'note.remove', 'link.add', 'link.remove'. */
  action: string;
  sourceId: number;
  itemId: number | null;
  itemKind: ItemKind;
  itemPath: string;
  itemName: string;
  versionLabel: string | null;
  value: string;
  /** In words: "ana moved production from 5 to 3". */
  summary: string;
  /**
   * alias.set that moved the alias off another version: the version it was on just before ("5");
   * absent otherwise (set for the first time, set again where it was, other actions, older engines).
   */
  previousVersionLabel?: string;
}

export interface AppInfo {
  version: string;
  dataDir: string;
  catalogPath: string;
  /** Where the built-in demo library lives once created (null until then). */
  demoPath: string | null;
  /** A sensible default folder for exports (the user's Downloads folder, else home). */
  downloadsDir: string;
  /** What this computer's file manager is called ("Finder", "File Explorer", "Files"). */
  fileManager?: string;
  host: 'electron' | 'browser' | 'cli' | 'test';
}

// ---- NAS: discovery, share listing, source health (electron/core/nas/discovery, source-health) -----

export const DiscoveryMethodSchema = z.enum(['mdns', 'wsd', 'netbios', 'mounted']);
/** mdns = Bonjour/DNS-SD, wsd = WS-Discovery (Windows network), netbios = NetBIOS node status, mounted = already mounted by the OS. */
export type DiscoveryMethod = z.infer<typeof DiscoveryMethodSchema>;

/** A share the operating system already has mounted (it can be added as a local folder that remembers its origin). */
export interface MountedShare {
  /** smb://[user@]host[:port]/share[/path] it came from (never a password). */
  url: string;
  host: string;
  share: string;
  /** Where it is mounted: /mnt/models, /Volumes/models, Z:\\, a gvfs folder. */
  mountPoint: string;
  /** How it was found: 'cifs' (/proc/mounts), 'gvfs', 'smbfs' (macOS), 'net-use' (Windows). */
  via: 'cifs' | 'gvfs' | 'smbfs' | 'net-use';
}

/** One NAS (or computer sharing files) on the network, merged from every protocol that saw it. */
export interface NasDevice {
  /** Stable within one discovery: the first IPv4 address, else the first name. */
  id: string;
  /** The best name to show: Bonjour name, WS-Discovery name, NetBIOS name, host name or address. */
  name: string;
  addresses: string[];
  /** DNS and NetBIOS names (teamnas.local, TEAMNAS). */
  hostnames: string[];
  foundBy: DiscoveryMethod[];
  /** True when some protocol says it serves files (SMB service, NetBIOS <20>, WSD computer). */
  fileServer: boolean;
  /** SMB port when the device advertises one other than 445, else null. */
  smbPort: number | null;
  model: string | null;
  workgroup: string | null;
  /** DNS-SD service types seen (_smb._tcp, _adisk._tcp, _device-info._tcp). */
  services: string[];
  mounted: MountedShare[];
  /** Where to list shares: smb://address[:port]. */
  url: string;
}

export interface NasShareInfo {
  name: string;
  comment: string;
  /** This account could open the share and list its top folder. */
  readable: boolean;
  /** Why not, in words, when readable is false. */
  problem: string | null;
}

export const SourceHealthStateSchema = z.enum(['unknown', 'online', 'connecting', 'offline', 'auth-failed', 'share-gone']);
export type SourceHealthState = z.infer<typeof SourceHealthStateSchema>;

export interface SourceHealth {
  state: SourceHealthState;
  /** When the source entered this state (ms since epoch); null when unknown. */
  since: number | null;
  /** What a person should know ("nas.local is not answering: it may be off, asleep, or on another network. …"); null when online. */
  message: string | null;
  /** When the engine will try to reconnect by itself; null when it will not (online, or a password is needed). */
  nextRetryAt: number | null;
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
    /** false: keep the password for this session only (nothing in the keychain). Default true. */
    remember: z.boolean().optional(),
  }),
  'sources.remove': z.object({ id: Id }),
  'sources.setPassword': z.object({ id: Id, password: z.string().max(1024), remember: z.boolean().optional() }),
  'sources.scan': z.object({ id: Id }),
  'sources.cancelScan': z.object({ id: Id }),
  /** Removes a source and its stored password (keychain included). */
  'sources.forget': z.object({ id: Id }),
  /** Finds NAS devices on the local network (Bonjour, WS-Discovery, NetBIOS) and shares the OS has mounted. */
  'nas.discover': z.object({ timeoutMs: z.number().int().min(200).max(30_000).optional() }),
  /** Lists a NAS's shares and which ones this account can read. No user = guest. */
  'nas.shares': z.object({
    host: z.string().min(1).max(255),
    port: z.number().int().min(1).max(65_535).optional(),
    /** 'user', 'DOMAIN\\user' or 'user@domain'; absent or empty = guest. */
    user: z.string().max(256).optional(),
    domain: z.string().max(256).optional(),
    password: z.string().max(1024).optional(),
  }),
  /** Adds a share the OS already mounted as a local-folder source that remembers its smb:// origin. */
  'nas.addMounted': z.object({ mountPoint: z.string().min(1).max(4096), name: z.string().min(1).max(200).optional() }),
  /**
   * Shows a source (or a folder in it, by catalog path) in the OS file manager. A NAS share is
   * mounted by the OS's own client (Finder, File Explorer, gio); one the OS already mounted opens as a folder.
   */
  'sources.openInFileManager': z.object({ id: Id, path: z.string().max(4096).optional() }),
  'demo.open': z.object({}),
  'library.list': z.object({
    kind: ItemKindSchema.optional(),
    query: z.string().max(500).optional(),
    sourceId: Id.optional(),
  }),
  /** One sorted, filtered window of the library (what the library table and the search box read). */
  'library.page': z.object({
    kind: ItemKindSchema.optional(),
    query: z.string().max(500).optional(),
    sourceId: Id.optional(),
    format: z.string().max(200).optional(),
    sort: LibrarySortKeySchema.default('name'),
    dir: z.enum(['asc', 'desc']).default('asc'),
    offset: z.number().int().min(0).max(100_000_000).default(0),
    limit: z.number().int().min(1).max(1000).default(100),
    /** Also count formats and sources of what the query matches (for the filter menus). */
    facets: z.boolean().default(false),
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
    /** Only points with x in [min, max] (a zoomed chart asks for what it shows, at full detail). */
    range: z.object({ min: z.number().finite(), max: z.number().finite() }).optional(),
  }),
  'metrics.trend': z.object({ itemId: Id, key: z.string().min(1).max(500) }),
  'versions.compare': z.object({ versionIds: z.array(Id).min(2).max(8) }),
  /** Copies a version to a folder on this computer as a verified bundle; progress arrives as export.progress. */
  'export.version': z.object({
    versionId: Id,
    /** Absolute folder; the bundle is created inside it. */
    destination: z.string().min(1).max(4096),
    layout: ExportLayoutSchema.default('bundle'),
    zip: z.boolean().default(false),
    overwrite: z.boolean().default(false),
    /** Chosen by the caller to cancel and to match progress events; generated when absent. */
    exportId: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/).optional(),
  }),
  'export.cancel': z.object({ exportId: z.string().min(1).max(64) }),
  /** Adds (or with remove, removes) one team annotation; written to the share's event log. */
  'annotations.set': z.object({
    itemId: Id,
    /** Required for alias and stage; absent = on the model itself. */
    versionLabel: z.string().min(1).max(500).optional(),
    kind: AnnotationKindSchema,
    /** alias/stage/tag name, note text (to remove a note: its id), link target ('name[@version]', a path, or 'external:<name>'). */
    value: z.string().min(1).max(10_000),
    remove: z.boolean().default(false),
    /** Links only; default 'derived-from'. */
    relation: LineageRelationSchema.optional(),
    /**
     * Aliases only: write only if the team's alias is on this version right now (as read from the
     * share at the moment of writing), else CONFLICT and nothing is written. The Activity view's
     * "put back" sends it, so a colleague's newer move is never undone unseen.
     */
    ifAliasOn: z.string().min(1).max(500).optional(),
  }),
  'annotations.list': z.object({
    itemId: Id.optional(),
    sourceId: Id.optional(),
    /** Re-read the event logs on the share first (otherwise: as of the last scan or write). */
    refresh: z.boolean().default(false),
  }),
  /** Filters apply to the whole log (before `limit`), not only to the newest entries. */
  'activity.list': z.object({
    sourceId: Id.optional(),
    itemId: Id.optional(),
    /** Who made the change (OS user name, case-insensitive). */
    who: z.string().min(1).max(200).optional(),
    kind: AnnotationKindSchema.optional(),
    limit: z.number().int().min(1).max(10_000).default(200),
    /**
     * Re-read the event logs on the share(s) first, best effort: a source that cannot be reached
     * keeps what the catalog has. Otherwise: as of the last scan, write or live update.
     */
    refresh: z.boolean().optional(),
  }),
} as const;

export interface MethodOutputs {
  'app.info': AppInfo;
  'sources.list': Source[];
  'sources.add': Source;
  'sources.remove': { removed: true };
  'sources.setPassword': Source;
  'sources.scan': ScanSummary;
  'sources.cancelScan': { cancelled: boolean };
  'sources.forget': { removed: true };
  'nas.discover': NasDevice[];
  'nas.shares': NasShareInfo[];
  'nas.addMounted': Source;
  /** app: "Finder", "File Explorer" or "Files"; opened: the folder or smb:// address shown (no password). */
  'sources.openInFileManager': { app: string; opened: string };
  'demo.open': Source;
  'library.list': LibraryItem[];
  'library.page': LibraryPage;
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
  'export.version': ExportResult;
  'export.cancel': { cancelled: boolean };
  /** The item's annotations after the change. */
  'annotations.set': Annotation[];
  'annotations.list': Annotation[];
  'activity.list': ActivityEntry[];
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
  'export.progress': ExportProgress;
}

export type EventName = keyof EventPayloads;
export const EVENT_NAMES: readonly EventName[] = [
  'scan.progress',
  'scan.finished',
  'sources.changed',
  'library.changed',
  'export.progress',
] as const;

export function isEventName(value: unknown): value is EventName {
  return typeof value === 'string' && (EVENT_NAMES as readonly string[]).includes(value);
}

export interface EngineEvent<E extends EventName = EventName> {
  event: E;
  payload: EventPayloads[E];
}
