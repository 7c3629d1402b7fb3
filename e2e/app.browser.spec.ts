// The app beyond the library, in real Chromium against the real engine and the demo library on a
// real Samba share: find a model with Ctrl-K, switch versions, look at its lineage and metrics,
// chart runs, compare two versions, and check the dark theme. Where the engine has no runs or
// lineage for the demo yet, the empty states must say so in words.
import { expect, type Page, test } from '@playwright/test';

const appUrl = () => process.env.E2E_APP_URL as string;
const shot = (page: Page, name: string) => page.screenshot({ path: `test-results/e2e/${name}.png`, fullPage: false });

/** The suite shares one engine: add the share unless an earlier spec already did. */
async function openLibrary(page: Page) {
  await page.goto(appUrl());
  await expect(page.locator('[data-app-state="loaded"]')).toBeVisible();
  const add = page.getByTestId('add-source-location');
  const nav = page.getByTestId('nav-models');
  await expect(add.or(nav).first()).toBeVisible();
  if (await add.isVisible()) {
    await add.fill(process.env.E2E_SMB_URL as string);
    await page.getByTestId('add-source-password').fill(process.env.E2E_SMB_PASSWORD as string);
    await page.getByTestId('add-source-submit').click();
  }
  await page.getByTestId('nav-models').click();
  await expect(page.getByTestId('library-row').filter({ hasText: 'churn-classifier' })).toBeVisible({ timeout: 60_000 });
  // Wait for indexing to finish so runs and lineage (when the engine reads them) are in.
  await expect(page.getByTestId('scan-status')).toHaveAttribute('data-scanning', 'false', { timeout: 60_000 });
}

/**
 * The next spec (library) starts from a first run: remove the share this spec added, through the
 * app as a person would, even when the test failed half-way.
 */
test.afterAll(async ({ browser }) => {
  const page = await browser.newPage();
  await page.goto(appUrl());
  await expect(page.locator('[data-app-state="loaded"]')).toBeVisible();
  if (await page.getByTestId('nav-sources').isVisible()) {
    await page.getByTestId('nav-sources').click();
    const rows = page.getByTestId('source-row');
    while ((await rows.count()) > 0) {
      const row = rows.first();
      await row.getByRole('button', { name: 'Remove' }).click();
      const before = await rows.count();
      await row.getByRole('button', { name: 'Remove' }).click();
      await expect(rows).toHaveCount(before - 1);
    }
  }
  await expect(page.getByTestId('demo-button')).toBeVisible();
  await page.close();
});

