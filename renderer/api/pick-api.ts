// Chooses how this window talks to the engine: the Electron bridge when the preload put one on
// `window.modelshelf`, otherwise browser mode's WebSocket on the host that served the page.
import type { BridgeApi } from '../../shared/app-api';
import { createBridgeApi } from './bridge-api';
import type { RendererApi } from './connection';
import { readToken, rpcUrl } from './token';
import { createWsApi } from './ws-api';

declare global {
  interface Window {
    modelshelf?: BridgeApi;
  }
}

export interface PickedApi {
  api: RendererApi;
  /** Browser mode without a token: the page was opened without the link `modelshelf serve` printed. */
  missingToken: boolean;
}

function sessionStore(): Storage | null {
  try {
    return window.sessionStorage;
  } catch {
    return null;
  }
}

export function pickApi(win: Window = window): PickedApi {
  if (win.modelshelf) return { api: createBridgeApi(win.modelshelf), missingToken: false };
  const token = readToken(win.location, sessionStore());
  return { api: createWsApi(rpcUrl(win.location, token)), missingToken: token === null };
}
