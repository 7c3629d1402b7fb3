// Engine answers asked for before the component that shows them exists: a page that knows what its
// first screen will ask sends those requests while it renders (the engine works while React does),
// and useEngine takes the answer instead of asking again. An answer is used once, only for the same
// connection, method and input (as JSON) in the same catalog epoch, and is dropped after a few
// seconds unused (it may be stale by then).
import type { MethodInput, MethodName, MethodOutput } from '../../shared/contract';
import type { Result } from '../../shared/result';
import type { RendererApi } from '../api/connection';

interface Entry {
  epoch: number;
  promise: Promise<Result<unknown>>;
  /** Set once the answer is in: a component mounting later renders it at once. */
  settled?: Result<unknown>;
  timer: ReturnType<typeof setTimeout>;
}

const KEEP_MS = 5000;
const byApi = new WeakMap<RendererApi, Map<string, Entry>>();

function entriesOf(api: RendererApi): Map<string, Entry> {
  let m = byApi.get(api);
  if (!m) {
    m = new Map();
    byApi.set(api, m);
  }
  return m;
}

const keyOf = (method: MethodName, inputJson: string) => `${method} ${inputJson}`;

/** Sends `method(input)` now and keeps the answer for the first useEngine that asks the same. */
export function prefetch<M extends MethodName>(api: RendererApi, epoch: number, method: M, input: MethodInput<M>): Promise<Result<MethodOutput<M>>> {
  const entries = entriesOf(api);
  const key = keyOf(method, JSON.stringify(input));
  const existing = entries.get(key);
  if (existing?.epoch === epoch) return existing.promise as Promise<Result<MethodOutput<M>>>;
  if (existing) clearTimeout(existing.timer);
  const promise = api.call(method, input);
  const entry: Entry = {
    epoch,
    promise,
    timer: setTimeout(() => {
      if (entries.get(key) === entry) entries.delete(key);
    }, KEEP_MS),
  };
  entries.set(key, entry);
  void promise.then((r) => {
    entry.settled = r;
  });
  return promise;
}

function find(api: RendererApi, method: MethodName, inputJson: string, epoch: number): Entry | undefined {
  const e = byApi.get(api)?.get(keyOf(method, inputJson));
  return e && e.epoch === epoch ? e : undefined;
}

/** The answer already in for this request, if any (left in place: render may run twice). */
export function peekSettled(api: RendererApi, method: MethodName, inputJson: string, epoch: number): Result<unknown> | undefined {
  return find(api, method, inputJson, epoch)?.settled;
}

/** The prefetched request for this input, answered or on its way (removed: used once), or undefined. */
export function takePrefetched(api: RendererApi, method: MethodName, inputJson: string, epoch: number): Promise<Result<unknown>> | undefined {
  const e = find(api, method, inputJson, epoch);
  if (!e) return undefined;
  byApi.get(api)?.delete(keyOf(method, inputJson));
  clearTimeout(e.timer);
  return e.settled ? Promise.resolve(e.settled) : e.promise;
}
