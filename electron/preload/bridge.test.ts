import { describe, expect, it, vi } from 'vitest';
import { METHOD_NAMES } from '../../shared/contract';
import { CALL_CHANNEL, EVENT_CHANNEL, MENU_CHANNEL, PICK_FOLDER_CHANNEL } from '../../shared/electron-ipc';
import { createBridge, type IpcRendererLike } from './bridge';

function fakeIpc(reply: (channel: string, ...args: unknown[]) => Promise<unknown> = async () => ({ ok: true, value: 'pong' })) {
  const listeners = new Map<string, (event: unknown, ...args: unknown[]) => void>();
  const ipc = {
    invoke: vi.fn(reply),
    on: vi.fn((channel: string, listener: (event: unknown, ...args: unknown[]) => void) => {
      listeners.set(channel, listener);
    }),
  } satisfies IpcRendererLike;
  const ipcEvent = { sender: { send: () => 'the IPC event must not reach the page' }, ports: [] };
  const push = (message: unknown) => listeners.get(EVENT_CHANNEL)?.(ipcEvent, message);
  return { ipc, push, listeners };
}

describe('bridge.call', () => {
  it('invokes the call channel for every contract method and returns the result', async () => {
    const { ipc } = fakeIpc();
    const bridge = createBridge(ipc);
    for (const method of METHOD_NAMES) {
      await expect(bridge.call(method, { id: 1 })).resolves.toEqual({ ok: true, value: 'pong' });
    }
    expect(ipc.invoke.mock.calls).toEqual(METHOD_NAMES.map((m) => [CALL_CHANNEL, m, { id: 1 }]));
  });

  it.each(['sources.drop', '__proto__', 'constructor', 'modelshelf:call', ''])('refuses %j without touching IPC', async (method) => {
    const { ipc } = fakeIpc();
    const result = await createBridge(ipc).call(method, {});
    expect(result).toMatchObject({ ok: false, error: { code: 'INVALID_INPUT' } });
    expect(ipc.invoke).not.toHaveBeenCalled();
  });

  it('refuses non-string method names', async () => {
    const { ipc } = fakeIpc();
    const bridge = createBridge(ipc);
    await expect(bridge.call(42 as unknown as string, {})).resolves.toMatchObject({ ok: false, error: { code: 'INVALID_INPUT' } });
    await expect(bridge.call({ toString: () => 'app.info' } as unknown as string, {})).resolves.toMatchObject({ ok: false });
    expect(ipc.invoke).not.toHaveBeenCalled();
  });

  it('turns an IPC failure into INTERNAL data', async () => {
    const { ipc } = fakeIpc(async () => {
      throw new Error('An object could not be cloned.');
    });
    await expect(createBridge(ipc).call('app.info', {})).resolves.toEqual({
      ok: false,
      error: { code: 'INTERNAL', message: expect.stringContaining('could not be cloned') },
    });
  });
});

