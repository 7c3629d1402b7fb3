// Native menu commands (File › Add source…, File › Export…) reach the renderer through the preload
// bridge. A command is kept as "pending" until the screen that can carry it out is on screen (the
// Sources page's connect flow, a version's Export button), so it works from anywhere in the app.
import { useEffect } from 'react';
import type { MenuCommand } from '../../shared/electron-ipc';
import { useApp, useAppStore } from './hooks';

/** How long a command waits for its screen (the person may first pick a model in the palette). */
const PENDING_MS = 60_000;

let pending: { command: MenuCommand; at: number } | null = null;
const listeners = new Set<(command: MenuCommand) => void>();

function take(command: MenuCommand): boolean {
  if (!pending || pending.command !== command || Date.now() - pending.at > PENDING_MS) return false;
  pending = null;
  return true;
}

function requestMenuCommand(command: MenuCommand): void {
  pending = { command, at: Date.now() };
  for (const l of listeners) l(command);
}

/** Runs `handler` when `command` is pending now or arrives while the calling component is mounted. */
export function useMenuCommand(command: MenuCommand, handler: () => void): void {
  useEffect(() => {
    if (take(command)) handler();
    const listener = (c: MenuCommand) => {
      if (c === command && take(command)) handler();
    };
    listeners.add(listener);
    return () => {
      listeners.delete(listener);
    };
  }, [command, handler]);
}

/** Connects the Electron menu (when there is one) to navigation and pending commands. */
export function useNativeMenu(): void {
  const store = useAppStore();
  const navigate = useApp((s) => s.navigate);
  const setPaletteOpen = useApp((s) => s.setPaletteOpen);
  useEffect(() => {
    const bridge = window.modelshelf;
    if (!bridge?.onMenu) return;
    return bridge.onMenu((command) => {
      const route = store.getState().route;
      if (command === 'add-source') {
        if (route.view !== 'sources') navigate({ view: 'sources' });
      } else if (route.view === 'item') {
        // The Export button lives on the version's overview.
        if (route.tab) navigate({ view: 'item', kind: route.kind, id: route.id });
      } else {
        // Export needs a model: let the person pick one; the dialog opens when its page does.
        setPaletteOpen(true);
      }
      requestMenuCommand(command);
    });
  }, [store, navigate, setPaletteOpen]);
}
