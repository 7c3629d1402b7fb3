// Models and datasets: each kind's list as the engine pages it (library.page: sorted and filtered
// in SQL, with the number of rows in all), the search query, sort order and filters, and the open
// item. The table asks for the rows it shows (loadRows); only those pages cross the wire.
import type { ItemDetail, ItemKind, LibraryFacets, LibraryItem, LibrarySortKey, MethodInput } from '../../shared/contract';
import type { AppError } from '../../shared/result';
import type { RendererApi } from '../api/connection';
import { chartMaxPoints, DEFAULT_CHART_X, defaultChartVersions, defaultKeys, seriesRequest } from '../lib/metrics-request';
import { prefetch } from './prefetch';
import type { GetState, SetState } from './types';

export type SortKey = LibrarySortKey;
export interface Sort {
  key: SortKey;
  dir: 'asc' | 'desc';
}

/** Narrowing the list (done by the engine; the menus offer what the query matches). */
export interface ListFilters {
  format: string | null;
  sourceId: number | null;
}

/** Rows per library.page call. */
export const PAGE_SIZE = 100;
/** Pages kept per list; the ones farthest from the rows on screen are dropped first. */
const MAX_PAGES = 40;

export interface ListState {
  /** Rows in all; null until the first answer: the view shows skeleton rows, never an empty table. */
  total: number | null;
  /** Loaded rows by page number (PAGE_SIZE rows each); a row not loaded yet shows as a placeholder. */
  pages: Record<number, LibraryItem[]>;
  /** The query these rows answer. */
  query: string;
  /** What the rows answer (query, sort, filters): pages asked for another view are dropped. */
  view: string;
  /** Formats and sources of what the query matches (null until they arrive). */
  facets: LibraryFacets | null;
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
  /** The first rows (and rows in view) of the list for the current query, sort and filters. */
  fetchLibrary(kind: ItemKind): Promise<void>;
  /** Asks for the pages that hold rows first…last (and a little around them) that are not loaded yet. */
  loadRows(kind: ItemKind, first: number, last: number): void;
  /** Refetches whatever view is on screen (after scans and `library.changed`) and bumps the epoch. */
  refreshLibrary(): Promise<void>;
  /** Loads an item page; `preferVersionId` is selected if the item has it. */
  fetchDetail(id: number, preferVersionId?: number): Promise<void>;
  selectVersion(id: number): void;
  /** Opens an item's overview with one of its versions selected (from lineage, search, compare). */
  openVersion(kind: ItemKind, itemId: number, versionId: number): void;
}

export const SEARCH_DEBOUNCE_MS = 200;

const emptyList: ListState = { total: null, pages: {}, query: '', view: '', facets: null, loading: false, error: null };

/** Numbers and dates sort newest/largest first on the first click; words A→Z. */
const DESC_FIRST: ReadonlySet<SortKey> = new Set(['versionCount', 'sizeBytes', 'updatedAt']);

/** The row at `index`, if its page is loaded. */
export function rowAt(list: ListState, index: number): LibraryItem | undefined {
  return list.pages[Math.floor(index / PAGE_SIZE)]?.[index % PAGE_SIZE];
}

