import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { APP_ENTRY_URL } from './app-origin';
import { APP_SCHEME_PRIVILEGES, contentTypeFor, handleAppRequest, resolveAppPath } from './protocol';
import { CONTENT_SECURITY_POLICY } from './security';

const ROOT = path.resolve('/srv/modelshelf/dist/renderer');

describe('resolveAppPath', () => {
  it('maps our URLs to files under root', () => {
    expect(resolveAppPath(ROOT, APP_ENTRY_URL)).toBe(path.join(ROOT, 'index.html'));
    expect(resolveAppPath(ROOT, 'app://modelshelf/')).toBe(path.join(ROOT, 'index.html'));
    expect(resolveAppPath(ROOT, 'app://modelshelf')).toBe(path.join(ROOT, 'index.html'));
    expect(resolveAppPath(ROOT, 'app://modelshelf/assets/index-3f2a.js?v=1#top')).toBe(path.join(ROOT, 'assets', 'index-3f2a.js'));
    expect(resolveAppPath(ROOT, 'app://modelshelf/assets/')).toBe(path.join(ROOT, 'assets', 'index.html'));
    expect(resolveAppPath(ROOT, 'app://modelshelf/fonts/Inter%20Var.woff2')).toBe(path.join(ROOT, 'fonts', 'Inter Var.woff2'));
    expect(resolveAppPath(ROOT, 'app://MODELSHELF/index.html')).toBe(path.join(ROOT, 'index.html'));
  });

  it('keeps dot segments the URL parser already resolved inside root', () => {
    // The WHATWG parser folds '..' and '%2e%2e' before we see the path; what is left must stay inside.
    for (const url of ['app://modelshelf/../../etc/passwd', 'app://modelshelf/%2e%2e/%2e%2e/etc/passwd', 'app://modelshelf/a/.%2E/../etc/passwd']) {
      expect(resolveAppPath(ROOT, url), url).toBe(path.join(ROOT, 'etc', 'passwd'));
    }
  });

  it.each([
    ['encoded slash after dots', 'app://modelshelf/..%2f..%2fetc%2fpasswd'],
    ['encoded slash, upper case', 'app://modelshelf/%2E%2E%2F%2E%2E%2Fetc%2Fpasswd'],
    ['encoded leading slash (absolute)', 'app://modelshelf/%2Fetc%2Fpasswd'],
    ['backslashes', 'app://modelshelf/..\\..\\etc\\passwd'],
    ['encoded backslashes', 'app://modelshelf/%5c..%5c..%5cetc%5cpasswd'],
    ['empty segment (//)', 'app://modelshelf//etc/passwd'],
    ['null byte', 'app://modelshelf/index.html%00.png'],
    ['raw-ish control character', 'app://modelshelf/a%0d%0ab.js'],
    ['drive letter', 'app://modelshelf/C:/Windows/win.ini'],
    ['encoded drive letter', 'app://modelshelf/C%3A%5CWindows%5Cwin.ini'],
    ['Windows device name', 'app://modelshelf/con'],
    ['Windows device name with extension', 'app://modelshelf/assets/NUL.js'],
    ['hidden file', 'app://modelshelf/.env'],
    ['malformed percent-encoding', 'app://modelshelf/%E0%A4%A'],
    ['other host', 'app://evil/index.html'],
    ['look-alike host', 'app://modelshelf.evil.com/index.html'],
    ['credentials in URL', 'app://modelshelf@evil/index.html'],
    ['user info on our host', 'app://x@modelshelf/index.html'],
    ['port', 'app://modelshelf:8080/index.html'],
    ['no host', 'app:///etc/passwd'],
    ['opaque path', 'app:modelshelf/index.html'],
    ['file scheme', 'file:///etc/passwd'],
    ['https scheme', 'https://modelshelf/index.html'],
    ['not a URL', '/etc/passwd'],
  ])('refuses %s', (_name, url) => {
    expect(resolveAppPath(ROOT, url)).toBeNull();
  });

  it('decodes once: double-encoded dots are a literal file name inside root', () => {
    expect(resolveAppPath(ROOT, 'app://modelshelf/%252e%252e/etc')).toBe(path.join(ROOT, '%2e%2e', 'etc'));
  });

  it('applies the same rules with Windows paths', () => {
    const winRoot = 'C:\\Program Files\\Modelshelf\\resources\\app.asar\\dist\\renderer';
    expect(resolveAppPath(winRoot, 'app://modelshelf/assets/app.js', path.win32)).toBe(`${winRoot}\\assets\\app.js`);
    expect(resolveAppPath(winRoot, 'app://modelshelf/..%5c..%5cwin.ini', path.win32)).toBeNull();
    expect(resolveAppPath(winRoot, 'app://modelshelf/D%3A%5Cx', path.win32)).toBeNull();
    expect(resolveAppPath(winRoot, 'app://modelshelf/%5C%5Cserver%5Cshare', path.win32)).toBeNull();
    expect(resolveAppPath(winRoot, 'app://modelshelf/aux', path.win32)).toBeNull();
  });
});

