// Ctrl/⌘-K: one box that finds models, datasets and runs as you type; ↑/↓ choose, Enter opens,
// Escape closes. With nothing typed it offers the places of the app. The list keeps a fixed height
// so the dialog never jumps while answers arrive.
import { type KeyboardEvent, useEffect, useId, useMemo, useRef, useState } from 'react';
import { useShallow } from 'zustand/react/shallow';
import type { LibraryItem, RunSummary } from '../../shared/contract';
import { formatWhen } from '../lib/format';
import { toolLabel } from '../lib/runs';
import { useApi, useApp } from '../state/hooks';
import type { Route } from '../state/types';

export const PALETTE_DEBOUNCE_MS = 120;
const PER_GROUP = 6;

interface Result {
  key: string;
  group: 'Models' | 'Datasets' | 'Runs' | 'Go to';
  title: string;
  detail: string;
  route: Route;
}

const PLACES: Result[] = [
  { key: 'go-models', group: 'Go to', title: 'Models', detail: 'Every model on your sources', route: { view: 'library', kind: 'model' } },
  { key: 'go-datasets', group: 'Go to', title: 'Datasets', detail: 'Every dataset on your sources', route: { view: 'library', kind: 'dataset' } },
  { key: 'go-runs', group: 'Go to', title: 'Runs', detail: 'Training runs and their charts', route: { view: 'runs' } },
  { key: 'go-sources', group: 'Go to', title: 'Sources', detail: 'Shares and folders, add or re-index', route: { view: 'sources' } },
];

function itemResult(item: LibraryItem): Result {
  return {
    key: `item-${item.id}`,
    group: item.kind === 'model' ? 'Models' : 'Datasets',
    title: item.name,
    detail: [item.latestVersion, item.format, item.sourceName].filter(Boolean).join(' · '),
    route: { view: 'item', kind: item.kind, id: item.id },
  };
}

function runResult(run: RunSummary): Result {
  return {
    key: `run-${run.id}`,
    group: 'Runs',
    title: run.name,
    detail: [toolLabel(run.format), run.startedAt ? formatWhen(run.startedAt) : null].filter(Boolean).join(' · '),
    route: { view: 'runs', runId: run.id },
  };
}

export function CommandPalette() {
  const { open, setOpen, navigate } = useApp(
    useShallow((s) => ({ open: s.paletteOpen, setOpen: s.setPaletteOpen, navigate: s.navigate })),
  );
  if (!open) return null;
  return (
    <PaletteDialog
      onClose={() => setOpen(false)}
      onOpen={(route) => {
        setOpen(false);
        navigate(route);
      }}
    />
  );
}

