import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { WireRequest } from '../../shared/wire';
import { readToken, rpcUrl } from './token';
import { createWsApi, type WebSocketLike } from './ws-api';

/** A WebSocket stand-in the test drives by hand. */
class FakeSocket implements WebSocketLike {
  static all: FakeSocket[] = [];
  static last(): FakeSocket {
    const socket = FakeSocket.all.at(-1);
    if (!socket) throw new Error('no socket');
    return socket;
  }
  readyState = 0;
  sent: WireRequest[] = [];
  onopen: ((ev: unknown) => void) | null = null;
  onclose: ((ev: unknown) => void) | null = null;
  onerror: ((ev: unknown) => void) | null = null;
  onmessage: ((ev: { data: unknown }) => void) | null = null;
  constructor(readonly url: string) {
    FakeSocket.all.push(this);
  }
  send(data: string) {
    this.sent.push(JSON.parse(data));
  }
  close() {
    this.drop();
  }
  open() {
    this.readyState = 1;
    this.onopen?.({});
  }
  drop() {
    this.readyState = 3;
    this.onclose?.({});
  }
  reply(message: unknown) {
    this.onmessage?.({ data: JSON.stringify(message) });
  }
}

beforeEach(() => {
  FakeSocket.all = [];
});
afterEach(() => {
  vi.useRealTimers();
});

describe('createWsApi', () => {
  it('sends calls with increasing ids and matches responses by id, in any order', async () => {
    const api = createWsApi('ws://127.0.0.1:5000/rpc?token=abc', { WebSocket: FakeSocket });
    const socket = FakeSocket.last();
    expect(socket.url).toBe('ws://127.0.0.1:5000/rpc?token=abc');

    const list = api.call('sources.list', {});
    const get = api.call('library.get', { id: 7 });
    expect(socket.sent).toEqual([]); // not open yet: queued
    socket.open();
    expect(socket.sent).toEqual([
      { type: 'call', id: 1, method: 'sources.list', input: {} },
      { type: 'call', id: 2, method: 'library.get', input: { id: 7 } },
    ]);

    socket.reply({ type: 'result', id: 2, result: { ok: false, error: { code: 'NOT_FOUND', message: 'gone' } } });
    socket.reply({ type: 'result', id: 99, result: { ok: true, value: 'nobody asked' } });
    socket.reply({ type: 'result', id: 1, result: { ok: true, value: [] } });
    await expect(list).resolves.toEqual({ ok: true, value: [] });
    await expect(get).resolves.toEqual({ ok: false, error: { code: 'NOT_FOUND', message: 'gone' } });

    const third = api.call('app.info', {});
    expect(socket.sent.at(-1)).toMatchObject({ id: 3, method: 'app.info' });
    socket.reply({ type: 'result', id: 3, result: { ok: true, value: { version: '1' } } });
    await expect(third).resolves.toMatchObject({ ok: true });
    api.close();
  });

  it('delivers events to subscribers until they unsubscribe', () => {
    const api = createWsApi('ws://x/rpc', { WebSocket: FakeSocket });
    const socket = FakeSocket.last();
    socket.open();
    const seen: unknown[] = [];
    const off = api.on('library.changed', (p) => seen.push(p));
    socket.reply({ type: 'event', event: 'library.changed', payload: { sourceId: 1 } });
    socket.reply({ type: 'event', event: 'sources.changed', payload: { sourceId: 1 } });
    socket.onmessage?.({ data: 'not json' });
    off();
    socket.reply({ type: 'event', event: 'library.changed', payload: { sourceId: 2 } });
    expect(seen).toEqual([{ sourceId: 1 }]);
    api.close();
  });

  it('fails calls in flight with UNREACHABLE when the socket drops, then reconnects with backoff', async () => {
    vi.useFakeTimers();
    const api = createWsApi('ws://x/rpc', { WebSocket: FakeSocket, initialDelayMs: 100, maxDelayMs: 1000 });
    const states: string[] = [];
    api.connection?.subscribe((s) => states.push(s));
    FakeSocket.last().open();

    const pending = api.call('sources.scan', { id: 1 });
    FakeSocket.last().drop();
    await expect(pending).resolves.toMatchObject({ ok: false, error: { code: 'UNREACHABLE' } });
    expect(api.connection?.get()).toBe('reconnecting');

    // First retry after 100 ms fails, the next waits 200 ms.
    vi.advanceTimersByTime(100);
    expect(FakeSocket.all).toHaveLength(2);
    FakeSocket.last().drop();
    vi.advanceTimersByTime(150);
    expect(FakeSocket.all).toHaveLength(2);
    vi.advanceTimersByTime(50);
    expect(FakeSocket.all).toHaveLength(3);

    const queued = api.call('sources.list', {});
    FakeSocket.last().open();
    expect(FakeSocket.last().sent).toEqual([{ type: 'call', id: 2, method: 'sources.list', input: {} }]);
    FakeSocket.last().reply({ type: 'result', id: 2, result: { ok: true, value: [] } });
    await expect(queued).resolves.toEqual({ ok: true, value: [] });
    expect(states).toEqual(['open', 'reconnecting', 'open']);
    api.close();
    expect(api.connection?.get()).toBe('closed');
  });

  it('fails calls queued before any connection opened instead of waiting forever', async () => {
    vi.useFakeTimers();
    const api = createWsApi('ws://x/rpc', { WebSocket: FakeSocket });
    const call = api.call('sources.list', {});
    FakeSocket.last().drop();
    await expect(call).resolves.toMatchObject({ ok: false, error: { code: 'UNREACHABLE' } });
    api.close();
  });
});

