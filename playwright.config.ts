import { defineConfig } from '@playwright/test';
import { electronBinary } from './e2e/electron-binary';

// Browser mode always runs, in Debian's Chromium (Playwright never downloads browsers here).
// The Electron project runs only where an Electron binary exists; elsewhere we say so, loudly.
const electron = electronBinary();
if ('missing' in electron) {
  console.log(`[e2e] Electron project not run: no Electron binary on this machine (${electron.missing}).`);
}

const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export default defineConfig({
  testDir: 'e2e',
  outputDir: 'test-results/e2e',
  timeout: 90_000,
  expect: { timeout: 20_000 },
  fullyParallel: false,
  workers: 1,
  reporter: [['list'], ['json', { outputFile: 'test-results/e2e-results.json' }]],
  globalSetup: './e2e/global-setup.ts',
  use: {
    trace: 'retain-on-failure',
    screenshot: 'only-on-failure',
  },
  projects: [
    {
      name: 'browser',
      testMatch: /.*\.browser\.spec\.ts/,
      use: {
        browserName: 'chromium',
        launchOptions: { executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: CHROMIUM_ARGS },
        viewport: { width: 1280, height: 800 },
      },
    },
    ...('path' in electron ? [{ name: 'electron', testMatch: /.*\.electron\.spec\.ts/ }] : []),
  ],
});