function PaletteDialog({ onClose, onOpen }: { onClose(): void; onOpen(route: Route): void }) {
  const api = useApi();
  const [query, setQuery] = useState('');
  const [found, setFound] = useState<{ query: string; results: Result[] } | null>(null);
  const [searching, setSearching] = useState(false);
  const [active, setActive] = useState(0);
  const input = useRef<HTMLInputElement>(null);
  const list = useRef<HTMLDivElement>(null);
  const ids = useId();
  const returnFocus = useRef<Element | null>(null);

  useEffect(() => {
    returnFocus.current = document.activeElement;
    input.current?.focus();
    return () => {
      if (returnFocus.current instanceof HTMLElement) returnFocus.current.focus();
    };
  }, []);

  useEffect(() => {
    const q = query.trim();
    if (!q) {
      setFound(null);
      setSearching(false);
      return;
    }
    let stale = false;
    setSearching(true);
    const timer = setTimeout(async () => {
      // Only the first few of each kind: a broad query costs the same as a narrow one.
      const first = (kind: 'model' | 'dataset') => api.call('library.page', { kind, query: q, limit: PER_GROUP });
      const [models, datasets, runs] = await Promise.all([first('model'), first('dataset'), api.call('runs.list', { query: q })]);
      if (stale) return;
      const results = [
        ...(models.ok ? models.value.items.map(itemResult) : []),
        ...(datasets.ok ? datasets.value.items.map(itemResult) : []),
        ...(runs.ok ? runs.value.slice(0, PER_GROUP).map(runResult) : []),
      ];
      setFound({ query: q, results });
      setSearching(false);
      setActive(0);
    }, PALETTE_DEBOUNCE_MS);
    return () => {
      stale = true;
      clearTimeout(timer);
    };
  }, [api, query]);

  const results = useMemo(() => {
    if (!query.trim()) return PLACES;
    return found?.results ?? [];
  }, [query, found]);
  const safeActive = Math.min(active, Math.max(0, results.length - 1));

  useEffect(() => {
    list.current?.querySelector(`[data-index="${safeActive}"]`)?.scrollIntoView?.({ block: 'nearest' });
  }, [safeActive]);

  function onKeyDown(event: KeyboardEvent) {
    if (event.key === 'Escape') {
      event.preventDefault();
      event.stopPropagation();
      onClose();
    } else if (event.key === 'ArrowDown' || event.key === 'ArrowUp') {
      event.preventDefault();
      if (results.length === 0) return;
      const step = event.key === 'ArrowDown' ? 1 : -1;
      setActive((safeActive + step + results.length) % results.length);
    } else if (event.key === 'Enter') {
      event.preventDefault();
      const chosen = results[safeActive];
      if (chosen) onOpen(chosen.route);
    } else if (event.key === 'Tab') {
      // Focus stays in the dialog: the list is driven from the box.
      event.preventDefault();
    }
  }

  let lastGroup = '';
  const q = query.trim();
  return (
    // biome-ignore lint/a11y/noStaticElementInteractions: clicking outside closes; Escape does the same from the keyboard
    <div className="palette-backdrop" onMouseDown={onClose}>
      <div
        className="palette"
        role="dialog"
        aria-modal="true"
        aria-label="Search models, datasets and runs"
        data-testid="palette"
        onMouseDown={(e) => e.stopPropagation()}
        onKeyDown={onKeyDown}
      >
        <div className="palette-input-row">
          <svg className="search-icon-inline" viewBox="0 0 24 24" width="18" height="18" aria-hidden="true" fill="none" stroke="currentColor" strokeWidth="2" strokeLinecap="round">
            <circle cx="11" cy="11" r="6.5" />
            <path d="m16 16 4 4" />
          </svg>
          <input
            ref={input}
            className="palette-input"
            data-testid="palette-input"
            role="combobox"
            aria-expanded="true"
            aria-controls={`${ids}-list`}
            aria-activedescendant={results.length ? `${ids}-opt-${safeActive}` : undefined}
            aria-autocomplete="list"
            placeholder="Search models, datasets and runs…"
            value={query}
            onChange={(e) => setQuery(e.target.value)}
            spellCheck={false}
            autoComplete="off"
          />
          {searching && <span className="spinner" aria-hidden="true" />}
          <kbd className="palette-esc">Esc</kbd>
        </div>
        <div className="palette-list" role="listbox" id={`${ids}-list`} ref={list} aria-label="Results">
          {results.map((r, index) => {
            const header = r.group !== lastGroup ? r.group : null;
            lastGroup = r.group;
            return (
              <div key={r.key} role="presentation">
                {header && (
                  <div className="palette-group" role="presentation">
                    {header}
                  </div>
                )}
                {/* biome-ignore lint/a11y/useKeyWithClickEvents: options are chosen with ↑/↓ and Enter in the search box (combobox pattern) */}
                <div
                  id={`${ids}-opt-${index}`}
                  role="option"
                  tabIndex={-1}
                  aria-selected={index === safeActive}
                  data-index={index}
                  data-testid="palette-result"
                  className="palette-option"
                  onMouseMove={() => index !== safeActive && setActive(index)}
                  onClick={() => onOpen(r.route)}
                >
                  <span className="palette-title">{r.title}</span>
                  <span className="palette-detail muted">{r.detail}</span>
                </div>
              </div>
            );
          })}
          {q && found?.query === q && results.length === 0 && (
            <div className="palette-empty">
              <p>Nothing called “{q}” on your sources.</p>
              <p className="muted">Try part of a name, a folder, or a format such as “gguf”.</p>
            </div>
          )}
        </div>
        <div className="palette-foot muted">
          <span>
            <kbd>↑</kbd> <kbd>↓</kbd> to choose
          </span>
          <span>
            <kbd>Enter</kbd> to open
          </span>
        </div>
      </div>
    </div>
  );
}
