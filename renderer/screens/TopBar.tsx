// The search box (filters the list on screen as you type; "/" or Ctrl/⌘+F focuses it) and the
// button for the Ctrl/⌘-K palette that searches everything.
import { useEffect, useRef } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { useApp } from '../state/hooks';

const MOD_KEY = typeof navigator !== 'undefined' && /Mac|iPhone|iPad/.test(navigator.platform) ? '⌘' : 'Ctrl ';

export function TopBar() {
  const { route, query, setQuery, openPalette } = useApp(
    useShallow((s) => ({ route: s.route, query: s.query, setQuery: s.setQuery, openPalette: s.setPaletteOpen })),
  );
  const input = useRef<HTMLInputElement>(null);

  useEffect(() => {
    function onKey(event: KeyboardEvent) {
      const target = event.target as HTMLElement | null;
      const typing = target && (target.tagName === 'INPUT' || target.tagName === 'TEXTAREA' || target.isContentEditable);
      if ((event.key === 'f' && (event.metaKey || event.ctrlKey)) || (event.key === '/' && !typing)) {
        event.preventDefault();
        input.current?.focus();
        input.current?.select();
      }
    }
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);

  const placeholder =
    route.view === 'library' || route.view === 'item'
      ? `Search ${route.kind === 'model' ? 'models' : 'datasets'}`
      : 'Search models and datasets';

  return (
    <header className="topbar">
      <search className="search">
        <svg className="search-icon" viewBox="0 0 24 24" width="16" height="16" aria-hidden="true" fill="none" stroke="currentColor" strokeWidth="2" strokeLinecap="round">
          <circle cx="11" cy="11" r="6.5" />
          <path d="m16 16 4 4" />
        </svg>
        <input
          ref={input}
          type="search"
          className="search-input"
          data-testid="search-input"
          aria-label={placeholder}
          placeholder={`${placeholder}…`}
          value={query}
          onChange={(e) => setQuery(e.target.value)}
          onKeyDown={(e) => {
            if (e.key === 'Escape' && query) {
              e.preventDefault();
              setQuery('');
            }
          }}
          spellCheck={false}
          autoComplete="off"
        />
        <kbd className="search-hint" title="Press / to search">
          /
        </kbd>
      </search>
      <button
        type="button"
        className="button ghost palette-button"
        data-testid="palette-button"
        onClick={() => openPalette(true)}
        title="Find any model, dataset or run"
      >
        Jump to…
        <kbd>{MOD_KEY}K</kbd>
      </button>
    </header>
  );
}
