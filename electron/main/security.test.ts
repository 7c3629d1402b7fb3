import { describe, expect, it, vi } from 'vitest';
import {
  CONTENT_SECURITY_POLICY,
  denyAllPermissions,
  type GuardableContents,
  guardContents,
  isAllowedSender,
  isSafeExternalUrl,
  type PermissionSession,
  type Preventable,
  safeExternalUrl,
  secureWebPreferences,
} from './security';

describe('isSafeExternalUrl', () => {
  it.each([
    'https://huggingface.co/meta-llama',
    'http://nas.local:5000/',
    'HTTPS://EXAMPLE.COM/Path?q=1#frag',
    'https://example.com/a%20b',
    'http://[::1]:8080/',
  ])('allows %s', (url) => {
    expect(isSafeExternalUrl(url)).toBe(true);
  });

  it.each([
    ['javascript:', 'javascript:alert(1)'],
    ['javascript with a comment', 'javascript://%0aalert(1)'],
    ['split javascript', 'java\nscript:alert(1)'],
    ['file', 'file:///etc/passwd'],
    ['UNC via file', 'file://attacker/share/payload.exe'],
    ['data', 'data:text/html,<script>alert(1)</script>'],
    ['vbscript', 'vbscript:msgbox(1)'],
    ['custom protocol handler', 'ms-msdt:/id PCWDiagnostic'],
    ['smb', 'smb://nas/share'],
    ['our own scheme', 'app://modelshelf/index.html'],
    ['backslashes the parser would turn into slashes', 'http:\\\\evil.com'],
    ['backslash hiding the host', 'https://good.com\\@evil.com'],
    ['leading space', ' https://example.com'],
    ['tab inside', 'https://exa\tmple.com'],
    ['newline inside', 'https://example.com/\nfoo'],
    ['null byte', 'https://example.com/\u0000'],
    ['no host', 'https://'],
    ['relative', '/settings'],
    ['empty', ''],
    ['too long', `https://example.com/${'a'.repeat(3000)}`],
  ])('refuses %s', (_name, url) => {
    expect(isSafeExternalUrl(url)).toBe(false);
  });

  it('refuses non-strings', () => {
    expect(isSafeExternalUrl(undefined)).toBe(false);
    expect(isSafeExternalUrl({ href: 'https://example.com' })).toBe(false);
  });

  it('opens user@host URLs at the real host, and always re-serialised', () => {
    // Misleading to read, but the parser says where it goes, and that is what the OS receives.
    expect(safeExternalUrl('https://huggingface.co@evil.com/x')).toBe('https://huggingface.co@evil.com/x');
    expect(new URL(safeExternalUrl('https://huggingface.co@evil.com/x') as string).hostname).toBe('evil.com');
    expect(safeExternalUrl('https:example.com')).toBe('https://example.com/');
    expect(safeExternalUrl('HTTP://Example.COM')).toBe('http://example.com/');
  });
});

describe('isAllowedSender', () => {
  it('accepts only pages of app://modelshelf', () => {
    expect(isAllowedSender('app://modelshelf/index.html')).toBe(true);
    expect(isAllowedSender('app://modelshelf/')).toBe(true);
    expect(isAllowedSender('app://modelshelf/index.html#/library?x=1')).toBe(true);
  });

  it.each([
    'app://evil/index.html',
    'app://modelshelf.evil.com/',
    'app://evilmodelshelf/',
    'app://modelshelf@evil/',
    'app://user@modelshelf/',
    'app://modelshelf:1234/',
    'https://modelshelf/',
    'http://localhost:5173/',
    'file:///opt/Modelshelf/resources/app.asar/dist/renderer/index.html',
    'devtools://devtools/bundled/inspector.html',
    'about:blank',
    '',
    'modelshelf',
  ])('refuses %s', (url) => {
    expect(isAllowedSender(url)).toBe(false);
  });

  it('refuses a missing frame URL', () => {
    expect(isAllowedSender(undefined)).toBe(false);
    expect(isAllowedSender(null)).toBe(false);
  });
});

describe('CONTENT_SECURITY_POLICY', () => {
  it('is exactly the agreed policy', () => {
    expect(CONTENT_SECURITY_POLICY).toBe(
      "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'",
    );
  });

  it('allows no inline or evaluated script', () => {
    const scriptSrc = CONTENT_SECURITY_POLICY.split('; ').find((d) => d.startsWith('script-src'));
    expect(scriptSrc).toBe("script-src 'self'");
  });
});

describe('secureWebPreferences', () => {
  it('keeps isolation, sandbox and web security on and Node off', () => {
    const prefs = secureWebPreferences('/app/dist/electron/preload.cjs');
    expect(prefs).toMatchObject({
      preload: '/app/dist/electron/preload.cjs',
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      experimentalFeatures: false,
    });
  });
});

function fakeContents() {
  const listeners = new Map<string, (event: Preventable) => void>();
  let openHandler: ((details: { url: string }) => { action: 'deny' }) | undefined;
  const contents: GuardableContents = {
    on(event: string, listener: (event: Preventable) => void) {
      listeners.set(event, listener);
      return contents;
    },
    setWindowOpenHandler(handler) {
      openHandler = handler;
    },
  };
  const emit = (name: string) => {
    const event = { preventDefault: vi.fn() };
    listeners.get(name)?.(event);
    return event;
  };
  return { contents, emit, open: (url: string) => openHandler?.({ url }) };
}

describe('guardContents', () => {
  it('cancels every navigation, redirect and webview', () => {
    const { contents, emit } = fakeContents();
    guardContents(contents, vi.fn());
    expect(emit('will-navigate').preventDefault).toHaveBeenCalledOnce();
    expect(emit('will-redirect').preventDefault).toHaveBeenCalledOnce();
    expect(emit('will-attach-webview').preventDefault).toHaveBeenCalledOnce();
  });

  it('denies new windows and opens only safe links in the browser', async () => {
    const { contents, open } = fakeContents();
    const openExternal = vi.fn();
    guardContents(contents, openExternal);

    expect(open('https://huggingface.co/x')).toEqual({ action: 'deny' });
    expect(open('file:///etc/passwd')).toEqual({ action: 'deny' });
    expect(open('javascript:alert(1)')).toEqual({ action: 'deny' });
    expect(open('http:\\\\evil.com')).toEqual({ action: 'deny' });
    await Promise.resolve();
    await Promise.resolve();
    expect(openExternal.mock.calls).toEqual([['https://huggingface.co/x']]);
  });

  it('survives openExternal failing', async () => {
    const { contents, open } = fakeContents();
    const errors = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    guardContents(contents, () => Promise.reject(new Error('no browser')));
    expect(open('https://example.com/')).toEqual({ action: 'deny' });
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(errors).toHaveBeenCalled();
    errors.mockRestore();
  });
});

describe('denyAllPermissions', () => {
  it('refuses every request and every check', () => {
    let request: Parameters<PermissionSession['setPermissionRequestHandler']>[0] | undefined;
    let check: Parameters<PermissionSession['setPermissionCheckHandler']>[0] | undefined;
    denyAllPermissions({
      setPermissionRequestHandler: (h) => {
        request = h;
      },
      setPermissionCheckHandler: (h) => {
        check = h;
      },
    });
    for (const permission of ['media', 'notifications', 'geolocation', 'clipboard-read', 'openExternal', 'fullscreen']) {
      const callback = vi.fn();
      request?.({}, permission, callback);
      expect(callback).toHaveBeenCalledWith(false);
      expect(check?.({}, permission)).toBe(false);
    }
  });
});
