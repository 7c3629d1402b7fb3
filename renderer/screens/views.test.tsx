import { act, cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { afterEach, describe, expect, it, onTestFinished, vi } from 'vitest';
import type { ItemDetail, ItemVersion, LibraryItem, VersionComparison } from '../../shared/contract';
import { chartMaxPoints } from '../lib/metrics-request';
import { createFakeApi, makeItem, makeRun, makeSource } from '../test/fake-api';
import { App } from '../App';
import { renderApp, SCROLL_BOX, stubScrollLayout } from '../test/render';
import { ROW_HEIGHT } from './LibraryView';

// Export is offered only when the contract lists export.version; tests switch it on and off.
const methods = vi.hoisted(() => ({ missing: new Set<string>() }));
vi.mock('../api/optional', async (original) => {
  const real = await original<typeof import('../api/optional')>();
  return {
    ...real,
    hasMethod: (name: string) => !methods.missing.has(name) && real.hasMethod(name),
    callOptional: (api: never, name: string, input: unknown, missing: string) =>
      methods.missing.has(name) ? Promise.resolve({ ok: false, error: { code: 'UNSUPPORTED', message: missing } }) : real.callOptional(api, name, input, missing),
  };
});

vi.mock('uplot', () => ({
  default: class {
    setSeries() {}
    setData() {}
    setSize() {}
    destroy() {}
    cursor = { idx: null };
    select = { width: 0 };
    ctx = { canvas: null };
  },
}));

afterEach(cleanup);

function manyItems(n: number): LibraryItem[] {
  const formats = ['safetensors', 'gguf', 'onnx', 'pytorch'];
  return Array.from({ length: n }, (_, i) =>
    makeItem({
      id: i + 1,
      name: `model-${String(i).padStart(6, '0')}`,
      path: `models/${i}`,
      format: formats[i % formats.length] as string,
      aliases: [],
      sourceId: i % 2 ? 1 : 2,
      sourceName: i % 2 ? 'Office NAS' : 'Laptop',
    }),
  );
}

function version(id: number, label: string, patch: Partial<ItemVersion> = {}): ItemVersion {
  return {
    id,
    label,
    path: `nlp/bert/${label}`,
    createdAt: null,
    sizeBytes: 1000,
    format: 'safetensors',
    aliases: [],
    stage: null,
    metadata: {},
    files: [],
    ...patch,
  };
}

function detail(patch: Partial<ItemDetail> = {}): ItemDetail {
  return {
    ...makeItem({ id: 1, name: 'bert-base', versionCount: 3, latestVersion: 'v3' }),
    versions: [
      version(13, 'v3', {
        aliases: ['production'],
        stage: 'Production',
        metadata: {
          parameters: 109_482_240,
          dtypes: { F32: 109_482_240 },
          config: { architectures: ['BertForSequenceClassification'], model_type: 'bert' },
          card: { license: 'apache-2.0', markdown: '# Bert card\n\n<script>x()</script>Plain words.' },
        },
      }),
      version(12, 'v2'),
      version(11, 'v1'),
    ],
    ...patch,
  };
}

describe('library at scale', () => {
  it('keeps only a window of 100,000 rows in the page, and moves through them by keyboard', async () => {
    const api = createFakeApi({ sources: [makeSource(), makeSource({ id: 2, name: 'Laptop' })], items: manyItems(100_000) });
    renderApp(api);
    await waitFor(() => expect(screen.getByTestId('library-summary').textContent).toContain('100,000 models'));
    const rows = screen.getAllByTestId('library-row');
    const fits = Math.ceil(SCROLL_BOX.height / ROW_HEIGHT);
    expect(rows.length).toBeGreaterThan(0);
    expect(rows.length).toBeLessThanOrEqual(fits + 20);
    expect(rows[0]?.textContent).toContain('model-000000');

    // End jumps to the last row: it is rendered (and the first rows are gone).
    fireEvent.keyDown(rows[0] as HTMLElement, { key: 'End' });
    // happy-dom moves scrollTop but does not fire the scroll event a browser would.
    const scroller = screen.getByTestId('library-scroll');
    await waitFor(() => {
      fireEvent.scroll(scroller);
      expect(screen.getByText('model-099999')).toBeTruthy();
    });
    expect(scroller.scrollTop).toBeGreaterThan(99_000 * ROW_HEIGHT);
    expect(screen.queryByText('model-000000')).toBeNull();
    expect(screen.getAllByTestId('library-row').length).toBeLessThanOrEqual(fits + 20);
    // Only the pages around the rows shown were asked for: the top and the end, never the middle.
    const offsets = (api.callsTo('library.page') as Array<{ offset: number; limit: number }>).filter((c) => c.limit > 1).map((c) => c.offset);
    expect(offsets).toContain(0);
    expect(offsets).toContain(99_900);
    expect(offsets.every((o) => o < 1000 || o >= 99_000)).toBe(true);
    expect(offsets.length).toBeLessThanOrEqual(6);
  });

  it('shows rows not loaded yet as placeholders in their places, then fills them in', async () => {
    const api = createFakeApi({ sources: [makeSource()], items: manyItems(5000) });
    let release: () => void = () => {};
    renderApp(api);
    await waitFor(() => expect(screen.getByTestId('library-summary').textContent).toContain('5,000 models'));
    // hold back the next pages until the placeholders have been seen
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    api.handle('library.page', async (input) => {
      await gate;
      const all = manyItems(5000);
      const offset = input.offset ?? 0;
      return { ok: true, value: { total: 5000, offset, items: all.slice(offset, offset + (input.limit ?? 100)) } };
    });
    const scroller = screen.getByTestId('library-scroll');
    scroller.scrollTop = 3000 * ROW_HEIGHT;
    await waitFor(() => {
      fireEvent.scroll(scroller);
      expect(screen.getAllByTestId('library-row-pending').length).toBeGreaterThan(0);
    });
    expect(screen.queryAllByTestId('library-row')).toHaveLength(0);
    const pending = screen.getAllByTestId('library-row-pending');
    expect(pending[0]?.getAttribute('aria-busy')).toBe('true');
    const indexes = pending.map((r) => Number(r.getAttribute('data-index')));
    act(() => release());
    await waitFor(() => expect(screen.queryAllByTestId('library-row-pending')).toHaveLength(0));
    // the same rows, now with their names, in the same places
    const rows = screen.getAllByTestId('library-row');
    expect(rows.map((r) => Number(r.getAttribute('data-index')))).toEqual(indexes);
    expect(rows[0]?.textContent).toContain(`model-${String(indexes[0]).padStart(6, '0')}`);
  });

  it('filters by format and by source, and says how to undo it', async () => {
    const api = createFakeApi({ sources: [makeSource(), makeSource({ id: 2, name: 'Laptop' })], items: manyItems(400) });
    renderApp(api);
    await waitFor(() => expect(screen.getByTestId('library-summary').textContent).toContain('400 models'));
    await waitFor(() => expect(screen.getByTestId('filter-format')).toBeTruthy());
    fireEvent.change(screen.getByTestId('filter-format'), { target: { value: 'safetensors' } });
    await waitFor(() => expect(screen.getByTestId('library-summary').textContent).toBe('100 models of 400'));
    for (const row of screen.getAllByTestId('library-row')) expect(row.textContent).toContain('safetensors');
    fireEvent.change(screen.getByTestId('filter-source'), { target: { value: '2' } });
    await waitFor(() => expect(screen.getByTestId('library-summary').textContent).toBe('100 models of 400'));
    for (const row of screen.getAllByTestId('library-row')) expect(row.textContent).toContain('Laptop');
    // the engine filtered (format and source together): no row of another source or format came back
    expect(api.callsTo('library.page')).toContainEqual(expect.objectContaining({ format: 'safetensors', sourceId: 2, offset: 0 }));
    fireEvent.change(screen.getByTestId('filter-source'), { target: { value: '' } });
    fireEvent.change(screen.getByTestId('filter-format'), { target: { value: '' } });
    await waitFor(() => expect(screen.getByTestId('library-summary').textContent).toBe('400 models'));
  });
});

describe('shell', () => {
  it('Ctrl-K finds models, datasets and runs as you type; Enter opens the chosen one', async () => {
    const api = createFakeApi({
      sources: [makeSource()],
      items: [makeItem({ id: 1, name: 'bert-base' }), makeItem({ id: 2, name: 'bert-reviews', kind: 'dataset' })],
      runs: [makeRun({ id: 5, name: 'bert-finetune-3' })],
    });
    api.details.set(2, { ...makeItem({ id: 2, name: 'bert-reviews', kind: 'dataset' }), versions: [version(21, 'current')] });
    renderApp(api);
    await screen.findAllByTestId('library-row');
    fireEvent.keyDown(window, { key: 'k', ctrlKey: true });
    const input = await screen.findByTestId('palette-input');
    expect(document.activeElement).toBe(input);
    // With nothing typed: places to go.
    expect(screen.getAllByTestId('palette-result').map((r) => r.querySelector('.palette-title')?.textContent)).toEqual([
      'Models',
      'Datasets',
      'Runs',
      'Sources',
    ]);
    fireEvent.change(input, { target: { value: 'bert' } });
    await waitFor(() => expect(screen.getAllByTestId('palette-result')).toHaveLength(3));
    expect(api.callsTo('library.page')).toContainEqual({ kind: 'model', query: 'bert', limit: 6 });
    expect(api.callsTo('library.page')).toContainEqual({ kind: 'dataset', query: 'bert', limit: 6 });
    expect(api.callsTo('runs.list')).toContainEqual({ query: 'bert' });
    const palette = screen.getByTestId('palette');
    expect(within(palette).getByText('Datasets')).toBeTruthy();
    expect(within(palette).getByText('bert-finetune-3')).toBeTruthy();

    fireEvent.keyDown(input, { key: 'ArrowDown' });
    const options = screen.getAllByTestId('palette-result');
    expect(options[1]?.getAttribute('aria-selected')).toBe('true');
    fireEvent.keyDown(input, { key: 'Enter' });
    await waitFor(() => expect(screen.queryByTestId('palette')).toBeNull());
    await screen.findByRole('heading', { level: 1, name: 'bert-reviews' });
  });

  it('says plainly when nothing matches, and Escape closes', async () => {
    const api = createFakeApi({ sources: [makeSource()], items: [makeItem()] });
    renderApp(api);
    await screen.findAllByTestId('library-row');
    fireEvent.click(screen.getByTestId('palette-button'));
    const input = await screen.findByTestId('palette-input');
    fireEvent.change(input, { target: { value: 'zebra' } });
    await screen.findByText('Nothing called “zebra” on your sources.');
    fireEvent.keyDown(input, { key: 'Escape' });
    expect(screen.queryByTestId('palette')).toBeNull();
  });

  it('shows each source with its state in the sidebar, and an Activity page that says what will show up', async () => {
    const api = createFakeApi({
      sources: [makeSource(), makeSource({ id: 2, name: 'Old NAS', status: 'offline' }), makeSource({ id: 3, name: 'New', lastScanAt: null, status: 'unknown' })],
    });
    renderApp(api);
    await screen.findByTestId('nav-runs');
    expect(screen.getAllByTestId('sidebar-source').map((s) => s.getAttribute('data-status'))).toEqual(['online', 'offline', 'not-indexed']);
    act(() => api.emit('scan.progress', { sourceId: 3, folders: 1, files: 2, bytes: 3, rate: 1, currentPath: 'a', phase: 'listing' }));
    expect(screen.getAllByTestId('sidebar-source')[2]?.getAttribute('data-status')).toBe('scanning');
    fireEvent.click(screen.getByTestId('nav-activity'));
    expect((await screen.findByTestId('activity-empty')).textContent).toContain('sets an alias such as production');
  });
});

describe('runs', () => {
  it('says what runs are when none were found', async () => {
    const api = createFakeApi({ sources: [makeSource()] });
    renderApp(api);
    fireEvent.click(await screen.findByTestId('nav-runs'));
    expect((await screen.findByTestId('runs-empty')).textContent).toContain('No training runs found yet');
  });

  it('lists runs with tool, status and key numbers, and charts the ticked ones', async () => {
    const api = createFakeApi({ sources: [makeSource()], runs: [makeRun({ id: 1 }), makeRun({ id: 2, name: 'calm-fox-902', status: 'FAILED', format: 'tensorboard' })] });
    api.handle('metrics.keys', async () => ({ ok: true, value: [{ key: 'loss', runIds: [1, 2] }, { key: 'accuracy', runIds: [1] }] }));
    api.handle('metrics.series', async ({ runIds = [], keys }) => ({
      ok: true,
      value: runIds.flatMap((id) => keys.map((key) => ({ runId: id, runName: `run ${id}`, key, x: [0, 1, 2], y: [1, 0.5, 0.25], total: 3 }))),
    }));
    renderApp(api);
    fireEvent.click(await screen.findByTestId('nav-runs'));
    const rows = await screen.findAllByTestId('run-row');
    expect(rows[1]?.textContent).toContain('TensorBoard');
    expect(rows[1]?.textContent).toContain('Failed');
    expect(rows[0]?.textContent).toContain('accuracy 0.889');
    fireEvent.click(within(rows[0] as HTMLElement).getByTestId('run-check'));
    fireEvent.click(within(rows[1] as HTMLElement).getByTestId('run-check'));
    await screen.findByTestId('metric-chart');
    // loss is drawn first (the usual first look); both runs are in its legend.
    expect(api.callsTo('metrics.series').at(-1)).toEqual({ runIds: [1, 2], keys: ['loss'], x: 'step', maxPoints: chartMaxPoints(window.innerWidth) });
    expect(screen.getAllByTestId('legend-item').map((l) => l.textContent)).toEqual(['run 1', 'run 2']);
    // A second metric adds a second chart.
    fireEvent.click(screen.getByRole('button', { name: 'accuracy' }));
    await waitFor(() => expect(screen.getAllByTestId('metric-chart')).toHaveLength(2));
  });
});

describe('chart resolution', () => {
  it('asks for about two points per pixel column of the window, within the engine overview', () => {
    expect(chartMaxPoints(1280)).toBe(2560);
    expect(chartMaxPoints(320)).toBe(1000);
    expect(chartMaxPoints(3840)).toBe(4000);
  });
});

describe('model page', () => {
  it('shows readable facts, a sanitised card, and says export is not available yet', async () => {
    methods.missing.add('export.version');
    const api = createFakeApi({ sources: [makeSource()], items: [makeItem()] });
    api.details.set(1, detail());
    renderApp(api);
    fireEvent.click((await screen.findAllByTestId('library-row'))[0] as HTMLElement);
    const facts = await screen.findByTestId('model-facts');
    expect(facts.textContent).toContain('Parameters109 M');
    expect(facts.textContent).toContain('ArchitectureBertForSequenceClassification');
    expect(facts.textContent).toContain('PrecisionF32');
    expect(facts.textContent).toContain('Licenseapache-2.0');
    const card = await screen.findByTestId('model-card');
    expect(card.querySelector('h1')?.textContent).toBe('Bert card');
    expect(card.querySelector('script')).toBeNull();
    fireEvent.click(screen.getByTestId('export-button'));
    expect(screen.getByTestId('export-unavailable').textContent).toContain('Export is not available yet');
    methods.missing.clear();
  });

  it("charts the runs behind a model's versions on its Metrics tab", async () => {
    const api = createFakeApi({ sources: [makeSource()], items: [makeItem()] });
    api.details.set(1, detail());
    api.handle('metrics.keys', async () => ({ ok: true, value: [{ key: 'train/loss', runIds: [7] }] }));
    api.handle('metrics.series', async ({ keys }) => ({
      ok: true,
      value: keys.map((key) => ({ runId: 7, runName: 'long-pretrain', versionId: 13, versionLabel: 'v3', key, x: [0, 10, 20], y: [3, 2, 1], total: 1_000_000 })),
    }));
    renderApp(api);
    fireEvent.click((await screen.findAllByTestId('library-row'))[0] as HTMLElement);
    fireEvent.click(await screen.findByTestId('tab-metrics'));
    await screen.findByTestId('metric-chart');
    const versionIds = detail().versions.map((v) => v.id);
    expect(api.callsTo('metrics.keys').at(-1)).toEqual({ versionIds });
    expect(api.callsTo('metrics.series')).toEqual([{ versionIds, keys: ['train/loss'], x: 'step', maxPoints: chartMaxPoints(window.innerWidth) }]);
    expect(screen.getAllByTestId('legend-item').map((l) => l.textContent)).toEqual(['long-pretrain']);
  });

  it('a model opened on its Metrics tab asks for the chart data as soon as the model is known, once', async () => {
    const api = createFakeApi({ sources: [makeSource()], items: [makeItem()] });
    api.details.set(1, detail());
    const tabOnScreen: boolean[] = [];
    api.handle('metrics.keys', async () => {
      tabOnScreen.push(document.querySelector('.metrics-tab') !== null);
      return { ok: true, value: [{ key: 'acc', runIds: [7] }, { key: 'train/loss', runIds: [7] }] };
    });
    api.handle('metrics.series', async ({ keys }) => ({
      ok: true,
      value: keys.map((key) => ({ runId: 7, runName: 'long-pretrain', versionId: 13, versionLabel: 'v3', key, x: [0, 10, 20], y: [3, 2, 1], total: 3 })),
    }));
    stubScrollLayout();
    render(<App api={api} syncUrl />);
    await screen.findAllByTestId('library-row');
    onTestFinished(() => window.history.replaceState(null, '', window.location.pathname));
    window.location.hash = '#/models/1/metrics';
    await screen.findByTestId('metric-chart');
    const versionIds = detail().versions.map((v) => v.id);
    const order = api.calls.map((c) => c.method).filter((m) => m === 'library.get' || m.startsWith('metrics.'));
    // each asked once, the names before the tab is even on screen (the page asked, the tab used it)
    expect(order).toEqual(['library.get', 'metrics.keys', 'metrics.series']);
    expect(tabOnScreen).toEqual([false]);
    expect(api.callsTo('metrics.series')).toEqual([{ versionIds, keys: ['train/loss'], x: 'step', maxPoints: chartMaxPoints(window.innerWidth) }]);
    expect(screen.getAllByTestId('legend-item').map((l) => l.textContent)).toEqual(['long-pretrain']);
    // A refresh of the open page (a scan wrote something): the tab asks again, once; no prefetch beside it.
    act(() => api.emit('library.changed', { sourceId: 1 }));
    await waitFor(() => expect(api.callsTo('library.get')).toHaveLength(2));
    await waitFor(() => expect(api.callsTo('metrics.series')).toHaveLength(2));
    await new Promise((r) => setTimeout(r, 50));
    expect(api.callsTo('metrics.keys')).toHaveLength(2);
    expect(api.callsTo('metrics.series')).toHaveLength(2);
  });

  it('exports a version with progress, asks before replacing, and reports where it went', async () => {
    const api = createFakeApi({ sources: [makeSource()], items: [makeItem()] });
    api.details.set(1, detail());
    let finish: ((value: unknown) => void) | null = null;
    const handle = api.handle as unknown as (m: string, h: (input: Record<string, unknown>) => Promise<unknown>) => void;
    handle('export.version', async (input) => {
      if (!input.overwrite) return { ok: false, error: { code: 'CONFLICT', message: 'exists', replaceable: true } };
      return new Promise((resolve) => {
        finish = resolve;
      });
    });
    renderApp(api);
    fireEvent.click((await screen.findAllByTestId('library-row'))[0] as HTMLElement);
    fireEvent.click(await screen.findByTestId('export-button'));
    fireEvent.click(await screen.findByTestId('export-submit'));
    expect(screen.getByRole('alert').textContent).toContain('Type the folder');
    fireEvent.change(screen.getByTestId('export-destination'), { target: { value: '/home/anna/Desktop' } });
    fireEvent.change(screen.getByTestId('export-layout'), { target: { value: 'hf' } });
    fireEvent.click(screen.getByTestId('export-submit'));
    expect((await screen.findByTestId('export-error')).textContent).toContain('already in that folder');
    fireEvent.click(screen.getByRole('button', { name: 'Replace it' }));
    await screen.findByTestId('export-progress');
    const calls = api.calls.filter((c) => (c.method as string) === 'export.version').map((c) => c.input as Record<string, unknown>);
    expect(calls[1]).toMatchObject({ versionId: 13, destination: '/home/anna/Desktop', layout: 'hf', zip: false, overwrite: true });
    const exportId = calls[1]?.exportId as string;
    const emit = api.emit as unknown as (event: string, payload: unknown) => void;
    act(() =>
      emit('export.progress', {
        exportId,
        versionId: 13,
        phase: 'copying',
        bytesDone: 220_000_000,
        bytesTotal: 440_000_000,
        filesDone: 2,
        filesTotal: 5,
        currentFile: 'model.safetensors',
        rate: 1e7,
        etaSeconds: 22,
      }),
    );
    expect(screen.getByTestId('export-progress').textContent).toContain('Copying · 210 MB of 420 MB · 2 of 5 files · 9.5 MB/s · about 22 s left');
    await act(async () => (finish as unknown as (v: unknown) => void)({ ok: true, value: { path: '/home/anna/Desktop/bert-base-v3', files: 5, bytes: 440_000_000 } }));
    expect(screen.getByTestId('export-done').textContent).toBe('Exported to /home/anna/Desktop/bert-base-v3 — 5 files, 420 MB.');
  });

  it('export: a conflict overwriting cannot fix is shown as the engine says it, without "Replace it"; a cancel says how to continue', async () => {
    const api = createFakeApi({ sources: [makeSource()], items: [makeItem()] });
    api.details.set(1, detail());
    const handle = api.handle as unknown as (m: string, h: (input: Record<string, unknown>) => Promise<unknown>) => void;
    let calls = 0;
    handle('export.version', async () =>
      ++calls === 1
        ? { ok: false, error: { code: 'CONFLICT', message: 'bert-base-v3 is being exported right now. Wait for it to finish.' } }
        : { ok: false, error: { code: 'CANCELLED', message: 'The export was cancelled.' } },
    );
    renderApp(api);
    fireEvent.click((await screen.findAllByTestId('library-row'))[0] as HTMLElement);
    fireEvent.click(await screen.findByTestId('export-button'));
    fireEvent.change(await screen.findByTestId('export-destination'), { target: { value: '/home/anna/Desktop' } });
    fireEvent.click(screen.getByTestId('export-submit'));
    expect((await screen.findByTestId('export-error')).textContent).toBe('bert-base-v3 is being exported right now. Wait for it to finish.');
    expect(screen.queryByRole('button', { name: 'Replace it' })).toBeNull();
    fireEvent.click(screen.getByTestId('export-submit'));
    expect((await screen.findByTestId('export-cancelled')).textContent).toContain('export again to the same folder to continue');
    expect(screen.queryByTestId('export-error')).toBeNull();
  });

  it('lineage tab says so in words when nothing is linked', async () => {
    const api = createFakeApi({ sources: [makeSource()], items: [makeItem()] });
    api.details.set(1, detail());
    api.handle('library.lineage', async () => ({
      ok: true,
      value: {
        nodes: [
          { id: 'item:1', kind: 'model', label: 'bert-base', itemId: 1 },
          { id: 'version:13', kind: 'version', label: 'bert-base v3', versionId: 13, itemId: 1 },
        ],
        edges: [{ from: 'item:1', to: 'version:13', relation: 'derived-from', evidence: 'version of this model', confidence: 1 }],
      },
    }));
    renderApp(api);
    fireEvent.click((await screen.findAllByTestId('library-row'))[0] as HTMLElement);
    fireEvent.click(await screen.findByTestId('tab-lineage'));
    expect((await screen.findByTestId('lineage-empty')).textContent).toContain('No lineage found for this model yet');
    expect(api.callsTo('library.lineage')).toEqual([{ itemId: 1, depth: 3 }]);
  });

  it('compares two versions and hides what is the same with "Only differences"', async () => {
    const comparison: VersionComparison = {
      versions: [
        { id: 12, itemId: 1, itemName: 'bert-base', label: 'v2' },
        { id: 13, itemId: 1, itemName: 'bert-base', label: 'v3' },
      ],
      params: [
        { key: 'learning_rate', values: ['0.05', '0.03'], same: false },
        { key: 'seed', values: ['42', '42'], same: true },
      ],
      metrics: [
        { key: 'accuracy', values: [0.871, 0.889], same: false },
        { key: 'loss', values: [0.25, 0.21], same: false },
      ],
      metadata: [
        { key: 'config.model_type', values: ['bert', 'bert'], same: true },
        { key: 'mlflow.run_id', values: ['a', 'b'], same: false },
      ],
      files: [
        { path: 'model.safetensors', sizes: [100, 120], status: 'changed' },
        { path: 'config.json', sizes: [10, 10], status: 'same' },
        { path: 'tokenizer.json', sizes: [null, 5], status: 'added' },
      ],
    };
    const api = createFakeApi({ sources: [makeSource()], items: [makeItem()] });
    api.details.set(1, detail());
    api.handle('versions.compare', async () => ({ ok: true, value: comparison }));
    renderApp(api);
    fireEvent.click((await screen.findAllByTestId('library-row'))[0] as HTMLElement);
    fireEvent.click(await screen.findByTestId('tab-compare'));
    const result = await screen.findByTestId('compare-result');
    // The selected version (v3) and the one before it, older on the left.
    expect(api.callsTo('versions.compare')).toEqual([{ versionIds: [12, 13] }]);
    // Run ids are noise and are left out; everything else is listed.
    expect(within(result).getAllByTestId('compare-row')).toHaveLength(8);
    expect(result.getAttribute('data-differences')).toBe('5');
    expect(result.textContent).toContain('−0.04'); // loss went down …
    expect(result.querySelector('.delta.better')).toBeTruthy(); // … which is better
    fireEvent.click(screen.getByTestId('only-differences'));
    const rows = within(result).getAllByTestId('compare-row').map((r) => r.querySelector('th')?.textContent?.trim());
    expect(rows).toEqual(['learning_rate', 'accuracy', 'loss', 'model.safetensors changed', 'tokenizer.json added']);
    expect(result.textContent).toContain('All details are the same.');

    // Adding a third version asks again.
    fireEvent.click(within(screen.getByTestId('compare-picker')).getByText('v1'));
    await waitFor(() => expect(api.callsTo('versions.compare').at(-1)).toEqual({ versionIds: [11, 12, 13] }));
  });
});
