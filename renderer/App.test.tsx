import { act, cleanup, fireEvent, screen, waitFor, within } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { createFakeApi, makeItem, makeSource } from './test/fake-api';

function nth<T>(list: T[], index: number): T {
  const value = list[index];
  if (value === undefined) throw new Error(`no element ${index}`);
  return value;
}
import { renderApp } from './test/render';

afterEach(cleanup);

describe('first run', () => {
  it('marks the app loaded and offers the demo, which calls demo.open', async () => {
    const api = createFakeApi();
    const { root } = renderApp(api);
    expect(root()?.getAttribute('data-app-state')).toBe('loading');
    const demo = await screen.findByTestId('demo-button');
    expect(root()?.getAttribute('data-app-state')).toBe('loaded');
    expect(screen.getByText('Connect your NAS')).toBeTruthy();

    fireEvent.click(demo);
    await waitFor(() => expect(api.callsTo('demo.open')).toEqual([{}]));
    // The demo source is indexing in the engine: the status bar says so, the models view waits for it.
    await waitFor(() => expect(screen.getByTestId('scan-status').textContent).toContain('Indexing /tmp/demo'));
    expect(screen.getByTestId('nav-models').getAttribute('aria-current')).toBe('page');
  });

  it('shows an add-source error inline and keeps what was typed', async () => {
    const api = createFakeApi();
    api.handle('sources.add', async () => ({
      ok: false,
      error: { code: 'AUTH_FAILED', message: 'The NAS did not accept that user name and password.' },
    }));
    renderApp(api);
    const location = (await screen.findByTestId('add-source-location')) as HTMLInputElement;
    expect(screen.queryByTestId('add-source-password')).toBeNull(); // only for shares

    fireEvent.change(location, { target: { value: 'smb://anna@nas/models' } });
    const password = screen.getByTestId('add-source-password') as HTMLInputElement;
    fireEvent.change(password, { target: { value: 'wrong' } });
    fireEvent.change(screen.getByTestId('add-source-name'), { target: { value: 'Office' } });
    fireEvent.click(screen.getByTestId('add-source-submit'));

    const error = await screen.findByTestId('add-source-error');
    expect(error.textContent).toBe('The NAS did not accept that user name and password.');
    expect(api.callsTo('sources.add')).toEqual([{ location: 'smb://anna@nas/models', name: 'Office', password: 'wrong' }]);
    expect((screen.getByTestId('add-source-location') as HTMLInputElement).value).toBe('smb://anna@nas/models');
    expect((screen.getByTestId('add-source-password') as HTMLInputElement).value).toBe('wrong');
    expect(document.activeElement).toBe(screen.getByTestId('add-source-password'));
  });

  it('adds a local folder without a password and starts indexing it', async () => {
    const api = createFakeApi();
    renderApp(api);
    fireEvent.change(await screen.findByTestId('add-source-location'), { target: { value: '/srv/models' } });
    fireEvent.click(screen.getByTestId('add-source-submit'));
    await waitFor(() => expect(api.callsTo('sources.scan')).toEqual([{ id: 1 }]));
    expect(api.callsTo('sources.add')).toEqual([{ location: '/srv/models' }]);
    expect(screen.getByTestId('scan-status').getAttribute('data-scanning')).toBe('true');
  });
});

