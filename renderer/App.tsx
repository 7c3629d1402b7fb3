// The window's root: one store per window, wired to the engine for as long as it is mounted.
import { useEffect, useState } from 'react';
import type { RendererApi } from './api/connection';
import { Shell } from './screens/Shell';
import { connectStore } from './state/connect';
import { StoreProvider } from './state/hooks';
import { createAppStore } from './state/store';
import { syncRouteWithUrl } from './state/url-sync';

interface AppProps {
  api: RendererApi;
  missingToken?: boolean;
  /** Mirror the view in the URL hash (the real window; tests leave it off). */
  syncUrl?: boolean;
}

export function App({ api, missingToken = false, syncUrl = false }: AppProps) {
  const [store] = useState(() => createAppStore(api, { missingToken }));
  useEffect(() => (syncUrl ? syncRouteWithUrl(store) : undefined), [store, syncUrl]);
  useEffect(() => connectStore(store, api), [store, api]);
  return (
    <StoreProvider store={store} api={api}>
      <Shell />
    </StoreProvider>
  );
}
