// What the page gets as window.modelshelf: call(method, input) and on(event, listener), limited to
// the contract's names. The page never sees ipcRenderer, a channel name or an IPC event object.
// No 'electron' import: preload.ts passes ipcRenderer in; tests pass a fake.
import type { BridgeApi } from '../../shared/app-api';
import { isEventName, isMethodName } from '../../shared/contract';
import { CALL_CHANNEL, EVENT_CHANNEL } from '../../shared/electron-ipc';
import { fail, type Result } from '../../shared/result';

export interface IpcRendererLike {
  invoke(channel: string, ...args: unknown[]): Promise<unknown>;
  on(channel: string, listener: (event: unknown, ...args: unknown[]) => void): unknown;
}

export function createBridge(ipc: IpcRendererLike): BridgeApi {
  const listeners = new Map<string, Set<(payload: unknown) => void>>();

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
  };
}
