// The whole loop a person goes through, in real Chromium against the real engine and a real Samba
// share: open the app, add the share (first with a wrong password), index it, browse the models.
import { expect, test } from '@playwright/test';

const appUrl = () => process.env.E2E_APP_URL as string;

test('the app refuses to load without its access token', async ({ page }) => {
  const u = new URL(appUrl());
  u.search = '';
  const res = await page.goto(u.toString());
  expect(res?.status()).toBe(403);
  await expect(page.locator('body')).toContainText('access token');
});

test('first start shows what to do next', async ({ page }) => {
  await page.goto(appUrl());
  await expect(page.locator('[data-app-state="loaded"]')).toBeVisible();
  await expect(page.getByTestId('demo-button')).toBeVisible();
  await expect(page.getByTestId('add-source-location')).toBeVisible();
});

test('a wrong password is explained and nothing is saved', async ({ page }) => {
  await page.goto(appUrl());
  await expect(page.locator('[data-app-state="loaded"]')).toBeVisible();
  await page.getByTestId('add-source-location').fill(process.env.E2E_SMB_URL as string);
  await page.getByTestId('add-source-password').fill('not-the-password');
  await page.getByTestId('add-source-submit').click();
  await expect(page.getByTestId('add-source-error')).toContainText(/user name and password/i);
  // What the person typed is still there to correct.
  await expect(page.getByTestId('add-source-location')).toHaveValue(process.env.E2E_SMB_URL as string);
});

test('add the Samba share, index it, and see its models', async ({ page }) => {
  await page.goto(appUrl());
  await expect(page.locator('[data-app-state="loaded"]')).toBeVisible();
  await page.getByTestId('add-source-location').fill(process.env.E2E_SMB_URL as string);
  await page.getByTestId('add-source-password').fill(process.env.E2E_SMB_PASSWORD as string);
  await page.getByTestId('add-source-submit').click();

  await page.getByTestId('nav-models').click();
  const rows = page.getByTestId('library-row');
  await expect(rows.filter({ hasText: 'churn-classifier' })).toBeVisible({ timeout: 60_000 });
  await expect(rows.filter({ has: page.getByText('sentiment-bert-small', { exact: true }) })).toBeVisible();
  await expect(rows.filter({ hasText: 'tiny-llama-chat' })).toBeVisible();
  expect(await rows.count()).toBeGreaterThanOrEqual(5);
  await page.screenshot({ path: 'test-results/e2e/library.png', fullPage: true });

  await page.getByTestId('search-input').fill('llama');
  await expect(rows).toHaveCount(1);
  await expect(rows.first()).toContainText('gguf');
  await page.getByTestId('search-input').fill('');

  await rows.filter({ hasText: 'churn-classifier' }).click();
  await expect(page.getByText('champion')).toBeVisible();
  await page.screenshot({ path: 'test-results/e2e/model.png', fullPage: true });

  await page.getByTestId('nav-datasets').click();
  await expect(page.getByTestId('library-row').filter({ hasText: 'customer-reviews' })).toBeVisible();
});
