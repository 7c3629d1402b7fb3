import { act, cleanup, fireEvent, screen, waitFor, within } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import type { ItemDetail, ItemVersion, NasDevice } from '../../shared/contract';
import { activitySentence, healthText, parseNasAddress, shareUrl } from '../lib/team';
import { createFakeApi, makeActivityEntry, makeItem, makeSource } from '../test/fake-api';
import { renderApp } from '../test/render';

afterEach(cleanup);

const HOUR = 3_600_000;

const entry = makeActivityEntry;

function version(id: number, label: string, patch: Partial<ItemVersion> = {}): ItemVersion {
  return { id, label, path: `m/${label}`, createdAt: id * 1000, sizeBytes: 10, format: 'pickle', aliases: [], stage: null, metadata: {}, files: [], ...patch };
}

function churn(patch: Partial<ItemDetail> = {}): ItemDetail {
  return {
    ...makeItem({ id: 1, name: 'churn-classifier', latestVersion: '3', aliases: ['production'] }),
    versions: [
      version(3, '3', {
        aliases: ['production', 'champion'],
        stage: 'Production',
        annotations: [
          { kind: 'alias', value: 'production', by: 'ana', at: Date.now() - HOUR, origin: 'team' },
          { kind: 'alias', value: 'champion', by: null, at: null, origin: 'mlflow' },
          { kind: 'stage', value: 'Production', by: null, at: null, origin: 'mlflow' },
          { kind: 'tag', value: 'reviewed', by: 'ben', at: Date.now() - HOUR, origin: 'team' },
        ],
      }),
      version(2, '2', { annotations: [] }),
      version(1, '1', { annotations: [] }),
    ],
    ...patch,
  };
}

async function openModel(api: ReturnType<typeof createFakeApi>) {
  renderApp(api);
  fireEvent.click(await screen.findByText('churn-classifier'));
  return screen.findByTestId('team-panel');
}

