// Navigation and connection state. Navigating to a view also asks for its data.
import type { ConnectionState } from '../api/connection';
import type { GetState, Route, SetState } from './types';

export interface UiSlice {
  route: Route;
  connection: ConnectionState;
  /** Browser mode opened without its token: say how to get the right link. */
  missingToken: boolean;
  navigate(route: Route): void;
  setConnection(state: ConnectionState): void;
}

export function createUiSlice(set: SetState, get: GetState, initial: { missingToken: boolean }): UiSlice {
  return {
    route: { view: 'library', kind: 'model' },
    connection: 'connecting',
    missingToken: initial.missingToken,
    navigate(route) {
      set({ route });
      if (route.view === 'library') void get().fetchLibrary(route.kind);
      else if (route.view === 'item') void get().fetchDetail(route.id);
      else void get().fetchSources();
    },
    setConnection(connection) {
      set({ connection });
    },
  };
}
