// The scan step for training runs: find them in the file list, read the new or changed ones through
// the run readers, store their metric series, link them to the versions they produced, and turn
// what they say (datasets used, files produced, DVC pipelines) into lineage hints.
import type { Catalog, StoredEntry } from '../catalog/catalog';
import { parseJson } from '../catalog/parse-json';
import { RunsStore } from '../catalog/runs-store';
import { EngineError } from '../errors';
import type { FileSource } from '../nas/file-source';
import type { EdgeHint, RefHint } from '../registry/lineage';
import { detectRuns, readDvcLineage, readRun } from '../runs';
import type { CatalogFile, LineageHint, ParsedRun } from '../runs/types';
import { isFatal } from './walk';

export interface RunsPhaseOptions {
  catalog: Catalog;
  source: FileSource;
  sourceId: number;
  generation: number;
  signal: AbortSignal;
  entries: StoredEntry[];
  readConcurrency: number;
  onRun?: (path: string) => void;
}

function pathRef(p: string): RefHint {
  return p.startsWith('external:') ? { kind: 'external', name: p.slice('external:'.length) } : { kind: 'path', path: p };
}

/** The lineage a run states: datasets it read, files it wrote (as the run readers report them). */
type RunIo = Pick<ParsedRun, 'inputs' | 'outputs'>;

export interface RunsPhaseResult {
  edges: EdgeHint[];
  /** False when a run or DVC file could not be read: it is retried next scan. */
  complete: boolean;
}

export async function indexRuns(opts: RunsPhaseOptions): Promise<RunsPhaseResult> {
  const { catalog, source, sourceId, generation, signal } = opts;
  const store = new RunsStore(catalog.db);
  // Catalog entries already are CatalogFiles (path, isDir, size, mtimeMs): no second copy of the list.
  const files: CatalogFile[] = opts.entries;
  const known = store.fingerprints(sourceId);
  const edges: EdgeHint[] = [];
  const detected = detectRuns(files);
  // Only the runs' own files are looked up (a map of every entry cost ~50 MB per million files).
  const wanted = new Set(detected.flatMap((r) => r.files));
  const byPath = new Map<string, CatalogFile>();
  for (const f of files) if (wanted.has(f.path)) byPath.set(f.path, f);

  // What each run says it read and wrote (its lineage), kept beside its fingerprint: a run that is
  // not read again (unchanged, or unreadable this time) still contributes its edges.
  const cachedIo = (path: string): RunIo | null => {
    const row = catalog.cached(sourceId, `run-io:${path}`);
    return row ? parseJson<RunIo | null>(row.valueJson, null) : null;
  };
  const pushIo = (runPath: string, io: RunIo) => {
    const runRef: RefHint = { kind: 'run', path: runPath };
    for (const input of io.inputs) {
      const from: RefHint = input.path ? { kind: 'path', path: input.path } : { kind: 'external', name: input.name };
      edges.push({ from, to: runRef, relation: 'trained-on', evidence: input.evidence, confidence: 1 });
    }
    for (const out of io.outputs) {
      edges.push({ from: runRef, to: { kind: 'path', path: out.path }, relation: 'produced-by', evidence: out.evidence, confidence: 1 });
    }
  };

  let next = 0;
  let failure: unknown = null;
  let complete = true;
  const worker = async () => {
    while (failure === null && next < detected.length) {
      if (signal.aborted) throw new EngineError('CANCELLED', 'Indexing was cancelled.');
      const run = detected[next++] as (typeof detected)[number];
      const fingerprint = run.files
        .map((p) => {
          const f = byPath.get(p);
          return f ? `${p}:${f.size}:${f.mtimeMs}` : `${p}:-`;
        })
        .join('|');
      const io = cachedIo(run.path);
      // A run indexed before its lineage was kept is read once more to learn it.
      if (known.get(run.path) === fingerprint && io !== null) {
        store.touch(sourceId, run.path, generation);
        pushIo(run.path, io);
        continue;
      }
      opts.onRun?.(run.path);
      try {
        const parsed = await readRun(source, run);
        store.save(sourceId, generation, run.path, parsed, fingerprint);
        const fresh: RunIo = { inputs: parsed.inputs, outputs: parsed.outputs };
        catalog.putCached(sourceId, `run-io:${run.path}`, fingerprint, JSON.stringify(fresh));
        pushIo(run.path, fresh);
      } catch (err) {
        if (isFatal(err)) failure = err;
        // Anything else: the run stays as it was (or absent), keeps its lineage, and is retried
        // next scan.
        if (known.has(run.path)) {
          store.touch(sourceId, run.path, generation);
          if (io) pushIo(run.path, io);
        }
        complete = false;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(opts.readConcurrency, detected.length)) }, worker));
  if (failure !== null) throw failure;
  if (signal.aborted) throw new EngineError('CANCELLED', 'Indexing was cancelled.');
  store.deleteStale(sourceId, generation);
  store.linkVersions(sourceId);

  // Runs whose metrics were not re-read still contribute their version links (stored) — and their
  // lineage edges come from the version_run links below, so unchanged runs lose nothing.
  const links = catalog.db
    .prepare(
      `SELECT r.path AS run_path, vr.evidence, i.kind, i.path AS item_path, v.label
       FROM version_run vr JOIN run r ON r.id = vr.run_id JOIN version v ON v.id = vr.version_id JOIN item i ON i.id = v.item_id
       WHERE r.source_id = ?`,
    )
    .all(sourceId) as Array<{ run_path: string; evidence: string; kind: 'model' | 'dataset'; item_path: string; label: string }>;
  for (const l of links) {
    edges.push({
      from: { kind: 'run', path: l.run_path },
      to: { kind: 'version', itemKind: l.kind, itemPath: l.item_path, label: l.label },
      relation: 'produced-by',
      evidence: l.evidence,
      confidence: l.evidence.startsWith('MLflow') ? 1 : 0.8,
    });
  }

  // DVC pipelines: re-read only when one of the DVC files changed (a rescan with nothing changed
  // must read nothing).
  const dvcFiles = files.filter((f) => !f.isDir && /(^|\/)(dvc\.yaml|dvc\.lock|[^/]+\.dvc)$/.test(f.path));
  const dvcFingerprint = dvcFiles.map((f) => `${f.path}:${f.size}:${f.mtimeMs}`).join('|');
  const cached = catalog.cached(sourceId, 'dvc-lineage');
  let dvc: LineageHint[] = [];
  if (cached && cached.fingerprint === dvcFingerprint) {
    dvc = JSON.parse(cached.valueJson) as LineageHint[];
  } else if (dvcFiles.length > 0) {
    try {
      dvc = await readDvcLineage(source, files);
      catalog.putCached(sourceId, 'dvc-lineage', dvcFingerprint, JSON.stringify(dvc));
    } catch (err) {
      if (err instanceof EngineError && (err.code === 'UNREACHABLE' || err.code === 'AUTH_FAILED')) throw err;
      complete = false;
    }
  }
  for (const h of dvc) {
    edges.push({ from: pathRef(h.from), to: pathRef(h.to), relation: h.relation, evidence: h.evidence, confidence: 1 });
  }
  return { edges, complete };
}
