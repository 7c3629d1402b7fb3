import type { MenuItemConstructorOptions } from 'electron';
import { describe, expect, it, vi } from 'vitest';
import { buildMenuTemplate, HELP_LINKS } from './menu';

function submenu(template: MenuItemConstructorOptions[], label: string): MenuItemConstructorOptions[] {
  const menu = template.find((m) => m.label === label || m.role === label);
  return (menu?.submenu ?? []) as MenuItemConstructorOptions[];
}

function click(item: MenuItemConstructorOptions | undefined): void {
  expect(item?.click).toBeTypeOf('function');
  (item?.click as unknown as () => void)?.();
}

const actions = () => ({ sendCommand: vi.fn(), openExternal: vi.fn() });

describe('buildMenuTemplate', () => {
  it('File › Add Source… and Export… send their commands to the page', () => {
    const a = actions();
    const file = submenu(buildMenuTemplate({ platform: 'linux', dev: false, appName: 'Modelshelf' }, a), 'File');
    click(file.find((i) => i.label === 'Add Source…'));
    click(file.find((i) => i.label === 'Export…'));
    expect(a.sendCommand.mock.calls).toEqual([['add-source'], ['export']]);
    expect(file.some((i) => i.role === 'quit')).toBe(true);
  });

  it('View has zoom and full screen, and reload / devtools only in dev', () => {
    const roles = (dev: boolean) =>
      submenu(buildMenuTemplate({ platform: 'linux', dev, appName: 'Modelshelf' }, actions()), 'View').map((i) => i.role);
    expect(roles(false)).toEqual(expect.arrayContaining(['resetZoom', 'zoomIn', 'zoomOut', 'togglefullscreen']));
    for (const role of ['reload', 'forceReload', 'toggleDevTools']) {
      expect(roles(false)).not.toContain(role);
      expect(roles(true)).toContain(role);
    }
  });

  it('Help links open externally as https only', () => {
    const a = actions();
    const help = submenu(buildMenuTemplate({ platform: 'win32', dev: false, appName: 'Modelshelf' }, a), 'help');
    expect(help).toHaveLength(HELP_LINKS.length);
    for (const item of help) click(item);
    expect(a.openExternal.mock.calls.map((c) => c[0])).toEqual(HELP_LINKS.map((l) => l.url));
    for (const [url] of a.openExternal.mock.calls) expect(url).toMatch(/^https:\/\//);
  });

  it('has an app menu on macOS only', () => {
    expect(buildMenuTemplate({ platform: 'darwin', dev: false, appName: 'Modelshelf' }, actions())[0]?.label).toBe('Modelshelf');
    expect(buildMenuTemplate({ platform: 'linux', dev: false, appName: 'Modelshelf' }, actions())[0]?.label).toBe('File');
  });
});
