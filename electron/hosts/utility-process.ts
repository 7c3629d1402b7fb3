// Entry point Electron runs with utilityProcess.fork (bundled to dist/electron/utility.cjs). Plain
// Node: it never imports 'electron'. It creates the engine and relays calls, results and events over
// process.parentPort; share passwords are asked of main, which owns the OS keychain.
import path from 'node:path';
import { fail } from '../../shared/result';
import type { CredentialStore, Engine, EngineOptions } from '../core/engine-api';
import { EngineError, toAppError } from '../core/errors';
import { type CredentialOp, type CredentialReply, parseMainMessage, type UtilityToMain } from '../../shared/electron-ipc';

/** Electron's process.parentPort, reduced to what this host uses (@types/node does not know it). */
export interface ParentPortLike {
  on(event: 'message', listener: (message: { data: unknown }) => void): unknown;
  postMessage(message: unknown): void;
}

export const DATA_DIR_FLAG = '--data-dir';
export const DATA_DIR_ENV = 'MODELSHELF_DATA_DIR';

/** The engine's data folder from `--data-dir=<dir>` / `--data-dir <dir>`, else the env; absolute only. */
export function resolveDataDir(argv: readonly string[], env: Record<string, string | undefined>): string | null {
  let value: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg.startsWith(`${DATA_DIR_FLAG}=`)) value = arg.slice(DATA_DIR_FLAG.length + 1);
    else if (arg === DATA_DIR_FLAG) value = argv[i + 1];
  }
  value ??= env[DATA_DIR_ENV];
  return value && path.isAbsolute(value) ? path.normalize(value) : null;
}

/** A CredentialStore whose every operation is a question to main over the port. */
class PortCredentialStore implements CredentialStore {
  private nextId = 1;
  private readonly waiting = new Map<number, { resolve: (password: string | null) => void; reject: (err: Error) => void }>();

  constructor(private readonly post: (message: UtilityToMain) => void) {}

  get(sourceId: number): Promise<string | null> {
    return this.ask('get', sourceId);
  }

  async set(sourceId: number, password: string): Promise<void> {
    await this.ask('set', sourceId, password);
  }

  async delete(sourceId: number): Promise<void> {
    await this.ask('delete', sourceId);
  }

  answer(reply: CredentialReply): void {
    const waiter = this.waiting.get(reply.id);
    if (!waiter) return;
    this.waiting.delete(reply.id);
    if (reply.ok) waiter.resolve(reply.password);
    else waiter.reject(new EngineError(reply.code, reply.message));
  }

  private ask(op: CredentialOp, sourceId: number, password?: string): Promise<string | null> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.waiting.set(id, { resolve, reject });
      this.post(op === 'set' ? { type: 'credentials', id, op, sourceId, password } : { type: 'credentials', id, op, sourceId });
    });
  }
}

export interface UtilityHostOptions {
  createEngine: (options: EngineOptions) => Promise<Engine>;
  /** null when main gave none: every call then fails with a message saying so. */
  dataDir: string | null;
  /** Called once the engine has closed after main asked for shutdown. */
  exit: (code: number) => void;
}

/** Wires one engine to one port. Calls that arrive while the engine opens wait for it. */
export function runUtilityHost(port: ParentPortLike, options: UtilityHostOptions): void {
  const post = (message: UtilityToMain) => port.postMessage(message);
  const credentials = new PortCredentialStore(post);

  const engine: Promise<Engine> = options.dataDir
    ? options.createEngine({ dataDir: options.dataDir, credentials, host: 'electron' })
    : Promise.reject(new EngineError('INTERNAL', `The engine was started without a data folder (${DATA_DIR_FLAG}=<absolute path>).`));
  engine.then(
    (ready) => {
      ready.onEvent((e) => post({ type: 'event', event: e.event, payload: e.payload }));
    },
    (err: unknown) => console.error('utility: the engine could not start:', err),
  );

  port.on('message', ({ data }) => {
    const message = parseMainMessage(data);
    if (!message) {
      console.error('utility: dropped a malformed message from main');
      return;
    }
    switch (message.type) {
      case 'call': {
        const { id, method, input } = message;
        engine
          .then(
            (ready) => ready.call(method, input).catch((err: unknown) => ({ ok: false as const, error: toAppError(err) })),
            (err: unknown) => {
              const error = toAppError(err);
              return fail(error.code, `The Modelshelf engine could not start: ${error.message}`);
            },
          )
          .then((result) => {
            try {
              post({ type: 'result', id, result });
            } catch (err) {
              // A value the port cannot clone is a bug in a handler; say so instead of never answering.
              post({ type: 'result', id, result: fail('INTERNAL', `The engine's answer could not be sent: ${toAppError(err).message}`) });
            }
          });
        return;
      }
      case 'credentials-result':
        credentials.answer(message);
        return;
      case 'shutdown':
        engine
          .then((ready) => ready.close())
          .catch((err: unknown) => console.error('utility: closing the engine failed:', err))
          .finally(() => options.exit(0));
        return;
    }
  });
}

// Only inside Electron's utility process; importing this module elsewhere (tests) has no effect.
const parentPort = (process as NodeJS.Process & { parentPort?: ParentPortLike }).parentPort;
if (parentPort) {
  runUtilityHost(parentPort, {
    createEngine: async (options) => (await import('../core/engine')).createEngine(options),
    dataDir: resolveDataDir(process.argv, process.env),
    exit: (code) => process.exit(code),
  });
}
