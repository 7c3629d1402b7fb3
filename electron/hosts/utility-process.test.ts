import path from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import type { EngineEvent } from '../../shared/contract';
import { ok } from '../../shared/result';
import type { Engine, EngineOptions } from '../core/engine-api';
import { EngineError } from '../core/errors';
import { type ParentPortLike, resolveDataDir, runUtilityHost } from './utility-process';

class FakePort implements ParentPortLike {
  readonly sent: unknown[] = [];
  private listener: (message: { data: unknown }) => void = () => undefined;
  on(_event: 'message', listener: (message: { data: unknown }) => void) {
    this.listener = listener;
    return this;
  }
  postMessage(message: unknown): void {
    this.sent.push(structuredClone(message));
  }
  send(data: unknown): void {
    this.listener({ data });
  }
  of(type: string) {
    return this.sent.filter((m) => (m as { type: string }).type === type);
  }
}

function fakeEngine(call: Engine['call'] = async (method, input) => ok({ method, input })) {
  let emit: (event: EngineEvent) => void = () => undefined;
  const engine: Engine = {
    call: vi.fn(call),
    onEvent: (listener) => {
      emit = listener;
      return () => undefined;
    },
    close: vi.fn(async () => undefined),
  };
  return { engine, emit: (e: EngineEvent) => emit(e) };
}

const flush = () => new Promise((resolve) => setTimeout(resolve, 0));
const DATA = path.resolve('/var/lib/modelshelf');

function host(createEngine: (o: EngineOptions) => Promise<Engine>, dataDir: string | null = DATA) {
  const port = new FakePort();
  const exit = vi.fn();
  runUtilityHost(port, { createEngine, dataDir, exit });
  return { port, exit };
}

describe('resolveDataDir', () => {
  it('reads --data-dir=, --data-dir <dir>, then the env, absolute only', () => {
    expect(resolveDataDir(['node', 'utility.cjs', `--data-dir=${DATA}`], {})).toBe(DATA);
    expect(resolveDataDir(['--data-dir', DATA], {})).toBe(DATA);
    expect(resolveDataDir([], { MODELSHELF_DATA_DIR: DATA })).toBe(DATA);
    expect(resolveDataDir([`--data-dir=${DATA}`], { MODELSHELF_DATA_DIR: path.resolve('/other') })).toBe(DATA);
    expect(resolveDataDir(['--data-dir=relative/dir'], {})).toBeNull();
    expect(resolveDataDir(['--data-dir'], {})).toBeNull();
    expect(resolveDataDir([], {})).toBeNull();
  });
});

