import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { appPaths, dataPaths, USER_DATA_ENV, userDataOverride } from './paths';

describe('appPaths', () => {
  it('finds the bundles next to main.cjs and the UI beside dist/electron', () => {
    const dist = path.resolve('/opt/Modelshelf/resources/app.asar/dist');
    const paths = appPaths(path.join(dist, 'electron'));
    expect(paths.preload).toBe(path.join(dist, 'electron', 'preload.cjs'));
    expect(paths.utility).toBe(path.join(dist, 'electron', 'utility.cjs'));
    expect(paths.rendererRoot).toBe(path.join(dist, 'renderer'));
  });
});

describe('userDataOverride', () => {
  it('accepts only an absolute folder', () => {
    const abs = path.resolve('/tmp/e2e-1');
    expect(userDataOverride({ [USER_DATA_ENV]: abs })).toBe(abs);
    expect(userDataOverride({ [USER_DATA_ENV]: 'relative/dir' })).toBeNull();
    expect(userDataOverride({ [USER_DATA_ENV]: '' })).toBeNull();
    expect(userDataOverride({})).toBeNull();
  });
});

describe('dataPaths', () => {
  const userData = path.resolve('/home/a/.config/modelshelf');

  it('shares the CLI catalog folder by default and keeps passwords in userData', () => {
    const home = path.resolve('/srv/shared-home');
    const { engineDataDir, credentialsFile } = dataPaths(userData, { MODELSHELF_HOME: home });
    expect(engineDataDir).toBe(home);
    expect(credentialsFile).toBe(path.join(userData, 'share-passwords.json'));
  });

  it('keeps everything inside an overridden userData (per-test e2e folders)', () => {
    const override = path.resolve('/tmp/e2e-7');
    const { engineDataDir, credentialsFile } = dataPaths(override, { [USER_DATA_ENV]: override, MODELSHELF_HOME: '/elsewhere' });
    expect(engineDataDir).toBe(path.join(override, 'library'));
    expect(path.dirname(credentialsFile)).toBe(override);
  });
});
