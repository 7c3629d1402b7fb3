import { describe, expect, it } from 'vitest';
import { parseLocation } from './location';

describe('parseLocation', () => {
  it('parses smb URLs with user, port and subpath', () => {
    expect(parseLocation('smb://ana@NAS.local:4450/models/team a/v1')).toEqual({
      kind: 'smb',
      host: 'nas.local',
      port: 4450,
      share: 'models',
      subpath: 'team a/v1',
      user: 'ana',
      domain: null,
      url: 'smb://ana@nas.local:4450/models/team%20a/v1',
    });
  });

  it('accepts domain;user and UNC paths', () => {
    const a = parseLocation('smb://OFFICE;ana@nas/share');
    expect(a).toMatchObject({ kind: 'smb', user: 'ana', domain: 'OFFICE', share: 'share' });
    expect(parseLocation('\\\\nas\\share\\sub')).toMatchObject({ kind: 'smb', host: 'nas', share: 'share', subpath: 'sub', user: null });
  });

  it('accepts absolute local folders', () => {
    expect(parseLocation('/srv/models/')).toEqual({ kind: 'local', rootPath: '/srv/models', url: '/srv/models' });
  });

  it('refuses passwords in the address, missing shares and relative paths with a plain reason', () => {
    expect(() => parseLocation('smb://ana:secret@nas/share')).toThrow(/password field/);
    expect(() => parseLocation('smb://nas')).toThrow(/no shared folder/);
    expect(() => parseLocation('models/v1')).toThrow(/not a location/);
    expect(() => parseLocation('   ')).toThrow(/Type where your models are/);
    expect(() => parseLocation('smb://nas/share/%2e%2e/etc')).toThrow(/not allowed/);
  });
});
