import { describe, expect, it } from 'vitest';
import { createFakeApi } from '../test/fake-api';
import { createAppStore } from './store';
import { hashToRoute, routeToHash, syncRouteWithUrl } from './url-sync';

describe('url sync', () => {
  it('round-trips routes through the hash and ignores junk', () => {
    for (const route of [
      { view: 'sources' },
      { view: 'library', kind: 'model' },
      { view: 'library', kind: 'dataset' },
      { view: 'item', kind: 'dataset', id: 12 },
      { view: 'item', kind: 'model', id: 3, tab: 'lineage' },
      { view: 'item', kind: 'model', id: 3, tab: 'compare' },
      { view: 'runs' },
      { view: 'runs', runId: 9 },
      { view: 'activity' },
    ] as const) {
      expect(hashToRoute(routeToHash(route))).toEqual(route);
    }
    expect(hashToRoute('#/models/0')).toEqual({ view: 'library', kind: 'model' });
    expect(hashToRoute('#/nope')).toBeNull();
    expect(hashToRoute('#/models/3/overview')).toEqual({ view: 'item', kind: 'model', id: 3 });
    expect(hashToRoute('#/models/3/bogus')).toEqual({ view: 'item', kind: 'model', id: 3 });
    expect(hashToRoute('#/runs/0')).toEqual({ view: 'runs' });
    expect(hashToRoute('')).toBeNull();
  });

  it('starts from the hash and writes navigation back to it', () => {
    window.history.replaceState(null, '', '/?token=t#/datasets/7');
    const store = createAppStore(createFakeApi());
    const stop = syncRouteWithUrl(store);
    expect(store.getState().route).toEqual({ view: 'item', kind: 'dataset', id: 7 });
    store.getState().navigate({ view: 'sources' });
    expect(window.location.hash).toBe('#/sources');
    expect(window.location.search).toBe('?token=t');
    stop();
  });
});