describe('activity', () => {
  it('writes plain sentences', () => {
    expect(activitySentence(entry({}))).toBe('Ana moved production to churn-classifier 3');
    expect(activitySentence(entry({ summary: 'ana set production on 3' }))).toBe('Ana set production on churn-classifier 3');
    expect(activitySentence(entry({ action: 'tag.add', value: 'reviewed', versionLabel: null }))).toBe('Ana tagged churn-classifier “reviewed”');
    expect(activitySentence(entry({ action: 'stage.set', value: 'Staging' }))).toBe('Ana set the stage of churn-classifier 3 to Staging');
  });

  it('lists the log newest first, and has the engine filter by person, kind and model (the whole log, not the newest entries)', async () => {
    const api = createFakeApi({ sources: [makeSource()] });
    const log = [
      // older than the newest entries the unfiltered list gets: only a filter finds it
      entry({ id: 'old', at: Date.now() - 900 * HOUR, who: 'ben', action: 'tag.add', value: 'baseline', versionLabel: '1' }),
      entry({ id: 'a', at: Date.now() - 3 * HOUR, who: 'ben', action: 'tag.add', value: 'reviewed' }),
      entry({ id: 'b', at: Date.now() - 2 * HOUR }),
      entry({ id: 'c', at: Date.now() - HOUR, who: 'ben', action: 'note.add', value: 'Retrained on May data', itemName: 'fraud', itemPath: 'fraud', itemId: 2 }),
    ];
    api.handle('activity.list', (input) => {
      const unfiltered = !input.who && !input.kind && input.itemId === undefined;
      const value = log
        .filter((e) => (unfiltered ? e.id !== 'old' : true))
        .filter((e) => (!input.who || e.who === input.who) && (!input.kind || e.action.startsWith(`${input.kind}.`)) && (input.itemId === undefined || e.itemId === input.itemId));
      return { ok: true, value };
    });
    renderApp(api);
    fireEvent.click(await screen.findByTestId('nav-activity'));
    await screen.findByTestId('activity-list');
    const texts = () => screen.getAllByTestId('activity-entry').map((e) => e.textContent);
    expect(texts()).toEqual([
      'Ben added a note to fraud 3: “Retrained on May data” — 1 hour ago',
      'Ana moved production to churn-classifier 3 — 2 hours ago',
      'Ben tagged churn-classifier 3 “reviewed” — 3 hours ago',
    ]);
    expect(api.callsTo('activity.list')).toEqual([{ limit: 1000 }]);
    fireEvent.change(screen.getByTestId('activity-filter-who'), { target: { value: 'ben' } });
    await waitFor(() => expect(texts()).toHaveLength(3));
    expect(texts()[2]).toMatch(/^Ben tagged churn-classifier 1 “baseline”/);
    expect(api.callsTo('activity.list').at(-1)).toEqual({ limit: 1000, who: 'ben' });
    fireEvent.change(screen.getByTestId('activity-filter-kind'), { target: { value: 'tag' } });
    await waitFor(() => expect(texts()).toHaveLength(2));
    expect(texts()[0]).toBe('Ben tagged churn-classifier 3 “reviewed” — 3 hours ago');
    expect(api.callsTo('activity.list').at(-1)).toEqual({ limit: 1000, who: 'ben', kind: 'tag' });
    fireEvent.change(screen.getByTestId('activity-filter-item'), { target: { value: '2' } });
    expect((await screen.findByTestId('activity-none-match')).textContent).toContain('Nothing matches');
    expect(api.callsTo('activity.list').at(-1)).toEqual({ limit: 1000, who: 'ben', kind: 'tag', itemId: 2 });
    // Refresh re-reads the logs on the share for what is on screen, then asks again
    fireEvent.click(screen.getByText('Show everything'));
    await waitFor(() => expect(texts()).toHaveLength(3));
    const before = api.callsTo('activity.list').length;
    fireEvent.click(screen.getByTestId('activity-refresh'));
    await waitFor(() => expect(api.callsTo('activity.list').slice(before)).toEqual([{ limit: 1000, refresh: true }, { limit: 1000 }]));
    expect(api.callsTo('activity.list').filter((i) => (i as { refresh?: boolean }).refresh)).toHaveLength(1);
  });

  it('explains what will show up when the log is empty', async () => {
    const api = createFakeApi({ sources: [makeSource()] });
    renderApp(api);
    fireEvent.click(await screen.findByTestId('nav-activity'));
    const empty = await screen.findByTestId('activity-empty');
    expect(empty.textContent).toMatch(/alias.*stage.*tag.*note/s);
  });
});

