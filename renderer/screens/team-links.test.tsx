// Where a version came from (team links set from the team panel) and what the team said about the
// model itself (tags, notes and links without a version), on the Overview tab.
import { cleanup, fireEvent, screen, waitFor, within } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import type { ItemDetail, ItemVersion, Source, VersionAnnotation } from '../../shared/contract';
import { createFakeApi, makeItem, makeSource } from '../test/fake-api';
import { renderApp } from '../test/render';

afterEach(cleanup);

const HOUR = 3_600_000;

function version(id: number, label: string, annotations: VersionAnnotation[] = []): ItemVersion {
  return { id, label, path: `m/${label}`, createdAt: id * 1000, sizeBytes: 10, format: 'pickle', aliases: [], stage: null, metadata: {}, files: [], annotations };
}

const team = (patch: Partial<VersionAnnotation> & Pick<VersionAnnotation, 'kind' | 'value'>): VersionAnnotation => ({
  by: 'ana',
  at: Date.now() - HOUR,
  origin: 'team',
  ...patch,
});

function churn(patch: Partial<ItemDetail> = {}, v3: VersionAnnotation[] = []): ItemDetail {
  return {
    ...makeItem({ id: 1, name: 'churn-classifier', path: 'mlruns/models/churn-classifier', latestVersion: '3' }),
    versions: [version(3, '3', [team({ kind: 'tag', value: 'reviewed' }), ...v3]), version(2, '2')],
    ...patch,
  };
}

function setup(source: Source = makeSource(), detail: ItemDetail = churn()) {
  const api = createFakeApi({
    sources: [source],
    items: [
      makeItem({ id: 1, name: 'churn-classifier', path: 'mlruns/models/churn-classifier' }),
      makeItem({ id: 2, kind: 'dataset', name: 'reviews', path: 'datasets/reviews', format: 'parquet' }),
    ],
  });
  api.details.set(1, detail);
  return api;
}

async function openModel(api: ReturnType<typeof createFakeApi>) {
  renderApp(api);
  fireEvent.click(await screen.findByText('churn-classifier'));
  return screen.findByTestId('team-panel');
}

