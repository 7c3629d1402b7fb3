// The renderer reaches the engine through exactly two channels: one invoke channel for calls and one
// push channel for events. Every call is checked twice before it is relayed: the sending frame must
// be our app:// page, and the method must be in the contract. Input is validated by the engine.
// 'electron' is not imported: main.ts passes ipcMain and the windows' webContents in.
import { type EngineEvent, isEventName, isMethodName, type MethodName } from '../../shared/contract';
import { CALL_CHANNEL, EVENT_CHANNEL, type MenuCommand, isMenuCommand, MENU_CHANNEL, PICK_FOLDER_CHANNEL } from '../../shared/electron-ipc';
import { fail, type Result } from '../../shared/result';
import { isAllowedSender } from './security';

export interface InvokeEventLike {
  readonly senderFrame: { readonly url: string } | null;
}

export interface IpcMainLike {
  handle(channel: string, listener: (event: InvokeEventLike, ...args: unknown[]) => unknown): void;
}

export type Relay = (method: MethodName, input: unknown) => Promise<Result<unknown>>;

/** The handler behind CALL_CHANNEL; exported for tests. Never throws: refusals are Result data. */
export function createCallHandler(relay: Relay, log: (message: string) => void = (m) => console.warn(m)) {
  return async (event: InvokeEventLike, method: unknown, input: unknown): Promise<Result<unknown>> => {
    // senderFrame is null when the frame has navigated away or been destroyed since it sent this.
    const frameUrl = event.senderFrame?.url;
    if (!isAllowedSender(frameUrl)) {
      log(`ipc: refused a call from ${JSON.stringify(frameUrl ?? null)}`);
      return fail('ACCESS_DENIED', 'Only the Modelshelf window may talk to the engine.');
    }
    if (!isMethodName(method)) {
      log(`ipc: refused unknown method ${JSON.stringify(String(method)).slice(0, 200)}`);
      return fail('INVALID_INPUT', `"${String(method).slice(0, 100)}" is not a Modelshelf method.`);
    }
    try {
      return await relay(method, input);
    } catch (err) {
      return fail('INTERNAL', `The call could not reach the engine: ${err instanceof Error ? err.message : String(err)}`);
    }
  };
}

/** Opens the OS folder dialog for the window that asked; resolves to the path or null. */
export type FolderPicker = (event: InvokeEventLike) => Promise<string | null>;

/** The handler behind PICK_FOLDER_CHANNEL; exported for tests. Any refusal or failure is null. */
export function createPickFolderHandler(pick: FolderPicker, log: (message: string) => void = (m) => console.warn(m)) {
  return async (event: InvokeEventLike): Promise<string | null> => {
    const frameUrl = event.senderFrame?.url;
    if (!isAllowedSender(frameUrl)) {
      log(`ipc: refused a folder pick from ${JSON.stringify(frameUrl ?? null)}`);
      return null;
    }
    try {
      const picked = await pick(event);
      return typeof picked === 'string' && picked.length > 0 ? picked : null;
    } catch (err) {
      log(`ipc: the folder picker failed: ${err instanceof Error ? err.message : String(err)}`);
      return null;
    }
  };
}

export function registerIpc(ipcMain: IpcMainLike, relay: Relay, pickFolder?: FolderPicker): void {
  const handler = createCallHandler(relay);
  ipcMain.handle(CALL_CHANNEL, (event, method, input) => handler(event, method, input));
  if (pickFolder) {
    const pick = createPickFolderHandler(pickFolder);
    ipcMain.handle(PICK_FOLDER_CHANNEL, (event) => pick(event));
  }
}

/** Sends a menu command to one window if it shows our page; false when it was not sent. */
export function deliverMenuCommand(target: EventTargetLike | null | undefined, command: MenuCommand): boolean {
  if (!target || !isMenuCommand(command) || target.isDestroyed() || !isAllowedSender(target.getURL())) return false;
  target.send(MENU_CHANNEL, command);
  return true;
}

export interface EventTargetLike {
  isDestroyed(): boolean;
  getURL(): string;
  send(channel: string, ...args: unknown[]): void;
}

/** Pushes one engine event to every live window showing our page; returns how many got it. */
export function deliverEvent(targets: Iterable<EventTargetLike>, event: EngineEvent): number {
  if (!isEventName(event.event)) return 0;
  let delivered = 0;
  for (const target of targets) {
    if (target.isDestroyed() || !isAllowedSender(target.getURL())) continue;
    target.send(EVENT_CHANNEL, { event: event.event, payload: event.payload });
    delivered++;
  }
  return delivered;
}
