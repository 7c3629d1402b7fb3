// Wires engine events and the connection state into the store, and loads the first data.
// Returns the function that undoes it (React effect cleanup).
import type { RendererApi } from '../api/connection';
import { coalesce } from './coalesce';
import type { AppStore } from './store';

export const REFETCH_INTERVAL_MS = 400;

export function connectStore(store: AppStore, api: RendererApi): () => void {
  const s = () => store.getState();
  const refetchSources = coalesce(() => void s().fetchSources(), REFETCH_INTERVAL_MS);
  const refetchLibrary = coalesce(() => void s().refreshLibrary(), REFETCH_INTERVAL_MS);

  const offs = [
    api.on('scan.progress', (progress) => s().scanProgressed(progress)),
    api.on('scan.finished', (payload) => s().scanFinished(payload)),
    api.on('sources.changed', () => refetchSources()),
    api.on('library.changed', () => refetchLibrary()),
  ];

  if (api.connection) {
    const connection = api.connection;
    let wasOpen = connection.get() === 'open';
    s().setConnection(connection.get());
    offs.push(
      connection.subscribe((state) => {
        s().setConnection(state);
        if (state === 'open') {
          // Events may have been missed while disconnected: reload what is on screen.
          if (wasOpen || s().sourcesError) {
            refetchSources();
            refetchLibrary();
          }
          wasOpen = true;
        }
      }),
    );
  } else {
    s().setConnection('open');
  }

  void s().fetchSources();
  void s().refreshLibrary();

  return () => {
    for (const off of offs) off();
    refetchSources.cancel();
    refetchLibrary.cancel();
  };
}
