// Keeps the view in the URL hash (#/models, #/datasets/12, #/sources) so the browser's back and
// forward buttons and a reload keep the user where they were. Only main.tsx turns this on.
import type { AppStore } from './store';
import type { Route } from './types';

export function routeToHash(route: Route): string {
  if (route.view === 'sources') return '#/sources';
  const base = route.kind === 'model' ? '#/models' : '#/datasets';
  return route.view === 'item' ? `${base}/${route.id}` : base;
}

export function hashToRoute(hash: string): Route | null {
  const match = /^#\/(models|datasets|sources)(?:\/(\d+))?$/.exec(hash);
  if (!match) return null;
  if (match[1] === 'sources') return { view: 'sources' };
  const kind = match[1] === 'models' ? 'model' : 'dataset';
  const id = match[2] ? Number(match[2]) : null;
  return id && Number.isSafeInteger(id) && id > 0 ? { view: 'item', kind, id } : { view: 'library', kind };
}

export function syncRouteWithUrl(store: AppStore, win: Window = window): () => void {
  const initial = hashToRoute(win.location.hash);
  if (initial) store.setState({ route: initial });
  else win.history.replaceState(win.history.state, '', routeToHash(store.getState().route));

  const offStore = store.subscribe((state, previous) => {
    if (state.route === previous.route) return;
    const hash = routeToHash(state.route);
    if (win.location.hash !== hash) win.history.pushState(null, '', hash);
  });
  const onHash = () => {
    const route = hashToRoute(win.location.hash);
    if (route && routeToHash(route) !== routeToHash(store.getState().route)) store.getState().navigate(route);
  };
  win.addEventListener('popstate', onHash);
  win.addEventListener('hashchange', onHash);
  return () => {
    offStore();
    win.removeEventListener('popstate', onHash);
    win.removeEventListener('hashchange', onHash);
  };
}
