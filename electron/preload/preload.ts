// Runs in the sandboxed preload (built as CommonJS so sandbox: true holds). Exposes the bridge and
// nothing else.
import { contextBridge, ipcRenderer } from 'electron';
import { createBridge } from './bridge';

contextBridge.exposeInMainWorld('modelshelf', createBridge(ipcRenderer));