/** Nothing a person reads should look like raw data. */
async function expectNoRawJson(page: Page) {
  const text = await page.locator('main').innerText();
  expect(text).not.toMatch(/\{"|":\s*[[{"]|\[object Object\]/);
}

test('search, model page, lineage, metrics, runs, compare and dark theme', async ({ page }) => {
  test.setTimeout(180_000);
  await openLibrary(page);
  await expect(page.getByTestId('sidebar-source').first()).toHaveAttribute('data-status', 'online');

  // Ctrl-K palette: results as you type, Enter opens the first one.
  await page.keyboard.press('Control+k');
  const palette = page.getByTestId('palette');
  await expect(palette).toBeVisible();
  await page.getByTestId('palette-input').fill('churn');
  await expect(palette.getByTestId('palette-result').filter({ hasText: 'churn-classifier' })).toBeVisible();
  await shot(page, 'app-palette');
  await page.keyboard.press('Enter');
  await expect(palette).toBeHidden();
  await expect(page.getByRole('heading', { level: 1, name: 'churn-classifier' })).toBeVisible();

  // Versions with aliases; switching version changes the panel.
  const versions = page.getByTestId('version-item');
  await expect(versions).toHaveCount(3);
  await expect(versions.first()).toContainText('champion');
  const second = versions.nth(1);
  const label = (await second.locator('.version-label').innerText()).trim();
  await second.click();
  await expect(second).toHaveAttribute('aria-pressed', 'true');
  await expect(page.locator('#version-title')).toContainText(label);
  await expect(page.getByTestId('model-facts')).toBeVisible();
  await expectNoRawJson(page);
  await shot(page, 'app-model');

  // A GGUF model reads as facts in words: parameters, quantization, context length.
  await page.keyboard.press('Control+k');
  await page.getByTestId('palette-input').fill('tiny-llama');
  await expect(palette.getByTestId('palette-result').filter({ hasText: 'tiny-llama-chat' })).toBeVisible();
  await page.keyboard.press('Enter');
  const facts = page.getByTestId('model-facts');
  await expect(facts).toContainText('Parameters');
  await expect(facts).toContainText(/Parameters\s*\d+(\.\d+)? [KMBT]/);
  await expect(facts).toContainText('Quantization');
  await expectNoRawJson(page);
  await shot(page, 'app-model-gguf');
  await page.goBack();
  await expect(page.getByRole('heading', { level: 1, name: 'churn-classifier' })).toBeVisible();

  // Export says plainly whether it is there yet.
  await page.getByTestId('export-button').click();
  await expect(page.getByTestId('export-unavailable').or(page.getByTestId('export-destination'))).toBeVisible();
  await page.getByTestId('export-button').click();

  // Lineage: a graph with nodes, or the empty state in words.
  await page.getByTestId('tab-lineage').click();
  const graph = page.getByTestId('lineage-graph');
  const noLineage = page.getByTestId('lineage-empty');
  await expect(graph.or(noLineage)).toBeVisible();
  if (await graph.isVisible()) {
    expect(await graph.getByTestId('lineage-node').count()).toBeGreaterThan(1);
  } else {
    await expect(noLineage).toContainText('No lineage found for this model yet');
  }
  await shot(page, 'app-lineage');

  // Metrics: a chart canvas, or the empty state.
  await page.getByTestId('tab-metrics').click();
  const chart = page.getByTestId('metric-chart').first();
  const noMetrics = page.getByTestId('metrics-empty');
  await expect(chart.or(noMetrics)).toBeVisible();
  if (await chart.isVisible()) await expect(chart.locator('canvas').first()).toBeVisible();
  else await expect(noMetrics).toContainText('No training metrics found for this model yet');
  await shot(page, 'app-metrics');

  // Runs view: tick runs and chart them, or the empty state.
  await page.getByTestId('nav-runs').click();
  const rows = page.getByTestId('run-row');
  const noRuns = page.getByTestId('runs-empty');
  await expect(rows.first().or(noRuns)).toBeVisible();
  if (await noRuns.isVisible()) {
    await expect(noRuns).toContainText('No training runs found yet');
  } else {
    const count = await rows.count();
    for (let i = 0; i < Math.min(3, count); i++) await rows.nth(i).getByTestId('run-check').check();
    await expect(page.getByTestId('runs-chart').locator('canvas').first()).toBeVisible();
  }
  await shot(page, 'app-runs');

  // Compare two versions; "only differences" hides the rows that are the same.
  await page.goBack();
  await page.goBack();
  await expect(page.getByRole('heading', { level: 1, name: 'churn-classifier' })).toBeVisible();
  await page.getByTestId('tab-compare').click();
  const result = page.getByTestId('compare-result');
  await expect(result).toBeVisible();
  const all = await result.getByTestId('compare-row').count();
  expect(all).toBeGreaterThan(0);
  await page.getByTestId('only-differences').check();
  const differences = Number(await result.getAttribute('data-differences'));
  await expect(result.getByTestId('compare-row')).toHaveCount(differences);
  expect(differences).toBeLessThan(all);
  expect(differences).toBeGreaterThan(0);
  await expectNoRawJson(page);
  await shot(page, 'app-compare');

  // Dark theme follows the OS.
  await page.emulateMedia({ colorScheme: 'dark' });
  const bg = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
  expect(bg).toBe('rgb(22, 24, 29)');
  await shot(page, 'app-dark-compare');
  await page.getByTestId('tab-lineage').click();
  await expect(graph.or(noLineage)).toBeVisible();
  await shot(page, 'app-dark-lineage');
  await page.getByTestId('tab-metrics').click();
  await expect(chart.or(noMetrics)).toBeVisible();
  if (await chart.isVisible()) {
    // The legend shows values under the cursor.
    const canvas = chart.locator('.u-over');
    const box = await canvas.boundingBox();
    if (box) await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    await expect(chart.locator('.legend-value').first()).toBeVisible();
    await chart.screenshot({ path: 'test-results/e2e/app-dark-chart.png' });
  }
  await page.getByTestId('tab-overview').click();
  await shot(page, 'app-dark-model');
  await page.getByTestId('nav-models').click();
  await expect(page.getByTestId('library-row').first()).toBeVisible();
  await shot(page, 'app-dark-library');
});
