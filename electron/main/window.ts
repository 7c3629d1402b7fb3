// The one Modelshelf window. Its page only ever comes from app://modelshelf (see protocol.ts);
// navigation and new windows are denied for every webContents in main.ts. Its size, position and
// maximized flag are remembered in userData (window-state.ts).
import { BrowserWindow, screen } from 'electron';
import { APP_ENTRY_URL } from './app-origin';
import { secureWebPreferences } from './security';
import { fitToDisplays, loadWindowState, MIN_HEIGHT, MIN_WIDTH, saveWindowState, stateFromWindow } from './window-state';

export function createMainWindow(preloadPath: string, userData: string): BrowserWindow {
  const state = fitToDisplays(
    loadWindowState(userData),
    screen.getAllDisplays().map((d) => d.workArea),
  );
  const win = new BrowserWindow({
    width: state.width,
    height: state.height,
    ...(state.x !== undefined && state.y !== undefined ? { x: state.x, y: state.y } : {}),
    minWidth: MIN_WIDTH,
    minHeight: MIN_HEIGHT,
    title: 'Modelshelf',
    show: false,
    webPreferences: secureWebPreferences(preloadPath),
  });
  win.once('ready-to-show', () => {
    if (state.maximized) win.maximize();
    win.show();
  });
  // Saved on close (not on every move): getNormalBounds is the unmaximized size even when maximized.
  win.on('close', () => {
    saveWindowState(userData, stateFromWindow(win.getNormalBounds(), win.isMaximized()));
  });
  win.loadURL(APP_ENTRY_URL).catch((err: unknown) => console.error('window: could not load the UI:', err));
  return win;
}
