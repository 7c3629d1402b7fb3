// Messages on the WebSocket of browser mode (and, with the same shapes, over Electron's
// utility-process port). Kept tiny and explicit so both ends can validate them.
import type { Result } from './result';

export interface WireRequest {
  type: 'call';
  id: number;
  method: string;
  input: unknown;
}

export interface WireResponse {
  type: 'result';
  id: number;
  result: Result<unknown>;
}

export interface WireEvent {
  type: 'event';
  event: string;
  payload: unknown;
}

export type WireServerMessage = WireResponse | WireEvent;

/** Name of the query parameter and header that carry browser mode's token. */
export const TOKEN_PARAM = 'token';
export const TOKEN_HEADER = 'x-modelshelf-token';
