import { describe, expect, it, vi } from 'vitest';
import type { EngineEvent } from '../../shared/contract';
import type { CredentialStore } from '../core/engine-api';
import { EngineLink, type UtilityChild } from './engine-link';
import { CredentialStoreError } from './credentials';
import { type MainToUtility, parseMainMessage, parseUtilityMessage } from '../../shared/electron-ipc';

class FakeChild implements UtilityChild {
  readonly sent: MainToUtility[] = [];
  killed = false;
  private messageListener: (message: unknown) => void = () => undefined;
  private exitListener: (code: number) => void = () => undefined;
  postMessage(message: MainToUtility): void {
    this.sent.push(structuredClone(message));
  }
  onMessage(listener: (message: unknown) => void): void {
    this.messageListener = listener;
  }
  onExit(listener: (code: number) => void): void {
    this.exitListener = listener;
  }
  kill(): void {
    this.killed = true;
  }
  emit(message: unknown): void {
    this.messageListener(message);
  }
  exit(code: number): void {
    this.exitListener(code);
  }
  calls() {
    return this.sent.filter((m) => m.type === 'call');
  }
}

function memoryCredentials(): CredentialStore & { data: Map<number, string> } {
  const data = new Map<number, string>();
  return {
    data,
    get: async (id) => data.get(id) ?? null,
    set: async (id, pw) => {
      data.set(id, pw);
    },
    delete: async (id) => {
      data.delete(id);
    },
  };
}

function setup(options: { credentials?: CredentialStore; maxRestarts?: number } = {}) {
  const children: FakeChild[] = [];
  const events: EngineEvent[] = [];
  const log = vi.fn();
  const link = new EngineLink({
    spawn: () => {
      const child = new FakeChild();
      children.push(child);
      return child;
    },
    credentials: options.credentials ?? memoryCredentials(),
    onEvent: (e) => events.push(e),
    maxRestarts: options.maxRestarts,
    log,
  });
  return { link, children, events, log, current: () => children[children.length - 1] as FakeChild };
}

const tick = () => new Promise((resolve) => setTimeout(resolve, 0));

describe('EngineLink calls', () => {
  it('numbers calls and matches results by id, in any order', async () => {
    const { link, current } = setup();
    const a = link.call('sources.list', {});
    const b = link.call('library.get', { id: 4 });
    const [callA, callB] = current().calls();
    expect(callA).toEqual({ type: 'call', id: 1, method: 'sources.list', input: {} });
    expect(callB).toEqual({ type: 'call', id: 2, method: 'library.get', input: { id: 4 } });
    current().emit({ type: 'result', id: 2, result: { ok: false, error: { code: 'NOT_FOUND', message: 'No item 4.' } } });
    current().emit({ type: 'result', id: 1, result: { ok: true, value: [] } });
    await expect(a).resolves.toEqual({ ok: true, value: [] });
    await expect(b).resolves.toEqual({ ok: false, error: { code: 'NOT_FOUND', message: 'No item 4.' } });
  });

  it('starts one process lazily and reuses it', async () => {
    const { link, children } = setup();
    expect(children).toHaveLength(0);
    void link.call('app.info', {});
    void link.call('app.info', {});
    expect(children).toHaveLength(1);
  });

  it('ignores unknown ids and malformed results instead of resolving the wrong call', async () => {
    const { link, current, log } = setup();
    const pending = link.call('app.info', {});
    let settled = false;
    void pending.then(() => {
      settled = true;
    });
    current().emit({ type: 'result', id: 99, result: { ok: true, value: 'stray' } });
    current().emit({ type: 'result', id: 1, result: { ok: false, error: { code: 'MADE_UP', message: 'x' } } });
    current().emit({ type: 'result', id: 1 });
    current().emit('garbage');
    await tick();
    expect(settled).toBe(false);
    expect(log).toHaveBeenCalledWith(expect.stringContaining('malformed'));
    current().emit({ type: 'result', id: 1, result: { ok: true, value: 'real' } });
    await expect(pending).resolves.toEqual({ ok: true, value: 'real' });
  });

  it('fails pending calls when the process dies, then restarts on the next call', async () => {
    const { link, children, current } = setup();
    const pending = link.call('sources.scan', { id: 1 });
    current().exit(134);
    await expect(pending).resolves.toMatchObject({ ok: false, error: { code: 'INTERNAL', message: expect.stringContaining('exit code 134') } });
    const next = link.call('app.info', {});
    expect(children).toHaveLength(2);
    current().emit({ type: 'result', id: 2, result: { ok: true, value: 'back' } });
    await expect(next).resolves.toEqual({ ok: true, value: 'back' });
  });

  it('gives up after maxRestarts crashes, with a message', async () => {
    const { link, children, current } = setup({ maxRestarts: 1 });
    void link.call('app.info', {});
    current().exit(1);
    void link.call('app.info', {});
    current().exit(1);
    const result = await link.call('app.info', {});
    expect(children).toHaveLength(2);
    expect(result).toMatchObject({ ok: false, error: { code: 'INTERNAL', message: expect.stringContaining('not restarted') } });
  });

  it('ignores messages and exits of a process it has replaced', async () => {
    const { link, children } = setup();
    void link.call('app.info', {});
    const first = children[0] as FakeChild;
    first.exit(1);
    const next = link.call('app.info', {});
    const second = children[1] as FakeChild;
    first.emit({ type: 'result', id: 2, result: { ok: true, value: 'from the dead' } });
    first.exit(1);
    second.emit({ type: 'result', id: 2, result: { ok: true, value: 'alive' } });
    await expect(next).resolves.toEqual({ ok: true, value: 'alive' });
  });
});

