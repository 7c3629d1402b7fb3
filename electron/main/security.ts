// The Electron host's security rules, kept small and pure so they are unit-tested under plain Node.
// Defaults are never loosened: sandboxed, isolated renderer; no navigation, no new windows, no
// permissions; only our own origin may talk to the engine; links leave the app only as http(s).
// 'electron' is imported for types only (erased at build), so vitest can import this module.
import type { WebPreferences } from 'electron';
import { APP_HOST, APP_SCHEME } from './app-origin';

export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
].join('; ');

const MAX_EXTERNAL_URL_LENGTH = 2048;

/**
 * The URL to hand to shell.openExternal, re-serialised by the WHATWG parser, or null when the link
 * must not leave the app. Only http and https with a host; no whitespace, control characters or
 * backslashes in what was written (the parser would quietly repair them, but the OS handler that
 * receives the original might read them differently, and no honest link needs them).
 */
export function safeExternalUrl(raw: unknown): string | null {
  if (typeof raw !== 'string' || raw.length === 0 || raw.length > MAX_EXTERNAL_URL_LENGTH) return null;
  // biome-ignore lint/suspicious/noControlCharactersInRegex: rejecting control characters is the point
  if (/[\u0000-\u0020\u007f-\u009f\\]/.test(raw)) return null;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return null;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return null;
  if (url.hostname === '') return null;
  return url.href;
}

export function isSafeExternalUrl(raw: unknown): boolean {
  return safeExternalUrl(raw) !== null;
}

/** True only for pages served by our own app:// origin (the URL of the frame that sent an IPC message). */
export function isAllowedSender(frameUrl: unknown): boolean {
  if (typeof frameUrl !== 'string') return false;
  let url: URL;
  try {
    url = new URL(frameUrl);
  } catch {
    return false;
  }
  return (
    url.protocol === `${APP_SCHEME}:` &&
    url.hostname.toLowerCase() === APP_HOST &&
    url.port === '' &&
    url.username === '' &&
    url.password === ''
  );
}

/** webPreferences for every window Modelshelf opens. */
export function secureWebPreferences(preloadPath: string): WebPreferences {
  return {
    preload: preloadPath,
    contextIsolation: true,
    sandbox: true,
    nodeIntegration: false,
    nodeIntegrationInWorker: false,
    nodeIntegrationInSubFrames: false,
    webSecurity: true,
    allowRunningInsecureContent: false,
    webviewTag: false,
    experimentalFeatures: false,
    enableBlinkFeatures: '',
    navigateOnDragDrop: false,
    safeDialogs: true,
    spellcheck: false,
  };
}

export interface Preventable {
  preventDefault(): void;
}

/** The parts of Electron's WebContents the guards attach to. */
export interface GuardableContents {
  on(event: 'will-navigate', listener: (event: Preventable) => void): unknown;
  on(event: 'will-redirect', listener: (event: Preventable) => void): unknown;
  on(event: 'will-attach-webview', listener: (event: Preventable) => void): unknown;
  setWindowOpenHandler(handler: (details: { url: string }) => { action: 'deny' }): void;
}

/**
 * The UI is a single page: it never navigates, never opens windows and never embeds webviews.
 * A link meant for the browser (target=_blank, window.open) opens there if it is plain http(s).
 */
export function guardContents(contents: GuardableContents, openExternal: (url: string) => Promise<void> | void): void {
  const deny = (event: Preventable) => event.preventDefault();
  contents.on('will-navigate', deny);
  contents.on('will-redirect', deny);
  contents.on('will-attach-webview', deny);
  contents.setWindowOpenHandler(({ url }) => {
    const safe = safeExternalUrl(url);
    if (safe) {
      Promise.resolve()
        .then(() => openExternal(safe))
        .catch((err: unknown) => console.error(`security: could not open ${safe} externally:`, err));
    }
    return { action: 'deny' };
  });
}

/** The parts of Electron's Session that decide permissions. */
export interface PermissionSession {
  setPermissionRequestHandler(handler: (contents: unknown, permission: string, callback: (granted: boolean) => void) => void): void;
  setPermissionCheckHandler(handler: (contents: unknown, permission: string) => boolean): void;
}

/** Camera, microphone, notifications, geolocation, clipboard reads…: Modelshelf needs none of them. */
export function denyAllPermissions(session: PermissionSession): void {
  session.setPermissionRequestHandler((_contents, _permission, callback) => callback(false));
  session.setPermissionCheckHandler(() => false);
}
