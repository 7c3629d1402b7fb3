// An in-memory AppApi for renderer tests: a tiny fake engine with sources and library items,
// a log of every call, per-method overrides, and emit() for engine events.
import type {
  ActivityEntry,
  EventName,
  EventPayloads,
  ItemDetail,
  LibraryItem,
  LibraryPage,
  LibrarySortKey,
  MethodInput,
  MethodName,
  MethodOutput,
  RunSummary,
  Source,
} from '../../shared/contract';
import type { Result } from '../../shared/result';
import type { RendererApi } from '../api/connection';

type Handler = (input: unknown) => Result<unknown> | Promise<Result<unknown>>;

export interface FakeApi extends RendererApi {
  calls: Array<{ method: MethodName; input: unknown }>;
  sources: Source[];
  items: LibraryItem[];
  details: Map<number, ItemDetail>;
  runs: RunSummary[];
  /** Replace the fake engine's answer for one method. */
  handle<M extends MethodName>(method: M, handler: (input: MethodInput<M>) => Result<MethodOutput<M>> | Promise<Result<MethodOutput<M>>>): void;
  emit<E extends EventName>(event: E, payload: EventPayloads[E]): void;
  callsTo(method: MethodName): unknown[];
}

/** An Activity entry: Ana moved production of churn-classifier from 5 to 3, two hours ago. */
export function makeActivityEntry(patch: Partial<ActivityEntry> = {}): ActivityEntry {
  return {
    id: String(Math.random()),
    at: Date.now() - 2 * 3_600_000,
    who: 'ana',
    machine: 'ana-laptop',
    action: 'alias.set',
    sourceId: 1,
    itemId: 1,
    itemKind: 'model',
    itemPath: 'mlruns/models/churn-classifier',
    itemName: 'churn-classifier',
    versionLabel: '3',
    value: 'production',
    summary: 'ana moved production from 5 to 3',
    ...patch,
  };
}

export function makeSource(patch: Partial<Source> = {}): Source {
  return {
    id: 1,
    name: 'Office NAS',
    kind: 'smb',
    url: 'smb://nas/models',
    status: 'online',
    lastScanAt: Date.now() - 3_600_000,
    lastSeenAt: Date.now(),
    lastError: null,
    needsPassword: false,
    counts: { files: 1234, folders: 56, bytes: 5_000_000_000, models: 2, datasets: 1 },
    ...patch,
  };
}

export function makeItem(patch: Partial<LibraryItem> = {}): LibraryItem {
  return {
    id: 1,
    kind: 'model',
    name: 'bert-base',
    sourceId: 1,
    sourceName: 'Office NAS',
    path: 'nlp/bert-base',
    layout: 'huggingface',
    format: 'safetensors',
    versionCount: 3,
    latestVersion: 'v3',
    aliases: ['production'],
    sizeBytes: 440_000_000,
    updatedAt: Date.now() - 86_400_000,
    ...patch,
  };
}

export function makeRun(patch: Partial<RunSummary> = {}): RunSummary {
  return {
    id: 1,
    sourceId: 1,
    name: 'keen-elk-233',
    path: 'mlruns/1/abc',
    format: 'mlflow',
    status: 'FINISHED',
    startedAt: Date.now() - 86_400_000,
    endedAt: Date.now() - 80_000_000,
    params: { learning_rate: '0.03' },
    metricKeys: ['accuracy', 'loss'],
    finals: { accuracy: 0.889, loss: 0.21 },
    ...patch,
  };
}

const ok = <T>(value: T): Result<T> => ({ ok: true, value });