describe('contentTypeFor', () => {
  it('names the types the UI uses and falls back to octet-stream', () => {
    expect(contentTypeFor('/x/index.html')).toBe('text/html; charset=utf-8');
    expect(contentTypeFor('/x/a.JS')).toBe('text/javascript; charset=utf-8');
    expect(contentTypeFor('/x/a.css')).toBe('text/css; charset=utf-8');
    expect(contentTypeFor('/x/a.woff2')).toBe('font/woff2');
    expect(contentTypeFor('/x/a.bin')).toBe('application/octet-stream');
  });
});

describe('APP_SCHEME_PRIVILEGES', () => {
  it('registers app:// as a standard, secure origin without bypassing CSP', () => {
    expect(APP_SCHEME_PRIVILEGES.scheme).toBe('app');
    expect(APP_SCHEME_PRIVILEGES.privileges).toMatchObject({ standard: true, secure: true, supportFetchAPI: true });
    expect(APP_SCHEME_PRIVILEGES.privileges?.bypassCSP).not.toBe(true);
  });
});

describe('handleAppRequest', () => {
  let base: string;
  let root: string;

  beforeAll(async () => {
    base = await mkdtemp(path.join(os.tmpdir(), 'modelshelf-protocol-'));
    root = path.join(base, 'renderer');
    await mkdir(path.join(root, 'assets'), { recursive: true });
    await writeFile(path.join(root, 'index.html'), '<!doctype html><title>Modelshelf</title>');
    await writeFile(path.join(root, 'assets', 'app.js'), 'console.log(1)');
    await writeFile(path.join(base, 'secret.txt'), 'TOP SECRET');
  });

  afterAll(async () => {
    await rm(base, { recursive: true, force: true });
  });

  it('serves index.html with the CSP and nosniff', async () => {
    const res = await handleAppRequest(root, new Request('app://modelshelf/'));
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(res.headers.get('content-security-policy')).toBe(CONTENT_SECURITY_POLICY);
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(await res.text()).toContain('<title>Modelshelf</title>');
  });

  it('serves assets with their type', async () => {
    const res = await handleAppRequest(root, new Request('app://modelshelf/assets/app.js'));
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(await res.text()).toBe('console.log(1)');
  });

  it('never serves a file outside root', async () => {
    for (const url of ['app://modelshelf/..%2fsecret.txt', 'app://modelshelf/../secret.txt', 'app://modelshelf/%2e%2e%5csecret.txt']) {
      const res = await handleAppRequest(root, new Request(url));
      expect(res.status, url).toBe(404);
      expect(await res.text(), url).not.toContain('TOP SECRET');
    }
  });

  it('answers 404 for missing files and directories, 405 for writes', async () => {
    expect((await handleAppRequest(root, new Request('app://modelshelf/missing.js'))).status).toBe(404);
    expect((await handleAppRequest(root, new Request('app://modelshelf/assets'))).status).toBe(404);
    expect((await handleAppRequest(root, new Request('app://modelshelf/index.html', { method: 'POST', body: 'x' }))).status).toBe(405);
  });
});