describe('library', () => {
  const items = [
    makeItem({ id: 1, name: 'bert-base' }),
    makeItem({ id: 2, name: 'yolo-helmets', format: 'pytorch', aliases: [], sizeBytes: 6_000_000 }),
    makeItem({ id: 3, name: 'invoices', kind: 'dataset', format: 'parquet' }),
  ];

  it('renders rows and searches with library.page as you type', async () => {
    const api = createFakeApi({ sources: [makeSource()], items });
    renderApp(api);
    await waitFor(() => expect(screen.getAllByTestId('library-row')).toHaveLength(2));
    expect(api.callsTo('library.page')).toContainEqual({ kind: 'model', sort: 'name', dir: 'asc', offset: 0, limit: 100 });
    expect(api.callsTo('library.list')).toEqual([]); // never the whole list

    fireEvent.change(screen.getByTestId('search-input'), { target: { value: 'yolo' } });
    await waitFor(() => expect(api.callsTo('library.page')).toContainEqual(expect.objectContaining({ kind: 'model', query: 'yolo', offset: 0 })));
    await waitFor(() => expect(screen.getAllByTestId('library-row')).toHaveLength(1));
    expect(screen.getByTestId('library-row').textContent).toContain('yolo-helmets');
  });

  it('shows the first rows without waiting for the list of sources', async () => {
    const api = createFakeApi({ sources: [makeSource()], items });
    let answer: () => void = () => {};
    api.handle('sources.list', () => new Promise((resolve) => {
      answer = () => resolve({ ok: true, value: api.sources });
    }));
    renderApp(api);
    await waitFor(() => expect(screen.getAllByTestId('library-row')).toHaveLength(2));
    act(() => answer());
    await waitFor(() => expect(screen.getByTestId('library-summary').textContent).toBe('2 models'));
    expect(screen.getAllByTestId('library-row')).toHaveLength(2);
  });

  it('debounces typing into one request', async () => {
    const api = createFakeApi({ sources: [makeSource()], items });
    renderApp(api);
    await waitFor(() => expect(screen.getAllByTestId('library-row')).toHaveLength(2));
    const search = screen.getByTestId('search-input');
    for (const value of ['b', 'be', 'ber', 'bert']) fireEvent.change(search, { target: { value } });
    await waitFor(() => expect(api.callsTo('library.page')).toContainEqual(expect.objectContaining({ kind: 'model', query: 'bert', limit: 100 })));
    // one page of rows (and one count of formats and sources for the menus)
    const searches = api.callsTo('library.page').filter((i) => (i as { query?: string }).query) as Array<{ facets?: boolean }>;
    expect(searches.filter((i) => !i.facets)).toHaveLength(1);
    expect(searches.map((i) => (i as { query: string }).query)).toEqual(searches.map(() => 'bert'));
  });

  it('sorts by a column when its header is clicked', async () => {
    const api = createFakeApi({ sources: [makeSource()], items });
    renderApp(api);
    await waitFor(() => expect(screen.getAllByTestId('library-row')).toHaveLength(2));
    const names = () => screen.getAllByTestId('library-row').map((r) => r.querySelector('.name')?.textContent);
    expect(names()).toEqual(['bert-base', 'yolo-helmets']);
    fireEvent.click(screen.getByRole('button', { name: /Size/ }));
    await waitFor(() => expect(api.callsTo('library.page')).toContainEqual(expect.objectContaining({ sort: 'sizeBytes', dir: 'desc' })));
    await waitFor(() => expect(names()).toEqual(['bert-base', 'yolo-helmets'])); // largest first
    fireEvent.click(screen.getByRole('button', { name: /Size/ }));
    await waitFor(() => expect(names()).toEqual(['yolo-helmets', 'bert-base']));
    expect(api.callsTo('library.page')).toContainEqual(expect.objectContaining({ sort: 'sizeBytes', dir: 'asc' }));
  });

  it('switches to datasets from the sidebar', async () => {
    const api = createFakeApi({ sources: [makeSource()], items });
    renderApp(api);
    await screen.findAllByTestId('library-row');
    fireEvent.click(screen.getByTestId('nav-datasets'));
    await waitFor(() => expect(screen.getAllByTestId('library-row')).toHaveLength(1));
    expect(screen.getByTestId('library-row').textContent).toContain('invoices');
  });

  it('opens an item with its versions, files, metadata and safety verdict', async () => {
    const api = createFakeApi({ sources: [makeSource()], items });
    api.details.set(1, {
      ...nth(items, 0),
      versions: [
        {
          id: 10,
          label: 'v3',
          path: 'nlp/bert-base/v3',
          createdAt: Date.now(),
          sizeBytes: 440_000_000,
          format: 'pytorch',
          aliases: ['production'],
          stage: 'Production',
          metadata: {
            architecture: 'BertModel',
            safety: { verdict: 'dangerous', globals: ['posix.system'], dangerous: ['posix.system'], complete: true },
          },
          files: [{ path: 'pytorch_model.bin', size: 440_000_000, mtime: null }],
        },
        {
          id: 9,
          label: 'v2',
          path: 'nlp/bert-base/v2',
          createdAt: null,
          sizeBytes: 1,
          format: 'safetensors',
          aliases: [],
          stage: null,
          metadata: { 'safety.verdict': 'safe' },
          files: [],
        },
      ],
    });
    renderApp(api);
    const rows = await screen.findAllByTestId('library-row');
    fireEvent.keyDown(nth(rows, 0), { key: 'Enter' });
    await screen.findByText('pytorch_model.bin');
    expect(api.callsTo('library.get')).toEqual([{ id: 1 }]);
    expect(screen.getByTestId('safety-verdict').textContent).toContain('Contains code that could run — be careful');
    expect(screen.getByTestId('safety-verdict').textContent).toContain('posix.system');
    expect(screen.getByText('architecture')).toBeTruthy();

    fireEvent.click(nth(screen.getAllByTestId('version-item'), 1));
    expect(screen.getByTestId('safety-verdict').textContent).toContain('Safe to open');
  });
});

