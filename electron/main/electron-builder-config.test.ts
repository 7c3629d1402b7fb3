import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

const configUrl = new URL('../../build/electron-builder.yml', import.meta.url);

async function loadConfig(): Promise<Record<string, unknown>> {
  return parse(await readFile(configUrl, 'utf8')) as Record<string, unknown>;
}

describe('build/electron-builder.yml', () => {
  it('packs the app into an asar archive', async () => {
    const config = await loadConfig();
    expect(config.asar).toBe(true);
  });

  it('flips the security fuses', async () => {
    const config = await loadConfig();
    expect(config.electronFuses).toMatchObject({
      runAsNode: false,
      enableNodeOptionsEnvironmentVariable: false,
      enableNodeCliInspectArguments: false,
      enableEmbeddedAsarIntegrityValidation: true,
      onlyLoadAppFromAsar: true,
      enableCookieEncryption: true,
    });
    expect((config.electronFuses as Record<string, unknown>).grantFileProtocolExtraPrivileges).toBe(false);
  });

  it('ships only the build output and package.json, with the main entry inside it', async () => {
    const config = await loadConfig();
    const files = config.files as string[];
    expect(files.filter((f) => !f.startsWith('!'))).toEqual(['dist/**', 'package.json']);
    expect(files).toContain('!**/*.test.*');
    const pkg = JSON.parse(await readFile(new URL('../../package.json', import.meta.url), 'utf8')) as { main: string };
    expect(pkg.main).toBe('dist/electron/main.cjs');
  });

  it('has an app id and a target for each desktop OS', async () => {
    const config = await loadConfig();
    expect(config.appId).toMatch(/^[a-z0-9-]+(\.[a-z0-9-]+)+$/);
    for (const os of ['linux', 'mac', 'win']) {
      const target = (config[os] as { target?: unknown } | undefined)?.target;
      expect(Array.isArray(target) && target.length > 0, os).toBe(true);
    }
  });
});
