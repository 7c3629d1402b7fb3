import { describe, expect, it } from 'vitest';
import { serviceToSighting } from './mdns';
import { mergeSightings } from './merge';

describe('serviceToSighting', () => {
  it('turns Bonjour services into sightings (SMB port, model, no link-local IPv6)', () => {
    const referer = { address: '10.231.0.1', family: 'IPv4' as const, port: 5353, size: 300 };
    expect(
      serviceToSighting({ name: 'Team NAS', type: 'smb', port: 445, host: 'teamnas.local', addresses: ['fe80::1', '10.231.0.1'], txt: {}, referer }),
    ).toEqual({
      via: 'mdns',
      addresses: ['10.231.0.1'],
      hostnames: ['teamnas.local'],
      services: ['_smb._tcp'],
      instanceName: 'Team NAS',
      fileServer: true,
      smbPort: 445,
    });
    expect(
      serviceToSighting({ name: 'Team NAS', type: 'device-info', port: 0, host: 'teamnas.local', addresses: [], txt: { model: 'RackMac' }, referer }),
    ).toMatchObject({ model: 'RackMac', services: ['_device-info._tcp'] });
  });
});

describe('mergeSightings', () => {
  it('one row per device across protocols, joined by address and by name', () => {
    const devices = mergeSightings([
      { via: 'mdns', addresses: ['10.231.0.1'], hostnames: ['teamnas.local'], services: ['_smb._tcp'], instanceName: 'Team NAS', fileServer: true, smbPort: 445 },
      { via: 'mdns', addresses: ['10.231.0.1'], hostnames: ['teamnas.local'], services: ['_device-info._tcp'], instanceName: 'Team NAS', model: 'RackMac' },
      { via: 'wsd', addresses: ['10.231.0.1'], hostnames: [], friendlyName: 'WSD Device TEAMNAS', netbiosName: 'TEAMNAS', workgroup: 'OFFICE', fileServer: true },
      { via: 'netbios', addresses: ['10.231.0.1'], hostnames: [], netbiosName: 'TEAMNAS', workgroup: 'OFFICE', fileServer: true },
      // Mounted by name only (no address known): joins through the name.
      {
        via: 'mounted',
        addresses: [],
        hostnames: ['teamnas'],
        mounted: { url: 'smb://teamnas/models', host: 'teamnas', share: 'models', mountPoint: '/mnt/models', via: 'cifs' },
      },
      // Another machine: a workstation seen by NetBIOS only, on a non-standard SMB port via Bonjour.
      { via: 'netbios', addresses: ['10.231.0.9'], hostnames: [], netbiosName: 'LAPTOP', fileServer: false },
      { via: 'mdns', addresses: ['10.231.0.7'], hostnames: ['backup.local'], services: ['_smb._tcp'], instanceName: 'Backup', fileServer: true, smbPort: 4450 },
    ]);
    expect(devices).toHaveLength(3);
    expect(devices[0]).toEqual({
      id: '10.231.0.7',
      name: 'Backup',
      addresses: ['10.231.0.7'],
      hostnames: ['backup.local'],
      foundBy: ['mdns'],
      fileServer: true,
      smbPort: 4450,
      model: null,
      workgroup: null,
      services: ['_smb._tcp'],
      mounted: [],
      url: 'smb://10.231.0.7:4450',
    });
    expect(devices[1]).toMatchObject({
      id: '10.231.0.1',
      name: 'Team NAS',
      addresses: ['10.231.0.1'],
      hostnames: ['teamnas.local', 'teamnas', 'TEAMNAS'],
      foundBy: ['mdns', 'wsd', 'netbios', 'mounted'],
      fileServer: true,
      smbPort: null,
      model: 'RackMac',
      workgroup: 'OFFICE',
      services: ['_device-info._tcp', '_smb._tcp'],
      url: 'smb://10.231.0.1',
    });
    expect(devices[1]?.mounted.map((m) => m.mountPoint)).toEqual(['/mnt/models']);
    expect(devices[2]).toMatchObject({ name: 'LAPTOP', fileServer: false, foundBy: ['netbios'] });
  });

  it('names a device by WS-Discovery or NetBIOS when Bonjour is silent, skipping generic names', () => {
    const [d] = mergeSightings([{ via: 'wsd', addresses: ['10.231.0.3'], hostnames: [], friendlyName: 'WSD Device NAS2', netbiosName: 'NAS2' }]);
    expect(d?.name).toBe('NAS2');
    const [e] = mergeSightings([{ via: 'wsd', addresses: ['10.231.0.4'], hostnames: [], friendlyName: 'DiskStation', netbiosName: 'DS918' }]);
    expect(e?.name).toBe('DiskStation');
  });
});
