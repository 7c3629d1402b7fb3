import { describe, expect, it, vi } from 'vitest';
import { EVENT_NAMES, type EngineEvent, METHOD_NAMES } from '../../shared/contract';
import { ok } from '../../shared/result';
import { MENU_CHANNEL, PICK_FOLDER_CHANNEL } from '../../shared/electron-ipc';
import { createCallHandler, createPickFolderHandler, deliverEvent, deliverMenuCommand, type InvokeEventLike, registerIpc } from './ipc';

const fromApp: InvokeEventLike = { senderFrame: { url: 'app://modelshelf/index.html' } };
const quiet = () => undefined;

describe('call handler', () => {
  it('relays a contract method from our page and returns the engine result', async () => {
    const relay = vi.fn(async () => ok({ version: '0.1.0' }));
    const handler = createCallHandler(relay, quiet);
    await expect(handler(fromApp, 'app.info', {})).resolves.toEqual({ ok: true, value: { version: '0.1.0' } });
    expect(relay).toHaveBeenCalledWith('app.info', {});
  });

  it('relays every method in METHOD_NAMES', async () => {
    const relay = vi.fn(async (_method: string, _input: unknown) => ok(null));
    const handler = createCallHandler(relay, quiet);
    for (const method of METHOD_NAMES) await handler(fromApp, method, {});
    expect(relay.mock.calls.map((c) => c[0])).toEqual(METHOD_NAMES);
  });

  it.each([
    ['another origin', { senderFrame: { url: 'https://evil.example/' } }],
    ['a file:// page', { senderFrame: { url: 'file:///tmp/index.html' } }],
    ['a look-alike host', { senderFrame: { url: 'app://modelshelf.evil/' } }],
    ['a destroyed frame', { senderFrame: null }],
  ])('refuses calls from %s without relaying', async (_name, event) => {
    const relay = vi.fn(async () => ok(null));
    const result = await createCallHandler(relay, quiet)(event as InvokeEventLike, 'sources.list', {});
    expect(result).toMatchObject({ ok: false, error: { code: 'ACCESS_DENIED' } });
    expect(relay).not.toHaveBeenCalled();
  });

  it.each(['sources.drop', 'constructor', '__proto__', 'toString', '', 42, null, { method: 'app.info' }])('refuses method %j', async (method) => {
    const relay = vi.fn(async () => ok(null));
    const result = await createCallHandler(relay, quiet)(fromApp, method, {});
    expect(result).toMatchObject({ ok: false, error: { code: 'INVALID_INPUT' } });
    expect(relay).not.toHaveBeenCalled();
  });

  it('turns a relay that throws into INTERNAL data', async () => {
    const result = await createCallHandler(async () => {
      throw new Error('port closed');
    }, quiet)(fromApp, 'app.info', {});
    expect(result).toEqual({ ok: false, error: { code: 'INTERNAL', message: expect.stringContaining('port closed') } });
  });

  it('registers exactly one channel, the call channel', async () => {
    const handle = vi.fn();
    registerIpc({ handle }, async () => ok('x'));
    expect(handle).toHaveBeenCalledOnce();
    expect(handle.mock.calls[0]?.[0]).toBe('modelshelf:call');
    const listener = handle.mock.calls[0]?.[1];
    await expect(listener({ senderFrame: { url: 'https://evil/' } }, 'app.info', {})).resolves.toMatchObject({ ok: false });
    await expect(listener(fromApp, 'app.info', {})).resolves.toEqual({ ok: true, value: 'x' });
  });
});

function target(url: string, destroyed = false) {
  return { isDestroyed: () => destroyed, getURL: () => url, send: vi.fn() };
}

describe('deliverEvent', () => {
  const event: EngineEvent = { event: 'sources.changed', payload: { sourceId: 3 } };

  it('sends contract events to live windows showing our page only', () => {
    const ours = target('app://modelshelf/index.html');
    const gone = target('app://modelshelf/index.html', true);
    const foreign = target('https://evil.example/');
    const blank = target('');
    expect(deliverEvent([ours, gone, foreign, blank], event)).toBe(1);
    expect(ours.send).toHaveBeenCalledWith('modelshelf:event', { event: 'sources.changed', payload: { sourceId: 3 } });
    expect(gone.send).not.toHaveBeenCalled();
    expect(foreign.send).not.toHaveBeenCalled();
    expect(blank.send).not.toHaveBeenCalled();
  });

  it('delivers every contract event and drops anything else', () => {
    const ours = target('app://modelshelf/');
    for (const name of EVENT_NAMES) deliverEvent([ours], { event: name, payload: {} } as EngineEvent);
    expect(deliverEvent([ours], { event: 'debug.secrets', payload: {} } as unknown as EngineEvent)).toBe(0);
    expect(ours.send.mock.calls.map((c) => (c[1] as { event: string }).event)).toEqual([...EVENT_NAMES]);
  });
});

describe('pick-folder handler', () => {
  it('opens the picker for our page and returns the path', async () => {
    const pick = vi.fn(async () => '/srv/exports');
    await expect(createPickFolderHandler(pick, quiet)(fromApp)).resolves.toBe('/srv/exports');
    expect(pick).toHaveBeenCalledWith(fromApp);
  });

  it.each([
    ['another origin', { senderFrame: { url: 'https://evil.example/' } }],
    ['a destroyed frame', { senderFrame: null }],
  ])('refuses %s without opening the dialog', async (_name, event) => {
    const pick = vi.fn(async () => '/etc');
    await expect(createPickFolderHandler(pick, quiet)(event as InvokeEventLike)).resolves.toBeNull();
    expect(pick).not.toHaveBeenCalled();
  });

  it('returns null when cancelled or when the dialog fails', async () => {
    await expect(createPickFolderHandler(async () => null, quiet)(fromApp)).resolves.toBeNull();
    await expect(createPickFolderHandler(async () => '', quiet)(fromApp)).resolves.toBeNull();
    await expect(
      createPickFolderHandler(async () => {
        throw new Error('no display');
      }, quiet)(fromApp),
    ).resolves.toBeNull();
  });

  it('is registered on its own channel only when a picker is given', () => {
    const channels: string[] = [];
    const ipcMain = { handle: (channel: string) => void channels.push(channel) };
    registerIpc(ipcMain, async () => ok(null));
    expect(channels).not.toContain(PICK_FOLDER_CHANNEL);
    registerIpc(ipcMain, async () => ok(null), async () => null);
    expect(channels).toContain(PICK_FOLDER_CHANNEL);
  });
});

describe('deliverMenuCommand', () => {
  const target = (url: string, destroyed = false) => ({ isDestroyed: () => destroyed, getURL: () => url, send: vi.fn() });

  it('sends an allowlisted command to our page', () => {
    const win = target('app://modelshelf/index.html');
    expect(deliverMenuCommand(win, 'export')).toBe(true);
    expect(win.send).toHaveBeenCalledWith(MENU_CHANNEL, 'export');
  });

  it('sends nothing to other pages, destroyed windows, no window, or for unknown commands', () => {
    const other = target('https://evil.example/');
    const dead = target('app://modelshelf/index.html', true);
    const ours = target('app://modelshelf/index.html');
    expect(deliverMenuCommand(other, 'export')).toBe(false);
    expect(deliverMenuCommand(dead, 'export')).toBe(false);
    expect(deliverMenuCommand(null, 'export')).toBe(false);
    expect(deliverMenuCommand(ours, 'reload' as never)).toBe(false);
    expect(other.send).not.toHaveBeenCalled();
    expect(dead.send).not.toHaveBeenCalled();
    expect(ours.send).not.toHaveBeenCalled();
  });
});
