// The one Modelshelf window. Its page only ever comes from app://modelshelf (see protocol.ts);
// navigation and new windows are denied for every webContents in main.ts.
import { BrowserWindow } from 'electron';
import { APP_ENTRY_URL } from './app-origin';
import { secureWebPreferences } from './security';

export function createMainWindow(preloadPath: string): BrowserWindow {
  const win = new BrowserWindow({
    width: 1280,
    height: 820,
    minWidth: 820,
    minHeight: 520,
    title: 'Modelshelf',
    show: false,
    webPreferences: secureWebPreferences(preloadPath),
  });
  win.once('ready-to-show', () => win.show());
  win.loadURL(APP_ENTRY_URL).catch((err: unknown) => console.error('window: could not load the UI:', err));
  return win;
}
