// Models and datasets: the list per kind (with the search query and sort order) and the open item.
import type { ItemDetail, ItemKind, LibraryItem } from '../../shared/contract';
import type { AppError } from '../../shared/result';
import type { RendererApi } from '../api/connection';
import type { GetState, SetState } from './types';

export type SortKey = 'name' | 'latestVersion' | 'versionCount' | 'format' | 'sizeBytes' | 'updatedAt' | 'sourceName';
export interface Sort {
  key: SortKey;
  dir: 'asc' | 'desc';
}

export interface ListState {
  /** null until the first answer: the view shows skeleton rows, never an empty table. */
  items: LibraryItem[] | null;
  /** The query these items answer. */
  query: string;
  loading: boolean;
  error: AppError | null;
}

export interface DetailState {
  id: number | null;
  item: ItemDetail | null;
  loading: boolean;
  error: AppError | null;
  selectedVersionId: number | null;
}

export interface LibrarySlice {
  query: string;
  sort: Sort;
  lists: Record<ItemKind, ListState>;
  detail: DetailState;
  /** Updates the query at once and fetches after a short pause in typing. */
  setQuery(query: string): void;
  setSort(key: SortKey): void;
  fetchLibrary(kind: ItemKind): Promise<void>;
  /** Refetches whatever library view is on screen (after scans and `library.changed`). */
  refreshLibrary(): Promise<void>;
  fetchDetail(id: number): Promise<void>;
  selectVersion(id: number): void;
}

export const SEARCH_DEBOUNCE_MS = 200;

const emptyList: ListState = { items: null, query: '', loading: false, error: null };

/** Numbers and dates sort newest/largest first on the first click; words A→Z. */
const DESC_FIRST: ReadonlySet<SortKey> = new Set(['versionCount', 'sizeBytes', 'updatedAt']);

export function createLibrarySlice(set: SetState, get: GetState, api: RendererApi): LibrarySlice {
  const seq: Record<ItemKind, number> = { model: 0, dataset: 0 };
  let detailSeq = 0;
  let debounce: ReturnType<typeof setTimeout> | null = null;

  function patchList(kind: ItemKind, patch: Partial<ListState>) {
    set((state) => ({ lists: { ...state.lists, [kind]: { ...state.lists[kind], ...patch } } }));
  }

  return {
    query: '',
    sort: { key: 'name', dir: 'asc' },
    lists: { model: emptyList, dataset: emptyList },
    detail: { id: null, item: null, loading: false, error: null, selectedVersionId: null },

    setQuery(query) {
      set({ query });
      if (debounce) clearTimeout(debounce);
      debounce = setTimeout(() => {
        debounce = null;
        const { route, navigate } = get();
        // Searching from the sources view or an item page goes back to a list.
        if (route.view === 'library') void get().fetchLibrary(route.kind);
        else navigate({ view: 'library', kind: route.view === 'item' ? route.kind : 'model' });
      }, SEARCH_DEBOUNCE_MS);
    },

    setSort(key) {
      set((state) => ({
        sort:
          state.sort.key === key
            ? { key, dir: state.sort.dir === 'asc' ? 'desc' : 'asc' }
            : { key, dir: DESC_FIRST.has(key) ? 'desc' : 'asc' },
      }));
    },

    async fetchLibrary(kind) {
      const mine = ++seq[kind];
      const query = get().query.trim();
      patchList(kind, { loading: true });
      const result = await api.call('library.list', query ? { kind, query } : { kind });
      if (mine !== seq[kind]) return; // the user typed on; a newer answer is coming
      if (result.ok) patchList(kind, { items: result.value, query, loading: false, error: null });
      else patchList(kind, { loading: false, error: result.error });
    },

    async refreshLibrary() {
      const { route } = get();
      if (route.view === 'library') await get().fetchLibrary(route.kind);
      else if (route.view === 'item') await get().fetchDetail(route.id);
    },

    async fetchDetail(id) {
      const mine = ++detailSeq;
      set((state) => ({
        detail:
          state.detail.id === id
            ? { ...state.detail, loading: true }
            : { id, item: null, loading: true, error: null, selectedVersionId: null },
      }));
      const result = await api.call('library.get', { id });
      if (mine !== detailSeq) return;
      set((state) => {
        if (!result.ok) return { detail: { ...state.detail, loading: false, error: result.error } };
        const item = result.value;
        const keep = item.versions.some((v) => v.id === state.detail.selectedVersionId);
        const latest = item.versions.find((v) => v.label === item.latestVersion) ?? item.versions[0];
        return {
          detail: {
            id,
            item,
            loading: false,
            error: null,
            selectedVersionId: keep ? state.detail.selectedVersionId : (latest?.id ?? null),
          },
        };
      });
    },

    selectVersion(id) {
      set((state) => ({ detail: { ...state.detail, selectedVersionId: id } }));
    },
  };
}
