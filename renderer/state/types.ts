import type { ItemKind } from '../../shared/contract';
import type { LibrarySlice } from './library-slice';
import type { RunsSlice } from './runs-slice';
import type { ScanSlice } from './scan-slice';
import type { SourcesSlice } from './sources-slice';
import type { UiSlice } from './ui-slice';

export type AppState = SourcesSlice & LibrarySlice & ScanSlice & RunsSlice & UiSlice;

/** The tabs of a model or dataset page. 'overview' is the default and is left out of routes. */
export type ItemTab = 'overview' | 'lineage' | 'metrics' | 'compare';
export const ITEM_TABS: readonly ItemTab[] = ['overview', 'lineage', 'metrics', 'compare'];

export type Route =
  | { view: 'sources' }
  | { view: 'library'; kind: ItemKind }
  | { view: 'item'; kind: ItemKind; id: number; tab?: Exclude<ItemTab, 'overview'> }
  /** runId: a run to select and chart on arrival (from search or the lineage graph). */
  | { view: 'runs'; runId?: number }
  | { view: 'activity' };

/** zustand's (set, get) pair, typed for the whole store; slices read each other only through get(). */
export type SetState = (partial: Partial<AppState> | ((state: AppState) => Partial<AppState>)) => void;
export type GetState = () => AppState;
