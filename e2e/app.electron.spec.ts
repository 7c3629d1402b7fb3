// The Electron host, driven for real. Playwright only includes this project where an Electron binary
// exists (see playwright.config.ts); on machines without one the run says so instead of faking it.
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { _electron as electron, type ElectronApplication, expect, test } from '@playwright/test';
import { electronBinary } from './electron-binary';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
let app: ElectronApplication;
let userData: string;

test.beforeAll(async () => {
  const binary = electronBinary();
  if (!('path' in binary)) throw new Error(`no Electron binary: ${binary.missing}`);
  userData = await mkdtemp(path.join(os.tmpdir(), 'ms-electron-'));
  app = await electron.launch({
    executablePath: binary.path,
    args: [root],
    env: { ...process.env, MODELSHELF_USER_DATA_DIR: userData },
  });
});

test.afterAll(async () => {
  await app?.close();
  await rm(userData, { recursive: true, force: true });
});

test('the window is sandboxed and exposes only the allowlisted bridge', async () => {
  const page = await app.firstWindow();
  await expect(page.locator('[data-app-state="loaded"]')).toBeVisible();
  expect(page.url()).toMatch(/^app:\/\/modelshelf\//);
  const exposed = await page.evaluate(() => ({
    bridge: Object.keys((window as unknown as { modelshelf?: object }).modelshelf ?? {}).sort(),
    require: typeof (window as unknown as { require?: unknown }).require,
    process: typeof (window as unknown as { process?: unknown }).process,
  }));
  expect(exposed).toEqual({ bridge: ['call', 'on'], require: 'undefined', process: 'undefined' });
  const refused = await page.evaluate(async () => {
    const api = (window as unknown as { modelshelf: { call(m: string, i: unknown): Promise<{ ok: boolean }> } }).modelshelf;
    try {
      return await api.call('not.a.method', {});
    } catch (err) {
      return { ok: false, thrown: String(err) };
    }
  });
  expect(refused.ok).toBe(false);
});

test('navigation away from the app is denied', async () => {
  const page = await app.firstWindow();
  const before = page.url();
  await page.evaluate(() => {
    window.location.href = 'https://example.com/';
  });
  await page.waitForTimeout(500);
  expect(page.url()).toBe(before);
});

test('the demo library opens and its models are listed', async () => {
  const page = await app.firstWindow();
  await page.getByTestId('demo-button').click();
  await page.getByTestId('nav-models').click();
  await expect(page.getByTestId('library-row').filter({ hasText: 'churn-classifier' })).toBeVisible({ timeout: 60_000 });
  await page.screenshot({ path: 'test-results/e2e/electron-library.png' });
});