describe('EngineLink events', () => {
  it('forwards contract events and drops others', () => {
    const { link, current, events } = setup();
    link.start();
    current().emit({ type: 'event', event: 'scan.progress', payload: { sourceId: 1, files: 10 } });
    current().emit({ type: 'event', event: 'internal.debug', payload: { secret: 1 } });
    current().emit({ type: 'event', event: 42, payload: {} });
    expect(events).toEqual([{ event: 'scan.progress', payload: { sourceId: 1, files: 10 } }]);
  });
});

describe('EngineLink credentials', () => {
  it('answers get/set/delete from the store', async () => {
    const credentials = memoryCredentials();
    const { link, current } = setup({ credentials });
    link.start();
    current().emit({ type: 'credentials', id: 1, op: 'set', sourceId: 5, password: 's3cret' });
    await tick();
    expect(credentials.data.get(5)).toBe('s3cret');
    current().emit({ type: 'credentials', id: 2, op: 'get', sourceId: 5 });
    current().emit({ type: 'credentials', id: 3, op: 'get', sourceId: 6 });
    await tick();
    current().emit({ type: 'credentials', id: 4, op: 'delete', sourceId: 5 });
    await tick();
    expect(credentials.data.has(5)).toBe(false);
    expect(current().sent.filter((m) => m.type === 'credentials-result')).toEqual([
      { type: 'credentials-result', id: 1, ok: true, password: null },
      { type: 'credentials-result', id: 2, ok: true, password: 's3cret' },
      { type: 'credentials-result', id: 3, ok: true, password: null },
      { type: 'credentials-result', id: 4, ok: true, password: null },
    ]);
  });

  it('passes the store refusal on with its code and reason', async () => {
    const credentials = memoryCredentials();
    credentials.set = async () => {
      throw new CredentialStoreError('UNSUPPORTED', 'No OS keychain is available.');
    };
    const { link, current } = setup({ credentials });
    link.start();
    current().emit({ type: 'credentials', id: 1, op: 'set', sourceId: 5, password: 'x' });
    await tick();
    expect(current().sent).toContainEqual({ type: 'credentials-result', id: 1, ok: false, code: 'UNSUPPORTED', message: 'No OS keychain is available.' });
  });

  it('refuses malformed credential requests without touching the store', async () => {
    const credentials = memoryCredentials();
    const set = vi.spyOn(credentials, 'set');
    const { link, current } = setup({ credentials });
    link.start();
    current().emit({ type: 'credentials', id: 1, op: 'set', sourceId: 5 });
    current().emit({ type: 'credentials', id: 2, op: 'set', sourceId: -1, password: 'x' });
    current().emit({ type: 'credentials', id: 3, op: 'set', sourceId: 5, password: 'x'.repeat(2000) });
    current().emit({ type: 'credentials', id: 4, op: 'dump', sourceId: 5 });
    await tick();
    expect(set).not.toHaveBeenCalled();
    expect(current().sent).toEqual([]);
  });
});

describe('EngineLink shutdown', () => {
  it('asks the engine to close, waits for the exit, and refuses calls meanwhile', async () => {
    const { link, current } = setup();
    link.start();
    const done = link.shutdown(1000);
    expect(current().sent).toEqual([{ type: 'shutdown' }]);
    await expect(link.call('app.info', {})).resolves.toMatchObject({ ok: false, error: { code: 'CANCELLED' } });
    current().exit(0);
    await done;
    expect(current().killed).toBe(false);
  });

  it('kills an engine that does not exit in time', async () => {
    const { link, current } = setup();
    link.start();
    await link.shutdown(10);
    expect(current().killed).toBe(true);
  });

  it('does nothing when no process was started', async () => {
    const { link, children } = setup();
    await link.shutdown(10);
    expect(children).toHaveLength(0);
  });
});

describe('electron-ipc port parsers', () => {
  it('accepts the shapes each side sends', () => {
    expect(parseMainMessage({ type: 'call', id: 1, method: 'app.info', input: {} })).toEqual({ type: 'call', id: 1, method: 'app.info', input: {} });
    expect(parseMainMessage({ type: 'credentials-result', id: 1, ok: true, password: null })).not.toBeNull();
    expect(parseMainMessage({ type: 'credentials-result', id: 1, ok: false, code: 'IO', message: 'disk' })).not.toBeNull();
    expect(parseMainMessage({ type: 'shutdown' })).toEqual({ type: 'shutdown' });
    expect(parseUtilityMessage({ type: 'event', event: 'x', payload: 1 })).toEqual({ type: 'event', event: 'x', payload: 1 });
  });

  it.each([
    null,
    [],
    'call',
    { type: 'call', id: -1, method: 'app.info' },
    { type: 'call', id: 1.5, method: 'app.info' },
    { type: 'call', id: 1, method: 7 },
    { type: 'credentials-result', id: 1, ok: true, password: 42 },
    { type: 'credentials-result', id: 1, ok: false, code: 'NOPE', message: 'x' },
    { type: 'eval', code: '1' },
  ])('main → utility parser drops %j', (value) => {
    expect(parseMainMessage(value)).toBeNull();
  });

  it('copies only known fields', () => {
    expect(parseMainMessage({ type: 'shutdown', extra: 'x' })).toEqual({ type: 'shutdown' });
    expect(parseUtilityMessage({ type: 'credentials', id: 1, op: 'get', sourceId: 2, password: 'leak' })).toEqual({ type: 'credentials', id: 1, op: 'get', sourceId: 2 });
  });
});
