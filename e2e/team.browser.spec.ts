// The team loop, in real Chromium against the real engine and a real Samba share: connect the NAS
// step by step (typing its address, since discovery on loopback finds nothing), pick the share, get
// the password wrong then right, index, mark a version production, see it in Activity, move it,
// link a version to where it came from, put production back from Activity, then forget the share
// so the app is left as this spec found it.
import { expect, type Page, test } from '@playwright/test';

const appUrl = () => process.env.E2E_APP_URL as string;
const shot = (page: Page, name: string) => page.screenshot({ path: `test-results/e2e/team-${name}.png`, fullPage: true });

async function open(page: Page) {
  await page.goto(appUrl());
  await expect(page.locator('[data-app-state="loaded"]')).toBeVisible();
}

/** Removes every source through the Sources page (Remove) or, for ours, Forget. */
async function clearSources(page: Page, how: 'remove' | 'forget') {
  if (await page.getByTestId('demo-button').isVisible()) return;
  await page.getByTestId('nav-sources').click();
  const rows = page.getByTestId('source-row');
  await expect(rows.first()).toBeVisible();
  while ((await rows.count()) > 0) {
    const before = await rows.count();
    const row = rows.first();
    if (how === 'forget') {
      await row.getByTestId('forget-button').click();
      await expect(row.getByTestId('source-confirm')).toContainText('password');
      await row.getByTestId('forget-confirm').click();
    } else {
      await row.getByRole('button', { name: 'Remove' }).click();
      await row.getByRole('button', { name: 'Remove' }).click();
    }
    await expect(rows).toHaveCount(before - 1);
  }
}

test.afterAll(async ({ browser }) => {
  const page = await browser.newPage();
  await open(page);
  await clearSources(page, 'forget');
  await expect(page.getByTestId('demo-button')).toBeVisible();
  await page.close();
});

test('connect a NAS step by step, mark production, and see it in Activity', async ({ page }) => {
  await open(page);
  // The same share may still be listed by an earlier spec; it can only be added once.
  await clearSources(page, 'remove');

  // Step 1: nothing answers discovery on loopback; the step says so and takes an address.
  await page.getByTestId('connect-nas-button').click();
  await expect(page.getByTestId('nas-discover-empty')).toContainText('No NAS answered', { timeout: 30_000 });
  await shot(page, '1-find');
  await page.getByTestId('nas-address').fill(`127.0.0.1:${process.env.E2E_SMB_PORT}`);
  await page.getByTestId('nas-address-next').click();

  // Step 2: the shares (as a guest first, then signed in).
  await expect(page.getByTestId('nas-shares-loading')).toHaveCount(0, { timeout: 30_000 });
  await page.getByTestId('nas-shares-user').fill(process.env.E2E_SMB_USER as string);
  await page.getByTestId('nas-shares-password').fill(process.env.E2E_SMB_PASSWORD as string);
  await page.getByTestId('nas-shares-signin').click();
  const models = page.locator('[data-testid="nas-share"][data-share="models"]');
  await expect(models).toBeEnabled({ timeout: 30_000 });
  await shot(page, '2-shares');
  await models.click();

  // Step 3: a wrong password is explained; the right one connects and indexing starts.
  await expect(page.getByTestId('nas-user')).toHaveValue(process.env.E2E_SMB_USER as string);
  await expect(page.getByTestId('nas-remember')).toBeChecked();
  await page.getByTestId('nas-password').fill('not-the-password');
  await page.getByTestId('nas-connect').click();
  await expect(page.getByTestId('nas-connect-error')).toContainText(/user name and password/i, { timeout: 30_000 });
  await shot(page, '3-wrong-password');
  await page.getByTestId('nas-password').fill(process.env.E2E_SMB_PASSWORD as string);
  await page.getByTestId('nas-connect').click();

  const rows = page.getByTestId('library-row');
  await expect(rows.filter({ hasText: 'churn-classifier' })).toBeVisible({ timeout: 60_000 });
  await expect(page.getByTestId('scan-status')).toHaveAttribute('data-scanning', 'false', { timeout: 60_000 });
  await shot(page, '4-library');

  // Mark version 2 of churn-classifier as production.
  await rows.filter({ hasText: 'churn-classifier' }).click();
  const v2 = page.getByTestId('version-item').filter({ has: page.locator('.version-label', { hasText: /^2$/ }) });
  await v2.click();
  await expect(v2).toHaveAttribute('aria-pressed', 'true');
  const panel = page.getByTestId('team-panel');
  await expect(page.getByTestId('mlflow-hint')).toBeVisible();
  await panel.getByTestId('set-alias-production').click();
  await expect(panel.locator('[data-testid="annotation-chip"][data-kind="alias"]', { hasText: 'production' })).toBeVisible();
  await expect(v2).toContainText('production');
  await shot(page, '5-model');

  // Activity says who did it.
  await page.getByTestId('nav-activity').click();
  const entry = page.getByTestId('activity-entry').filter({ hasText: 'production' });
  await expect(entry).toContainText(/(set|moved) production (on|to) churn-classifier 2/);
  await expect(entry).toContainText(/just now|minute/);
  await shot(page, '6-activity');

  // Move production to version 1, and write down by hand where version 1 came from.
  await page.getByTestId('nav-models').click();
  await rows.filter({ hasText: 'churn-classifier' }).click();
  const v1 = page.getByTestId('version-item').filter({ has: page.locator('.version-label', { hasText: /^1$/ }) });
  await v1.click();
  await expect(v1).toHaveAttribute('aria-pressed', 'true');
  // (the panel is version 1's once its button offers to take production there)
  await expect(panel.getByTestId('set-alias-production')).toHaveText(/production to 1$/);
  await panel.getByTestId('set-alias-production').click();
  await expect(v1).toContainText('production');
  await panel.getByTestId('link-relation').selectOption('fine-tuned-from');
  await panel.getByTestId('link-target').fill('external:bert-base-uncased');
  await panel.getByTestId('link-save').click();
  await expect(panel.getByTestId('link-chips')).toContainText('fine-tuned from bert-base-uncased');
  await page.getByTestId('tab-lineage').click();
  await expect(page.getByTestId('lineage-node').filter({ hasText: 'bert-base-uncased' })).toBeVisible();
  await shot(page, '7-link');

  // Activity puts production back on 2 in one confirmed action, and says so.
  await page.getByTestId('nav-activity').click();
  const back = page.getByTestId('activity-rollback');
  await expect(back).toHaveCount(1);
  await expect(back).toContainText(/production back on .*2/);
  await back.click();
  await page.getByTestId('activity-rollback-yes').click();
  const newest = page.getByTestId('activity-entry').first();
  await expect(newest).toContainText(/moved production to churn-classifier 2/);
  await expect(newest.getByTestId('activity-rollback')).toContainText(/production back on v?1$/);
  await shot(page, '8-put-back');
});
