// The frame of the window: sidebar, top bar, the current view, status bar, and the Ctrl/⌘-K palette.
import { lazy, Suspense, useEffect } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { useApp } from '../state/hooks';
import { useNativeMenu } from '../state/menu-commands';
import { ActivityView } from './ActivityView';
import { CommandPalette } from './CommandPalette';
import { EmptyState } from './EmptyState';
import { ItemDetailView } from './ItemDetailView';
import { LibraryView } from './LibraryView';
import { LoadProblem } from './LoadProblem';
import { Sidebar } from './Sidebar';
import { SkeletonRows } from '../components/Skeleton';
import { SourcesView } from './SourcesView';
import { StatusBar } from './StatusBar';
import { TopBar } from './TopBar';

const RunsView = lazy(() => import('./RunsView').then((m) => ({ default: m.RunsView })));

function Content() {
  const { loaded, error, hasSources, route, hasRows } = useApp(
    useShallow((s) => ({
      loaded: s.sourcesLoaded,
      error: s.sourcesError,
      hasSources: s.sources.length > 0,
      route: s.route,
      // Rows of the library on screen need no list of sources: they show as soon as they come.
      hasRows: s.route.view === 'library' && (s.lists[s.route.kind].total ?? 0) > 0,
    })),
  );
  if (!loaded && hasRows && route.view === 'library') return <LibraryView key={route.kind} kind={route.kind} />;
  if (!loaded) {
    return (
      <div className="view" aria-busy="true">
        <div className="view-header">
          <div className="skeleton skeleton-title" />
        </div>
        <SkeletonRows rows={8} />
      </div>
    );
  }
  if (!hasSources && error) return <LoadProblem error={error} />;
  if (!hasSources) return <EmptyState />;
  switch (route.view) {
    case 'sources':
      return <SourcesView />;
    case 'library':
      return <LibraryView key={route.kind} kind={route.kind} />;
    case 'item':
      return <ItemDetailView key={route.id} id={route.id} kind={route.kind} tab={route.tab ?? 'overview'} />;
    case 'runs':
      return (
        <Suspense fallback={<div className="view" aria-busy="true" />}>
          <RunsView runId={route.runId ?? null} />
        </Suspense>
      );
    case 'activity':
      return <ActivityView />;
  }
}

/** Ctrl/⌘-K opens the palette from anywhere, even while typing in a field. */
function usePaletteShortcut() {
  const setOpen = useApp((s) => s.setPaletteOpen);
  useEffect(() => {
    function onKey(event: KeyboardEvent) {
      if (event.key.toLowerCase() === 'k' && (event.metaKey || event.ctrlKey) && !event.altKey && !event.shiftKey) {
        event.preventDefault();
        setOpen(true);
      }
    }
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [setOpen]);
}

export function Shell() {
  const loaded = useApp((s) => s.sourcesLoaded);
  usePaletteShortcut();
  useNativeMenu();
  return (
    <div className="app" data-app-state={loaded ? 'loaded' : 'loading'}>
      <Sidebar />
      <TopBar />
      <main className="main" id="main">
        <Content />
      </main>
      <StatusBar />
      <CommandPalette />
    </div>
  );
}
