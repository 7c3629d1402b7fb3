// One store per window, built from slices. Slices are plain functions of (set, get, api): no
// middleware inside them, and they reach each other only through get().
import { createStore, type StoreApi } from 'zustand/vanilla';
import type { RendererApi } from '../api/connection';
import { createLibrarySlice } from './library-slice';
import { createRunsSlice } from './runs-slice';
import { createScanSlice } from './scan-slice';
import { createSourcesSlice } from './sources-slice';
import type { AppState } from './types';
import { createUiSlice } from './ui-slice';

export type AppStore = StoreApi<AppState>;

export function createAppStore(api: RendererApi, options: { missingToken?: boolean } = {}): AppStore {
  return createStore<AppState>()((set, get) => ({
    ...createSourcesSlice(set, get, api),
    ...createLibrarySlice(set, get, api),
    ...createScanSlice(set, get, api),
    ...createRunsSlice(set, get, api),
    ...createUiSlice(set, get, { missingToken: options.missingToken ?? false }),
  }));
}