export function createLibrarySlice(set: SetState, get: GetState, api: RendererApi): LibrarySlice {
  /**
   * A model page opened on its Metrics tab: ask for the chart's metric names, then its series,
   * now — the engine answers while the page renders, and the tab finds the answers (useEngine) instead
   * of asking one after the other once it is on screen.
   */
  function prefetchFirstScreen(item: ItemDetail): void {
    const { route, epoch } = get();
    if (route.view !== 'item' || route.id !== item.id || route.tab !== 'metrics' || item.kind !== 'model') return;
    const source = { versionIds: defaultChartVersions(item) };
    if (source.versionIds.length === 0) return;
    void prefetch(api, epoch, 'metrics.keys', source).then((keys) => {
      const first = keys.ok ? defaultKeys(keys.value.map((k) => k.key)) : [];
      if (first.length > 0 && get().epoch === epoch) void prefetch(api, epoch, 'metrics.series', seriesRequest(source, first, DEFAULT_CHART_X, chartMaxPoints()));
    });
  }

  const seq: Record<ItemKind, number> = { model: 0, dataset: 0 };
  const inFlight: Record<ItemKind, Set<string>> = { model: new Set(), dataset: new Set() };
  /** The rows last on screen, per kind: a refetch brings them back with the first page. */
  const onScreen: Record<ItemKind, { first: number; last: number }> = { model: { first: 0, last: 0 }, dataset: { first: 0, last: 0 } };
  let detailSeq = 0;
  let debounce: ReturnType<typeof setTimeout> | null = null;

  function patchList(kind: ItemKind, patch: Partial<ListState> | ((list: ListState) => Partial<ListState>)) {
    set((state) => {
      const list = state.lists[kind];
      return { lists: { ...state.lists, [kind]: { ...list, ...(typeof patch === 'function' ? patch(list) : patch) } } };
    });
  }

  function request(kind: ItemKind, page: number): MethodInput<'library.page'> {
    const { query, sort, filters } = get();
    const q = query.trim();
    return {
      kind,
      ...(q ? { query: q } : {}),
      ...(filters.format !== null ? { format: filters.format } : {}),
      ...(filters.sourceId !== null ? { sourceId: filters.sourceId } : {}),
      sort: sort.key,
      dir: sort.dir,
      offset: page * PAGE_SIZE,
      limit: PAGE_SIZE,
    };
  }

  function viewKey(kind: ItemKind): string {
    const { query, sort, filters } = get();
    return JSON.stringify([kind, query.trim(), sort.key, sort.dir, filters.format, filters.sourceId]);
  }

  function pagesAround(first: number, last: number): number[] {
    const from = Math.max(0, Math.floor((first - PAGE_SIZE / 2) / PAGE_SIZE));
    const to = Math.floor((last + PAGE_SIZE / 2) / PAGE_SIZE);
    return Array.from({ length: to - from + 1 }, (_, i) => from + i);
  }

  /** Keeps the pages nearest to the rows on screen. */
  function trim(pages: Record<number, LibraryItem[]>, kind: ItemKind): Record<number, LibraryItem[]> {
    const keys = Object.keys(pages).map(Number);
    if (keys.length <= MAX_PAGES) return pages;
    const centre = Math.floor((onScreen[kind].first + onScreen[kind].last) / 2 / PAGE_SIZE);
    const keep = keys.sort((a, b) => Math.abs(a - centre) - Math.abs(b - centre)).slice(0, MAX_PAGES);
    return Object.fromEntries(keep.map((k) => [k, pages[k] as LibraryItem[]]));
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
      const { route } = get();
      if (route.view === 'library') void get().fetchLibrary(route.kind);
    },

    setFilters(patch) {
      set((state) => ({ filters: { ...state.filters, ...patch } }));
      const { route } = get();
      if (route.view === 'library') void get().fetchLibrary(route.kind);
    },

    async fetchLibrary(kind) {
      const mine = ++seq[kind];
      const view = viewKey(kind);
      const query = get().query.trim();
      const before = get().lists[kind];
      // The menus count what the query matches: asked for again only when the query changes (or on a
      // refetch), beside the rows so they never wait for it.
      const sameQuery = before.total !== null && before.query === query && before.facets !== null;
      const sameView = before.view === view;
      inFlight[kind].clear();
      patchList(kind, { loading: true });
      // A refetch of the same view brings back the rows on screen too; a new view starts at the top.
      const pages = sameView ? [...new Set([0, ...pagesAround(onScreen[kind].first, onScreen[kind].last)])] : [0];
      // Rows first: the engine answers in order, and the menus can wait a moment.
      const answers = Promise.all(pages.map((p) => api.call('library.page', request(kind, p))));
      const facets = sameQuery && !sameView ? null : api.call('library.page', { ...request(kind, 0), limit: 1, facets: true });
      const results = await answers;
      if (mine !== seq[kind]) return; // the user typed on; a newer answer is coming
      const failed = results.find((r) => !r.ok);
      if (failed && !failed.ok) {
        patchList(kind, { loading: false, error: failed.error });
        return;
      }
      const loaded: Record<number, LibraryItem[]> = {};
      let total = 0;
      results.forEach((r, i) => {
        if (!r.ok) return;
        loaded[pages[i] as number] = r.value.items;
        if (i === 0) total = r.value.total;
      });
      patchList(kind, (list) => ({
        total,
        pages: loaded,
        query,
        view,
        facets: sameQuery ? list.facets : null,
        loading: false,
        error: null,
      }));
      const counted = await facets;
      if (counted?.ok && mine === seq[kind]) patchList(kind, { facets: counted.value.facets ?? null });
    },

    loadRows(kind, first, last) {
      onScreen[kind] = { first, last };
      const list = get().lists[kind];
      if (list.total === null || list.view !== viewKey(kind)) return;
      const lastPage = Math.floor(Math.max(0, list.total - 1) / PAGE_SIZE);
      for (const page of pagesAround(first, last)) {
        const key = `${list.view}#${page}`;
        if (page > lastPage || list.pages[page] || inFlight[kind].has(key)) continue;
        inFlight[kind].add(key);
        void api.call('library.page', request(kind, page)).then((result) => {
          inFlight[kind].delete(key);
          if (!result.ok) return; // the row stays a placeholder; scrolling asks again
          patchList(kind, (now) => (now.view === list.view ? { pages: trim({ ...now.pages, [page]: result.value.items }, kind), total: result.value.total } : {}));
        });
      }
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
      // A refresh of the page already open (library.changed, a team edit) finds its tab on screen,
      // asking for what it shows itself: only a page being opened prefetches.
      const opening = get().detail.id !== id || !get().detail.item;
      set((state) => ({
        detail:
          state.detail.id === id
            ? { ...state.detail, loading: true }
            : { id, item: null, loading: true, error: null, selectedVersionId: null },
      }));
      const result = await api.call('library.get', { id });
      if (mine !== detailSeq) return;
      if (result.ok && opening) prefetchFirstScreen(result.value);
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
