// What the page gets as window.modelshelf: call(method, input) and on(event, listener), limited to
// the contract's names. The page never sees ipcRenderer, a channel name or an IPC event object.
// No 'electron' import: preload.ts passes ipcRenderer in; tests pass a fake.
import type { BridgeApi } from '../../shared/app-api';
import { isEventName, isMethodName } from '../../shared/contract';
import { CALL_CHANNEL, EVENT_CHANNEL, isMenuCommand, MENU_CHANNEL, type MenuCommand, PICK_FOLDER_CHANNEL } from '../../shared/electron-ipc';
import { fail, type Result } from '../../shared/result';

export interface IpcRendererLike {
  invoke(channel: string, ...args: unknown[]): Promise<unknown>;
  on(channel: string, listener: (event: unknown, ...args: unknown[]) => void): unknown;
}

export function createBridge(ipc: IpcRendererLike): Required<BridgeApi> {
  const listeners = new Map<string, Set<(payload: unknown) => void>>();
  const menuListeners = new Set<(command: MenuCommand) => void>();

  ipc.on(MENU_CHANNEL, (_event, command) => {
    if (!isMenuCommand(command)) return;
    for (const listener of [...menuListeners]) {
      try {
        listener(command);
      } catch (err) {
        console.error(`modelshelf: a menu listener for "${command}" threw:`, err);
      }
    }
  });

  ipc.on(EVENT_CHANNEL, (_event, message) => {
    if (typeof message !== 'object' || message === null) return;
    const { event, payload } = message as { event?: unknown; payload?: unknown };
    if (!isEventName(event)) return;
    for (const listener of [...(listeners.get(event) ?? [])]) {
      try {
        listener(payload);
      } catch (err) {
        console.error(`modelshelf: a listener for "${event}" threw:`, err);
      }
    }
  });

  return {
    async call(method: string, input: unknown): Promise<Result<unknown>> {
      if (!isMethodName(method)) return fail('INVALID_INPUT', `"${String(method).slice(0, 100)}" is not a Modelshelf method.`);
      try {
        return (await ipc.invoke(CALL_CHANNEL, method, input)) as Result<unknown>;
      } catch (err) {
        return fail('INTERNAL', `The call did not reach the engine: ${err instanceof Error ? err.message : String(err)}`);
      }
    },
    on(event: string, listener: (payload: unknown) => void): () => void {
      if (!isEventName(event)) throw new Error(`"${String(event).slice(0, 100)}" is not a Modelshelf event.`);
      if (typeof listener !== 'function') throw new Error('modelshelf.on needs a listener function.');
      let set = listeners.get(event);
      if (!set) {
        set = new Set();
        listeners.set(event, set);
      }
      // A fresh wrapper per subscription: subscribing the same function twice needs two unsubscribes.
      const wrapped = (payload: unknown) => listener(payload);
      set.add(wrapped);
      return () => {
        set.delete(wrapped);
      };
    },
    onMenu(listener: (command: MenuCommand) => void): () => void {
      if (typeof listener !== 'function') throw new Error('modelshelf.onMenu needs a listener function.');
      const wrapped = (command: MenuCommand) => listener(command);
      menuListeners.add(wrapped);
      return () => {
        menuListeners.delete(wrapped);
      };
    },
    async pickFolder(): Promise<string | null> {
      // No arguments cross: main decides the dialog's title and options.
      const picked = await ipc.invoke(PICK_FOLDER_CHANNEL);
      return typeof picked === 'string' && picked.length > 0 ? picked : null;
    },
  };
}
