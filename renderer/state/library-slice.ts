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

/** Narrowing the list on screen (client side; the engine already answered the search). */
export interface ListFilters {
  format: string | null;
  sourceId: number | null;
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
  filters: ListFilters;
  lists: Record<ItemKind, ListState>;
  detail: DetailState;
  /** Updates the query at once and fetches after a short pause in typing. */
  setQuery(query: string): void;
  setSort(key: SortKey): void;
  setFilters(patch: Partial<ListFilters>): void;
  fetchLibrary(kind: ItemKind): Promise<void>;
  /** Refetches whatever view is on screen (after scans and `library.changed`) and bumps the epoch. */
  refreshLibrary(): Promise<void>;
  /** Loads an item page; `preferVersionId` is selected if the item has it. */
  fetchDetail(id: number, preferVersionId?: number): Promise<void>;
  selectVersion(id: number): void;
  /** Opens an item's overview with one of its versions selected (from lineage, search, compare). */
  openVersion(kind: ItemKind, itemId: number, versionId: number): void;
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
    filters: { format: null, sourceId: null },
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

    setFilters(patch) {
      set((state) => ({ filters: { ...state.filters, ...patch } }));
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
      get().bumpEpoch();
      if (route.view === 'library') await get().fetchLibrary(route.kind);
      else if (route.view === 'item') await get().fetchDetail(route.id);
      else if (route.view === 'runs') await get().fetchRuns();
    },

    async fetchDetail(id, preferVersionId) {
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
        const prefer = preferVersionId ?? state.detail.selectedVersionId;
        const keep = item.versions.some((v) => v.id === prefer);
        const latest = item.versions.find((v) => v.label === item.latestVersion) ?? item.versions[0];
        // A link that guessed the kind (a version node in a lineage graph) is corrected quietly.
        const route = state.route.view === 'item' && state.route.id === id && state.route.kind !== item.kind ? { ...state.route, kind: item.kind } : state.route;
        return {
          route,
          detail: {
            id,
            item,
            loading: false,
            error: null,
            selectedVersionId: keep ? prefer : (latest?.id ?? null),
          },
        };
      });
    },

    selectVersion(id) {
      set((state) => ({ detail: { ...state.detail, selectedVersionId: id } }));
    },

    openVersion(kind, itemId, versionId) {
      const { detail } = get();
      set({ route: { view: 'item', kind, id: itemId } });
      if (detail.id === itemId && detail.item) get().selectVersion(versionId);
      else void get().fetchDetail(itemId, versionId);
    },
  };
}
