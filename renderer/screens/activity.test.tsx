// "Put production back on v5" from the Activity view: offered on the newest move of an alias only,
// asked first, and one annotations.set (one event) when confirmed.
import { cleanup, fireEvent, screen, waitFor, within } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import type { ActivityEntry, MethodOutput, Source } from '../../shared/contract';
import type { Result } from '../../shared/result';
import { createFakeApi, makeActivityEntry, makeSource } from '../test/fake-api';
import { renderApp } from '../test/render';

afterEach(cleanup);

const HOUR = 3_600_000;

const entry = makeActivityEntry;

/** Newest first, as the engine answers. */
const LOG: ActivityEntry[] = [
  // the newest change of production: it is on 3 now, it was on 5 → offered
  entry({ id: 'moved', at: Date.now() - HOUR, previousVersionLabel: '5' }),
  // set for the first time: nothing to go back to
  entry({ id: 'staging', at: Date.now() - 2 * HOUR, value: 'staging', versionLabel: '2', summary: 'ana set staging on churn-classifier 2' }),
  entry({ id: 'tag', at: Date.now() - 3 * HOUR, action: 'tag.add', value: 'reviewed' }),
  // an older move of production: production has moved since → not offered
  entry({ id: 'older', at: Date.now() - 4 * HOUR, who: 'ben', versionLabel: '5', previousVersionLabel: '3', summary: 'ben moved production from 3 to 5' }),
  // a model no longer in the catalog → not offered
  entry({ id: 'gone', at: Date.now() - 5 * HOUR, itemId: null, itemName: 'fraud', itemPath: 'fraud', value: 'champion', versionLabel: '2', previousVersionLabel: '1' }),
];

function setup(source: Partial<Source> = {}, answer?: () => Promise<Result<MethodOutput<'annotations.set'>>>) {
  const api = createFakeApi({ sources: [makeSource(source)] });
  let log = LOG;
  api.handle('activity.list', () => ({ ok: true, value: log }));
  api.handle('annotations.set', async () => {
    const result: Result<MethodOutput<'annotations.set'>> = answer ? await answer() : { ok: true, value: [] };
    // What the engine's log holds afterwards: one more event, production back on 5
    if (result.ok) log = [entry({ id: 'back', at: Date.now(), versionLabel: '5', previousVersionLabel: '3', summary: 'ana moved production from 3 to 5' }), ...LOG];
    return result;
  });
  renderApp(api);
  fireEvent.click(screen.getByTestId('nav-activity'));
  return api;
}

const row = (id: string) => screen.getAllByTestId('activity-entry')[LOG.findIndex((e) => e.id === id)] as HTMLElement;

describe('putting an alias back from the activity log', () => {
  it('is offered on the newest move of an alias only, asks first, and sends exactly one annotations.set', async () => {
    let release: () => void = () => {};
    const api = setup({}, () => new Promise((resolve) => (release = () => resolve({ ok: true, value: [] }))));
    await screen.findByTestId('activity-list');
    const buttons = screen.getAllByTestId('activity-rollback');
    expect(buttons).toHaveLength(1);
    expect(within(row('moved')).getByTestId('activity-rollback').textContent).toBe('Put production back on v5');
    for (const id of ['staging', 'tag', 'older', 'gone']) expect(within(row(id)).queryByTestId('activity-rollback')).toBeNull();

    // Cancel asks nothing of the engine
    fireEvent.click(buttons[0] as HTMLElement);
    expect(screen.getByTestId('activity-rollback-confirm').textContent).toContain('Put production back on v5? Everyone sees the change.');
    fireEvent.click(screen.getByText('Cancel'));
    expect(screen.queryByTestId('activity-rollback-confirm')).toBeNull();
    expect(api.callsTo('annotations.set')).toEqual([]);

    const asked = api.callsTo('activity.list').length;
    fireEvent.click(screen.getByTestId('activity-rollback'));
    fireEvent.click(screen.getByTestId('activity-rollback-yes'));
    await waitFor(() => expect(screen.getByTestId('activity-rollback-yes').textContent).toBe('Putting it back…'));
    expect(screen.getByTestId('activity-rollback-yes')).toHaveProperty('disabled', true);
    // a second click while busy sends nothing more
    fireEvent.click(screen.getByTestId('activity-rollback-yes'));
    release();
    // the list is read again and shows the change; the undo is now offered on it, not on the old move
    await waitFor(() => expect(screen.getAllByTestId('activity-entry')).toHaveLength(LOG.length + 1));
    expect(api.callsTo('activity.list').length).toBeGreaterThan(asked);
    expect(api.callsTo('annotations.set')).toEqual([{ itemId: 1, versionLabel: '5', kind: 'alias', value: 'production', ifAliasOn: '3' }]);
    expect(screen.getAllByTestId('activity-rollback').map((b) => b.textContent)).toEqual(['Put production back on v3']);
    expect(screen.queryByTestId('activity-rollback-confirm')).toBeNull();
  });

  it('is turned off, saying why, when the share is read-only', async () => {
    const api = setup({ writable: false, readOnlyReason: 'This share is read-only for ana.' });
    await screen.findByTestId('activity-list');
    const button = screen.getByTestId('activity-rollback');
    expect(button).toHaveProperty('disabled', true);
    expect(button.getAttribute('title')).toContain('This share is read-only for ana.');
    fireEvent.click(button);
    expect(screen.queryByTestId('activity-rollback-confirm')).toBeNull();
    expect(api.callsTo('annotations.set')).toEqual([]);
  });

  it('says in words when the change could not be saved', async () => {
    const api = setup({}, async () => ({ ok: false, error: { code: 'UNREACHABLE', message: 'The share did not answer.' } }));
    await screen.findByTestId('activity-list');
    fireEvent.click(screen.getByTestId('activity-rollback'));
    fireEvent.click(screen.getByTestId('activity-rollback-yes'));
    expect((await screen.findByTestId('activity-rollback-error')).textContent).toContain('Could not put production back on v5: The share did not answer.');
    expect(api.callsTo('annotations.set')).toHaveLength(1);
    expect(screen.getByTestId('activity-rollback-yes')).toHaveProperty('disabled', false);
  });

  it('when a colleague moved the alias since, says nothing changed and reads the log again', async () => {
    const message = 'production is on 4 of churn-classifier now, not 3: someone changed it since. Nothing was changed.';
    const api = setup({}, async () => ({ ok: false, error: { code: 'CONFLICT', message } }));
    await screen.findByTestId('activity-list');
    const asked = api.callsTo('activity.list').length;
    fireEvent.click(screen.getByTestId('activity-rollback'));
    fireEvent.click(screen.getByTestId('activity-rollback-yes'));
    expect((await screen.findByTestId('activity-stale')).textContent).toContain(`Nothing changed: ${message}`);
    await waitFor(() => expect(api.callsTo('activity.list').length).toBeGreaterThan(asked));
    expect(api.callsTo('annotations.set')).toEqual([expect.objectContaining({ ifAliasOn: '3', versionLabel: '5' })]);
  });
});