export function createFakeApi(init: { sources?: Source[]; items?: LibraryItem[]; runs?: RunSummary[] } = {}): FakeApi {
  const listeners = new Map<string, Set<(payload: unknown) => void>>();
  const overrides = new Map<MethodName, Handler>();
  const api: FakeApi = {
    calls: [],
    sources: init.sources ?? [],
    items: init.items ?? [],
    details: new Map(),
    runs: init.runs ?? [],

    async call<M extends MethodName>(method: M, input: MethodInput<M>): Promise<Result<MethodOutput<M>>> {
      api.calls.push({ method, input });
      const override = overrides.get(method);
      const result = override ? await override(input) : engine(method, input);
      return result as Result<MethodOutput<M>>;
    },

    on<E extends EventName>(event: E, listener: (payload: EventPayloads[E]) => void) {
      let set = listeners.get(event);
      if (!set) {
        set = new Set();
        listeners.set(event, set);
      }
      const wrapped = listener as (payload: unknown) => void;
      set.add(wrapped);
      return () => set.delete(wrapped);
    },

    handle(method, handler) {
      overrides.set(method, handler as Handler);
    },

    emit(event, payload) {
      for (const listener of listeners.get(event) ?? []) listener(payload);
    },

    callsTo(method) {
      return api.calls.filter((c) => c.method === method).map((c) => c.input);
    },
  };

  function engine(method: MethodName, input: unknown): Result<unknown> {
    const i = input as Record<string, unknown>;
    switch (method) {
      case 'sources.list':
        return ok(api.sources);
      case 'library.list': {
        const q = typeof i.query === 'string' ? i.query.toLowerCase() : '';
        return ok(api.items.filter((it) => (!i.kind || it.kind === i.kind) && (!q || it.name.toLowerCase().includes(q))));
      }
      case 'library.page':
        return ok(page(i));
      case 'library.get': {
        const detail = api.details.get(i.id as number);
        return detail ? ok(detail) : { ok: false, error: { code: 'NOT_FOUND', message: 'That item is gone.' } };
      }
      case 'sources.add': {
        const source = makeSource({ id: api.sources.length + 1, url: String(i.location), name: String(i.name ?? i.location), lastScanAt: null });
        api.sources = [...api.sources, source];
        return ok(source);
      }
      case 'demo.open': {
        const source = makeSource({ id: 99, name: 'Demo library', kind: 'local', url: '/tmp/demo', status: 'scanning', lastScanAt: null });
        api.sources = [...api.sources, source];
        return ok(source);
      }
      case 'sources.scan':
        // Scans run for a while; tests finish them with emit('scan.finished').
        return new Promise(() => {}) as never;
      case 'sources.cancelScan':
        return ok({ cancelled: true });
      case 'runs.list': {
        const q = typeof i.query === 'string' ? i.query.toLowerCase() : '';
        return ok(api.runs.filter((r) => !q || r.name.toLowerCase().includes(q)));
      }
      case 'metrics.keys':
        return ok([]);
      case 'library.lineage':
        return ok({ nodes: [], edges: [] });
      case 'activity.list':
        return ok([]);
      case 'nas.discover':
        return ok([]);
      case 'nas.shares':
        return ok([]);
      case 'annotations.set':
        return ok([]);
      case 'sources.forget':
        api.sources = api.sources.filter((s) => s.id !== i.id);
        return ok({ removed: true });
      case 'sources.remove':
        api.sources = api.sources.filter((s) => s.id !== i.id);
        return ok({ removed: true });
      default:
        return { ok: false, error: { code: 'UNSUPPORTED', message: `fake engine: ${method}` } };
    }
  }

  /** library.page as the engine answers it: match, filter, sort (missing values last, ties by name), window. */
  function page(i: Record<string, unknown>): LibraryPage {
    const q = typeof i.query === 'string' ? i.query.toLowerCase() : '';
    const matched = api.items.filter((it) => (!i.kind || it.kind === i.kind) && (!q || it.name.toLowerCase().includes(q)));
    const rows = matched.filter((it) => (i.format === undefined || it.format === i.format) && (i.sourceId === undefined || it.sourceId === i.sourceId));
    const key = (i.sort ?? 'name') as LibrarySortKey;
    const sign = i.dir === 'desc' ? -1 : 1;
    rows.sort((a, b) => {
      const x = a[key];
      const y = b[key];
      if (x === null || x === undefined) return y === null || y === undefined ? 0 : 1;
      if (y === null || y === undefined) return -1;
      const order = typeof x === 'number' && typeof y === 'number' ? x - y : collator.compare(String(x), String(y));
      return order * sign || collator.compare(a.name, b.name);
    });
    const offset = typeof i.offset === 'number' ? i.offset : 0;
    const limit = typeof i.limit === 'number' ? i.limit : 100;
    const out: LibraryPage = { total: rows.length, offset, items: rows.slice(offset, offset + limit) };
    if (i.facets) {
      const formats = new Map<string, number>();
      const sources = new Map<number, { name: string; count: number }>();
      for (const it of matched) {
        formats.set(it.format, (formats.get(it.format) ?? 0) + 1);
        const s = sources.get(it.sourceId) ?? { name: it.sourceName, count: 0 };
        s.count++;
        sources.set(it.sourceId, s);
      }
      out.facets = {
        total: matched.length,
        formats: [...formats].map(([value, count]) => ({ value, count })).sort((a, b) => b.count - a.count || collator.compare(a.value, b.value)),
        sources: [...sources].map(([id, s]) => ({ id, ...s })).sort((a, b) => collator.compare(a.name, b.name)),
      };
    }
    return out;
  }

  return api;
}

const collator = new Intl.Collator('en', { sensitivity: 'base' });