describe('links from the team panel', () => {
  it('links a version to a dataset on the same share, with the chosen relation (and to one of its versions)', async () => {
    const api = setup();
    const panel = await openModel(api);
    expect(within(panel).getByTestId('links-empty').textContent).toContain('Not recorded yet');
    // Nothing said about the model itself: no section for it.
    expect(screen.queryByTestId('model-notes')).toBeNull();
    const relation = within(panel).getByTestId('link-relation') as HTMLSelectElement;
    expect(relation.value).toBe('derived-from');
    expect([...relation.options].map((o) => o.textContent)).toContain('trained on');
    fireEvent.change(relation, { target: { value: 'trained-on' } });
    const input = within(panel).getByTestId('link-target') as HTMLInputElement;
    fireEvent.focus(input);
    fireEvent.change(input, { target: { value: 'reviews' } });
    await waitFor(() => expect(within(panel).getByTestId('link-hint').textContent).toBe('Links to reviews, a dataset on Office NAS.'));
    // The share's models and datasets are offered while typing.
    expect(api.callsTo('library.page')).toContainEqual({ sourceId: 1, query: 'reviews', sort: 'name', limit: 50 });
    expect([...panel.querySelectorAll('datalist option')].map((o) => (o as HTMLOptionElement).value)).toEqual(['reviews']);
    const gets = api.callsTo('library.get').length;
    fireEvent.click(within(panel).getByTestId('link-save'));
    await waitFor(() =>
      expect(api.callsTo('annotations.set')).toEqual([{ itemId: 1, versionLabel: '3', kind: 'link', value: 'datasets/reviews@', relation: 'trained-on' }]),
    );
    // Refreshed like the other writes, and the field is emptied for the next one.
    await waitFor(() => expect(api.callsTo('library.get').length).toBeGreaterThan(gets));
    await waitFor(() => expect(input.value).toBe(''));

    fireEvent.change(input, { target: { value: 'Reviews@2' } });
    await waitFor(() => expect(within(panel).getByTestId('link-hint').textContent).toBe('Links to reviews version 2, a dataset on Office NAS.'));
    fireEvent.click(within(panel).getByTestId('link-save'));
    await waitFor(() => expect(api.callsTo('annotations.set')).toHaveLength(2));
    expect(api.callsTo('annotations.set')[1]).toEqual({ itemId: 1, versionLabel: '3', kind: 'link', value: 'datasets/reviews@2', relation: 'trained-on' });
  });

  it('saves a name that is not on the share as something outside it', async () => {
    const api = setup();
    const panel = await openModel(api);
    const input = within(panel).getByTestId('link-target');
    fireEvent.change(input, { target: { value: 'bert-base-uncased' } });
    await waitFor(() => expect(within(panel).getByTestId('link-hint').textContent).toContain('“bert-base-uncased” is not on Office NAS'));
    fireEvent.click(within(panel).getByTestId('link-save'));
    await waitFor(() =>
      expect(api.callsTo('annotations.set')).toEqual([
        { itemId: 1, versionLabel: '3', kind: 'link', value: 'external:bert-base-uncased', relation: 'derived-from' },
      ]),
    );
  });

  it('a name with more matches than one page is sent as typed for the engine to find, not saved as outside the share', async () => {
    const api = setup();
    const panel = await openModel(api);
    // 60 models whose names contain "bert"; the page of 50 shown does not hold the one typed.
    api.handle('library.page', async (input) => ({
      ok: true,
      value: {
        items: Array.from({ length: input.limit ?? 50 }, (_, i) => makeItem({ id: 100 + i, name: `albert-${i}`, path: `runs/albert-${i}` })),
        total: 60,
        offset: 0,
      },
    }) as never);
    const input = within(panel).getByTestId('link-target');
    fireEvent.focus(input);
    fireEvent.change(input, { target: { value: 'bert' } });
    await waitFor(() => expect(within(panel).getByTestId('link-hint').textContent).toBe('Links to bert.'));
    fireEvent.click(within(panel).getByTestId('link-save'));
    await waitFor(() => expect(api.callsTo('annotations.set')).toEqual([{ itemId: 1, versionLabel: '3', kind: 'link', value: 'bert', relation: 'derived-from' }]));
  });

  it('shows the team links in words and removes one with the same value and relation', async () => {
    const links = [
      team({ kind: 'link', value: 'dataset:datasets/reviews@', relation: 'trained-on' }),
      team({ kind: 'link', value: 'external:bert-base', relation: 'fine-tuned-from', by: 'ben' }),
    ];
    const api = setup(makeSource(), churn({}, links));
    const panel = await openModel(api);
    const chips = within(within(panel).getByTestId('link-chips')).getAllByTestId('annotation-chip');
    expect(chips.map((c) => c.textContent)).toEqual(['trained on reviews×', 'fine-tuned from bert-base (outside this share)×']);
    expect(chips[1]?.getAttribute('title')).toMatch(/^Not on this share, known by name only\. Set by ben, 1 hour ago/);
    expect(within(panel).queryByTestId('links-empty')).toBeNull();
    fireEvent.click(within(panel).getByRole('button', { name: 'Take trained on reviews off' }));
    await waitFor(() => expect(api.callsTo('annotations.set')).toHaveLength(1));
    fireEvent.click(within(panel).getByRole('button', { name: 'Take fine-tuned from bert-base (outside this share) off' }));
    await waitFor(() => expect(api.callsTo('annotations.set')).toHaveLength(2));
    expect(api.callsTo('annotations.set')).toEqual([
      { itemId: 1, versionLabel: '3', kind: 'link', value: 'dataset:datasets/reviews@', relation: 'trained-on', remove: true },
      { itemId: 1, versionLabel: '3', kind: 'link', value: 'external:bert-base', relation: 'fine-tuned-from', remove: true },
    ]);
  });

  it('turns linking off on a read-only share, saying why', async () => {
    const reason = 'This share is read-only for ana: aliases, stages, tags and notes cannot be saved on Office NAS. Everything stays browsable.';
    const links = [team({ kind: 'link', value: 'external:bert-base', relation: 'derived-from' })];
    const api = setup(makeSource({ writable: false, readOnlyReason: reason }), churn({}, links));
    const panel = await openModel(api);
    const save = within(panel).getByTestId('link-save') as HTMLButtonElement;
    expect(save.disabled).toBe(true);
    expect(save.title).toBe(`Changes are turned off: ${reason}`);
    expect((within(panel).getByTestId('link-target') as HTMLInputElement).disabled).toBe(true);
    expect((within(panel).getByTestId('link-relation') as HTMLSelectElement).disabled).toBe(true);
    const remove = within(panel).getByRole('button', { name: 'Take derived from bert-base (outside this share) off' }) as HTMLButtonElement;
    expect(remove.disabled).toBe(true);
    fireEvent.click(remove);
    fireEvent.submit(within(panel).getByTestId('link-form'));
    expect(api.callsTo('annotations.set')).toEqual([]);
  });
});

describe("the team's notes on the model itself", () => {
  it('shows model-level tags, notes (who and when) and links on the Overview, read-only, apart from the version', async () => {
    const api = setup(
      makeSource(),
      churn({
        annotations: [
          team({ kind: 'tag', value: 'customer-facing' }),
          team({ kind: 'note', value: 'Owned by the retention team.', by: 'ben', at: Date.now() - 2 * HOUR, id: 'n1' }),
          team({ kind: 'link', value: 'dataset:datasets/reviews@', relation: 'trained-on' }),
        ],
      }),
    );
    const panel = await openModel(api);
    const about = screen.getByTestId('model-notes');
    expect(within(about).getByRole('heading').textContent).toBe('About the whole model');
    expect(within(about).getAllByTestId('model-chip').map((c) => c.textContent)).toEqual(['customer-facing', 'trained on reviews']);
    const note = within(about).getByTestId('model-note-list');
    expect(note.textContent).toBe('Owned by the retention team.ben · 2 hours ago');
    // Read-only here, and not mixed into the version's own chips and notes.
    expect(within(about).queryAllByRole('button')).toEqual([]);
    expect(panel.contains(about)).toBe(false);
    expect(within(panel).getAllByTestId('annotation-chip').map((c) => c.textContent)).toEqual(['reviewed×']);
    expect(within(panel).queryByTestId('notes')).toBeNull();
  });
});