describe('team annotations on the model page', () => {
  it('shows who set a chip, keeps MLflow read-only, and rolls production back in one click', async () => {
    const api = createFakeApi({ sources: [makeSource()], items: [makeItem({ id: 1, name: 'churn-classifier' })] });
    api.details.set(1, churn());
    const panel = await openModel(api);
    const chips = within(panel).getAllByTestId('annotation-chip');
    expect(chips.map((c) => [c.textContent, c.getAttribute('data-origin')])).toEqual([
      ['production×', 'team'],
      ['reviewed×', 'team'],
    ]);
    expect(chips[0]?.getAttribute('title')).toMatch(/^Set by ana, 1 hour ago/);
    expect(screen.getByTestId('mlflow-hint').textContent).toContain('MLflow');
    const champion = screen.getAllByText('champion')[0] as HTMLElement;
    expect(champion.className).toContain('readonly');
    // Production is on 3: no button to set it there.
    expect(within(panel).queryByTestId('set-alias-production')).toBeNull();

    fireEvent.click(screen.getAllByTestId('version-item')[2] as HTMLElement);
    const rollBack = await screen.findByTestId('set-alias-production');
    expect(rollBack.textContent).toBe('Roll back production to 1');
    fireEvent.click(rollBack);
    await waitFor(() => expect(api.callsTo('annotations.set')).toEqual([{ itemId: 1, versionLabel: '1', kind: 'alias', value: 'production' }]));
    await waitFor(() => expect(api.callsTo('library.get').length).toBeGreaterThan(1));
  });

  it('adds and removes tags, sets a stage and adds a note', async () => {
    const api = createFakeApi({ sources: [makeSource()], items: [makeItem({ id: 1, name: 'churn-classifier' })] });
    api.details.set(1, churn());
    const panel = await openModel(api);
    fireEvent.change(within(panel).getByTestId('tag-input'), { target: { value: 'customer-a' } });
    fireEvent.click(within(panel).getByTestId('tag-add'));
    await waitFor(() => expect(api.callsTo('annotations.set')).toHaveLength(1));
    fireEvent.click(within(panel).getByRole('button', { name: 'Take reviewed off' }));
    await waitFor(() => expect(api.callsTo('annotations.set')).toHaveLength(2));
    fireEvent.change(within(panel).getByTestId('stage-select'), { target: { value: 'Staging' } });
    await waitFor(() => expect(api.callsTo('annotations.set')).toHaveLength(3));
    fireEvent.change(within(panel).getByTestId('note-input'), { target: { value: 'Retrained on May data' } });
    fireEvent.click(within(panel).getByTestId('note-add'));
    await waitFor(() => expect(api.callsTo('annotations.set')).toHaveLength(4));
    expect(api.callsTo('annotations.set')).toEqual([
      { itemId: 1, versionLabel: '3', kind: 'tag', value: 'customer-a' },
      { itemId: 1, versionLabel: '3', kind: 'tag', value: 'reviewed', remove: true },
      { itemId: 1, versionLabel: '3', kind: 'stage', value: 'Staging' },
      { itemId: 1, versionLabel: '3', kind: 'note', value: 'Retrained on May data' },
    ]);
  });

  it('shows a refused write inline and turns the buttons off for that source', async () => {
    const api = createFakeApi({ sources: [makeSource()], items: [makeItem({ id: 1, name: 'churn-classifier' })] });
    api.details.set(1, churn());
    api.handle('annotations.set', () => ({ ok: false, error: { code: 'ACCESS_DENIED', message: 'The share models is read-only for ana.' } }));
    const panel = await openModel(api);
    fireEvent.click(screen.getAllByTestId('version-item')[1] as HTMLElement);
    fireEvent.click(await within(panel).findByTestId('set-alias-staging'));
    const blocked = await within(panel).findByTestId('writes-blocked');
    expect(blocked.textContent).toContain('The share models is read-only for ana.');
    const button = within(panel).getByTestId('set-alias-production') as HTMLButtonElement;
    expect(button.disabled).toBe(true);
    expect(button.title).toContain('read-only');
    expect((within(panel).getByTestId('tag-add') as HTMLButtonElement).disabled).toBe(true);
  });

  it('turns the buttons off from the start on a share the engine found read-only, saying why, and stays browsable', async () => {
    const reason = 'This share is read-only for ana: aliases, stages, tags and notes cannot be saved on Office NAS. Everything stays browsable.';
    const api = createFakeApi({ sources: [makeSource({ writable: false, readOnlyReason: reason })], items: [makeItem({ id: 1, name: 'churn-classifier' })] });
    api.details.set(1, churn());
    const panel = await openModel(api);
    expect(within(panel).getByTestId('writes-blocked').textContent).toBe(`Changes are turned off for Office NAS: ${reason}`);
    // Still browsable: the chips and the other versions are there.
    expect(within(panel).getAllByTestId('annotation-chip').map((c) => c.textContent)).toEqual(['production×', 'reviewed×']);
    expect((within(panel).getByRole('button', { name: 'Take reviewed off' }) as HTMLButtonElement).disabled).toBe(true);
    expect((within(panel).getByTestId('stage-select') as HTMLSelectElement).disabled).toBe(true);
    expect((within(panel).getByTestId('tag-input') as HTMLInputElement).disabled).toBe(true);
    expect((within(panel).getByTestId('note-input') as HTMLTextAreaElement).disabled).toBe(true);
    fireEvent.click(screen.getAllByTestId('version-item')[1] as HTMLElement);
    const staging = (await within(panel).findByTestId('set-alias-staging')) as HTMLButtonElement;
    expect(staging.disabled).toBe(true);
    expect(staging.title).toBe(`Changes are turned off: ${reason}`);
    fireEvent.click(staging);
    expect(api.callsTo('annotations.set')).toEqual([]);
  });

  it('keeps the buttons on when the share is writable or not known yet', async () => {
    for (const writable of [true, undefined]) {
      const api = createFakeApi({
        sources: [makeSource(writable === undefined ? {} : { writable, readOnlyReason: null })],
        items: [makeItem({ id: 1, name: 'churn-classifier' })],
      });
      api.details.set(1, churn());
      const panel = await openModel(api);
      expect(within(panel).queryByTestId('writes-blocked')).toBeNull();
      expect((within(panel).getByTestId('stage-select') as HTMLSelectElement).disabled).toBe(false);
      cleanup();
    }
  });

  it("treats the team's alias as the holder when MLflow has the same alias on another version", async () => {
    const api = createFakeApi({ sources: [makeSource()], items: [makeItem({ id: 1, name: 'churn-classifier' })] });
    api.details.set(
      1,
      churn({
        versions: [
          version(3, '3', { annotations: [] }),
          // MLflow's registry (read-only here) still says production is on 2; the team moved it to 1.
          version(2, '2', { aliases: ['production'], annotations: [{ kind: 'alias', value: 'production', by: null, at: null, origin: 'mlflow' }] }),
          version(1, '1', { aliases: ['production'], annotations: [{ kind: 'alias', value: 'production', by: 'ana', at: Date.now() - HOUR, origin: 'team' }] }),
        ],
      }),
    );
    const panel = await openModel(api);
    expect(within(panel).getByTestId('set-alias-production').title).toBe('Now on 1');
    // On 2, production is not there for the team: it can be moved there.
    fireEvent.click(screen.getAllByTestId('version-item')[1] as HTMLElement);
    await waitFor(() => expect(within(panel).getByTestId('set-alias-production').textContent).toBe('Move production to 2'));
    // On 1 it already is: no button.
    fireEvent.click(screen.getAllByTestId('version-item')[2] as HTMLElement);
    await waitFor(() => expect(within(panel).queryByTestId('set-alias-production')).toBeNull());
  });
});

