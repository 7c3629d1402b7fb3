// The desktop app's File menu: its commands reach the renderer through the preload bridge's onMenu.
import { act, cleanup, fireEvent, screen, waitFor } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import type { BridgeApi } from '../../shared/app-api';
import type { ItemDetail } from '../../shared/contract';
import { createFakeApi, makeItem, makeSource } from '../test/fake-api';
import { renderApp } from '../test/render';

type Listener = (command: 'add-source' | 'export') => void;

function installMenuBridge(): { send: Listener; unsubscribed: () => boolean } {
  let listener: Listener | null = null;
  let unsubscribed = false;
  const bridge: Partial<BridgeApi> = {
    onMenu(l) {
      listener = l;
      return () => {
        unsubscribed = true;
        listener = null;
      };
    },
  };
  (window as unknown as { modelshelf?: Partial<BridgeApi> }).modelshelf = bridge;
  return {
    send: (command) => act(() => listener?.(command)),
    unsubscribed: () => unsubscribed,
  };
}

function detail(): ItemDetail {
  return {
    ...makeItem({ id: 1, name: 'bert-base', versionCount: 1, latestVersion: 'v1' }),
    versions: [
      { id: 11, label: 'v1', path: 'nlp/bert/v1', createdAt: null, sizeBytes: 1000, format: 'safetensors', aliases: [], stage: null, metadata: {}, files: [] },
    ],
  };
}

afterEach(() => {
  cleanup();
  delete (window as unknown as { modelshelf?: unknown }).modelshelf;
});

describe('native menu commands', () => {
  it('File › Add source opens the connect flow from any page', async () => {
    const menu = installMenuBridge();
    const api = createFakeApi({ sources: [makeSource()], items: [makeItem()] });
    api.handle('nas.discover', () => ({ ok: true, value: [] }));
    renderApp(api);
    await screen.findAllByTestId('library-row');
    menu.send('add-source');
    expect(await screen.findByTestId('connect-nas')).toBeTruthy();
  });

  it('File › Export opens the export dialog of the open version, or asks which model first', async () => {
    const menu = installMenuBridge();
    const api = createFakeApi({ sources: [makeSource()], items: [makeItem()] });
    api.details.set(1, detail());
    renderApp(api);
    await screen.findAllByTestId('library-row');
    // Not on a model page: the search palette asks which model; opening it then shows the dialog.
    menu.send('export');
    expect(await screen.findByTestId('palette')).toBeTruthy();
    expect(screen.queryByTestId('export-destination')).toBeNull();
    fireEvent.keyDown(window, { key: 'Escape' });
    fireEvent.click((await screen.findAllByTestId('library-row'))[0] as HTMLElement);
    expect(await screen.findByTestId('export-destination')).toBeTruthy();
  });

  it('stops listening when the window unmounts', async () => {
    const menu = installMenuBridge();
    const api = createFakeApi({ sources: [makeSource()] });
    const view = renderApp(api);
    await waitFor(() => expect(view.root()?.getAttribute('data-app-state')).toBe('loaded'));
    view.unmount();
    expect(menu.unsubscribed()).toBe(true);
  });
});
