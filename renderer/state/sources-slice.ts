// The list of sources (shares and folders) and the actions on them.
import type { MethodInput, Source } from '../../shared/contract';
import type { AppError, Result } from '../../shared/result';
import type { RendererApi } from '../api/connection';
import type { GetState, SetState } from './types';

export interface SourcesSlice {
  sources: Source[];
  /** True once the first `sources.list` answered (even with an error): the app can show something real. */
  sourcesLoaded: boolean;
  sourcesError: AppError | null;
  fetchSources(): Promise<void>;
  /** Adds the source, then starts indexing it. Returns the add result so the form can show errors. */
  addSource(input: MethodInput<'sources.add'>): Promise<Result<Source>>;
  /** Adds a share the OS already mounted (indexed through its folder), then starts indexing it. */
  addMountedSource(mountPoint: string): Promise<Result<Source>>;
  removeSource(id: number): Promise<Result<unknown>>;
  /** Removes the source and the password the engine keeps for it (keychain included). */
  forgetSource(id: number): Promise<Result<unknown>>;
  setSourcePassword(id: number, password: string): Promise<Result<Source>>;
  /** Creates the demo library; the engine indexes it on its own and reports progress. */
  openDemo(): Promise<Result<Source>>;
}

export function createSourcesSlice(set: SetState, get: GetState, api: RendererApi): SourcesSlice {
  let seq = 0;

  function upsert(source: Source) {
    set((state) => {
      const index = state.sources.findIndex((s) => s.id === source.id);
      if (index === -1) return { sources: [...state.sources, source] };
      const sources = state.sources.slice();
      sources[index] = source;
      return { sources };
    });
  }

  const slice: SourcesSlice = {
    sources: [],
    sourcesLoaded: false,
    sourcesError: null,

    async fetchSources() {
      const mine = ++seq;
      const result = await api.call('sources.list', {});
      if (mine !== seq) return; // a newer answer is on its way
      if (result.ok) set({ sources: result.value, sourcesLoaded: true, sourcesError: null });
      else set({ sourcesLoaded: true, sourcesError: result.error });
    },

    async addSource(input) {
      const result = await api.call('sources.add', input);
      if (!result.ok) return result;
      upsert(result.value);
      void get().scanSource(result.value.id);
      return result;
    },

    async addMountedSource(mountPoint) {
      const result = await api.call('nas.addMounted', { mountPoint });
      if (!result.ok) return result;
      upsert(result.value);
      void get().scanSource(result.value.id);
      return result;
    },

    removeSource(id) {
      return drop('sources.remove', id);
    },

    forgetSource(id) {
      return drop('sources.forget', id);
    },

    async setSourcePassword(id, password) {
      const result = await api.call('sources.setPassword', { id, password });
      if (result.ok) upsert(result.value);
      return result;
    },

    async openDemo() {
      const result = await api.call('demo.open', {});
      if (result.ok) {
        upsert(result.value);
        void get().fetchSources();
      }
      return result;
    },
  };

  return slice;

  async function drop(method: 'sources.remove' | 'sources.forget', id: number): Promise<Result<unknown>> {
    const result = await api.call(method, { id });
    if (result.ok) {
      set((state) => ({ sources: state.sources.filter((s) => s.id !== id) }));
      get().forgetScan(id);
      void get().refreshLibrary();
    }
    return result;
  }
}