describe('token', () => {
  function memoryStorage() {
    const data = new Map<string, string>();
    return { getItem: (k: string) => data.get(k) ?? null, setItem: (k: string, v: string) => void data.set(k, v) };
  }

  it('reads the token from the page URL and remembers it for reloads without it', () => {
    const storage = memoryStorage();
    const page = { protocol: 'http:', host: '127.0.0.1:8123', search: '?token=s3cr%2Bt&x=1' };
    expect(readToken(page, storage)).toBe('s3cr+t');
    expect(readToken({ ...page, search: '' }, storage)).toBe('s3cr+t');
    expect(readToken({ ...page, search: '' }, memoryStorage())).toBeNull();
  });

  it('builds the rpc URL on the same host, wss for https', () => {
    expect(rpcUrl({ protocol: 'http:', host: '127.0.0.1:8123', search: '' }, 's3cr+t')).toBe(
      'ws://127.0.0.1:8123/rpc?token=s3cr%2Bt',
    );
    expect(rpcUrl({ protocol: 'https:', host: 'nas.local', search: '' }, 'a')).toBe('wss://nas.local/rpc?token=a');
  });

  it('picks the WebSocket with the token from the page URL when there is no bridge', async () => {
    const { pickApi } = await import('./pick-api');
    const created: string[] = [];
    vi.stubGlobal(
      'WebSocket',
      class extends FakeSocket {
        constructor(url: string) {
          super(url);
          created.push(url);
        }
      },
    );
    window.history.replaceState(null, '', '/?token=tok123');
    const picked = pickApi(window);
    expect(picked.missingToken).toBe(false);
    expect(created).toEqual([`ws://${window.location.host}/rpc?token=tok123`]);
    expect(window.sessionStorage.getItem('modelshelf.token')).toBe('tok123');
    (picked.api as { close?(): void }).close?.();
    vi.unstubAllGlobals();
  });

  it('picks the Electron bridge when window.modelshelf exists', async () => {
    const { pickApi } = await import('./pick-api');
    const calls: unknown[] = [];
    const fakeWindow = {
      modelshelf: {
        call: async (method: string, input: unknown) => {
          calls.push([method, input]);
          return { ok: true, value: [] };
        },
        on: () => () => {},
      },
    } as unknown as Window;
    const { api } = pickApi(fakeWindow);
    await expect(api.call('sources.list', {})).resolves.toEqual({ ok: true, value: [] });
    expect(calls).toEqual([['sources.list', {}]]);
  });
});
