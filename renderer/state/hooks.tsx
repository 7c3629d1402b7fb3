// React access to the store and the engine. Components select the smallest thing they need;
// selectors that build an object go through useShallow so zustand v5 does not see a new value every
// render. Views that load their own data (lineage, charts, comparisons) use useEngine.
import { createContext, type ReactNode, useCallback, useContext, useEffect, useRef, useState } from 'react';
import { useStore } from 'zustand';
import type { MethodInput, MethodName, MethodOutput } from '../../shared/contract';
import type { AppError, Result } from '../../shared/result';
import type { RendererApi } from '../api/connection';
import { peekSettled, takePrefetched } from './prefetch';
import type { AppStore } from './store';
import type { AppState } from './types';

const StoreContext = createContext<AppStore | null>(null);
const ApiContext = createContext<RendererApi | null>(null);

export function StoreProvider({ store, api, children }: { store: AppStore; api: RendererApi; children: ReactNode }) {
  return (
    <ApiContext.Provider value={api}>
      <StoreContext.Provider value={store}>{children}</StoreContext.Provider>
    </ApiContext.Provider>
  );
}

export function useAppStore(): AppStore {
  const store = useContext(StoreContext);
  if (!store) throw new Error('useApp must be used inside <StoreProvider>');
  return store;
}

export function useApp<T>(selector: (state: AppState) => T): T {
  return useStore(useAppStore(), selector);
}

export function useApi(): RendererApi {
  const api = useContext(ApiContext);
  if (!api) throw new Error('useApi must be used inside <StoreProvider>');
  return api;
}

export interface EngineQuery<T> {
  /** The last answer; kept while a newer request is on its way so nothing flashes. */
  data: T | null;
  error: AppError | null;
  loading: boolean;
  reload(): void;
}

/**
 * Calls an engine method and keeps the answer. `input` null means "not yet" (nothing is asked).
 * Refetches when the input changes (compared as JSON) and when the catalog epoch moves; answers to
 * superseded requests are dropped.
 */
export function useEngine<M extends MethodName>(method: M, input: MethodInput<M> | null): EngineQuery<MethodOutput<M>> {
  const api = useApi();
  const epoch = useApp((s) => s.epoch);
  const key = input === null ? null : JSON.stringify(input);
  const [state, setState] = useState<{ key: string | null; data: MethodOutput<M> | null; error: AppError | null; loading: boolean }>(() => {
    // Answered already (the page prefetched it while rendering): shown in the first render.
    const pre = key === null ? undefined : (peekSettled(api, method, key, epoch) as Result<MethodOutput<M>> | undefined);
    if (pre) return pre.ok ? { key, data: pre.value, error: null, loading: false } : { key, data: null, error: pre.error, loading: false };
    return { key: null, data: null, error: null, loading: input !== null };
  });
  const [nonce, setNonce] = useState(0);
  const seq = useRef(0);
  const inputRef = useRef(input);
  inputRef.current = input;
  /** The input and epoch whose answer came from a prefetch at mount: the effect asks nothing for them. */
  const servedAtMount = useRef(state.key === null ? null : { key: state.key, epoch });

  useEffect(() => {
    const current = inputRef.current;
    if (current === null) {
      setState({ key: null, data: null, error: null, loading: false });
      return;
    }
    const served = servedAtMount.current;
    if (served && served.key === key && served.epoch === epoch && nonce === 0) {
      // Kept (not cleared) for StrictMode, which runs this effect twice at mount.
      takePrefetched(api, method, served.key, epoch);
      return;
    }
    servedAtMount.current = null;
    const prefetched = key === null || nonce > 0 ? undefined : takePrefetched(api, method, key, epoch);
    const mine = ++seq.current;
    setState((s) => ({ ...s, loading: true }));
    void ((prefetched as Promise<Result<MethodOutput<M>>> | undefined) ?? api.call(method, current)).then((result) => {
      if (mine !== seq.current) return;
      setState(
        result.ok
          ? { key, data: result.value, error: null, loading: false }
          : (s) => ({ ...s, key, error: result.error, loading: false }),
      );
    });
    return () => {
      // A request still running for an input nobody wants any more is ignored when it answers.
      if (mine === seq.current) seq.current++;
    };
  }, [api, method, key, epoch, nonce]);

  const reload = useCallback(() => setNonce((n) => n + 1), []);
  // Data answering another input (a different model, say) is not shown as if it were this one's.
  const fresh = state.key === key;
  return {
    data: fresh ? state.data : null,
    error: fresh ? state.error : null,
    loading: state.loading || (!fresh && key !== null),
    reload,
  };
}