describe('connect a NAS', () => {
  const device: NasDevice = {
    id: '192.168.1.20',
    name: 'TEAMNAS',
    addresses: ['192.168.1.20'],
    hostnames: ['teamnas.local'],
    foundBy: ['mdns'],
    fileServer: true,
    smbPort: null,
    model: 'DS220+',
    workgroup: null,
    services: ['_smb._tcp'],
    mounted: [],
    url: 'smb://192.168.1.20',
  };

  it('parses addresses and builds share URLs', () => {
    expect(parseNasAddress('127.0.0.1:4450')).toEqual({ host: '127.0.0.1', port: 4450, user: null, share: null });
    expect(parseNasAddress('smb://ana@nas.local/models')).toEqual({ host: 'nas.local', port: null, user: 'ana', share: 'models' });
    expect(parseNasAddress('\\\\nas\\models')?.share).toBe('models');
    expect(parseNasAddress('not an address')).toBeNull();
    expect(shareUrl({ host: '127.0.0.1', port: 4450 }, 'models', 'ana')).toBe('smb://ana@127.0.0.1:4450/models');
    expect(shareUrl({ host: 'nas', port: 445 }, 'models', 'OFFICE\\ana')).toBe('smb://OFFICE;ana@nas/models');
  });

  it('finds a device, lists its shares (greying unreadable ones), and connects with a password', async () => {
    const api = createFakeApi();
    let answer: (v: { ok: true; value: NasDevice[] }) => void = () => {};
    api.handle('nas.discover', () => new Promise((r) => (answer = r)));
    api.handle('nas.shares', (input) =>
      input.user
        ? {
            ok: true,
            value: [
              { name: 'models', comment: 'Team models', readable: true, problem: null },
              { name: 'finance', comment: '', readable: false, problem: 'ana may not open finance.' },
            ],
          }
        : { ok: false, error: { code: 'AUTH_FAILED', message: '192.168.1.20 does not let guests in. Type a user name and password for it.' } },
    );
    let tries = 0;
    api.handle('sources.add', (input) =>
      ++tries === 1
        ? { ok: false, error: { code: 'AUTH_FAILED', message: 'The NAS did not accept that user name and password.' } }
        : { ok: true, value: makeSource({ id: 7, url: input.location, lastScanAt: null }) },
    );
    renderApp(api);
    fireEvent.click(await screen.findByTestId('connect-nas-button'));
    expect(screen.getByTestId('nas-searching').textContent).toContain('Looking for NAS devices');
    await act(async () => answer({ ok: true, value: [device] }));
    fireEvent.click(await screen.findByTestId('nas-device'));

    expect((await screen.findByTestId('nas-shares-error')).textContent).toContain('does not let guests in');
    fireEvent.change(screen.getByTestId('nas-shares-user'), { target: { value: 'ana' } });
    fireEvent.change(screen.getByTestId('nas-shares-password'), { target: { value: 'secret' } });
    fireEvent.click(screen.getByTestId('nas-shares-signin'));
    const shares = await screen.findAllByTestId('nas-share');
    expect((shares[1] as HTMLButtonElement).disabled).toBe(true);
    expect(shares[1]?.textContent).toContain('ana may not open finance.');
    fireEvent.click(shares[0] as HTMLElement);

    expect((screen.getByTestId('nas-user') as HTMLInputElement).value).toBe('ana');
    expect((screen.getByTestId('nas-remember') as HTMLInputElement).checked).toBe(true);
    fireEvent.click(screen.getByTestId('nas-connect'));
    expect((await screen.findByTestId('nas-connect-error')).textContent).toContain('user name and password');
    expect(api.callsTo('sources.add')[0]).toMatchObject({ password: 'secret', remember: true });
    // Unticked "Remember": the engine is told to keep the password for this session only.
    fireEvent.click(screen.getByTestId('nas-remember'));
    fireEvent.click(screen.getByTestId('nas-connect'));
    await waitFor(() => expect(api.callsTo('sources.scan')).toEqual([{ id: 7 }]));
    expect(api.callsTo('sources.add')[1]).toEqual({
      location: 'smb://ana@192.168.1.20/models',
      name: 'models on 192.168.1.20',
      password: 'secret',
      remember: false,
    });
  });

  it('indexes a share the computer already mounted through its folder, and opens sources in the file manager', async () => {
    const api = createFakeApi({ sources: [makeSource({ id: 3 })] });
    const mounted = { ...device, mounted: [{ url: 'smb://ana@192.168.1.20/models', host: '192.168.1.20', share: 'models', mountPoint: '/mnt/models', via: 'cifs' as const }] };
    api.handle('nas.discover', () => ({ ok: true, value: [mounted] }));
    api.handle('nas.addMounted', (input) =>
      input.mountPoint === '/mnt/models'
        ? { ok: true, value: makeSource({ id: 8, kind: 'local', url: '/mnt/models', lastScanAt: null }) }
        : { ok: false, error: { code: 'INVALID_INPUT', message: 'nope' } },
    );
    api.handle('sources.openInFileManager', () => ({
      ok: false,
      error: { code: 'UNSUPPORTED', message: 'No program to open Files was found on this computer (looked for gio, xdg-open).' },
    }));
    renderApp(api);
    fireEvent.click(await screen.findByTestId('nav-sources'));
    fireEvent.click(await screen.findByTestId('open-in-file-manager'));
    expect((await screen.findByTestId('open-in-file-manager-error')).textContent).toContain('looked for gio, xdg-open');
    expect(api.callsTo('sources.openInFileManager')).toEqual([{ id: 3 }]);

    fireEvent.click(await screen.findByTestId('connect-nas-button'));
    fireEvent.click(await screen.findByTestId('nas-use-mounted'));
    await waitFor(() => expect(api.callsTo('nas.addMounted')).toEqual([{ mountPoint: '/mnt/models' }]));
    await waitFor(() => expect(api.callsTo('sources.scan')).toEqual([{ id: 8 }]));
  });

  it('says so when no device answers, and takes a typed address', async () => {
    const api = createFakeApi({ sources: [makeSource()] });
    renderApp(api);
    fireEvent.click(await screen.findByTestId('nav-sources'));
    fireEvent.click(await screen.findByTestId('connect-nas-button'));
    expect((await screen.findByTestId('nas-discover-empty')).textContent).toContain('No NAS answered');
    fireEvent.change(screen.getByTestId('nas-address'), { target: { value: '127.0.0.1:4450' } });
    fireEvent.click(screen.getByTestId('nas-address-next'));
    await waitFor(() => expect(api.callsTo('nas.shares')).toEqual([{ host: '127.0.0.1', port: 4450 }]));
  });
});

