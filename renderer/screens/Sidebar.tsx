// Left navigation: the library, runs, activity, and each source with its state (online, indexing, …).
import type { ReactNode } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { BADGE_LABEL, sourceBadge } from '../lib/format';
import { useApp } from '../state/hooks';
import type { Route } from '../state/types';

interface NavItemProps {
  label: string;
  testId: string;
  icon: ReactNode;
  active: boolean;
  onSelect(): void;
  count?: number;
}

function NavItem({ label, testId, icon, active, onSelect, count }: NavItemProps) {
  return (
    <li>
      <button
        type="button"
        className="nav-item"
        data-testid={testId}
        aria-current={active ? 'page' : undefined}
        onClick={onSelect}
      >
        <span className="nav-icon" aria-hidden="true">
          {icon}
        </span>
        <span className="nav-label">{label}</span>
        {count !== undefined && count > 0 && <span className="nav-count">{count.toLocaleString('en-US')}</span>}
      </button>
    </li>
  );
}

function isKind(route: Route, kind: 'model' | 'dataset'): boolean {
  return (route.view === 'library' || route.view === 'item') && route.kind === kind;
}

export function Sidebar() {
  const { route, navigate, sources, scans, models, datasets } = useApp(
    useShallow((s) => ({
      route: s.route,
      navigate: s.navigate,
      sources: s.sources,
      scans: s.scans,
      models: s.sources.reduce((n, src) => n + src.counts.models, 0),
      datasets: s.sources.reduce((n, src) => n + src.counts.datasets, 0),
    })),
  );
  return (
    <nav className="sidebar" aria-label="Main">
      <div className="brand">
        <span className="brand-mark" aria-hidden="true" />
        <span className="brand-name">Modelshelf</span>
      </div>
      <ul className="nav-list">
        <NavItem
          label="Models"
          testId="nav-models"
          icon={<IconCube />}
          active={isKind(route, 'model')}
          count={models}
          onSelect={() => navigate({ view: 'library', kind: 'model' })}
        />
        <NavItem
          label="Datasets"
          testId="nav-datasets"
          icon={<IconTable />}
          active={isKind(route, 'dataset')}
          count={datasets}
          onSelect={() => navigate({ view: 'library', kind: 'dataset' })}
        />
        <NavItem
          label="Runs"
          testId="nav-runs"
          icon={<IconChart />}
          active={route.view === 'runs'}
          onSelect={() => navigate({ view: 'runs' })}
        />
        <NavItem
          label="Activity"
          testId="nav-activity"
          icon={<IconClock />}
          active={route.view === 'activity'}
          onSelect={() => navigate({ view: 'activity' })}
        />
      </ul>
      <div className="nav-section">
        <ul className="nav-list">
          <NavItem
            label="Sources"
            testId="nav-sources"
            icon={<IconDrive />}
            active={route.view === 'sources'}
            count={sources.length}
            onSelect={() => navigate({ view: 'sources' })}
          />
        </ul>
        {sources.length > 0 && (
          <ul className="source-badges" aria-label="Source status">
            {sources.slice(0, 8).map((source) => {
              const badge = sourceBadge(source, source.id in scans);
              return (
                <li key={source.id}>
                  <button
                    type="button"
                    className="source-badge-item"
                    data-testid="sidebar-source"
                    data-status={badge}
                    title={`${source.url} — ${BADGE_LABEL[badge]}`}
                    onClick={() => navigate({ view: 'sources' })}
                  >
                    <span className={`status-dot status-${badge}`} aria-hidden="true" />
                    <span className="source-badge-name">{source.name}</span>
                    <span className="sr-only">{BADGE_LABEL[badge]}</span>
                  </button>
                </li>
              );
            })}
            {sources.length > 8 && <li className="muted source-badge-more">and {sources.length - 8} more</li>}
          </ul>
        )}
      </div>
    </nav>
  );
}

// Small line icons drawn with currentColor so they follow the theme.
function Svg({ children }: { children: ReactNode }) {
  return (
    <svg aria-hidden="true" viewBox="0 0 24 24" width="18" height="18" fill="none" stroke="currentColor" strokeWidth="1.7" strokeLinecap="round" strokeLinejoin="round">
      {children}
    </svg>
  );
}
function IconCube() {
  return (
    <Svg>
      <path d="M12 3 4 7.5v9L12 21l8-4.5v-9L12 3Z" />
      <path d="M4 7.5 12 12l8-4.5M12 12v9" />
    </Svg>
  );
}
function IconTable() {
  return (
    <Svg>
      <rect x="3.5" y="4.5" width="17" height="15" rx="2" />
      <path d="M3.5 9.5h17M3.5 14.5h17M9.5 9.5v10" />
    </Svg>
  );
}
function IconDrive() {
  return (
    <Svg>
      <rect x="3.5" y="5" width="17" height="6" rx="1.5" />
      <rect x="3.5" y="13" width="17" height="6" rx="1.5" />
      <path d="M7 8h.01M7 16h.01" />
    </Svg>
  );
}
function IconChart() {
  return (
    <Svg>
      <path d="M4 19h16M6 15l4-5 3 3 5-7" />
    </Svg>
  );
}
function IconClock() {
  return (
    <Svg>
      <circle cx="12" cy="12" r="8.5" />
      <path d="M12 7.5V12l3 2" />
    </Svg>
  );
}
