import { describe, expect, it } from 'vitest';
import { parseLocation } from './location';

describe('parseLocation: host/share typed without smb://', () => {
  it('reads host.domain/share, host:port/share/path and user@host/share', () => {
    expect(parseLocation('nas.local/models')).toMatchObject({ kind: 'smb', host: 'nas.local', share: 'models', subpath: '', user: null, url: 'smb://nas.local/models' });
    expect(parseLocation('nas:445/models')).toMatchObject({ kind: 'smb', host: 'nas', port: 445, share: 'models' });
    expect(parseLocation('ana@nas/models')).toMatchObject({ kind: 'smb', host: 'nas', user: 'ana', share: 'models' });
    expect(parseLocation('teamnas.local:4450/models/llm/v2')).toMatchObject({
      kind: 'smb',
      host: 'teamnas.local',
      port: 4450,
      share: 'models',
      subpath: 'llm/v2',
      url: 'smb://teamnas.local:4450/models/llm/v2',
    });
    expect(parseLocation('ana@192.168.1.20/models')).toMatchObject({ host: '192.168.1.20', user: 'ana', url: 'smb://ana@192.168.1.20/models' });
  });

  it('still refuses what is not a location, and a host without a share', () => {
    expect(() => parseLocation('models')).toThrow(/not a location/);
    // A single word before the slash could be a relative folder: refused, with the smb:// spelling offered.
    expect(() => parseLocation('nas/models')).toThrow(/not a location .* If nas is the NAS's name, type smb:\/\/nas\/models\./);
    expect(() => parseLocation('nas/')).toThrow(/not a location/);
    expect(() => parseLocation('ana:secret@nas/models')).toThrow();
    // Absolute folders stay local folders.
    expect(parseLocation('/srv/models')).toMatchObject({ kind: 'local' });
  });
});