describe('source health', () => {
  it('says how each source is doing', () => {
    const now = Date.parse('2025-05-01T10:50:00');
    const src = (health: NonNullable<ReturnType<typeof makeSource>['health']>) => makeSource({ health });
    expect(healthText(src({ state: 'online', since: null, message: null, nextRetryAt: null }), now)).toBe('Online');
    expect(healthText(src({ state: 'connecting', since: now, message: 'x', nextRetryAt: now + 20_000 }), now)).toBe('Reconnecting… (next try in 20 s)');
    expect(healthText(src({ state: 'offline', since: Date.parse('2025-05-01T10:42:00'), message: 'x', nextRetryAt: null }), now)).toBe(
      'Offline since 10:42 — the catalog stays browsable',
    );
    expect(healthText(src({ state: 'auth-failed', since: now, message: 'x', nextRetryAt: null }), now)).toBe('Password was refused');
    expect(healthText(src({ state: 'share-gone', since: now, message: 'x', nextRetryAt: null }), now)).toBe('Share is gone');
  });

  it('shows health on each row and forgets a source after asking', async () => {
    const api = createFakeApi({
      sources: [
        makeSource({ health: { state: 'online', since: null, message: null, nextRetryAt: null } }),
        makeSource({ id: 2, name: 'Old NAS', health: { state: 'auth-failed', since: Date.now(), message: 'The NAS refused the saved password.', nextRetryAt: null } }),
      ],
    });
    renderApp(api);
    fireEvent.click(await screen.findByTestId('nav-sources'));
    await waitFor(() => expect(screen.getAllByTestId('source-health').map((h) => h.textContent)).toEqual(['Online', 'Password was refused']));
    const row = screen.getAllByTestId('source-row')[1] as HTMLElement;
    fireEvent.click(within(row).getByTestId('forget-button'));
    expect(within(row).getByTestId('source-confirm').textContent).toContain('deletes the password');
    expect(api.callsTo('sources.forget')).toEqual([]);
    fireEvent.click(within(row).getByTestId('forget-confirm'));
    await waitFor(() => expect(screen.getAllByTestId('source-row')).toHaveLength(1));
    expect(api.callsTo('sources.forget')).toEqual([{ id: 2 }]);
  });
});