describe('runUtilityHost', () => {
  it('creates the engine for Electron with the data dir and a port-backed credential store', async () => {
    const createEngine = vi.fn(async (_o: EngineOptions) => fakeEngine().engine);
    host(createEngine);
    expect(createEngine).toHaveBeenCalledOnce();
    const options = createEngine.mock.calls[0]?.[0] as EngineOptions;
    expect(options.dataDir).toBe(DATA);
    expect(options.host).toBe('electron');
    expect(options.credentials).toBeDefined();
  });

  it('relays calls to the engine and answers with the same id', async () => {
    const { engine } = fakeEngine();
    const { port } = host(async () => engine);
    port.send({ type: 'call', id: 7, method: 'library.get', input: { id: 3 } });
    await flush();
    expect(engine.call).toHaveBeenCalledWith('library.get', { id: 3 });
    expect(port.of('result')).toEqual([{ type: 'result', id: 7, result: { ok: true, value: { method: 'library.get', input: { id: 3 } } } }]);
  });

  it('holds calls that arrive while the engine opens', async () => {
    const { engine } = fakeEngine();
    let open: (e: Engine) => void = () => undefined;
    const { port } = host(() => new Promise((resolve) => (open = resolve)));
    port.send({ type: 'call', id: 1, method: 'app.info', input: {} });
    await flush();
    expect(port.of('result')).toEqual([]);
    open(engine);
    await flush();
    expect(port.of('result')).toHaveLength(1);
  });

  it('answers every call with the reason when the engine cannot start', async () => {
    const errors = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    const { port } = host(async () => {
      throw new EngineError('IO', 'The catalog file is damaged.');
    });
    port.send({ type: 'call', id: 1, method: 'app.info', input: {} });
    await flush();
    expect(port.of('result')).toEqual([
      { type: 'result', id: 1, result: { ok: false, error: { code: 'IO', message: expect.stringContaining('The catalog file is damaged.') } } },
    ]);
    errors.mockRestore();
  });

  it('says so when main gave no data folder', async () => {
    const errors = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    const createEngine = vi.fn();
    const { port } = host(createEngine, null);
    port.send({ type: 'call', id: 1, method: 'app.info', input: {} });
    await flush();
    expect(createEngine).not.toHaveBeenCalled();
    expect(port.of('result')[0]).toMatchObject({ result: { ok: false, error: { message: expect.stringContaining('--data-dir') } } });
    errors.mockRestore();
  });

  it('turns an engine that breaks its never-throw promise into INTERNAL data', async () => {
    const { engine } = fakeEngine(async () => {
      throw new TypeError('oops');
    });
    const { port } = host(async () => engine);
    port.send({ type: 'call', id: 2, method: 'app.info', input: {} });
    await flush();
    expect(port.of('result')).toEqual([{ type: 'result', id: 2, result: { ok: false, error: { code: 'INTERNAL', message: expect.stringContaining('oops') } } }]);
  });

  it('answers even when the result cannot cross the port', async () => {
    const { engine } = fakeEngine(async () => ok({ fn: () => 1 }));
    const { port } = host(async () => engine);
    port.send({ type: 'call', id: 3, method: 'app.info', input: {} });
    await flush();
    expect(port.of('result')).toEqual([{ type: 'result', id: 3, result: { ok: false, error: { code: 'INTERNAL', message: expect.any(String) } } }]);
  });

  it('forwards engine events as wire events', async () => {
    const fake = fakeEngine();
    const { port } = host(async () => fake.engine);
    await flush();
    fake.emit({ event: 'library.changed', payload: { sourceId: 2 } });
    expect(port.of('event')).toEqual([{ type: 'event', event: 'library.changed', payload: { sourceId: 2 } }]);
  });

  it('asks main for passwords and resolves with its answers', async () => {
    let options: EngineOptions | undefined;
    const { port } = host(async (o) => {
      options = o;
      return fakeEngine().engine;
    });
    const store = options?.credentials;
    if (!store) throw new Error('no credential store');

    const got = store.get(4);
    const saved = store.set(4, 'pw');
    const removed = store.delete(4);
    expect(port.of('credentials')).toEqual([
      { type: 'credentials', id: 1, op: 'get', sourceId: 4 },
      { type: 'credentials', id: 2, op: 'set', sourceId: 4, password: 'pw' },
      { type: 'credentials', id: 3, op: 'delete', sourceId: 4 },
    ]);
    port.send({ type: 'credentials-result', id: 3, ok: true, password: null });
    port.send({ type: 'credentials-result', id: 1, ok: true, password: 'from-keychain' });
    port.send({ type: 'credentials-result', id: 2, ok: false, code: 'UNSUPPORTED', message: 'No OS keychain is available.' });
    await expect(got).resolves.toBe('from-keychain');
    await expect(removed).resolves.toBeUndefined();
    const error = await saved.catch((err: unknown) => err);
    expect(error).toBeInstanceOf(EngineError);
    expect(error).toMatchObject({ code: 'UNSUPPORTED', message: 'No OS keychain is available.' });
  });

  it('drops malformed messages from main', async () => {
    const errors = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    const { engine } = fakeEngine();
    const { port } = host(async () => engine);
    port.send({ type: 'call', id: 'x', method: 'app.info' });
    port.send({ type: 'run', code: 'process.exit()' });
    port.send(null);
    await flush();
    expect(engine.call).not.toHaveBeenCalled();
    expect(port.sent).toEqual([]);
    expect(errors).toHaveBeenCalledTimes(3);
    errors.mockRestore();
  });

  it('closes the engine and exits on shutdown', async () => {
    const { engine } = fakeEngine();
    const { port, exit } = host(async () => engine);
    port.send({ type: 'shutdown' });
    await flush();
    expect(engine.close).toHaveBeenCalledOnce();
    expect(exit).toHaveBeenCalledWith(0);
  });
});
