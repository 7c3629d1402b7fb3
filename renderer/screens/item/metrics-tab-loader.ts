// The Metrics tab (uPlot and the chart code) stays out of the app's first bundle, but is not loaded
// through React.lazy + Suspense: React holds back a Suspense boundary's content for at least 300 ms
// after showing its fallback (to avoid flashing), which made every first chart wait ~300 ms longer
// than its code took to load. Instead the module starts loading as soon as a model's page opens (in
// parallel with fetching the model) and the page renders it the moment it is there.
import { type ComponentType, useEffect, useState } from 'react';
import type { ItemDetail } from '../../../shared/contract';

type MetricsTabComponent = ComponentType<{ item: ItemDetail }>;

let loaded: MetricsTabComponent | null = null;
let loading: Promise<MetricsTabComponent> | null = null;

export function loadMetricsTab(): Promise<MetricsTabComponent> {
  loading ??= import('./MetricsTab').then(
    (m) => {
      loaded = m.MetricsTab;
      return m.MetricsTab;
    },
    (err: unknown) => {
      loading = null; // a later call tries again
      throw err;
    },
  );
  return loading;
}

/** The Metrics tab component once its code is loaded (null until then); starts loading when `wanted`. */
export function useMetricsTab(wanted: boolean): MetricsTabComponent | null {
  const [tab, setTab] = useState<MetricsTabComponent | null>(() => loaded);
  useEffect(() => {
    if (!wanted || tab) return;
    let live = true;
    loadMetricsTab().then(
      (c) => {
        // a function in state is called as an updater: wrap it
        if (live) setTab(() => c);
      },
      () => {
        // a failed chunk load stays on the placeholder; a later visit tries again
      },
    );
    return () => {
      live = false;
    };
  }, [wanted, tab]);
  return tab;
}
