// Keeps the view in the URL hash (#/models, #/datasets/12, #/models/3/lineage, #/runs, #/sources) so
// the browser's back and forward buttons and a reload keep the user where they were. Only main.tsx
// turns this on.
import type { AppStore } from './store';
import { ITEM_TABS, type ItemTab, type Route } from './types';

export function routeToHash(route: Route): string {
  if (route.view === 'sources') return '#/sources';
  if (route.view === 'runs') return route.runId ? `#/runs/${route.runId}` : '#/runs';
  if (route.view === 'activity') return '#/activity';
  const base = route.kind === 'model' ? '#/models' : '#/datasets';
  if (route.view === 'library') return base;
  return route.tab ? `${base}/${route.id}/${route.tab}` : `${base}/${route.id}`;
}

export function hashToRoute(hash: string): Route | null {
  const match = /^#\/(models|datasets|sources|runs|activity)(?:\/(\d+)(?:\/([a-z]+))?)?$/.exec(hash);
  if (!match) return null;
  if (match[1] === 'sources') return { view: 'sources' };
  if (match[1] === 'runs') {
    const runId = match[2] ? Number(match[2]) : 0;
    return runId > 0 && Number.isSafeInteger(runId) && !match[3] ? { view: 'runs', runId } : { view: 'runs' };
  }
  if (match[1] === 'activity') return { view: 'activity' };
  const kind = match[1] === 'models' ? 'model' : 'dataset';
  const id = match[2] ? Number(match[2]) : null;
  if (!id || !Number.isSafeInteger(id) || id <= 0) return { view: 'library', kind };
  const tab = match[3] as ItemTab | undefined;
  if (tab && tab !== 'overview' && ITEM_TABS.includes(tab)) return { view: 'item', kind, id, tab };
  return { view: 'item', kind, id };
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
