// Electron main process: app lifecycle and wiring only. The engine runs in a utility process
// (never here: no indexing or SQLite on the UI host's main thread); this file starts it, relays the
// window's calls and the engine's events, and owns what only main may touch (keychain, windows).
import { app, BrowserWindow, dialog, ipcMain, Menu, protocol, safeStorage, session, shell, utilityProcess } from 'electron';
import { SafeStorageCredentialStore } from './credentials';
import { EngineLink, type UtilityChild } from './engine-link';
import { deliverEvent, deliverMenuCommand, registerIpc } from './ipc';
import { buildMenuTemplate } from './menu';
import { appPaths, dataPaths, userDataOverride } from './paths';
import { APP_SCHEME_PRIVILEGES, serveAppProtocol } from './protocol';
import { denyAllPermissions, guardContents, safeExternalUrl } from './security';
import { createMainWindow } from './window';

// Before anything reads userData: the single-instance lock lives there too, so e2e runs with their
// own folder do not block each other.
const userDataDir = userDataOverride(process.env);
if (userDataDir) app.setPath('userData', userDataDir);

protocol.registerSchemesAsPrivileged([APP_SCHEME_PRIVILEGES]);
app.enableSandbox();

if (app.requestSingleInstanceLock()) {
  startApp();
} else {
  app.quit();
}

function startApp(): void {
  const paths = appPaths(__dirname);
  let mainWindow: BrowserWindow | null = null;
  let link: EngineLink | null = null;
  let quitting = false;

  const openWindow = () => {
    const win = createMainWindow(paths.preload, app.getPath('userData'));
    win.on('closed', () => {
      if (mainWindow === win) mainWindow = null;
    });
    mainWindow = win;
  };

  app.on('second-instance', () => {
    if (!mainWindow) return;
    if (mainWindow.isMinimized()) mainWindow.restore();
    mainWindow.focus();
  });

  // Every webContents, including any created behind our back, gets the same guards.
  app.on('web-contents-created', (_event, contents) => {
    guardContents(contents, (url) => shell.openExternal(url));
  });

  app.on('window-all-closed', () => {
    if (process.platform !== 'darwin') app.quit();
  });

  app.on('activate', () => {
    if (app.isReady() && BrowserWindow.getAllWindows().length === 0) openWindow();
  });

  // Let the engine close its catalog cleanly (WAL checkpoint) before the app goes away.
  app.on('will-quit', (event) => {
    if (!link || quitting) return;
    quitting = true;
    event.preventDefault();
    link.shutdown().finally(() => app.quit());
  });

  app
    .whenReady()
    .then(() => {
      denyAllPermissions(session.defaultSession);
      serveAppProtocol(protocol, paths.rendererRoot);

      const { engineDataDir, credentialsFile } = dataPaths(app.getPath('userData'), process.env);
      const engine = new EngineLink({
        spawn: () => spawnEngine(paths.utility, engineDataDir),
        credentials: new SafeStorageCredentialStore(credentialsFile, safeStorage),
        onEvent: (event) => deliverEvent(BrowserWindow.getAllWindows().map((win) => win.webContents), event),
      });
      link = engine;
      engine.start();
      registerIpc(
        ipcMain,
        (method, input) => engine.call(method, input),
        async (event) => {
          const owner = BrowserWindow.getAllWindows().find((w) => w.webContents.mainFrame === event.senderFrame);
          const options = { title: 'Choose a folder', properties: ['openDirectory', 'createDirectory'] } as Electron.OpenDialogOptions;
          const picked = owner ? await dialog.showOpenDialog(owner, options) : await dialog.showOpenDialog(options);
          return picked.canceled ? null : (picked.filePaths[0] ?? null);
        },
      );

      const openExternal = (url: string) => {
        const safe = safeExternalUrl(url);
        if (safe) shell.openExternal(safe).catch((err: unknown) => console.error(`main: could not open ${safe}:`, err));
      };
      Menu.setApplicationMenu(
        Menu.buildFromTemplate(
          buildMenuTemplate(
            { platform: process.platform, dev: !app.isPackaged, appName: app.name },
            {
              sendCommand: (command) => {
                const target = BrowserWindow.getFocusedWindow() ?? mainWindow;
                deliverMenuCommand(target?.webContents, command);
              },
              openExternal,
            },
          ),
        ),
      );

      openWindow();
    })
    .catch((err: unknown) => {
      console.error('main: startup failed:', err);
      app.exit(1);
    });
}

function spawnEngine(modulePath: string, dataDir: string): UtilityChild {
  const child = utilityProcess.fork(modulePath, [`--data-dir=${dataDir}`], {
    serviceName: 'Modelshelf engine',
    stdio: 'inherit',
  });
  return {
    postMessage: (message) => child.postMessage(message),
    onMessage: (listener) => {
      child.on('message', listener);
    },
    onExit: (listener) => {
      child.on('exit', listener);
    },
    kill: () => {
      child.kill();
    },
  };
}
