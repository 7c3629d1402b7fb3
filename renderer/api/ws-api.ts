// AppApi over browser mode's WebSocket (messages in shared/wire.ts). One socket; requests carry
// incrementing ids and are matched to responses by id. When the socket drops, calls in flight fail
// with UNREACHABLE (the engine may still finish them; the UI refetches after reconnecting) and the
// client reconnects with exponential backoff.
import type { EventName, EventPayloads, MethodInput, MethodName, MethodOutput } from '../../shared/contract';
import type { Result } from '../../shared/result';
import type { WireRequest } from '../../shared/wire';
import type { ConnectionState, RendererApi } from './connection';
import { CONNECTION_LOST, NOT_CONNECTED, failure } from './errors';

/** The part of the DOM WebSocket we use, so tests can pass a fake class. */
export interface WebSocketLike {
  readonly readyState: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  onopen: ((ev: unknown) => void) | null;
  onclose: ((ev: unknown) => void) | null;
  onerror: ((ev: unknown) => void) | null;
  onmessage: ((ev: { data: unknown }) => void) | null;
}

export type WebSocketCtor = new (url: string) => WebSocketLike;

export interface WsApiOptions {
  WebSocket?: WebSocketCtor;
  /** First reconnect delay; doubles on each failure up to maxDelayMs. */
  initialDelayMs?: number;
  maxDelayMs?: number;
}

const OPEN = 1;

export interface WsApi extends RendererApi {
  close(): void;
}

export function createWsApi(url: string, options: WsApiOptions = {}): WsApi {
  const Ctor: WebSocketCtor | undefined =
    options.WebSocket ?? (globalThis.WebSocket as unknown as WebSocketCtor | undefined);
  const initialDelay = options.initialDelayMs ?? 500;
  const maxDelay = options.maxDelayMs ?? 10_000;

  let socket: WebSocketLike | null = null;
  let state: ConnectionState = 'connecting';
  let nextId = 1;
  let delay = initialDelay;
  let reconnectTimer: ReturnType<typeof setTimeout> | null = null;
  let closedByUs = false;
  /** Sent, waiting for their response. */
  const pending = new Map<number, (result: Result<unknown>) => void>();
  /** Made while the socket was not open; sent as soon as it opens. */
  let queued: Array<{ request: WireRequest; resolve: (result: Result<unknown>) => void }> = [];
  const listeners = new Map<string, Set<(payload: unknown) => void>>();
  const stateListeners = new Set<(state: ConnectionState) => void>();

  function setState(next: ConnectionState) {
    if (state === next) return;
    state = next;
    for (const listener of stateListeners) listener(next);
  }

  function failAll(message: string) {
    const inFlight = [...pending.values()];
    pending.clear();
    const waiting = queued;
    queued = [];
    for (const resolve of inFlight) resolve(failure('UNREACHABLE', message));
    for (const { resolve } of waiting) resolve(failure('UNREACHABLE', message));
  }

  function send(request: WireRequest, resolve: (result: Result<unknown>) => void) {
    pending.set(request.id, resolve);
    try {
      socket?.send(JSON.stringify(request));
    } catch {
      pending.delete(request.id);
      resolve(failure('UNREACHABLE', CONNECTION_LOST));
    }
  }

  function handleMessage(data: unknown) {
    if (typeof data !== 'string') return;
    let message: unknown;
    try {
      message = JSON.parse(data);
    } catch {
      return;
    }
    if (typeof message !== 'object' || message === null) return;
    const m = message as Record<string, unknown>;
    if (m.type === 'result' && typeof m.id === 'number') {
      const resolve = pending.get(m.id);
      if (!resolve) return;
      pending.delete(m.id);
      const result = m.result as Result<unknown> | undefined;
      if (result && typeof result === 'object' && typeof result.ok === 'boolean') resolve(result);
      else resolve(failure('INTERNAL', 'The engine sent a reply this version of the app does not understand.'));
    } else if (m.type === 'event' && typeof m.event === 'string') {
      const set = listeners.get(m.event);
      if (!set) return;
      for (const listener of [...set]) {
        try {
          listener(m.payload);
        } catch (error) {
          console.error(`listener for ${m.event} failed`, error);
        }
      }
    }
  }

  function connect() {
    reconnectTimer = null;
    if (!Ctor) {
      setState('closed');
      failAll(NOT_CONNECTED);
      return;
    }
    let opened = false;
    let ws: WebSocketLike;
    try {
      ws = new Ctor(url);
    } catch {
      scheduleReconnect();
      return;
    }
    socket = ws;
    ws.onopen = () => {
      if (socket !== ws) return;
      opened = true;
      delay = initialDelay;
      setState('open');
      const waiting = queued;
      queued = [];
      for (const { request, resolve } of waiting) send(request, resolve);
    };
    ws.onmessage = (ev) => {
      if (socket === ws) handleMessage(ev.data);
    };
    ws.onerror = () => {
      // A close event always follows; reconnecting is handled there.
    };
    ws.onclose = () => {
      if (socket !== ws) return;
      socket = null;
      // Calls in flight will never be answered on this socket. Calls queued before a connection
      // ever opened also fail, so the UI can say "cannot reach" instead of waiting forever.
      failAll(opened ? CONNECTION_LOST : NOT_CONNECTED);
      if (closedByUs) {
        setState('closed');
        return;
      }
      scheduleReconnect();
    };
  }

  function scheduleReconnect() {
    setState('reconnecting');
    const wait = delay;
    delay = Math.min(delay * 2, maxDelay);
    reconnectTimer = setTimeout(connect, wait);
  }

  connect();

  return {
    call<M extends MethodName>(method: M, input: MethodInput<M>): Promise<Result<MethodOutput<M>>> {
      return new Promise((resolve) => {
        const done = resolve as (result: Result<unknown>) => void;
        if (closedByUs) {
          done(failure('UNREACHABLE', NOT_CONNECTED));
          return;
        }
        const request: WireRequest = { type: 'call', id: nextId++, method, input };
        if (socket && socket.readyState === OPEN) send(request, done);
        else queued.push({ request, resolve: done });
      });
    },

    on<E extends EventName>(event: E, listener: (payload: EventPayloads[E]) => void): () => void {
      let set = listeners.get(event);
      if (!set) {
        set = new Set();
        listeners.set(event, set);
      }
      const wrapped = listener as (payload: unknown) => void;
      set.add(wrapped);
      return () => {
        set.delete(wrapped);
      };
    },

    connection: {
      get: () => state,
      subscribe(listener) {
        stateListeners.add(listener);
        return () => {
          stateListeners.delete(listener);
        };
      },
    },

    close() {
      closedByUs = true;
      if (reconnectTimer) clearTimeout(reconnectTimer);
      reconnectTimer = null;
      const ws = socket;
      socket = null;
      failAll(NOT_CONNECTED);
      setState('closed');
      ws?.close(1000, 'closing');
    },
  };
}
