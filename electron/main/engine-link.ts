// Main's end of the port to the engine's utility process: numbers calls and matches their results,
// answers the engine's credential requests from main's keychain store, forwards engine events, and
// notices when the process dies (pending calls then fail with a message, and the next call starts a
// fresh process, a bounded number of times).
// No 'electron' import: main.ts adapts utilityProcess.fork to UtilityChild; tests pass a fake.
import { type EngineEvent, isEventName, type MethodName } from '../../shared/contract';
import { fail, isErrorCode, type Result } from '../../shared/result';
import type { CredentialStore } from '../core/engine-api';
import { type CredentialRequest, type MainToUtility, parseUtilityMessage } from '../../shared/electron-ipc';

export interface UtilityChild {
  postMessage(message: MainToUtility): void;
  onMessage(listener: (message: unknown) => void): void;
  onExit(listener: (code: number) => void): void;
  kill(): void;
}

export interface EngineLinkOptions {
  spawn: () => UtilityChild;
  credentials: CredentialStore;
  onEvent: (event: EngineEvent) => void;
  /** Fresh processes started after crashes before the link gives up. */
  maxRestarts?: number;
  log?: (message: string) => void;
}

export class EngineLink {
  private child: UtilityChild | null = null;
  private nextId = 1;
  private readonly pending = new Map<number, (result: Result<unknown>) => void>();
  private crashes = 0;
  private stopping = false;
  private exited: Promise<void> | null = null;
  private readonly maxRestarts: number;
  private readonly log: (message: string) => void;

  constructor(private readonly options: EngineLinkOptions) {
    this.maxRestarts = options.maxRestarts ?? 3;
    this.log = options.log ?? ((m) => console.error(m));
  }

  /** Starts the utility process now instead of on the first call. */
  start(): void {
    this.ensureChild();
  }

  call(method: MethodName, input: unknown): Promise<Result<unknown>> {
    if (this.stopping) return Promise.resolve(fail('CANCELLED', 'Modelshelf is quitting.'));
    const child = this.ensureChild();
    if (!child) {
      return Promise.resolve(
        fail('INTERNAL', `The Modelshelf engine stopped ${this.crashes} times and was not restarted again. Quit and reopen the app; the log has the details.`),
      );
    }
    const id = this.nextId++;
    return new Promise((resolve) => {
      this.pending.set(id, resolve);
      try {
        child.postMessage({ type: 'call', id, method, input });
      } catch (err) {
        this.pending.delete(id);
        resolve(fail('INVALID_INPUT', `The request could not be sent to the engine: ${err instanceof Error ? err.message : String(err)}`));
      }
    });
  }

  /** Asks the engine to close its catalog and exit; kills it if it has not after `timeoutMs`. */
  async shutdown(timeoutMs = 5000): Promise<void> {
    this.stopping = true;
    const child = this.child;
    const exited = this.exited;
    if (!child || !exited) return;
    child.postMessage({ type: 'shutdown' });
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), timeoutMs);
    });
    const outcome = await Promise.race([exited, timedOut]);
    clearTimeout(timer);
    if (outcome === 'timeout') {
      this.log(`engine: did not exit within ${timeoutMs} ms of shutdown; killing it`);
      child.kill();
    }
  }

  private ensureChild(): UtilityChild | null {
    if (this.child) return this.child;
    if (this.stopping || this.crashes > this.maxRestarts) return null;
    const child = this.options.spawn();
    this.child = child;
    this.exited = new Promise((resolve) => {
      child.onExit((code) => {
        this.handleExit(child, code);
        resolve();
      });
    });
    child.onMessage((message) => this.handleMessage(child, message));
    return child;
  }

  private handleExit(child: UtilityChild, code: number): void {
    if (child !== this.child) return;
    this.child = null;
    if (!this.stopping) {
      this.crashes++;
      this.log(`engine: utility process exited unexpectedly with code ${code}`);
    }
    const message = this.stopping
      ? 'Modelshelf is quitting.'
      : `The Modelshelf engine stopped unexpectedly (exit code ${code}). Try again; it restarts on the next request.`;
    const waiting = [...this.pending.values()];
    this.pending.clear();
    for (const resolve of waiting) resolve(fail(this.stopping ? 'CANCELLED' : 'INTERNAL', message));
  }

  private handleMessage(child: UtilityChild, raw: unknown): void {
    if (child !== this.child) return;
    const message = parseUtilityMessage(raw);
    if (!message) {
      this.log('engine: dropped a malformed message from the utility process');
      return;
    }
    switch (message.type) {
      case 'result': {
        const resolve = this.pending.get(message.id);
        if (!resolve) return;
        this.pending.delete(message.id);
        resolve(message.result);
        return;
      }
      case 'event':
        // The contract's event list is the only thing the UI may receive.
        if (isEventName(message.event)) this.options.onEvent({ event: message.event, payload: message.payload } as EngineEvent);
        return;
      case 'credentials':
        void this.answerCredentials(child, message);
        return;
    }
  }

  private async answerCredentials(child: UtilityChild, request: CredentialRequest): Promise<void> {
    const { credentials } = this.options;
    let reply: MainToUtility;
    try {
      let password: string | null = null;
      if (request.op === 'get') password = await credentials.get(request.sourceId);
      else if (request.op === 'set') await credentials.set(request.sourceId, request.password ?? '');
      else await credentials.delete(request.sourceId);
      reply = { type: 'credentials-result', id: request.id, ok: true, password };
    } catch (err) {
      const code = err instanceof Error && 'code' in err && isErrorCode(err.code) ? err.code : 'INTERNAL';
      const message = err instanceof Error ? err.message : String(err);
      reply = { type: 'credentials-result', id: request.id, ok: false, code, message };
    }
    if (child === this.child) child.postMessage(reply);
  }
}