describe('scans', () => {
  it('shows scan progress in the status bar and cancels it', async () => {
    const api = createFakeApi({ sources: [makeSource()] });
    renderApp(api);
    await screen.findByTestId('nav-sources');
    await waitFor(() => expect(screen.getByTestId('scan-status').textContent).toContain('Up to date'));

    act(() =>
      api.emit('scan.progress', {
        sourceId: 1,
        folders: 56,
        files: 1234,
        bytes: 10,
        rate: 80,
        currentPath: 'nlp/bert',
        phase: 'listing',
      }),
    );
    const status = screen.getByTestId('scan-status');
    expect(status.textContent).toContain('Indexing smb://nas/models — 1,234 files, 56 folders, 80 files/s');
    fireEvent.click(within(status).getByRole('button', { name: 'Cancel' }));
    await waitFor(() => expect(api.callsTo('sources.cancelScan')).toEqual([{ id: 1 }]));

    act(() => api.emit('scan.finished', { sourceId: 1, result: { ok: false, code: 'CANCELLED', message: 'Cancelled' } }));
    expect(screen.getByTestId('scan-status').getAttribute('data-scanning')).toBe('false');
  });

  it('says in the status bar when indexing failed', async () => {
    const api = createFakeApi({ sources: [makeSource()] });
    renderApp(api);
    await screen.findByTestId('nav-sources');
    act(() =>
      api.emit('scan.finished', {
        sourceId: 1,
        result: { ok: false, code: 'UNREACHABLE', message: 'The NAS stopped answering.' },
      }),
    );
    expect(screen.getByTestId('scan-status').textContent).toContain('Indexing Office NAS did not finish: The NAS stopped answering.');
  });

  it('refetches sources and the library when the engine says they changed', async () => {
    const api = createFakeApi({ sources: [makeSource()] });
    renderApp(api);
    await screen.findByText(/No models found yet/);
    const before = api.callsTo('sources.list').length;
    api.items = [makeItem()];
    act(() => {
      api.emit('library.changed', { sourceId: 1 });
      api.emit('sources.changed', { sourceId: 1 });
    });
    await waitFor(() => expect(screen.getAllByTestId('library-row')).toHaveLength(1));
    expect(api.callsTo('sources.list').length).toBeGreaterThan(before);
  });
});

describe('sources view', () => {
  it('lists sources, indexes on request and removes after confirming', async () => {
    const api = createFakeApi({ sources: [makeSource(), makeSource({ id: 2, name: 'Laptop', kind: 'local', url: '/data', lastScanAt: null })] });
    renderApp(api);
    fireEvent.click(await screen.findByTestId('nav-sources'));
    const rows = await screen.findAllByTestId('source-row');
    expect(rows).toHaveLength(2);
    expect(nth(rows, 0).textContent).toContain('Online');
    expect(nth(rows, 1).textContent).toContain('Not yet indexed');

    fireEvent.click(within(nth(rows, 1)).getByTestId('scan-button'));
    await waitFor(() => expect(api.callsTo('sources.scan')).toEqual([{ id: 2 }]));
    expect(within(nth(rows, 1)).getByTestId('scan-button').textContent).toBe('Indexing…');

    fireEvent.click(within(nth(rows, 0)).getByRole('button', { name: 'Remove' }));
    expect(api.callsTo('sources.remove')).toEqual([]); // asks first
    fireEvent.click(within(nth(rows, 0)).getByRole('button', { name: 'Remove' }));
    await waitFor(() => expect(screen.getAllByTestId('source-row')).toHaveLength(1));
    expect(api.callsTo('sources.remove')).toEqual([{ id: 1 }]);
  });

  it('asks for a password when the engine needs one', async () => {
    const api = createFakeApi({ sources: [makeSource({ needsPassword: true })] });
    api.handle('sources.setPassword', async ({ id }) => ({ ok: true, value: makeSource({ id, needsPassword: false }) }));
    renderApp(api);
    fireEvent.click(await screen.findByTestId('nav-sources'));
    const input = await screen.findByLabelText('This share needs a password to be indexed.');
    fireEvent.change(input, { target: { value: 'secret' } });
    fireEvent.click(screen.getByRole('button', { name: 'Save and index' }));
    await waitFor(() => expect(api.callsTo('sources.setPassword')).toEqual([{ id: 1, password: 'secret' }]));
    await waitFor(() => expect(api.callsTo('sources.scan')).toEqual([{ id: 1 }]));
  });
});
