// The native menu bar, built as a plain template so it is unit-tested without Electron. Items that
// concern the page send one allowlisted MenuCommand (shared/electron-ipc.ts) to it; Help links go out
// only through safeExternalUrl. main.ts passes the result to Menu.buildFromTemplate.
import type { MenuItemConstructorOptions } from 'electron';
import type { MenuCommand } from '../../shared/electron-ipc';
import { safeExternalUrl } from './security';

export const HELP_LINKS = [
  { label: 'Modelshelf Documentation', url: 'https://github.com/modelshelf/modelshelf#readme' },
  { label: 'Report an Issue', url: 'https://github.com/modelshelf/modelshelf/issues' },
] as const;

export interface MenuActions {
  /** Sends the command to the focused Modelshelf window (if any). */
  sendCommand(command: MenuCommand): void;
  openExternal(url: string): void;
}

export interface MenuOptions {
  platform: NodeJS.Platform;
  /** Unpackaged run: adds Reload / DevTools. Never in a packaged build. */
  dev: boolean;
  appName: string;
}

export function buildMenuTemplate(options: MenuOptions, actions: MenuActions): MenuItemConstructorOptions[] {
  const mac = options.platform === 'darwin';
  const template: MenuItemConstructorOptions[] = [];
  if (mac) {
    template.push({
      label: options.appName,
      submenu: [
        { role: 'about' },
        { type: 'separator' },
        { role: 'services' },
        { type: 'separator' },
        { role: 'hide' },
        { role: 'hideOthers' },
        { role: 'unhide' },
        { type: 'separator' },
        { role: 'quit' },
      ],
    });
  }
  template.push({
    label: 'File',
    submenu: [
      { label: 'Add Source…', accelerator: 'CmdOrCtrl+O', click: () => actions.sendCommand('add-source') },
      { label: 'Export…', accelerator: 'CmdOrCtrl+E', click: () => actions.sendCommand('export') },
      { type: 'separator' },
      mac ? { role: 'close' } : { role: 'quit' },
    ],
  });
  template.push({ role: 'editMenu' });
  const view: MenuItemConstructorOptions[] = [];
  if (options.dev) view.push({ role: 'reload' }, { role: 'forceReload' }, { role: 'toggleDevTools' }, { type: 'separator' });
  view.push({ role: 'resetZoom' }, { role: 'zoomIn' }, { role: 'zoomOut' }, { type: 'separator' }, { role: 'togglefullscreen' });
  template.push({ label: 'View', submenu: view });
  template.push({ role: 'windowMenu' });
  template.push({
    role: 'help',
    submenu: HELP_LINKS.map(({ label, url }) => ({
      label,
      click: () => {
        const safe = safeExternalUrl(url);
        if (safe) actions.openExternal(safe);
      },
    })),
  });
  return template;
}