describe('bridge.on', () => {
  it('listens on the event and menu channels only and hands listeners the payload only', () => {
    const { ipc, push } = fakeIpc();
    const bridge = createBridge(ipc);
    expect(ipc.on.mock.calls.map((c) => c[0]).sort()).toEqual([EVENT_CHANNEL, MENU_CHANNEL].sort());
    const listener = vi.fn();
    bridge.on('scan.progress', listener);
    push({ event: 'scan.progress', payload: { sourceId: 1, files: 3 } });
    expect(listener.mock.calls).toEqual([[{ sourceId: 1, files: 3 }]]);
  });

  it('delivers each event only to its own listeners and stops after unsubscribe', () => {
    const { ipc, push } = fakeIpc();
    const bridge = createBridge(ipc);
    const progress = vi.fn();
    const changed = vi.fn();
    const off = bridge.on('scan.progress', progress);
    bridge.on('sources.changed', changed);
    push({ event: 'sources.changed', payload: { sourceId: null } });
    expect(progress).not.toHaveBeenCalled();
    expect(changed).toHaveBeenCalledOnce();
    off();
    push({ event: 'scan.progress', payload: {} });
    expect(progress).not.toHaveBeenCalled();
  });

  it('refuses unknown events and non-functions', () => {
    const { ipc } = fakeIpc();
    const bridge = createBridge(ipc);
    expect(() => bridge.on('debug.everything', () => undefined)).toThrow(/not a Modelshelf event/);
    expect(() => bridge.on('__proto__', () => undefined)).toThrow();
    expect(() => bridge.on('scan.progress', 'alert(1)' as unknown as () => void)).toThrow(/listener function/);
  });

  it('drops pushes that are not contract events', () => {
    const { ipc, push } = fakeIpc();
    const bridge = createBridge(ipc);
    const listener = vi.fn();
    bridge.on('library.changed', listener);
    push(null);
    push('library.changed');
    push({ event: 'internal.secret', payload: 1 });
    expect(listener).not.toHaveBeenCalled();
  });

  it('keeps delivering when one listener throws', () => {
    const { ipc, push } = fakeIpc();
    const bridge = createBridge(ipc);
    const errors = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    const second = vi.fn();
    bridge.on('library.changed', () => {
      throw new Error('boom');
    });
    bridge.on('library.changed', second);
    push({ event: 'library.changed', payload: { sourceId: 2 } });
    expect(second).toHaveBeenCalledWith({ sourceId: 2 });
    expect(errors).toHaveBeenCalled();
    errors.mockRestore();
  });
});

describe('bridge surface', () => {
  it('exposes call, on, onMenu and pickFolder, nothing else', () => {
    const { ipc } = fakeIpc();
    expect(Object.keys(createBridge(ipc)).sort()).toEqual(['call', 'on', 'onMenu', 'pickFolder']);
  });
});

describe('bridge.onMenu', () => {
  it('delivers only allowlisted menu commands, without the IPC event', () => {
    const { ipc, listeners } = fakeIpc();
    const bridge = createBridge(ipc);
    const got: unknown[][] = [];
    const off = bridge.onMenu((...args: unknown[]) => got.push(args));
    const send = listeners.get(MENU_CHANNEL);
    expect(send).toBeDefined();
    for (const command of ['add-source', 'export', 'reload', '__proto__', 42, null, { command: 'export' }]) send?.({ sender: {} }, command);
    expect(got).toEqual([['add-source'], ['export']]);
    off();
    send?.({}, 'export');
    expect(got).toHaveLength(2);
  });

  it('keeps delivering when one listener throws', () => {
    const { ipc, listeners } = fakeIpc();
    const bridge = createBridge(ipc);
    const error = vi.spyOn(console, 'error').mockImplementation(() => {});
    const second = vi.fn();
    bridge.onMenu(() => {
      throw new Error('boom');
    });
    bridge.onMenu(second);
    listeners.get(MENU_CHANNEL)?.({}, 'export');
    expect(second).toHaveBeenCalledWith('export');
    error.mockRestore();
  });

  it('needs a function', () => {
    const { ipc } = fakeIpc();
    expect(() => createBridge(ipc).onMenu('x' as unknown as () => void)).toThrow(/listener function/);
  });
});

describe('bridge.pickFolder', () => {
  it('invokes the pick-folder channel with no arguments and returns the path', async () => {
    const { ipc } = fakeIpc(async () => '/home/ada/exports');
    await expect(createBridge(ipc).pickFolder()).resolves.toBe('/home/ada/exports');
    expect(ipc.invoke.mock.calls).toEqual([[PICK_FOLDER_CHANNEL]]);
  });

  it.each([null, undefined, '', 42, { path: '/x' }])('returns null for %j', async (reply) => {
    const { ipc } = fakeIpc(async () => reply);
    await expect(createBridge(ipc).pickFolder()).resolves.toBeNull();
  });
});
