import type { ItemKind } from '../../shared/contract';
import type { LibrarySlice } from './library-slice';
import type { ScanSlice } from './scan-slice';
import type { SourcesSlice } from './sources-slice';
import type { UiSlice } from './ui-slice';

export type AppState = SourcesSlice & LibrarySlice & ScanSlice & UiSlice;

export type Route =
  | { view: 'sources' }
  | { view: 'library'; kind: ItemKind }
  | { view: 'item'; kind: ItemKind; id: number };

/** zustand's (set, get) pair, typed for the whole store; slices read each other only through get(). */
export type SetState = (partial: Partial<AppState> | ((state: AppState) => Partial<AppState>)) => void;
export type GetState = () => AppState;
