// Navigation, the search palette and connection state. Navigating to a view also asks for its data.
import type { ConnectionState } from '../api/connection';
import type { GetState, Route, SetState } from './types';

export interface UiSlice {
  route: Route;
  connection: ConnectionState;
  /** Browser mode opened without its token: say how to get the right link. */
  missingToken: boolean;
  /** The Ctrl/⌘-K palette. */
  paletteOpen: boolean;
  /**
   * Bumped whenever the engine says the catalog changed; views that load their own data (lineage,
   * charts, comparisons) refetch when it moves, keeping what they show until the answer arrives.
   */
  epoch: number;
  /** Sources this window found it may not write to (a read-only share): source id → the engine's reason. */
  writeBlocks: Record<number, string>;
  blockWrites(sourceId: number, reason: string): void;
  navigate(route: Route): void;
  setConnection(state: ConnectionState): void;
  setPaletteOpen(open: boolean): void;
  bumpEpoch(): void;
}

export function createUiSlice(set: SetState, get: GetState, initial: { missingToken: boolean }): UiSlice {
  return {
    route: { view: 'library', kind: 'model' },
    connection: 'connecting',
    missingToken: initial.missingToken,
    paletteOpen: false,
    epoch: 0,
    writeBlocks: {},
    blockWrites(sourceId, reason) {
      set((state) => ({ writeBlocks: { ...state.writeBlocks, [sourceId]: reason } }));
    },
    navigate(route) {
      const before = get();
      set({ route });
      if (route.view === 'library') void get().fetchLibrary(route.kind);
      else if (route.view === 'item') {
        // Switching tabs of the page already open needs no new request.
        if (before.detail.id !== route.id || !before.detail.item) void get().fetchDetail(route.id);
      } else if (route.view === 'runs') void get().fetchRuns();
      else if (route.view === 'sources') void get().fetchSources();
    },
    setConnection(connection) {
      set({ connection });
    },
    setPaletteOpen(paletteOpen) {
      set({ paletteOpen });
    },
    bumpEpoch() {
      set((state) => ({ epoch: state.epoch + 1 }));
    },
  };
}
